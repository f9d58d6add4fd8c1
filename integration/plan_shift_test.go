package integration

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlanShift plans an exam morning from outside: three verified drivers
// sign up for tomorrow's shift, a school books ten exam escorts for it, and
// the coordinator pools them into routes (only the coordinator may), the
// board is told, the routes are offered to their drivers without the
// riders' contact, one driver confirms theirs (every trip at once, with the
// contact now), another turns theirs down (its trips go back to dispatch)
// and the confirmed route stays as it is.
func TestPlanShift(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		s := newPlanScene(t, f, 3)
		board := f.board()
		s.bookAround(t, 10, 3)
		path := planPath(s.campaign.ID, s.shift)

		// 1. Planning is the coordinator's.
		f.admin.get(path).fails(t, http.StatusNotFound, "not_found")
		s.school.post(path, nil).fails(t, http.StatusForbidden, "forbidden")
		s.drivers[0].post(path, nil).fails(t, http.StatusForbidden, "forbidden")
		plan := s.plan(t)
		s.checkPlan(t, plan, s.order)
		require.GreaterOrEqual(t, len(plan.Routes), 2,
			"ten students, three 4-seat cars: at least two routes; plan %+v", plan)
		for _, r := range plan.Routes {
			assert.Equal(t, "draft", r.Status, "route %s of a new plan", r.ID)
		}
		s.drivers[0].get(path).fails(t, http.StatusForbidden, "forbidden")
		s.school.get(path).fails(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, plan, s.getPlan(t), "GET returns the plan POST made")

		pf := board.wait(frameWait, "a plan frame", func(fr frame) bool {
			return fr.Type == "plan" && fr.str("campaign_id") == s.campaign.ID && fr.str("shift_id") == s.shift
		})
		m := pf.fields()
		assert.EqualValues(t, len(plan.Routes), m["routes"], "plan frame's routes: %s", pf)
		assert.EqualValues(t, len(plan.Unserved), m["unserved"], "plan frame's unserved: %s", pf)
		assert.NotEmpty(t, pf.ID, "a plan frame is an event with an id: %s", pf)

		// 2. Publishing offers each driver their whole route; no new plan
		// while routes await their drivers.
		s.drivers[0].post(path+"/publish", nil).fails(t, http.StatusForbidden, "forbidden")
		var pub shiftPlan
		f.admin.post(path+"/publish", nil).must(t, http.StatusOK, &pub)
		require.Len(t, pub.Routes, len(plan.Routes), "publish answers the plan")
		for _, r := range pub.Routes {
			assert.Equal(t, "offered", r.Status, "route %s after publishing", r.ID)
			assert.NotNil(t, r.ExpiresAt, "route %s after publishing has expires_at", r.ID)
		}
		for _, r := range plan.Routes {
			live := s.live[r.DriverID]
			fr := live.wait(frameWait, "the route_offer of "+r.ID, func(fr frame) bool {
				return fr.Type == "route_offer" && fr.str("id") == r.ID
			})
			s.checkRouteOffer(t, fr, r)
		}
		for _, d := range s.drivers {
			live := s.live[d.ID]
			live.barrier()
			for _, fr := range live.frames() {
				if fr.Type == "route_offer" {
					assert.Equal(t, d.ID, fr.str("driver_id"), "driver %s got another driver's route: %s", d.ID, fr)
				}
			}
		}
		got := s.getPlan(t)
		for _, r := range got.Routes {
			assert.Equal(t, "offered", r.Status, "GET: route %s after publishing", r.ID)
			assert.NotNil(t, r.ExpiresAt, "GET: route %s after publishing has expires_at", r.ID)
		}
		f.admin.post(path, nil).fails(t, http.StatusConflict, "conflict")

		// 3. A driver confirms their route: every trip is theirs at once.
		rA, rB := plan.Routes[0], plan.Routes[1]
		dA, dB := s.driver(t, rA.DriverID), s.driver(t, rB.DriverID)
		dB.post(routePath(rA.ID, "accept"), nil).fails(t, http.StatusForbidden, "forbidden")
		s.checkOpenNotFor(t, rA.trips(), dB.ID)
		var conf planRoute
		dA.post(routePath(rA.ID, "accept"), nil).must(t, http.StatusOK, &conf)
		assert.Equal(t, rA.ID, conf.ID, "the confirmed route")
		assert.Equal(t, "confirmed", conf.Status, "the confirmed route")
		assert.Equal(t, dA.ID, conf.DriverID, "the confirmed route")
		s.checkAssignedTo(t, rA.trips(), dA.ID)
		for _, id := range rA.trips() {
			fr := s.live[dA.ID].wait(frameWait, "the assigned frame of "+id, of("assigned", id))
			var tr trip
			fr.decode(t, &tr)
			want := s.trips[id].Req.Riders[0]
			assert.Equal(t, dA.ID, tr.DriverID, "assigned frame: %s", fr)
			assert.Equal(t, assigned, tr.Status, "assigned frame: %s", fr)
			if assert.Len(t, tr.Riders, 1, "assigned frame carries the rider: %s", fr) {
				assert.Equal(t, want.Name, tr.Riders[0].Name, "the rider's name, now the driver's to see")
				assert.Equal(t, want.Phone, tr.Riders[0].Phone, "the rider's phone, now the driver's to see")
			}
			assert.Equal(t, s.trips[id].Req.Pickup.Address, tr.Pickup.Address, "the exact pickup address: %s", fr)
		}
		board.wait(frameWait, "the route frame of "+rA.ID+" confirmed", routeFrame(rA.ID, "confirmed"))
		s.live[dA.ID].wait(frameWait, "the route frame of "+rA.ID+" confirmed", routeFrame(rA.ID, "confirmed"))
		for _, d := range s.drivers {
			for _, o := range d.offers() {
				assert.NotContains(t, rA.trips(), o.TripID, "driver %s is still offered a trip of the confirmed route", d.ID)
			}
		}
		dB.post(routePath(rA.ID, "accept"), nil).fails(t, http.StatusForbidden, "forbidden")
		dA.post(routePath(rA.ID, "accept"), nil).fails(t, http.StatusConflict, "conflict")

		// 4. Another driver turns theirs down: its trips go back to
		// dispatch; the confirmed route is untouched.
		var dec struct {
			RouteID  string `json:"route_id"`
			Declined bool   `json:"declined"`
		}
		dB.post(routePath(rB.ID, "decline"), nil).must(t, http.StatusOK, &dec)
		assert.Equal(t, rB.ID, dec.RouteID, "decline answer")
		assert.True(t, dec.Declined, "decline answer")
		s.checkOpenNotFor(t, rB.trips(), dB.ID)
		s.checkAssignedTo(t, rA.trips(), dA.ID)
		board.wait(frameWait, "the route frame of "+rB.ID+" declined", routeFrame(rB.ID, "declined"))
		dB.post(routePath(rB.ID, "decline"), nil).fails(t, http.StatusConflict, "conflict")
		dB.post(routePath(rB.ID, "accept"), nil).fails(t, http.StatusConflict, "conflict")
		dA.post(routePath(rA.ID, "decline"), nil).fails(t, http.StatusConflict, "conflict")
		s.checkAssignedTo(t, rA.trips(), dA.ID)
		s.checkOpenNotFor(t, rB.trips(), dB.ID)

		got = s.getPlan(t)
		want := map[string]string{}
		for _, r := range plan.Routes {
			want[r.ID] = "offered"
		}
		want[rA.ID], want[rB.ID] = "confirmed", "declined"
		assert.Equal(t, want, got.statuses(), "GET: each route's status")
		gotA := got.route(t, rA.ID)
		assert.Equal(t, rA.Stops, gotA.Stops, "the confirmed route's stops are as planned")
		assert.Equal(t, dA.ID, gotA.DriverID, "the confirmed route's driver")

		// dB was never given a trip of their declined route.
		s.live[dB.ID].barrier()
		for _, id := range rB.trips() {
			for _, fr := range s.live[dB.ID].frames() {
				assert.False(t, of("assigned", id)(fr), "driver %s declined the route yet got %s", dB.ID, fr)
			}
		}
	})
}
