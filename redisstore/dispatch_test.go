package redisstore

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
)

func TestRequestOffersTheNearestEligibleDriver(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		far := f.driver(near(5))
		notVerified := f.driver(near(0.2), unverified)
		nearest := f.driver(near(1))
		trip := f.request(f.requester(), time.Hour)

		assert.Equal(t, dispatch.Offered, trip.Status)
		assert.Equal(t, []string{trip.ID}, f.offers(nearest))
		assert.Empty(t, f.offers(far))
		assert.Empty(t, f.offers(notVerified), "a student offered to a driver not verified for minors")
		assert.Equal(t, []string{"requested queued", "offered offered"}, f.actions(trip.ID))
	})
}

func TestAcceptRaceHasOneWinner(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		const n = 50
		f := newFixture(t, b, func(p *dispatch.Policy) { p.OffersAtOnce = n })
		drivers := make([]heartlink.Principal, n)
		for i := range drivers {
			drivers[i] = f.driver(near(float64(i) / 10))
		}
		trip := f.request(f.requester(), time.Hour)

		var wg sync.WaitGroup
		results := make([]error, n)
		for i, d := range drivers {
			wg.Go(func() {
				_, results[i] = f.store().Accept(f.ctx, d, trip.ID)
			})
		}
		wg.Wait()
		winners, taken := 0, 0
		winner := ""
		for i, err := range results {
			switch heartlink.ErrorCode(err) {
			case "":
				winners++
				winner = drivers[i].ID
			case heartlink.ETaken:
				taken++
			default:
				t.Errorf("driver %d: %v", i, err)
			}
		}
		assert.Equal(t, 1, winners)
		assert.Equal(t, n-1, taken)
		got := f.trip(trip.ID)
		assert.Equal(t, dispatch.Assigned, got.Status)
		assert.Equal(t, winner, got.DriverID)
		for _, d := range drivers {
			assert.Empty(t, f.offers(d), "offers are withdrawn once the trip is taken")
		}
	})
}

func TestOneDriverHoldsOnlyWhatFits(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		d := f.driver(near(0.5))
		// Ten students of one street to one school this hour, all offered to
		// the one driver near, who accepts every offer at once from ten
		// clients: the car takes as many as fit, pooled and chained, and the
		// rest are refused, never squeezed in.
		var trips []*dispatch.Trip
		for i := range 10 {
			trips = append(trips, f.request(school, time.Hour+time.Duration(i)*time.Minute))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(trips))
		for i, tr := range trips {
			wg.Go(func() { _, errs[i] = f.store().Accept(f.ctx, d, tr.ID) })
		}
		wg.Wait()
		accepted := 0
		for i, err := range errs {
			if err == nil {
				accepted++
				continue
			}
			assert.Contains(t, []string{heartlink.EConflict, heartlink.EClash}, heartlink.ErrorCode(err), "trip %d: %v", i, err)
		}
		held := f.checkRoutes(4, d)
		assert.Equal(t, accepted, held[d.ID], "every accepted trip is on the route, and only those")
		assert.GreaterOrEqual(t, accepted, 4, "a car of four seats carries four neighbours together")
		assert.Less(t, accepted, 10, "but not ten students in one hour")
	})
}

func TestDeclineAndExpiryMoveTheOfferOn(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		first := f.driver(near(0.5))
		second := f.driver(near(1.5))
		third := f.driver(near(2.5))
		trip := f.request(f.requester(), time.Hour)
		require.Equal(t, []string{trip.ID}, f.offers(first))

		require.NoError(t, f.s.Decline(f.ctx, first, trip.ID))
		assert.Empty(t, f.offers(first))
		assert.Equal(t, []string{trip.ID}, f.offers(second), "declined: next candidate")

		// The second offer expires unanswered; any instance's worker moves it on.
		f.clock.Advance(f.pol.OfferTTL + time.Millisecond)
		require.NoError(t, f.store().Work(f.ctx))
		assert.Equal(t, []string{trip.ID}, f.offers(third), "expired: next candidate")
		assert.Equal(t, dispatch.Offered, f.trip(trip.ID).Status)

		f.clock.Advance(f.pol.OfferTTL + time.Millisecond)
		require.NoError(t, f.s.Work(f.ctx))
		assert.Equal(t, dispatch.Unassigned, f.trip(trip.ID).Status, "nobody left to ask")
		assert.Equal(t, []string{
			"requested queued", "offered offered",
			"declined offered", "requeued queued", "offered offered",
			"expired offered", "requeued queued", "offered offered",
			"expired offered", "requeued queued", "unassigned unassigned",
		}, f.actions(trip.ID))

		// A late answer finds nothing to accept or decline.
		_, err := f.s.Accept(f.ctx, first, trip.ID)
		assert.NoError(t, err, "an unassigned trip is open: the driver may still claim it")
	})
}

