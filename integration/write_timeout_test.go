package integration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteTimeoutSparesSockets runs a server whose HTTP answers must be
// written within a second: a driver's socket still gets the frames of an
// offer that expires 2.5 seconds later, and still answers requests. (The
// timeout is no shorter so that a loaded machine still answers the
// fixture's requests in time.)
func TestWriteTimeoutSparesSockets(t *testing.T) {
	srv := liveServer(t, embedded(), "-write-timeout", "1s", "-offer-ttl", "2500ms", "-offers-at-once", "1")
	f := newFixture(t, srv)
	school := f.addRequester("school")
	drv := f.addDriver(home)
	drv.online(home)
	sock := drv.live(t)
	opened := time.Now()

	tr := school.request(examTrip(3 * time.Hour))
	sock.wait(offerWait, "the offer", of("offer", tr.ID))
	w := sock.wait(offerWait, "the offer withdrawn once it expires", of("offer_withdrawn", tr.ID))
	assert.Equal(t, "expired", w.str("reason"), "%s", w)
	require.Greater(t, time.Since(opened), time.Second, "the frame came after the write timeout")
	sock.ack("presence", map[string]any{"status": "offline"})
	assert.True(t, sock.isOpen())
}
