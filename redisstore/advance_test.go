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

// tomorrowMorning is the day after the fixture's clock (14:00 in Shanghai
// on 7 June 2027), in Shanghai.
var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func tomorrowAt(h, m int) time.Time { return time.Date(2027, 6, 8, h, m, 0, 0, shanghai) }

const tomorrow = "2027-06-08"

// bookAhead books n students from around centre to the fixture's school
// for tomorrow: picked up after 06:30, there by 08:15.
func (f *fixture) bookAhead(by heartlink.Principal, n int) []string {
	f.tb.Helper()
	var ids []string
	for i := range n {
		r := f.tripRequest(0)
		r.Pickup.Lat += float64(i%5) * 0.004
		r.Pickup.Lng += float64(i/5) * 0.004
		r.PickupAfter = &heartlink.Timestamp{Time: tomorrowAt(6, 30)}
		r.ArriveBy = &heartlink.Timestamp{Time: tomorrowAt(8, 15)}
		t, err := f.s.Request(f.ctx, by, r)
		require.NoError(f.tb, err)
		ids = append(ids, t.ID)
	}
	return ids
}

// availableTomorrow is a driver who drives tomorrow from 06:00 to 10:00.
func (f *fixture) availableTomorrow(at heartlink.Point) heartlink.Principal {
	f.tb.Helper()
	d := f.driver(at)
	_, err := f.s.SetAvailability(f.ctx, d, d.ID, fleet.Availability{
		Dates: []fleet.DateSlot{{Date: tomorrow, From: "06:00", To: "10:00"}}})
	require.NoError(f.tb, err)
	return d
}

func TestAdvanceTripsArePlannedOverTheDriversAvailable(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		drivers := []heartlink.Principal{f.availableTomorrow(near(1)), f.availableTomorrow(near(2)), f.availableTomorrow(near(3))}
		idle := f.driver(near(0.5)) // online now, but says nothing of tomorrow
		trips := f.bookAhead(school, 10)
		for _, d := range append(drivers, idle) {
			assert.Empty(t, f.offers(d), "a trip for tomorrow is not offered to whoever is online today")
		}
		for _, id := range trips {
			assert.Equal(t, dispatch.Queued, f.trip(id).Status)
		}

		require.NoError(t, f.s.PlanAdvance(f.ctx))
		plan, err := f.s.AdvancePlan(f.ctx, coordinator, tomorrow)
		require.NoError(t, err)
		assert.Empty(t, plan.Unserved, "three cars of four seats carry ten students")
		var planned []string
		for _, r := range plan.Routes {
			assert.Equal(t, dispatch.RouteDraft, r.Status, "not offered before the lead time")
			assert.NotEqual(t, idle.ID, r.DriverID, "only drivers available tomorrow are planned")
			planned = append(planned, r.Trips()...)
			for _, s := range r.Stops {
				if s.Kind == dispatch.DropoffStop {
					assert.False(t, s.At.After(tomorrowAt(8, 5)), "every student there with the margin")
				} else {
					assert.False(t, s.At.Before(tomorrowAt(6, 30)), "nobody collected before 06:30")
				}
			}
		}
		assert.ElementsMatch(t, trips, planned, "every student on exactly one route")
		assert.Less(t, len(plan.Routes), 10, "students share cars")

		// Planning again as bookings come in starts afresh, never doubles.
		more := f.bookAhead(school, 1)
		require.NoError(t, f.s.PlanAdvance(f.ctx))
		plan, err = f.s.AdvancePlan(f.ctx, coordinator, tomorrow)
		require.NoError(t, err)
		planned = nil
		for _, r := range plan.Routes {
			planned = append(planned, r.Trips()...)
		}
		assert.ElementsMatch(t, append(trips, more...), append(planned, plan.Unserved...))

		// At the lead time, each driver is offered their route whole, and
		// confirming it gives them every trip on it.
		f.clock.Advance(tomorrowAt(8, 15).Add(-f.pol.LeadTime).Sub(f.clock.Now())) // past every route's first pick-up less the lead time
		require.NoError(t, f.s.PlanAdvance(f.ctx))
		plan, err = f.s.AdvancePlan(f.ctx, coordinator, tomorrow)
		require.NoError(t, err)
		require.NotEmpty(t, plan.Routes)
		for _, r := range plan.Routes {
			require.Equal(t, dispatch.RouteOffered, r.Status)
			by := heartlink.Principal{Role: heartlink.RoleDriver, ID: r.DriverID}
			_, err := f.s.AcceptRoute(f.ctx, by, r.ID)
			require.NoError(t, err)
			for _, id := range r.Trips() {
				assert.Equal(t, r.DriverID, f.trip(id).DriverID)
			}
		}
		f.checkRoutes(4, drivers...)
	})
}

