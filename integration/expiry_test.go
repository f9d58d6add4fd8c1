package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOfferMovesOn has two eligible volunteers, offered one at a time: an
// offer that expires unanswered, or is declined, goes to the other, and a
// trip nobody takes ends unassigned for the fleet office to handle.
func TestOfferMovesOn(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		for _, c := range []struct {
			name, ttl string
			// answer is what each driver does with the offer.
			answer func(t *testing.T, d *driver, tripID string)
			action string // in the audit trail
			actor  func(d *driver) string
		}{
			{
				name: "expiry", ttl: "500ms",
				answer: func(t *testing.T, d *driver, tripID string) {
					// Nothing: the offer runs out.
					eventually(t, 5*time.Second, "the offer to "+d.ID+" to expire", func() bool {
						_, ok := d.offerOf(tripID)
						return !ok
					})
				},
				action: "expired",
				actor:  func(*driver) string { return "system" },
			},
			{
				// A long TTL: the offer moves on because of the decline.
				name: "decline", ttl: "30s",
				answer: func(t *testing.T, d *driver, tripID string) {
					var body struct {
						TripID   string `json:"trip_id"`
						Declined bool   `json:"declined"`
					}
					d.post("/api/v1/trips/"+tripID+"/decline", nil).must(t, http.StatusOK, &body)
					assert.Equal(t, tripID, body.TripID)
					assert.True(t, body.Declined)
					_, ok := d.offerOf(tripID)
					assert.False(t, ok, "a declined offer leaves the driver's offers")
					d.post("/api/v1/trips/"+tripID+"/decline", nil).fails(t, http.StatusConflict, "conflict")
				},
				action: "declined",
				actor:  func(d *driver) string { return "driver:" + d.ID },
			},
		} {
			t.Run(c.name, func(t *testing.T) {
				srv := startServer(t, b.fresh(t), "-offer-ttl", c.ttl, "-offers-at-once", "1")
				f := newFixture(t, srv)
				school := f.addRequester("school")
				near, far := f.addDriver(north(home, 0.5)), f.addDriver(north(home, 2))
				near.online(north(home, 0.5))
				far.online(north(home, 2))

				tr := school.request(examTrip(3 * time.Hour))
				f.explainOnFailure(tr.ID)
				o := near.waitOffer(tr.ID)
				if c.name == "expiry" {
					assert.WithinDuration(t, time.Now().Add(500*time.Millisecond), o.ExpiresAt, 2*time.Second,
						"the offer says when it expires")
				}
				_, ok := far.offerOf(tr.ID)
				require.False(t, ok, "with -offers-at-once 1 the farther driver waits their turn")

				c.answer(t, near, tr.ID)
				far.waitOffer(tr.ID)
				_, ok = near.offerOf(tr.ID)
				assert.False(t, ok, "the offer is not made twice to the same driver")

				c.answer(t, far, tr.ID)
				school.waitStatus(tr.ID, unassigned, 10*time.Second)
				var board struct{ Trips []trip }
				f.admin.get("/api/v1/trips?status=unassigned").must(t, http.StatusOK, &board)
				assert.Equal(t, []string{tr.ID}, tripIDs(board.Trips), "the fleet office sees the trip nobody took")
				for _, d := range []*driver{near, far} {
					_, ok := d.offerOf(tr.ID)
					assert.False(t, ok, "driver %s holds no offer of an unassigned trip", d.ID)
				}

				want := []event{
					{Action: "requested", To: queued},
					{Action: "offered", From: queued, To: offered, DriverID: near.ID},
					{Action: c.action, Actor: c.actor(near), DriverID: near.ID},
					{Action: "requeued", To: queued},
					{Action: "offered", From: queued, To: offered, DriverID: far.ID},
					{Action: c.action, Actor: c.actor(far), DriverID: far.ID},
					{Action: "requeued", To: queued},
					{Action: "unassigned", Actor: "system", From: queued, To: unassigned},
				}
				es := f.events(tr.ID)
				require.Equal(t, actions(want), actions(es))
				for i, w := range want {
					if w.Actor != "" {
						assert.Equal(t, w.Actor, es[i].Actor, "actor of event %d (%s)", i, w.Action)
					}
					if w.DriverID != "" {
						assert.Equal(t, w.DriverID, es[i].DriverID, "driver of event %d (%s)", i, w.Action)
					}
					if w.To != "" {
						assert.Equal(t, w.To, es[i].To, "status after event %d (%s)", i, w.Action)
					}
					if w.From != "" {
						assert.Equal(t, w.From, es[i].From, "status before event %d (%s)", i, w.Action)
					}
				}

				if c.name == "expiry" {
					m := srv.client("").get("/metrics").must(t, http.StatusOK, nil)
					assert.Contains(t, string(m.Body), "\nheartlink_expiries_total 2\n", "the operator sees both expiries")
					assert.Contains(t, string(m.Body), "\nheartlink_unassigned_total 1\n", "and the trip nobody took")
				}

				// The fleet office puts it back in the queue: a fresh search
				// offers it to the nearest driver again.
				var rq trip
				f.admin.post("/api/v1/trips/"+tr.ID+"/requeue", nil).must(t, http.StatusOK, &rq)
				assert.Contains(t, []string{queued, offered}, rq.Status)
				near.waitOffer(tr.ID)
				near.accept(tr.ID).must(t, http.StatusOK, nil)
				assert.Equal(t, near.ID, school.trip(tr.ID).DriverID)
			})
		}
	})
}
