package redisstore

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
)

// TestRaceInsertionsIntoOverlappingRoutes has 50 drivers accept, all at
// once, every offer they hold of 100 trips of one morning, each trip
// offered to five of them: every route still keeps every rule, no car is
// over its seats at any leg, and no trip is on two routes or assigned to a
// driver whose route lacks it.
func TestRaceInsertionsIntoOverlappingRoutes(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, func(p *dispatch.Policy) { p.OffersAtOnce = 5 })
		var drivers []heartlink.Principal
		for i := range 50 {
			drivers = append(drivers, f.driver(near(0.2+float64(i%10)*0.3)))
		}
		school := f.requester()
		var trips []string
		for i := range 100 {
			r := f.tripRequest(time.Hour + time.Duration(i%20)*time.Minute)
			r.Pickup.Lat += float64(i%7) * 0.003
			tr, err := f.s.Request(f.ctx, school, r)
			require.NoError(t, err)
			trips = append(trips, tr.ID)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for _, d := range drivers {
			for _, id := range f.offers(d) {
				wg.Go(func() {
					_, err := f.store().Accept(f.ctx, d, id)
					mu.Lock()
					codes[heartlink.ErrorCode(err)]++
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		require.NotZero(t, codes[""], "some offers were accepted: %v", codes)
		for code := range codes {
			assert.Contains(t, []string{"", heartlink.ETaken, heartlink.EConflict, heartlink.EClash}, code, "answers: %v", codes)
		}
		held := f.checkRoutes(4, drivers...)
		total := 0
		for _, n := range held {
			total += n
		}
		assigned := 0
		for _, id := range trips {
			if f.trip(id).Status == dispatch.Assigned {
				assigned++
			}
		}
		t.Logf("answers %v; %d trips on %d routes", codes, total, len(held))
		assert.Equal(t, assigned, total, "every assigned trip is on exactly one route")
		assert.Greater(t, total, len(drivers), "cars carry more than one student each")
	})
}

// TestAStaleInsertionChangesNothing applies an insertion computed before
// the driver's route changed: it is refused with conflict and neither the
// trip nor the route is touched.
func TestAStaleInsertionChangesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		first := f.request(school, 3*time.Hour)
		d := f.driver(near(0.5))
		stale := f.request(school, 3*time.Hour+5*time.Minute)
		c, err := f.s.candidate(f.ctx, d.ID, stale)
		require.NoError(t, err)
		ins, why := f.s.policy.Fit(stale, c)
		require.Equal(t, dispatch.Eligible, why)

		_, err = f.s.Accept(f.ctx, d, first.ID) // the route moves on
		require.NoError(t, err)
		before, err := f.s.DriverRoute(f.ctx, coordinator, d.ID)
		require.NoError(t, err)
		trip := f.trip(stale.ID)

		_, res, err := f.s.accept(f.ctx, stale.ID, d.ID, "claim", trip.Version, d.String(), f.s.proposalOf(&ins, nil))
		require.NoError(t, err)
		assert.Equal(t, "conflict", res)
		after, err := f.s.DriverRoute(f.ctx, coordinator, d.ID)
		require.NoError(t, err)
		assert.Equal(t, before, after, "the route is as it was")
		assert.Equal(t, trip, f.trip(stale.ID), "the trip is as it was")

		// Claimed the ordinary way, it is fitted into the route as it is.
		_, err = f.s.Accept(f.ctx, d, stale.ID)
		require.NoError(t, err)
		assert.Equal(t, 2, f.checkRoutes(4, d)[d.ID])
	})
}

// TestReleasingATripTakesItOffTheRoute drops a trip and cancels another:
// both leave the route, the others keep their times.
func TestReleasingATripTakesItOffTheRoute(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		d := f.driver(near(0.5))
		var ids []string
		for i := range 3 {
			tr := f.request(school, 2*time.Hour+time.Duration(i)*time.Minute)
			_, err := f.s.Accept(f.ctx, d, tr.ID)
			require.NoError(t, err)
			ids = append(ids, tr.ID)
		}
		require.Equal(t, 3, f.checkRoutes(4, d)[d.ID])
		_, err := f.s.Release(f.ctx, d, ids[0])
		require.NoError(t, err)
		_, err = f.s.Cancel(f.ctx, school, ids[1])
		require.NoError(t, err)
		r, err := f.s.DriverRoute(f.ctx, d, d.ID)
		require.NoError(t, err)
		assert.Equal(t, []string{ids[2]}, r.Trips())
		f.checkRoutes(4, d)
	})
}

func TestAnOfferIsItsDriversUntilAnswered(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		offered, other := f.driver(near(0.5)), f.driver(near(1))
		trip := f.request(f.requester(), time.Hour)
		require.Equal(t, []string{trip.ID}, f.offers(offered))
		_, err := f.s.Accept(f.ctx, other, trip.ID)
		require.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "nobody else claims a trip while it is offered: %v", err)
		assert.Contains(t, heartlink.ErrorMessage(err), "being offered to another driver until")
		require.NoError(t, f.s.Decline(f.ctx, offered, trip.ID))
		assert.Equal(t, []string{trip.ID}, f.offers(other), "declined, it moves on")
		_, err = f.s.Accept(f.ctx, other, trip.ID)
		require.NoError(t, err)
	})
}

func TestAClosedCampaignsTripsAreForItsDrivers(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(10, true) // not open to all
		signed := f.driver(near(3))
		_, err := f.s.SignUp(f.ctx, signed, c.ID, c.Shifts[0].ID)
		require.NoError(t, err)
		outsider := f.driver(near(0.5))
		sh, _ := time.LoadLocation("Asia/Shanghai")
		r := f.tripRequest(0)
		r.ArriveBy = &heartlink.Timestamp{Time: time.Date(2027, 6, 7, 8, 30, 0, 0, sh)}
		r.CampaignID = c.ID
		trip, err := f.s.Request(f.ctx, f.requester(), r)
		require.NoError(t, err)
		f.clock.Advance(time.Date(2027, 6, 7, 6, 40, 0, 0, sh).Sub(f.clock.Now()))
		open, err := f.s.Trips(f.ctx, outsider, dispatch.Filter{Open: true})
		require.NoError(t, err)
		for _, o := range open {
			assert.NotEqual(t, trip.ID, o.ID, "a closed campaign's trip is not listed to a driver who did not sign up")
		}
		_, err = f.s.Accept(f.ctx, outsider, trip.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "nor can they claim it: %v", err)
	})
}

func TestTheQueueServesTheLeastSlackFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		loose := f.request(school, 100*time.Minute) // booked first, plenty of time: due first in the queue
		f.clock.Advance(time.Second)
		tight := f.request(school, 40*time.Minute)
		require.Equal(t, dispatch.Queued, f.trip(tight.ID).Status, "nobody online yet")
		start, err := f.s.LastChange(f.ctx)
		require.NoError(t, err)
		f.clock.Advance(f.pol.RetryAfter)
		d := f.driver(near(0.5))
		require.NoError(t, f.s.Work(f.ctx))
		cs, _, err := f.s.History(f.ctx, start, []string{"driver:" + d.ID}, 100)
		require.NoError(t, err)
		var offered []string
		for _, c := range cs {
			if c.Kind == dispatch.ChangeOffer {
				var o dispatch.Offer
				require.NoError(t, json.Unmarshal(c.Data, &o))
				offered = append(offered, o.TripID)
			}
		}
		assert.Equal(t, []string{tight.ID, loose.ID}, offered, "the trip with the least time left is searched for first")
	})
}
