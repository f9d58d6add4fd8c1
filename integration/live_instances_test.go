package integration

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveTwoInstances runs two server processes on one Redis, behind a
// load balancer that put the driver's socket on B and the school and the
// board on A: the driver is offered the trip requested on A, accepts it
// over B, and the board on A sees it assigned. On real Redis and on a
// Redis Cluster (pub/sub, the event stream and every script across slots
// and nodes), not on the embedded store, which lives inside one process.
func TestLiveTwoInstances(t *testing.T) {
	for name, store := range map[string]func(testing.TB) backend{"redis": realRedis, "cluster": clusterRedis} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			liveTwoInstances(t, store(t))
		})
	}
}

func liveTwoInstances(t *testing.T, b backend) {
	a, bb := liveServer(t, b, "-offers-at-once", "2"), liveServer(t, b, "-offers-at-once", "2")
	f := newFixture(t, a)
	school := f.addRequester("school")
	winner, loser := f.addDriver(north(home, 0.5)), f.addDriver(north(home, 1))
	winner.online(north(home, 0.5))
	loser.online(north(home, 1))
	onB := winner.on(bb).live(t)
	loserOnA := loser.live(t)
	board := f.board()
	watch := school.live(t)

	req := examTrip(3 * time.Hour)
	tr := school.request(req)
	f.explainOnFailure(tr.ID)
	o := onB.wait(offerWait, "the offer, on B, of a trip requested on A", of("offer", tr.ID))
	assertHides(t, o.raw, secrets(req), "an offer frame on B")
	loserOnA.wait(offerWait, "the offer on A", of("offer", tr.ID))

	ackFrame, ack := onB.do("accept", map[string]any{"trip_id": tr.ID})
	require.Equal(t, "ack", ackFrame.Type, "accepting over B: %s", ackFrame)
	var result struct{ Trip trip }
	require.NoError(t, json.Unmarshal(ack.Result, &result))
	assert.Equal(t, winner.ID, result.Trip.DriverID)
	onB.wait(frameWait, "the assigned frame on B", of("assigned", tr.ID))

	w := loserOnA.wait(frameWait, "the offer withdrawn on A", of("offer_withdrawn", tr.ID))
	assert.Equal(t, "taken", w.str("reason"), "%s", w)
	got := board.wait(frameWait, "the assignment on A's board", tripFrame(tr.ID, assigned))
	assert.Equal(t, winner.ID, got.str("driver_id"), "%s", got)
	mine := watch.wait(frameWait, "the assignment on the school's socket on A", tripFrame(tr.ID, assigned))
	assert.Equal(t, winner.ID, mine.str("driver_id"), "%s", mine)
	assert.Equal(t, winner.ID, school.trip(tr.ID).DriverID)

	// The same trip, answered over the other instance with another
	// request: taken, for the loser; already theirs, for the winner.
	loserOnA.fails("accept", map[string]any{"trip_id": tr.ID}, "trip_taken")
	assert.Equal(t, []string{"requested", "offered", "offered", "accepted"}, actions(f.events(tr.ID)))
}
