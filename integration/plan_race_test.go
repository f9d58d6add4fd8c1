package integration

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlanRouteAllOrNothing offers two drivers routes that share no trips;
// while they are offered, a third driver claims one trip of the first route
// on its own. Confirming that route then fails with 409 and assigns none of
// its trips, while the other route, confirmed at the same moment, is given
// whole. The broken route can be turned down and the shift planned again
// around what is taken, the confirmed route kept as it is.
func TestPlanRouteAllOrNothing(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		s := newPlanScene(t, f, 2)
		s.bookAround(t, 5, 2)
		site := examSite.point()
		extra := s.book(t, offset(site, 2.13, 0.41)) // one more, by the first cluster
		claimerAt := offset(site, 1.1, 1.2)
		claimer := f.addDriver(claimerAt) // verified, but not signed up for the shift
		claimer.online(claimerAt)

		plan := s.plan(t)
		s.checkPlan(t, plan, s.order)
		require.Len(t, plan.Routes, 2, "two drivers, six students near by: two routes; plan %+v", plan)
		path := planPath(s.campaign.ID, s.shift)
		f.admin.post(path+"/publish", nil).must(t, http.StatusOK, nil)

		// rA is the route holding the extra trip (or, should the planner leave
		// it out, the longer route); victim is the trip claimed from under it.
		rA, rB := plan.Routes[0], plan.Routes[1]
		victim := extra.ID
		switch {
		case slices.Contains(rA.trips(), victim):
		case slices.Contains(rB.trips(), victim):
			rA, rB = rB, rA
		default:
			if len(rB.trips()) > len(rA.trips()) {
				rA, rB = rB, rA
			}
			victim = rA.trips()[len(rA.trips())-1]
			t.Logf("the planner left the extra trip %s unserved; claiming %s of route %s instead", extra.ID, victim, rA.ID)
		}
		for _, id := range rA.trips() {
			assert.NotContains(t, rB.trips(), id, "routes %s and %s share trip %s", rA.ID, rB.ID, id)
		}
		dA, dB := s.driver(t, rA.DriverID), s.driver(t, rB.DriverID)
		for _, r := range plan.Routes {
			s.live[r.DriverID].wait(frameWait, "the route_offer of "+r.ID, func(fr frame) bool {
				return fr.Type == "route_offer" && fr.str("id") == r.ID
			})
		}

		// The fleet office gives a trip of rA to another driver first (the
		// campaign is closed to drivers who did not sign up, so they could
		// not claim it themselves).
		var got trip
		claimer.accept(victim).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post("/api/v1/trips/"+victim+"/assign", map[string]string{"driver_id": claimer.ID}).must(t, http.StatusOK, &got)
		require.Equal(t, assigned, got.Status, "the claimed trip")
		require.Equal(t, claimer.ID, got.DriverID, "the claimed trip")

		// Both route drivers confirm at the same moment.
		var wg sync.WaitGroup
		answers := make([]*response, 2)
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, c := range []struct {
			d *driver
			r planRoute
		}{{dA, rA}, {dB, rB}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[i], errs[i] = c.d.send(http.MethodPost, routePath(c.r.ID, "accept"), nil)
			}()
		}
		close(start)
		wg.Wait()
		require.NoError(t, errs[0], "accept %s", rA.ID)
		require.NoError(t, errs[1], "accept %s", rB.ID)
		e := answers[0].fails(t, http.StatusConflict, "trip_taken")
		t.Logf("confirming the broken route: %s", e.Message)
		var conf planRoute
		answers[1].must(t, http.StatusOK, &conf)
		assert.Equal(t, "confirmed", conf.Status, "the intact route")

		// rA gave nothing to its driver; the claim stands; rB is dB's whole.
		others := slices.DeleteFunc(slices.Clone(rA.trips()), func(id string) bool { return id == victim })
		s.checkOpenNotFor(t, others, dA.ID)
		s.checkAssignedTo(t, []string{victim}, claimer.ID)
		s.checkAssignedTo(t, rB.trips(), dB.ID)
		for _, id := range rA.trips() {
			for _, ev := range f.events(id) {
				assert.False(t, ev.DriverID == dA.ID && ev.To == assigned,
					"trip %s of the broken route was given to its driver: %+v", id, ev)
			}
		}
		s.live[dA.ID].barrier()
		for _, fr := range s.live[dA.ID].frames() {
			assert.NotEqual(t, "assigned", fr.Type, "driver %s confirmed nothing yet got %s", dA.ID, fr)
		}
		plan2 := s.getPlan(t)
		assert.Equal(t, map[string]string{rA.ID: "declined", rB.ID: "confirmed"}, plan2.statuses(),
			"GET: a route that can no longer be driven as offered is withdrawn")
		dA.post(routePath(rA.ID, "accept"), nil).fails(t, http.StatusConflict, "conflict")
		dA.post(routePath(rA.ID, "decline"), nil).fails(t, http.StatusConflict, "conflict")

		// Planning again keeps rB and leaves the claimed trip out.
		s.checkAssignedTo(t, []string{victim}, claimer.ID)
		s.checkOpenNotFor(t, others, dA.ID)
		replan := s.plan(t)
		want := slices.DeleteFunc(slices.Clone(s.order), func(id string) bool { return id == victim })
		s.checkPlan(t, replan, want)
		kept := replan.route(t, rB.ID)
		assert.Equal(t, "confirmed", kept.Status, "the confirmed route in the new plan")
		assert.Equal(t, rB.Stops, kept.Stops, "the confirmed route's stops in the new plan")
		for _, r := range replan.Routes {
			if r.ID != rB.ID {
				assert.Equal(t, dA.ID, r.DriverID, "route %s: only the free driver gets a new route", r.ID)
				assert.Equal(t, "draft", r.Status, "new route %s", r.ID)
			}
		}
	})
}