func TestExpiryIsHandledOnceAcrossInstances(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		f.driver(near(0.5))
		second := f.driver(near(1.5))
		trip := f.request(f.requester(), time.Hour)
		f.clock.Advance(f.pol.OfferTTL + time.Millisecond)

		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() { assert.NoError(t, f.store().Work(f.ctx)) })
		}
		wg.Wait()
		assert.Equal(t, []string{trip.ID}, f.offers(second))
		expired := 0
		for _, a := range f.actions(trip.ID) {
			if a == "expired offered" {
				expired++
			}
		}
		assert.Equal(t, 1, expired, "five workers, one expiry")
	})
}

func TestReleasePutsTheTripBackWithItsDeadline(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		first := f.driver(near(0.5))
		second := f.driver(near(1.5))
		trip := f.request(f.requester(), time.Hour)
		_, err := f.s.Accept(f.ctx, first, trip.ID)
		require.NoError(t, err)

		got, err := f.s.Release(f.ctx, first, trip.ID)
		require.NoError(t, err)
		assert.Equal(t, dispatch.Offered, got.Status)
		assert.Equal(t, trip.ArriveBy, got.ArriveBy)
		assert.Equal(t, []string{trip.ID}, f.offers(second))
		assert.Empty(t, f.offers(first), "whoever dropped out is not asked again")

		// The first driver's time is free again.
		other := f.request(f.requester(), time.Hour)
		_, err = f.s.Accept(f.ctx, first, other.ID)
		assert.NoError(t, err)
	})
}

func TestCancelWithdrawsOffersAndFreesTheDriver(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		school := f.requester()
		trip := f.request(school, time.Hour)
		require.Equal(t, []string{trip.ID}, f.offers(d))

		_, err := f.s.Cancel(f.ctx, f.requester(), trip.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "another school cannot cancel it")
		got, err := f.s.Cancel(f.ctx, school, trip.ID)
		require.NoError(t, err)
		assert.Equal(t, dispatch.Cancelled, got.Status)
		assert.Empty(t, f.offers(d))
		_, err = f.s.Accept(f.ctx, d, trip.ID)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err))
		_, err = f.s.Cancel(f.ctx, school, trip.ID)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "cancelling twice")
	})
}

func TestProgressInOrderByItsDriverOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		other := f.driver(near(9))
		trip := f.request(f.requester(), time.Hour)
		_, err := f.s.Accept(f.ctx, d, trip.ID)
		require.NoError(t, err)

		_, err = f.s.Progress(f.ctx, other, trip.ID, f.report(trip.ID, dispatch.StepArrived))
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))
		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepPickedUp))
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "picked up before arriving")
		for _, step := range []dispatch.Step{dispatch.StepArrived, dispatch.StepPickedUp, dispatch.StepCompleted} {
			got, err := f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, step))
			require.NoError(t, err, "step %s", step)
			assert.Equal(t, dispatch.Status(step), got.Status)
		}
		_, err = f.s.Release(f.ctx, d, trip.ID)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "release after completion")
	})
}

func TestNobodyOnlineKeepsTheTripQueuedUntilSomeoneIs(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		trip := f.request(f.requester(), 100*time.Minute)
		assert.Equal(t, dispatch.Queued, trip.Status, "nobody to ask yet, and time to go")

		d := f.driver(near(0.5))
		f.clock.Advance(f.pol.RetryAfter)
		require.NoError(t, f.s.Work(f.ctx))
		assert.Equal(t, []string{trip.ID}, f.offers(d))
	})
}

func TestAssignByHand(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		trip := f.request(f.requester(), 3*time.Hour)
		d, _, err := f.s.CreateDriver(f.ctx, coordinator, fleet.DriverRegistration{Name: "Offline", Phone: "13800000009",
			Vehicle: &fleet.Vehicle{Plate: "A1", Seats: 4}, VerifiedMinors: true, Home: &centre})
		require.NoError(t, err)
		nv, _, err := f.s.CreateDriver(f.ctx, coordinator, fleet.DriverRegistration{Name: "Unverified", Phone: "13800000008",
			Vehicle: &fleet.Vehicle{Plate: "A2", Seats: 4}, Home: &centre})
		require.NoError(t, err)

		_, err = f.s.Assign(f.ctx, coordinator, trip.ID, nv.ID)
		assert.Equal(t, heartlink.EInvalid, heartlink.ErrorCode(err), "a student assigned to an unverified driver")
		_, err = f.s.Assign(f.ctx, heartlink.Principal{Role: heartlink.RoleRequester, ID: trip.RequesterID}, trip.ID, d.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))
		got, err := f.s.Assign(f.ctx, coordinator, trip.ID, d.ID)
		require.NoError(t, err)
		assert.Equal(t, dispatch.Assigned, got.Status)
		assert.Equal(t, d.ID, got.DriverID)
		assert.Contains(t, f.actions(trip.ID), "assigned assigned")
	})
}

