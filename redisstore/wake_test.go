package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
)

// TestADriverComingOnlineIsOfferedAWaitingTripAtOnce: a trip nobody could
// take is searched again the moment a driver near it comes online, not a
// retry interval later.
func TestADriverComingOnlineIsOfferedAWaitingTripAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		trip := f.request(f.requester(), 100*time.Minute)
		require.Equal(t, dispatch.Queued, trip.Status, "nobody online")

		d := f.driver(near(0.5))
		require.NoError(t, f.s.Work(f.ctx)) // the clock has not moved
		assert.Equal(t, []string{trip.ID}, f.offers(d))
	})
}

// TestAFreedDriverIsOfferedAWaitingTripAtOnce: with the only car near
// full, a second trip waits; when the first is cancelled, the second is
// offered to the car at once.
func TestAFreedDriverIsOfferedAWaitingTripAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		d := f.driver(centre, func(r *fleet.DriverRegistration) { r.Vehicle.Seats = 1 })

		// Two rides in the same quarter of an hour, 4 km apart: one car
		// with one seat can carry either, never both.
		at := func(km float64) *dispatch.Place {
			p := near(km)
			return &dispatch.Place{Lat: p.Lat, Lng: p.Lng, Address: "Gate"}
		}
		ride := func(from, to float64) dispatch.Request {
			r := f.tripRequest(0)
			r.Pickup, r.Dropoff = at(from), at(to)
			r.PickupAfter = &heartlink.Timestamp{Time: f.clock.Now().Add(20 * time.Minute)}
			r.ArriveBy = &heartlink.Timestamp{Time: f.clock.Now().Add(36 * time.Minute)}
			return r
		}
		first, err := f.s.Request(f.ctx, school, ride(0, 2))
		require.NoError(t, err)
		_, err = f.s.Accept(f.ctx, d, first.ID)
		require.NoError(t, err)
		second, err := f.s.Request(f.ctx, school, ride(-4, -6))
		require.NoError(t, err)
		require.Equal(t, dispatch.Queued, second.Status, "the only car cannot take it as well")
		require.NoError(t, f.s.Work(f.ctx))
		require.Empty(t, f.offers(d))

		_, err = f.s.Cancel(f.ctx, school, first.ID)
		require.NoError(t, err)
		require.NoError(t, f.s.Work(f.ctx)) // the clock has not moved
		assert.Equal(t, []string{second.ID}, f.offers(d), "the freed car is offered the waiting trip")
	})
}

// TestADryAreaIsNotSearchedAgainUntilADriverIsFreed: once a full search
// found nobody, the next trip like it from the same area waits without
// reading a single driver; freeing a driver offers it at once.
func TestADryAreaIsNotSearchedAgainUntilADriverIsFreed(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		// Every ride in the same twenty minutes: a one-seat car carries one.
		window := func(r dispatch.Request) dispatch.Request {
			r.PickupAfter = &heartlink.Timestamp{Time: f.clock.Now().Add(60 * time.Minute)}
			r.ArriveBy = &heartlink.Timestamp{Time: f.clock.Now().Add(80 * time.Minute)}
			return r
		}
		var busy []heartlink.Principal
		for i := range 5 {
			d := f.driver(near(float64(i)*0.3), func(r *fleet.DriverRegistration) { r.Vehicle.Seats = 1 })
			tr, err := f.s.Request(f.ctx, school, window(f.tripRequest(0)))
			require.NoError(t, err)
			_, err = f.s.Accept(f.ctx, d, tr.ID)
			require.NoError(t, err)
			busy = append(busy, d)
		}
		rideFar := func() dispatch.Request {
			r := window(f.tripRequest(0))
			from, to := near(-5), near(-4)
			r.Pickup = &dispatch.Place{Lat: from.Lat, Lng: from.Lng, Address: "Gate"}
			r.Dropoff = &dispatch.Place{Lat: to.Lat, Lng: to.Lng, Address: "School"}
			return r
		}
		first, err := f.s.Request(f.ctx, school, rideFar())
		require.NoError(t, err)
		require.Equal(t, dispatch.Queued, first.Status, "every car is full: %v", f.actions(first.ID))

		rt0 := f.rt.n.Load()
		second, err := f.s.Request(f.ctx, school, rideFar())
		require.NoError(t, err)
		assert.Equal(t, dispatch.Queued, second.Status)
		assert.EqualValues(t, 2, f.rt.n.Load()-rt0, "booked and set waiting, no driver read")

		held, err := f.s.Trips(f.ctx, busy[0], dispatch.Filter{})
		require.NoError(t, err)
		require.NotEmpty(t, held)
		_, err = f.s.Cancel(f.ctx, school, held[0].ID)
		require.NoError(t, err)
		require.NoError(t, f.s.Work(f.ctx))
		offered := f.offers(busy[0])
		assert.NotEmpty(t, offered, "the freed car is offered the waiting trips at once")
		assert.Subset(t, []string{first.ID, second.ID}, offered)

		rt0 = f.rt.n.Load()
		_, err = f.s.Request(f.ctx, school, rideFar())
		require.NoError(t, err)
		assert.Greater(t, f.rt.n.Load()-rt0, int64(2), "someone was freed since: the drivers are read again")
	})
}
