package integration

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
)

// TestLiveShutdown stops a server with SIGTERM, as a deploy does: every
// socket is closed with 1001 "going away", so apps reconnect (elsewhere)
// at once instead of waiting for a timeout, and the process exits 0.
func TestLiveShutdown(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(home)
		drv.online(home)
		socks := []*liveConn{drv.live(t), f.board(), school.live(t)}

		start := time.Now()
		srv.Stop() // SIGTERM, and checks the exit status
		for _, s := range socks {
			ce := s.requireClosedWith(frameWait, websocket.CloseGoingAway)
			assert.Equal(t, "going away", ce.Text, "%s: close reason", s.who)
		}
		t.Logf("all sockets closed %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	})
}