func TestADeclinedAdvanceRouteIsOfferedOut(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		planned := f.availableTomorrow(near(1))
		other := f.driver(near(1.5))
		trips := f.bookAhead(school, 3)
		_, err := f.s.PublishAdvance(f.ctx, school, tomorrow)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "only coordinators publish")
		plan, err := f.s.PublishAdvance(f.ctx, coordinator, tomorrow)
		require.NoError(t, err)
		require.Len(t, plan.Routes, 1)
		require.Equal(t, dispatch.RouteOffered, plan.Routes[0].Status, "published before the lead time")
		require.NoError(t, f.s.DeclineRoute(f.ctx, planned, plan.Routes[0].ID))
		// The planner runs again: nobody else said they drive tomorrow, and
		// the day is published, so the students are offered out at once.
		require.NoError(t, f.s.PlanAdvance(f.ctx))
		require.NoError(t, f.s.Work(f.ctx))
		assert.Empty(t, f.offers(planned), "the driver who turned the route down is not asked again")
		assert.ElementsMatch(t, trips, f.offers(other), "a declined route's students are offered out, none dropped")
		plan, err = f.s.AdvancePlan(f.ctx, coordinator, tomorrow)
		require.NoError(t, err)
		assert.Equal(t, dispatch.RouteDeclined, plan.Routes[0].Status)
	})
}

// TestADeclinedAdvanceRouteWithNobodyElseKeepsWaiting: declined the
// evening before, with nobody else about, the students are not given up:
// they wait, and the first driver to come online is offered them.
func TestADeclinedAdvanceRouteWithNobodyElseKeepsWaiting(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		planned := f.availableTomorrow(near(1))
		trips := f.bookAhead(school, 2)
		plan, err := f.s.PublishAdvance(f.ctx, coordinator, tomorrow)
		require.NoError(t, err)
		require.Len(t, plan.Routes, 1)
		require.NoError(t, f.s.DeclineRoute(f.ctx, planned, plan.Routes[0].ID))
		require.NoError(t, f.s.PlanAdvance(f.ctx))
		require.NoError(t, f.s.Work(f.ctx))
		for _, id := range trips {
			assert.Equal(t, dispatch.Queued, f.trip(id).Status, "a day ahead, nobody to take it yet is no reason to give up")
		}

		later := f.driver(near(1.5))
		require.NoError(t, f.s.Work(f.ctx))
		assert.ElementsMatch(t, trips, f.offers(later), "the first driver about is offered them")
	})
}

func TestAnUnplannedAdvanceTripIsOfferedAtTheHorizon(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		trip := f.bookAhead(f.requester(), 1)[0]
		require.NoError(t, f.s.PlanAdvance(f.ctx))
		plan, err := f.s.AdvancePlan(f.ctx, coordinator, tomorrow)
		require.NoError(t, err)
		assert.Equal(t, []string{trip}, plan.Unserved, "nobody said they drive tomorrow")

		f.clock.Advance(tomorrowAt(6, 30).Add(-f.pol.Horizon).Sub(f.clock.Now()))
		d := f.driver(near(0.5)) // up early
		require.NoError(t, f.s.PlanAdvance(f.ctx))
		require.NoError(t, f.s.Work(f.ctx))
		assert.Equal(t, []string{trip}, f.offers(d), "at the horizon it is offered the ordinary way")
	})
}

func TestAvailabilityRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d, other := f.driver(near(1)), f.driver(near(2))
		a := fleet.Availability{Weekly: []fleet.WeeklySlot{{Days: []string{"mon"}, From: "06:00", To: "09:00"}}}
		_, err := f.s.SetAvailability(f.ctx, other, d.ID, a)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "a driver sets only their own")
		_, err = f.s.SetAvailability(f.ctx, d, d.ID, fleet.Availability{Weekly: []fleet.WeeklySlot{{Days: []string{"someday"}, From: "06:00", To: "09:00"}}})
		assert.Equal(t, heartlink.EInvalid, heartlink.ErrorCode(err))
		got, err := f.s.Availability(f.ctx, d, d.ID)
		require.NoError(t, err)
		assert.Empty(t, got.Weekly, "a refused change changes nothing")
		_, err = f.s.SetAvailability(f.ctx, coordinator, d.ID, a)
		require.NoError(t, err)
		got, err = f.s.Availability(f.ctx, d, d.ID)
		require.NoError(t, err)
		assert.Equal(t, a.Weekly, got.Weekly)
		_, err = f.s.Availability(f.ctx, coordinator, "drv_nobody")
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
	})
}

func TestASilentDriversTripIsRescuedInTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		silent := f.driver(near(0.5))
		trip := f.request(school, 90*time.Minute)
		_, err := f.s.Accept(f.ctx, silent, trip.ID)
		require.NoError(t, err)
		start, err := f.s.LastChange(f.ctx)
		require.NoError(t, err)

		// The driver says nothing more. While there is time, nothing moves.
		f.clock.Advance(20 * time.Minute)
		require.NoError(t, f.s.Work(f.ctx))
		assert.Equal(t, silent.ID, f.trip(trip.ID).DriverID, "a quiet driver keeps the trip while there is time")

		// Within the rescue lead of the latest safe pick-up, the trip goes
		// to a driver who is there, and the board is told.
		f.clock.Advance(15 * time.Minute)
		rescuer := f.driver(near(1))
		require.NoError(t, f.s.Work(f.ctx))
		assert.Equal(t, []string{trip.ID}, f.offers(rescuer), "the trip is offered to a driver who is online")
		assert.Empty(t, f.offers(silent))
		_, err = f.s.Accept(f.ctx, rescuer, trip.ID)
		require.NoError(t, err)
		got := f.trip(trip.ID)
		assert.Equal(t, rescuer.ID, got.DriverID)
		assert.False(t, got.DropoffAt.After(got.DropBy), "still there in time")
		route, err := f.s.DriverRoute(f.ctx, coordinator, silent.ID)
		require.NoError(t, err)
		assert.Empty(t, route.Stops, "the silent driver's route no longer holds it")
		assert.Contains(t, f.changes(start, "board"), "alert:at_risk")
		es, err := f.s.Events(f.ctx, coordinator, trip.ID)
		require.NoError(t, err)
		var actions []dispatch.Action
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		assert.Contains(t, actions, dispatch.ActRescued)
	})
}

func TestAReturnLegIsBookedWithTheTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		r := f.tripRequest(time.Hour)
		ends := f.clock.Now().Add(4 * time.Hour)
		r.Return = &dispatch.ReturnLeg{PickupAfter: &heartlink.Timestamp{Time: ends}}
		there, err := f.s.Request(f.ctx, school, r)
		require.NoError(t, err)
		require.NotEmpty(t, there.ReturnTripID)
		back := f.trip(there.ReturnTripID)
		assert.Equal(t, there.ID, back.ReturnOf)
		assert.Equal(t, there.Dropoff.Point(), back.Pickup.Point(), "the way back starts where the trip there ends")
		assert.Equal(t, there.Pickup.Point(), back.Dropoff.Point())
		assert.Equal(t, ends.Truncate(time.Second), back.PickupAfter)
		assert.Equal(t, ends.Add(dispatch.ReturnWithin).Truncate(time.Second), back.ArriveBy)
		assert.Equal(t, there.Riders, back.Riders)
		mine, err := f.s.Trips(f.ctx, school, dispatch.Filter{})
		require.NoError(t, err)
		assert.Len(t, mine, 2, "the school sees both legs")

		r.Return = &dispatch.ReturnLeg{PickupAfter: &heartlink.Timestamp{Time: f.clock.Now().Add(30 * time.Minute)}}
		_, err = f.s.Request(f.ctx, school, r)
		assert.Equal(t, "return.pickup_after", heartlink.ErrorField(err), "the way back cannot begin before the trip there ends: %v", err)
		mine, err = f.s.Trips(f.ctx, school, dispatch.Filter{})
		require.NoError(t, err)
		assert.Len(t, mine, 2, "a refused booking books nothing")
	})
}

func TestARiderWhoNeverComesIsRecordedAndFreesTheSeat(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		d := f.driver(near(0.5))
		trip := f.request(school, time.Hour)
		_, err := f.s.Accept(f.ctx, d, trip.ID)
		require.NoError(t, err)
		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepNoShow))
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "not before the driver is at the door")
		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepArrived))
		require.NoError(t, err)
		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepNoShow))
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "not before the driver has waited: %v", err)
		assert.Equal(t, dispatch.Arrived, f.trip(trip.ID).Status, "a refused report changes nothing")

		held := f.trip(trip.ID)
		f.clock.Advance(held.PickupAt.Add(f.pol.NoShowWait).Sub(f.clock.Now()))
		got, err := f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepNoShow))
		require.NoError(t, err)
		assert.Equal(t, dispatch.NoShow, got.Status)
		route, err := f.s.DriverRoute(f.ctx, d, d.ID)
		require.NoError(t, err)
		assert.Empty(t, route.Stops, "the seat is free for the next rider")
		es, err := f.s.Events(f.ctx, coordinator, trip.ID)
		require.NoError(t, err)
		assert.Equal(t, dispatch.ActNoShow, es[len(es)-1].Action)
		assert.Equal(t, d.ID, es[len(es)-1].Driver, "the audit trail says who waited")
	})
}

