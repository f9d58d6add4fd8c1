package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
)

func TestPlannedRoutesAreConfirmedWholeOrRepaired(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(10, true)
		shift := c.Shifts[0].ID
		a, bDrv := f.driver(near(1)), f.driver(near(1.5))
		for _, d := range []heartlink.Principal{a, bDrv} {
			_, err := f.s.SignUp(f.ctx, d, c.ID, shift)
			require.NoError(t, err)
		}
		// Six students of one school to one exam site by 06:58, Shanghai.
		school := f.requester()
		sh, _ := time.LoadLocation("Asia/Shanghai")
		var trips []string
		for i := range 6 {
			r := f.tripRequest(0)
			r.Pickup.Lat += float64(i) * 0.004
			r.ArriveBy = &heartlink.Timestamp{Time: time.Date(2027, 6, 7, 6, 58, 0, 0, sh)} // too soon after 06:30 for one car to go twice
			r.CampaignID = c.ID
			tr, err := f.s.Request(f.ctx, school, r)
			require.NoError(t, err)
			trips = append(trips, tr.ID)
		}
		_, err := f.s.PlanShift(f.ctx, school, c.ID, shift)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))
		plan, err := f.s.PlanShift(f.ctx, coordinator, c.ID, shift)
		require.NoError(t, err)
		assert.Empty(t, plan.Unserved)
		var planned []string
		for _, r := range plan.Routes {
			planned = append(planned, r.Trips()...)
			assert.LessOrEqual(t, len(r.Trips()), 4, "a car has four seats")
		}
		assert.ElementsMatch(t, trips, planned, "every student in exactly one route")
		require.Len(t, plan.Routes, 2, "six students need both cars")

		plan, err = f.s.PublishPlan(f.ctx, coordinator, c.ID, shift)
		require.NoError(t, err)
		var mine, theirs dispatch.Route
		for _, r := range plan.Routes {
			assert.Equal(t, dispatch.RouteOffered, r.Status)
			if r.DriverID == a.ID {
				mine = r
			} else {
				theirs = r
			}
		}
		_, err = f.s.AcceptRoute(f.ctx, bDrv, mine.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "a route is its driver's to answer")
		got, err := f.s.AcceptRoute(f.ctx, a, mine.ID)
		require.NoError(t, err)
		assert.Equal(t, dispatch.RouteConfirmed, got.Status)
		for _, id := range mine.Trips() {
			tr := f.trip(id)
			assert.Equal(t, dispatch.Assigned, tr.Status)
			assert.Equal(t, a.ID, tr.DriverID)
		}
		_, err = f.s.AcceptRoute(f.ctx, a, mine.ID)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "confirming twice")

		require.NoError(t, f.s.DeclineRoute(f.ctx, bDrv, theirs.ID))
		for _, id := range theirs.Trips() {
			assert.True(t, f.trip(id).Open(), "a declined route's trips go back to dispatch")
		}
		again, err := f.s.Plan(f.ctx, coordinator, c.ID, shift)
		require.NoError(t, err)
		statuses := map[dispatch.RouteStatus]int{}
		for _, r := range again.Routes {
			statuses[r.Status]++
		}
		assert.Equal(t, map[dispatch.RouteStatus]int{dispatch.RouteConfirmed: 1, dispatch.RouteDeclined: 1}, statuses)
	})
}

func TestShiftPlansGiveMinorsOnlyToVerifiedDrivers(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(10, false) // a shift that does not say minors ride
		shift := c.Shifts[0].ID
		nearest := f.driver(near(0.5), unverified)
		verified := f.driver(near(3))
		for _, d := range []heartlink.Principal{nearest, verified} {
			_, err := f.s.SignUp(f.ctx, d, c.ID, shift)
			require.NoError(t, err)
		}
		sh, _ := time.LoadLocation("Asia/Shanghai")
		for i := range 3 {
			r := f.tripRequest(0)
			r.Pickup.Lat += float64(i) * 0.003
			r.ArriveBy = &heartlink.Timestamp{Time: time.Date(2027, 6, 7, 7, 30, 0, 0, sh)}
			r.CampaignID = c.ID
			_, err := f.s.Request(f.ctx, f.requester(), r)
			require.NoError(t, err)
		}
		plan, err := f.s.PlanShift(f.ctx, coordinator, c.ID, shift)
		require.NoError(t, err)
		require.NotEmpty(t, plan.Routes)
		for _, r := range plan.Routes {
			assert.Equal(t, verified.ID, r.DriverID, "a driver not verified for minors is never planned students")
		}
	})
}