func TestALostDispatcherIsReplacedAfterItsLease(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		// The instance that took the request died before offering: the trip
		// is stored and leased in the queue, and no offer exists.
		req := f.tripRequest(time.Hour)
		trip := req.Trip(f.pol, newID("trp"), school, school.ID, f.clock.Now())
		_, err := f.rdb.TxPipelined(f.ctx, func(p redisPipeliner) error {
			p.HSet(f.ctx, f.s.keys.trip(trip.ID), encodeTrip(trip)...)
			p.ZAdd(f.ctx, f.s.keys.open(), zmember(ms(trip.ArriveBy), trip.ID))
			p.ZAdd(f.ctx, f.s.keys.queue(), zmember(ms(f.clock.Now().Add(f.pol.Lease)), trip.ID))
			return nil
		})
		require.NoError(t, err)
		d := f.driver(near(0.5))

		require.NoError(t, f.store().Work(f.ctx))
		assert.Empty(t, f.offers(d), "still leased to the lost instance")
		f.clock.Advance(f.pol.Lease)
		require.NoError(t, f.store().Work(f.ctx))
		assert.Equal(t, []string{trip.ID}, f.offers(d))
	})
}

func TestSearchReachesPastNearbyDriversWhoCannotTakeIt(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, func(p *dispatch.Policy) { p.SearchLimit = 5 })
		for i := range 12 {
			f.driver(near(0.1+float64(i)*0.05), unverified)
		}
		verified := f.driver(near(4))
		trip := f.request(f.requester(), time.Hour)
		assert.Equal(t, []string{trip.ID}, f.offers(verified), "the nearest twelve may not carry minors")
	})
}

func TestSearchWidensToTheLargestRadius(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		far := f.driver(near(15))
		tooFar := f.driver(near(40))
		trip := f.request(f.requester(), 2*time.Hour)
		assert.Equal(t, []string{trip.ID}, f.offers(far), "15 km is within the 25 km reach")
		assert.Empty(t, f.offers(tooFar))
	})
}

func TestDenseCitiesSearchSmallAreasFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, func(p *dispatch.Policy) { p.SearchLimit = 10 })
		for i := range 60 {
			f.driver(near(float64(i) * 0.02)) // sixty drivers within 1.2 km
		}
		school := f.requester()
		f.request(school, time.Hour)
		r := f.s.radii.first(centre)
		assert.Less(t, r, 1.0, "ten drivers lie within 0.2 km: the next search need not cover 3 km")
		// A trip the near drivers cannot take still finds the far one.
		far := f.driver(near(5), func(r *fleet.DriverRegistration) { r.Vehicle.Wheelchair = true })
		req := f.tripRequest(time.Hour)
		req.Wheelchair = true
		trip, err := f.s.Request(f.ctx, school, req)
		require.NoError(t, err)
		assert.Equal(t, []string{trip.ID}, f.offers(far))
	})
}

func TestReplacingTheAdminTokenRevokesTheOldOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		_, generated, err := f.s.EnsureAdmin(f.ctx, "")
		require.NoError(t, err)
		require.NotEmpty(t, generated)
		_, again, err := f.store().EnsureAdmin(f.ctx, "")
		require.NoError(t, err)
		assert.Empty(t, again, "a token is generated once")

		for _, tok := range []string{"first-configured-token", "second-configured-token"} {
			_, _, err := f.s.EnsureAdmin(f.ctx, tok)
			require.NoError(t, err)
		}
		for tok, ok := range map[string]bool{generated: false, "first-configured-token": false, "second-configured-token": true} {
			_, err := f.s.Authenticate(f.ctx, tok)
			assert.Equal(t, ok, err == nil, "token %q", tok)
		}
	})
}

