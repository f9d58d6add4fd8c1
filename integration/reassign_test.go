package integration

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reassignEvent is an audit entry with the driver a reassignment moved the
// trip from.
type reassignEvent struct {
	event
	PreviousDriverID string `json:"previous_driver_id"`
}

// routeTrips lists the trips on a driver's route, as a coordinator reads it.
func (f *fixture) routeTrips(driverID string) []string {
	f.tb.Helper()
	var r driverRoute
	f.admin.get("/api/v1/drivers/"+driverID+"/route").must(f.tb, http.StatusOK, &r)
	return stopTrips(r.Stops)
}

// assignTo has the coordinator give a trip to a driver by hand.
func (f *fixture) assignTo(tripID, driverID string) trip {
	f.tb.Helper()
	var got trip
	f.admin.post("/api/v1/trips/"+tripID+"/assign", map[string]string{"driver_id": driverID}).must(f.tb, http.StatusOK, &got)
	require.Equal(f.tb, assigned, got.Status)
	return got
}

// TestReassignAndUnassign: a coordinator moves a trip from the driver who
// holds it to another, or takes it back into the queue; both drivers see
// it happen live, the audit trail says who did it, and what cannot be done
// changes nothing.
func TestReassignAndUnassign(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		// Nobody is online: trips wait in the queue until assigned by hand,
		// so no offer races the coordinator.
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")

		t.Run("reassign", func(t *testing.T) {
			f, school := f.in(t), school.in(t)
			first, second, busy := f.addDriver(north(home, 1)), f.addDriver(north(home, 2)), f.addDriver(north(home, 3))
			unverifiedReg := verifiedDriver(north(home, 1))
			unverifiedReg.VerifiedMinors = false
			unverified := f.register(unverifiedReg)

			tr := school.request(examTrip(7 * time.Hour))
			f.explainOnFailure(tr.ID)
			f.assignTo(tr.ID, first.ID)
			f.assignTo(school.request(full(examTrip(7*time.Hour))).ID, busy.ID) // busy's car is full then
			firstLive, secondLive := first.live(t), second.live(t)
			fromFirst, fromSecond := firstLive.mark(), secondLive.mark()
			path := "/api/v1/trips/" + tr.ID + "/reassign"

			// Refusals first: none of them changes anything.
			before := f.admin.trip(tr.ID)
			e := f.admin.post(path, map[string]string{"driver_id": "drv_nobody"}).fails(t, http.StatusNotFound, "not_found")
			assert.Equal(t, "driver_id", e.Field)
			e = f.admin.post(path, map[string]string{"driver_id": first.ID}).fails(t, http.StatusConflict, "conflict")
			assert.Contains(t, e.Message, "already holds")
			e = f.admin.post(path, map[string]string{"driver_id": unverified.ID}).fails(t, http.StatusUnprocessableEntity, "invalid")
			assert.Equal(t, "driver_id", e.Field, "a driver not verified for minors cannot be given a student")
			assert.Contains(t, e.Message, "not verified for minors")
			e = f.admin.post(path, map[string]string{"driver_id": busy.ID}).fails(t, http.StatusConflict, "schedule_clash")
			assert.Contains(t, e.Message, "seat", "the reason the trip does not fit is given")
			f.admin.post(path, map[string]string{}).fails(t, http.StatusUnprocessableEntity, "invalid")
			f.admin.post(path, raw(`{"driver_id":`)).fails(t, http.StatusBadRequest, "bad_request")
			second.post(path, map[string]string{"driver_id": second.ID}).fails(t, http.StatusForbidden, "forbidden")
			school.post(path, map[string]string{"driver_id": second.ID}).fails(t, http.StatusForbidden, "forbidden")
			f.admin.post("/api/v1/trips/trp_nobody/reassign", map[string]string{"driver_id": second.ID}).fails(t, http.StatusNotFound, "not_found")
			open := school.request(examTrip(9 * time.Hour))
			e = f.admin.post("/api/v1/trips/"+open.ID+"/reassign", map[string]string{"driver_id": second.ID}).fails(t, http.StatusConflict, "conflict")
			assert.Contains(t, e.Message, "assign it instead", "a trip nobody holds is assigned, not reassigned")
			after := f.admin.trip(tr.ID)
			assert.Equal(t, before.Version, after.Version, "a refused reassignment changes nothing")
			assert.Equal(t, first.ID, after.DriverID)
			assert.Equal(t, []string{tr.ID}, f.routeTrips(first.ID))
			assert.NotContains(t, f.routeTrips(busy.ID), tr.ID)

			var got trip
			f.admin.post(path, map[string]string{"driver_id": second.ID}).must(t, http.StatusOK, &got)
			assert.Equal(t, assigned, got.Status)
			assert.Equal(t, second.ID, got.DriverID)
			assert.Empty(t, f.routeTrips(first.ID), "the trip left the old driver's route")
			assert.Equal(t, []string{tr.ID}, f.routeTrips(second.ID), "and joined the new one's")
			assert.Equal(t, tr.Riders, second.trip(tr.ID).Riders, "the new driver sees the riders")
			assert.Equal(t, second.ID, school.trip(tr.ID).DriverID, "the school sees who is coming now")
			if r := first.get("/api/v1/trips/" + tr.ID); r.Status == http.StatusOK {
				var seen trip
				r.must(t, http.StatusOK, &seen)
				assert.Empty(t, seen.Riders, "the old driver no longer sees the riders")
			}
			first.progress(tr.ID, "arrived").fails(t, http.StatusForbidden, "forbidden")

			// Both drivers are told live.
			firstLive.waitFrom(fromFirst, frameWait, "the trip leaving the old driver's route", of("driver_route", tr.ID))
			gone, _ := firstLive.waitFrom(fromFirst, frameWait, "the trip frame telling the old driver", of("trip", tr.ID))
			assert.NotEqual(t, first.ID, gone.str("driver_id"), "the old driver is no longer named: %s", gone)
			assert.Empty(t, gone.fields()["riders"], "the old driver sees no riders: %s", gone)
			secondLive.waitFrom(fromSecond, frameWait, "the new driver's assigned frame", of("assigned", tr.ID))
			secondLive.waitFrom(fromSecond, frameWait, "the trip joining the new driver's route", of("driver_route", tr.ID))

			var trail struct{ Events []reassignEvent }
			f.admin.get("/api/v1/trips/"+tr.ID+"/events").must(t, http.StatusOK, &trail)
			last := trail.Events[len(trail.Events)-1]
			assert.Equal(t, "reassigned", last.Action)
			assert.Equal(t, "coordinator:crd_admin", last.Actor)
			assert.Equal(t, second.ID, last.DriverID)
			assert.Equal(t, first.ID, last.PreviousDriverID)

			// A driver waiting at the door may still be relieved: the trip
			// goes back to the first driver, assigned to them afresh.
			second.progress(tr.ID, "arrived").must(t, http.StatusOK, nil)
			f.admin.post(path, map[string]string{"driver_id": first.ID}).must(t, http.StatusOK, &got)
			assert.Equal(t, assigned, got.Status)
			assert.Equal(t, first.ID, got.DriverID)
			assert.Empty(t, f.routeTrips(second.ID))
			assert.Equal(t, []string{tr.ID}, f.routeTrips(first.ID))
		})

		t.Run("refused once aboard or ended", func(t *testing.T) {
			f, school := f.in(t), school.in(t)
			d, other := f.addDriver(north(home, 4)), f.addDriver(north(home, 5))
			tr := school.request(examTrip(11 * time.Hour))
			f.assignTo(tr.ID, d.ID)
			d.progress(tr.ID, "arrived").must(t, http.StatusOK, nil)
			d.progress(tr.ID, "picked_up").must(t, http.StatusOK, nil)
			e := f.admin.post("/api/v1/trips/"+tr.ID+"/reassign", map[string]string{"driver_id": other.ID}).fails(t, http.StatusConflict, "conflict")
			assert.Contains(t, e.Message, "aboard")
			f.admin.post("/api/v1/trips/"+tr.ID+"/unassign", nil).fails(t, http.StatusConflict, "conflict")
			d.progress(tr.ID, "completed").must(t, http.StatusOK, nil)
			f.admin.post("/api/v1/trips/"+tr.ID+"/reassign", map[string]string{"driver_id": other.ID}).fails(t, http.StatusConflict, "conflict")
			f.admin.post("/api/v1/trips/"+tr.ID+"/unassign", nil).fails(t, http.StatusConflict, "conflict")
			cancelledTrip := school.request(examTrip(12 * time.Hour))
			f.assignTo(cancelledTrip.ID, other.ID)
			school.post("/api/v1/trips/"+cancelledTrip.ID+"/cancel", nil).must(t, http.StatusOK, nil)
			f.admin.post("/api/v1/trips/"+cancelledTrip.ID+"/reassign", map[string]string{"driver_id": d.ID}).fails(t, http.StatusConflict, "conflict")
			assert.Equal(t, completed, f.admin.trip(tr.ID).Status)
			assert.Equal(t, d.ID, f.admin.trip(tr.ID).DriverID)
		})

		t.Run("unassign", func(t *testing.T) {
			f, school := f.in(t), school.in(t)
			d := f.addDriver(north(home, 6))
			tr := school.request(examTrip(13 * time.Hour))
			f.explainOnFailure(tr.ID)
			f.assignTo(tr.ID, d.ID)
			dLive := d.live(t)
			from := dLive.mark()
			path := "/api/v1/trips/" + tr.ID + "/unassign"
			d.post(path, nil).fails(t, http.StatusForbidden, "forbidden")
			school.post(path, nil).fails(t, http.StatusForbidden, "forbidden")
			f.admin.post("/api/v1/trips/trp_nobody/unassign", nil).fails(t, http.StatusNotFound, "not_found")
			assert.Equal(t, assigned, f.admin.trip(tr.ID).Status, "a refused take-back changes nothing")

			var got trip
			f.admin.post(path, nil).must(t, http.StatusOK, &got)
			assert.Contains(t, []string{queued, offered, unassigned}, got.Status, "the trip is back in dispatch")
			assert.Empty(t, got.DriverID)
			assert.Equal(t, tr.ArriveBy, got.ArriveBy, "the deadline is intact")
			assert.Empty(t, f.routeTrips(d.ID), "the trip left the driver's route")
			dLive.waitFrom(from, frameWait, "the trip leaving the driver's route", of("driver_route", tr.ID))
			dLive.waitFrom(from, frameWait, "the driver told the trip is back in the queue", tripFrame(tr.ID, queued))
			// Nobody else is online: the search that follows may leave it
			// unassigned, for a coordinator, after the take-back.
			es := f.events(tr.ID)
			i := slices.IndexFunc(es, func(e event) bool { return e.Action == "taken_back" })
			require.GreaterOrEqual(t, i, 0, "the take-back is in the audit trail: %v", actions(es))
			last := es[i]
			assert.Equal(t, "coordinator:crd_admin", last.Actor)
			assert.Equal(t, d.ID, last.DriverID)
			assert.Equal(t, queued, last.To)

			f.admin.post(path, nil).fails(t, http.StatusConflict, "conflict") // nobody holds it now
			f.assignTo(tr.ID, d.ID)                                           // and it can be given by hand again
			assert.Equal(t, []string{tr.ID}, f.routeTrips(d.ID))
		})
	})
}

