package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrashMidFlow kills the server with SIGKILL in the middle of a trip and
// starts a new process on the same Redis: nothing a user was shown is lost.
// Real Redis only: the embedded store is in memory by design.
func TestCrashMidFlow(t *testing.T) {
	t.Parallel()

	t.Run("offer and assignment survive", func(t *testing.T) {
		t.Parallel()
		b := realRedis(t)
		first := startServer(t, b)
		f := newFixture(t, first)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 1))
		drv.online(north(home, 1))
		tr := school.request(examTrip(3 * time.Hour))
		before := drv.waitOffer(tr.ID)

		first.crash()
		second := startServer(t, b)
		drv2, school2 := drv.on(second), school.on(second)
		after, ok := drv2.offerOf(tr.ID)
		require.True(t, ok, "the driver's offer is still there after the crash")
		assert.True(t, before.ExpiresAt.Equal(after.ExpiresAt), "the offer keeps its expiry: %v, then %v", before.ExpiresAt, after.ExpiresAt)
		var got trip
		drv2.accept(tr.ID).must(t, http.StatusOK, &got)
		assert.Equal(t, drv.ID, got.DriverID)
		assert.Equal(t, assigned, school2.trip(tr.ID).Status)

		second.crash()
		third := startServer(t, b)
		drv3, school3 := drv.on(third), school.on(third)
		kept := school3.trip(tr.ID)
		assert.Equal(t, assigned, kept.Status, "an accepted trip survives a crash")
		assert.Equal(t, drv.ID, kept.DriverID)
		drv3.progress(tr.ID, "arrived").must(t, http.StatusOK, nil)
		assert.Equal(t, arrived, school3.trip(tr.ID).Status)
		f.admin = third.client(adminToken)
		assert.Equal(t, []string{"requested", "offered", "accepted", "arrived"}, actions(f.events(tr.ID)))
	})

	t.Run("offer expires after the crash", func(t *testing.T) {
		t.Parallel()
		b := realRedis(t)
		const ttl = 3 * time.Second
		flags := []string{"-offer-ttl", ttl.String(), "-offers-at-once", "1"}
		first := startServer(t, b, flags...)
		f := newFixture(t, first)
		school := f.addRequester("school")
		near, far := f.addDriver(north(home, 0.5)), f.addDriver(north(home, 2))
		near.online(north(home, 0.5))
		far.online(north(home, 2))
		tr := school.request(examTrip(3 * time.Hour))
		o := near.waitOffer(tr.ID)

		first.crash()
		require.True(t, time.Now().Before(o.ExpiresAt), "the crash must come before the offer expires for this test to mean anything")
		second := startServer(t, b, flags...)
		f.admin = second.client(adminToken)
		f.explainOnFailure(tr.ID)
		far.on(second).waitOffer(tr.ID)
		es := f.events(tr.ID)
		require.GreaterOrEqual(t, len(es), 3)
		assert.Equal(t, []string{"requested", "offered", "expired"}, actions(es[:3]))
		assert.Equal(t, near.ID, es[2].DriverID)
		assert.False(t, es[2].At.Before(o.ExpiresAt), "expired at %v, before the deadline %v", es[2].At, o.ExpiresAt)
	})
}