func TestOverdueTripsCannotBeTakenAndLeaveTheOpenList(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		trip := f.request(f.requester(), time.Hour)
		assert.Equal(t, dispatch.Queued, trip.Status, "nobody online")
		late := f.driver(near(0.5))

		f.clock.Advance(time.Hour + time.Minute)
		open, err := f.s.Trips(f.ctx, late, dispatch.Filter{Open: true})
		require.NoError(t, err)
		assert.Empty(t, open, "a trip past its arrive_by is not offered in the open list")
		_, err = f.s.Accept(f.ctx, late, trip.ID)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "nor can it be claimed")
		require.NoError(t, f.s.Work(f.ctx))
		assert.Equal(t, dispatch.Unassigned, f.trip(trip.ID).Status, "the queue gives it up for a coordinator")
		assert.Empty(t, f.offers(late))
	})
}

func TestADroppedOffTripFreesItsSeats(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		school := f.requester()
		r := f.tripRequest(40 * time.Minute)
		r.Riders = []dispatch.Rider{{Name: "A"}, {Name: "B"}, {Name: "C"}, {Name: "D"}}
		full, err := f.s.Request(f.ctx, school, r)
		require.NoError(t, err)
		_, err = f.s.Accept(f.ctx, d, full.ID)
		require.NoError(t, err)
		next := f.request(school, 45*time.Minute) // too soon to be driven after the first
		_, err = f.s.Accept(f.ctx, d, next.ID)
		require.Equal(t, heartlink.EClash, heartlink.ErrorCode(err), "four riders fill the car: %v", err)
		for _, step := range []dispatch.Step{dispatch.StepArrived, dispatch.StepPickedUp, dispatch.StepCompleted} {
			_, err := f.s.Progress(f.ctx, d, full.ID, f.report(full.ID, step))
			require.NoError(t, err)
		}
		route, err := f.s.DriverRoute(f.ctx, d, d.ID)
		require.NoError(t, err)
		assert.Empty(t, route.Stops, "a trip dropped off leaves the route at once")
		_, err = f.s.Accept(f.ctx, d, next.ID)
		assert.NoError(t, err, "the seats are free again")
	})
}

func TestAnOfferThatNoLongerFitsMovesOn(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		busy := f.driver(near(0.5))
		other := f.driver(near(2))
		school := f.requester()
		r := f.tripRequest(40 * time.Minute)
		r.Riders = []dispatch.Rider{{Name: "A"}, {Name: "B"}, {Name: "C"}, {Name: "D"}}
		a, err := f.s.Request(f.ctx, school, r)
		require.NoError(t, err)
		bTrip := f.request(school, 45*time.Minute)
		require.ElementsMatch(t, []string{a.ID, bTrip.ID}, f.offers(busy), "both offered to the nearest, each fits the empty car")
		_, err = f.s.Accept(f.ctx, busy, a.ID)
		require.NoError(t, err)
		_, err = f.s.Accept(f.ctx, busy, bTrip.ID)
		require.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "the car is full now: %v", err)
		assert.Equal(t, []string{bTrip.ID}, f.offers(other), "the offer the busy driver cannot take moves on")
		f.checkRoutes(4, busy, other)
	})
}

func TestAnOfferStillFittingAfterAnotherIsAcceptedHolds(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		school := f.requester()
		a := f.request(school, time.Hour)
		c := f.request(school, time.Hour+2*time.Minute)
		require.ElementsMatch(t, []string{a.ID, c.ID}, f.offers(d))
		for _, id := range []string{a.ID, c.ID} {
			_, err := f.s.Accept(f.ctx, d, id)
			require.NoError(t, err, "two neighbours share the car, though both offers were made to the empty one")
		}
		assert.Equal(t, 2, f.checkRoutes(4, d)[d.ID])
	})
}

func TestRotatingATokenRevokesTheOldOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d, old, err := f.s.CreateDriver(f.ctx, coordinator, fleet.DriverRegistration{Name: "W", Phone: "13800000001",
			Vehicle: &fleet.Vehicle{Plate: "A1", Seats: 4}, Home: &centre})
		require.NoError(t, err)
		me := heartlink.Principal{Role: heartlink.RoleDriver, ID: d.ID}
		_, err = f.s.RotateToken(f.ctx, f.requester(), heartlink.RoleDriver, d.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "a school cannot rotate a driver's token")
		fresh, err := f.s.RotateToken(f.ctx, me, heartlink.RoleDriver, d.ID)
		require.NoError(t, err)
		again, err := f.s.RotateToken(f.ctx, coordinator, heartlink.RoleDriver, d.ID)
		require.NoError(t, err)
		for tok, ok := range map[string]bool{old: false, fresh: false, again: true} {
			p, err := f.s.Authenticate(f.ctx, tok)
			assert.Equal(t, ok, err == nil, "token %q", tok)
			if ok {
				assert.Equal(t, me, p)
			}
		}
		_, err = f.s.RotateToken(f.ctx, coordinator, heartlink.RoleDriver, "drv_nobody")
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
	})
}