// TestRaceToReassign has many coordinators reassign one trip at the same
// instant, each to a driver of their own: every answer is a reassignment
// or a conflict, and the trip ends on exactly one route, on no other.
func TestRaceToReassign(t *testing.T) {
	const racers = 12
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		holder := f.addDriver(north(home, 1))
		tr := school.request(examTrip(6 * time.Hour))
		f.explainOnFailure(tr.ID)
		f.assignTo(tr.ID, holder.ID)

		drivers := []*driver{holder}
		calls := map[string]func() (*response, error){}
		for i := range racers {
			d := f.addDriver(north(home, 0.2*float64(i+2)))
			drivers = append(drivers, d)
			var crd account
			f.admin.post("/api/v1/coordinators", map[string]string{"name": fmt.Sprintf("Coordinator %d", i)}).
				must(t, http.StatusCreated, &crd)
			c := srv.client(crd.Token).in(t)
			calls[d.ID] = func() (*response, error) {
				return c.send(http.MethodPost, "/api/v1/trips/"+tr.ID+"/reassign", map[string]string{"driver_id": d.ID})
			}
		}
		won := 0
		for _, o := range race(calls) {
			require.NoError(t, o.err, o.who)
			switch {
			case o.status == http.StatusOK:
				won++
			case o.status == http.StatusConflict && o.code == "conflict":
			default:
				t.Errorf("reassigning to %s: %d %s; want 200, or 409 conflict", o.who, o.status, o.code)
			}
		}
		require.GreaterOrEqual(t, won, 1, "at least one reassignment goes through")

		final := f.admin.trip(tr.ID)
		assert.Equal(t, assigned, final.Status)
		var on []string
		for _, d := range drivers {
			if slices.Contains(f.routeTrips(d.ID), tr.ID) {
				on = append(on, d.ID)
			}
		}
		assert.Equal(t, []string{final.DriverID}, on, "the trip is on exactly its driver's route")

		// Every reassignment that went through is in the trail, each from
		// the driver the one before left it with: none lost or doubled.
		var trail struct{ Events []reassignEvent }
		f.admin.get("/api/v1/trips/"+tr.ID+"/events").must(t, http.StatusOK, &trail)
		prev, n := holder.ID, 0
		for _, e := range trail.Events {
			if e.Action != "reassigned" {
				continue
			}
			n++
			assert.Equal(t, prev, e.PreviousDriverID, "reassignment %d starts from the driver the last one left", n)
			prev = e.DriverID
		}
		assert.Equal(t, won, n, "one audit entry per reassignment that went through")
		assert.Equal(t, final.DriverID, prev)
	})
}
