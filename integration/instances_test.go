package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTwoInstances runs two server processes on one Redis and prefix, as a
// deployment behind a load balancer does: whichever instance a request
// reaches, every user sees the same trips, and background work happens
// once. Real Redis only: each embedded store lives inside its own process.
func TestTwoInstances(t *testing.T) {
	t.Parallel()

	t.Run("requested on A, accepted on B", func(t *testing.T) {
		t.Parallel()
		b := realRedis(t)
		a, bb := startServer(t, b), startServer(t, b)
		f := newFixture(t, a)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 1))
		onB := drv.on(bb)
		onB.online(north(home, 1))

		tr := school.request(examTrip(3 * time.Hour))
		f.explainOnFailure(tr.ID)
		onB.waitOffer(tr.ID)
		var got trip
		onB.accept(tr.ID).must(t, http.StatusOK, &got)
		assert.Equal(t, drv.ID, got.DriverID)

		seen := school.trip(tr.ID)
		assert.Equal(t, assigned, seen.Status, "the school, on A, sees the acceptance made on B")
		assert.Equal(t, drv.ID, seen.DriverID)
		drv.accept(tr.ID).must(t, http.StatusOK, nil) // accepting again, on A, answers with the same assignment
		other := f.addDriver(north(home, 1))
		other.on(bb).accept(tr.ID).fails(t, http.StatusConflict, "trip_taken")
		assert.Equal(t, []string{"requested", "offered", "accepted"}, actions(f.events(tr.ID)))
	})

	t.Run("each expiry handled once", func(t *testing.T) {
		t.Parallel()
		b := realRedis(t)
		flags := []string{"-offer-ttl", "300ms", "-offers-at-once", "1"}
		a, bb := startServer(t, b, flags...), startServer(t, b, flags...)
		f := newFixture(t, a)
		school := f.addRequester("school")
		near, far := f.addDriver(north(home, 0.5)), f.addDriver(north(home, 2))
		near.online(north(home, 0.5))
		far.on(bb).online(north(home, 2))

		tr := school.on(bb).request(examTrip(3 * time.Hour))
		f.explainOnFailure(tr.ID)
		school.waitStatus(tr.ID, unassigned, 10*time.Second)
		require.Equal(t, []string{"requested", "offered", "expired", "requeued", "offered", "expired", "requeued", "unassigned"},
			actions(f.events(tr.ID)), "two instances working the same deadlines expire each offer once")
	})
}