// A decline moves the offer on in four round trips: the answer (which
// hands back the trip and who was asked), the search, the candidates'
// reads and the offer.
func TestDeclineMovesOnInFourRoundTrips(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		first := f.driver(near(0.5))
		second := f.driver(near(1.5))
		trip := f.request(f.requester(), time.Hour)
		require.Equal(t, []string{trip.ID}, f.offers(first))
		require.NoError(t, f.s.scripts.answer.Load(f.ctx, f.rdb).Err())

		rt0 := f.rt.n.Load()
		require.NoError(t, f.s.Decline(f.ctx, first, trip.ID))
		assert.EqualValues(t, 4, f.rt.n.Load()-rt0)
		assert.Equal(t, []string{trip.ID}, f.offers(second))
		assert.Equal(t, []string{"requested queued", "offered offered", "declined offered", "requeued queued", "offered offered"}, f.actions(trip.ID))
	})
}

// A trip soon is offered by where drivers are, not where they live: a
// driver thirty kilometres from home but half a kilometre from the pickup
// gets it, their route timed from there (from home they could not make
// it), and one at home nearby but out across town does not.
func TestSoonRoutesAreTimedFromWhereDriversAre(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		away := f.driver(near(30))
		_, err := f.s.SetPresence(f.ctx, away.ID, fleet.PresenceUpdate{Status: fleet.Online, Location: ptr(near(0.5))})
		require.NoError(t, err)
		out := f.driver(near(0.3))
		_, err = f.s.SetPresence(f.ctx, out.ID, fleet.PresenceUpdate{Status: fleet.Online, Location: ptr(near(15))})
		require.NoError(t, err)

		trip := f.request(f.requester(), 40*time.Minute)
		assert.Equal(t, []string{trip.ID}, f.offers(away), "offered where the driver is")
		assert.Empty(t, f.offers(out), "not to the driver at home nearby but out across town")
		os, err := f.s.Offers(f.ctx, away)
		require.NoError(t, err)
		require.Len(t, os, 1)
		assert.WithinDuration(t, f.clock.Now(), os[0].PickupAt, 10*time.Minute, "picked up after a short drive from where they are")
	})
}

// A trip inserted ahead of one already on the route moves that rider's
// planned pick-up: the moved trip takes the route's new times, its audit
// says retimed, and its requester is told, without waiting for a worker.
func TestAnInsertionRetimesTheRidersItMoves(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		school := f.requester()
		first := f.request(school, time.Hour)
		_, err := f.s.Accept(f.ctx, d, first.ID)
		require.NoError(t, err)
		before := f.trip(first.ID).PickupAt

		r := f.tripRequest(time.Hour)
		r.Pickup = &dispatch.Place{Lat: near(3).Lat, Lng: near(3).Lng, Address: "9 Hongqi Rd"}
		second, err := f.s.Request(f.ctx, school, r)
		require.NoError(t, err)
		require.Equal(t, []string{second.ID}, f.offers(d))
		_, err = f.s.Accept(f.ctx, d, second.ID)
		require.NoError(t, err)

		route, err := f.s.DriverRoute(f.ctx, coordinator, d.ID)
		require.NoError(t, err)
		var planned time.Time
		for _, st := range route.Stops {
			if st.TripID == first.ID && st.Kind == dispatch.PickupStop {
				planned = st.At
			}
		}
		require.False(t, planned.Sub(before).Abs() < 2*time.Minute,
			"the scenario moves the first pick-up (%s then %s)", before, planned)
		require.Eventually(t, func() bool { return f.trip(first.ID).PickupAt.Equal(planned) }, 5*time.Second, 5*time.Millisecond,
			"the first trip takes its new planned pick-up")
		assert.Contains(t, f.actions(first.ID), "retimed assigned")
		told := false
		for _, m := range f.stream(t) {
			told = told || (m.Values["k"] == "trip" && strings.Contains(m.Values["d"].(string), `"retimed"`) &&
				strings.Contains(m.Values["d"].(string), first.ID) && strings.Contains(m.Values["to"].(string), "requester:"+school.ID))
		}
		assert.True(t, told, "the school is told the pick-up moved")
		f.checkRoutes(4, d)
	})
}