func TestTheShiftsWaitingListIsTheReservePool(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(1, true) // one car needed: the second volunteer waits
		shift := c.Shifts[0].ID
		confirmed, reserve := f.driver(near(0.5)), f.driver(near(2))
		for _, d := range []heartlink.Principal{confirmed, reserve} {
			_, err := f.s.SignUp(f.ctx, d, c.ID, shift)
			require.NoError(t, err)
		}
		sh, _ := time.LoadLocation("Asia/Shanghai")
		f.clock.Advance(time.Date(2027, 6, 7, 7, 0, 0, 0, sh).Sub(f.clock.Now())) // the exam morning
		stranger := f.driver(near(0.3))                                           // nearer, but not signed up
		for _, d := range []heartlink.Principal{confirmed, reserve} {
			_, err := f.s.SetPresence(f.ctx, d.ID, fleet.PresenceUpdate{Status: fleet.Online, Location: pointOf(d, f)})
			require.NoError(t, err)
		}
		r := f.tripRequest(0)
		r.ArriveBy = &heartlink.Timestamp{Time: time.Date(2027, 6, 7, 8, 15, 0, 0, sh)}
		r.CampaignID = c.ID
		trip, err := f.s.Request(f.ctx, f.requester(), r)
		require.NoError(t, err)
		assert.Equal(t, []string{trip.ID}, f.offers(confirmed), "the shift's confirmed driver first")
		_, err = f.s.Accept(f.ctx, confirmed, trip.ID)
		require.NoError(t, err)

		// The confirmed driver goes silent; the rescue goes to the reserve.
		f.clock.Advance(30 * time.Minute)
		_, err = f.s.SetPresence(f.ctx, reserve.ID, fleet.PresenceUpdate{Status: fleet.Online, Location: pointOf(reserve, f)})
		require.NoError(t, err)
		_, err = f.s.SetPresence(f.ctx, stranger.ID, fleet.PresenceUpdate{Status: fleet.Online, Location: pointOf(stranger, f)})
		require.NoError(t, err)
		require.NoError(t, f.s.Work(f.ctx))
		assert.Equal(t, []string{trip.ID}, f.offers(reserve), "the waiting list is offered the rescue")
		assert.Empty(t, f.offers(stranger))
	})
}

// pointOf is where a fixture driver lives.
func pointOf(d heartlink.Principal, f *fixture) *heartlink.Point {
	f.tb.Helper()
	drv, err := f.s.Driver(f.ctx, d.ID)
	require.NoError(f.tb, err)
	return &drv.Home
}

func TestKilometresAreWhatWasDriven(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		d := f.driver(near(0.5))
		a, c := f.request(school, time.Hour), f.request(school, time.Hour+time.Minute)
		for _, id := range []string{a.ID, c.ID} {
			_, err := f.s.Accept(f.ctx, d, id)
			require.NoError(t, err)
		}
		for _, step := range []struct {
			trip string
			s    dispatch.Step
		}{{a.ID, dispatch.StepArrived}, {a.ID, dispatch.StepPickedUp}, {c.ID, dispatch.StepArrived}, {c.ID, dispatch.StepPickedUp},
			{a.ID, dispatch.StepCompleted}, {c.ID, dispatch.StepCompleted}} {
			_, err := f.s.Progress(f.ctx, d, step.trip, f.report(step.trip, step.s))
			require.NoError(t, err, "%s %s", step.trip, step.s)
		}
		v, err := f.s.DriverStats(f.ctx, d, d.ID)
		require.NoError(t, err)
		ride := f.pol.Travel.RoadKm(a.Pickup.Point(), a.Dropoff.Point())
		assert.InDelta(t, ride, v.Km, 0.1, "two neighbours to one school: one ride's kilometres, not two")
		assert.Equal(t, 2, v.TripsCompleted)
	})
}

// TestHospitalRidesBookedDaysAhead books 200 hospital rides one to three
// days ahead, with sixty volunteers who said when they drive (most of them
// offline when the rides are booked): by each ride's lead time every one
// is on a route offered to a driver available then, and none is left
// unassigned.
func TestHospitalRidesBookedDaysAhead(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		var drivers []heartlink.Principal
		for i := range 60 {
			d := f.driver(near(0.3 + float64(i%12)*0.4))
			days := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
			_, err := f.s.SetAvailability(f.ctx, d, d.ID, fleet.Availability{Weekly: []fleet.WeeklySlot{
				{Days: days, From: "07:00", To: "12:00"}, {Days: days, From: "13:00", To: "18:00"}}})
			require.NoError(t, err)
			if i%4 != 0 {
				_, err = f.s.SetPresence(f.ctx, d.ID, fleet.PresenceUpdate{Status: fleet.Offline})
				require.NoError(t, err)
			}
			drivers = append(drivers, d)
		}
		care := f.requester()
		var rides []string
		for i := range 200 {
			day := 1 + i%3
			at := time.Date(2027, 6, 7+day, 8+(i/3)%9, (i*7)%60, 0, 0, shanghai) // appointments 08:00–16:59
			if at.Hour() == 12 {
				at = at.Add(time.Hour) // the volunteers lunch from 12:00 to 13:00
			}
			r := f.tripRequest(0)
			r.Kind = dispatch.Hospital
			r.Pickup.Lat += float64(i%10) * 0.004
			r.Pickup.Lng += float64(i%7) * 0.004
			r.ArriveBy = &heartlink.Timestamp{Time: at}
			tr, err := f.s.Request(f.ctx, care, r)
			require.NoError(t, err)
			rides = append(rides, tr.ID)
		}
		for _, d := range drivers {
			assert.Empty(t, f.offers(d), "rides days ahead are offered to nobody at booking")
		}
		// Day by day, at the lead time of its first pick-ups, the rolling
		// plan offers every ride of the day on a route.
		onRoute := map[string]string{}
		for day := 1; day <= 3; day++ {
			f.clock.Advance(time.Date(2027, 6, 7+day, 7, 0, 0, 0, shanghai).Add(-f.pol.LeadTime).Sub(f.clock.Now()))
			require.NoError(t, f.s.PlanAdvance(f.ctx))
			date := time.Date(2027, 6, 7+day, 0, 0, 0, 0, shanghai).Format(time.DateOnly)
			f.clock.Advance(f.pol.LeadTime - time.Hour) // the evening before: later rides reach their lead time
			require.NoError(t, f.s.PlanAdvance(f.ctx))
			plan, err := f.s.AdvancePlan(f.ctx, coordinator, date)
			require.NoError(t, err)
			assert.Empty(t, plan.Unserved, "day %d: every ride planned", day)
			for _, r := range plan.Routes {
				if r.Status == dispatch.RouteOffered {
					for _, id := range r.Trips() {
						onRoute[id] = r.DriverID
					}
				} else {
					t.Logf("day %d: route %s %s first stop %v now %v", day, r.ID, r.Status, r.Stops[0].At.In(shanghai), f.clock.Now().In(shanghai))
				}
			}
		}
		for _, id := range rides {
			assert.NotEmpty(t, onRoute[id], "ride %s offered on a route by its lead time", id)
			assert.NotEqual(t, dispatch.Unassigned, f.trip(id).Status)
		}
		t.Logf("%d rides on %d routes' worth of drivers", len(onRoute), len(uniq(onRoute)))
	})
}

func uniq(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, v := range m {
		out[v] = true
	}
	return out
}

func TestAShiftSignedUpForCountsAsAvailability(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(5, true)
		signed := f.driver(near(1)) // says nothing else of when they drive
		_, err := f.s.SignUp(f.ctx, signed, c.ID, c.Shifts[0].ID)
		require.NoError(t, err)
		f.driver(near(0.5)) // neither signed up nor available
		f.clock.Advance(time.Date(2027, 6, 5, 12, 0, 0, 0, shanghai).Sub(f.clock.Now()))
		r := f.tripRequest(0) // no campaign: an ordinary ride during the shift
		r.ArriveBy = &heartlink.Timestamp{Time: time.Date(2027, 6, 7, 8, 0, 0, 0, shanghai)}
		trip, err := f.s.Request(f.ctx, f.requester(), r)
		require.NoError(t, err)
		require.NoError(t, f.s.PlanAdvance(f.ctx))
		plan, err := f.s.AdvancePlan(f.ctx, coordinator, "2027-06-07")
		require.NoError(t, err)
		require.Len(t, plan.Routes, 1)
		assert.Equal(t, signed.ID, plan.Routes[0].DriverID, "the volunteer who signed up for the shift drives then")
		assert.Equal(t, []string{trip.ID}, plan.Routes[0].Trips())
	})
}
