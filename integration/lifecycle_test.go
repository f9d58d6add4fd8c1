package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDropOutCancelAndAssign covers what happens around the happy path: a
// driver dropping out, a school calling a trip off, and the fleet office
// assigning by hand.
func TestDropOutCancelAndAssign(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-offers-at-once", "1")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		first, second := f.addDriver(north(home, 0.5)), f.addDriver(north(home, 1))
		first.online(north(home, 0.5))
		second.online(north(home, 1))

		t.Run("driver drops out", func(t *testing.T) {
			f, school, first, second := f.in(t), school.in(t), first.in(t), second.in(t)
			tr := school.request(examTrip(3 * time.Hour))
			f.explainOnFailure(tr.ID)
			first.waitOffer(tr.ID)
			first.accept(tr.ID).must(t, http.StatusOK, nil)

			var back trip
			first.post("/api/v1/trips/"+tr.ID+"/release", nil).must(t, http.StatusOK, &back)
			assert.Contains(t, []string{queued, offered}, back.Status, "the trip goes back to the queue")
			assert.Empty(t, back.DriverID)
			second.waitOffer(tr.ID)
			seen := school.trip(tr.ID)
			assert.Equal(t, offered, seen.Status, "the school sees the trip looking for a driver again")
			assert.Empty(t, seen.DriverID)
			assert.Equal(t, tr.ArriveBy, seen.ArriveBy, "the deadline is intact")
			_, ok := first.offerOf(tr.ID)
			assert.False(t, ok, "the driver who dropped out is not asked again")
			if r := first.get("/api/v1/trips/" + tr.ID); r.Status == http.StatusOK {
				var seen trip
				r.must(t, http.StatusOK, &seen)
				assert.Empty(t, seen.Riders, "the driver who dropped out no longer sees the riders")
				assert.Empty(t, seen.Pickup.Address, "the driver who dropped out no longer sees the address")
			}
			first.progress(tr.ID, "arrived").fails(t, http.StatusForbidden, "forbidden")

			second.accept(tr.ID).must(t, http.StatusOK, nil)
			assert.Equal(t, second.ID, school.trip(tr.ID).DriverID)
			es := f.events(tr.ID)
			require.Equal(t, []string{"requested", "offered", "accepted", "released", "offered", "accepted"}, actions(es))
			assert.Equal(t, "driver:"+first.ID, es[3].Actor)
			assert.Equal(t, queued, es[3].To)
		})

		t.Run("cancelling frees the driver", func(t *testing.T) {
			school, first, second := school.in(t), first.in(t), second.in(t)
			tr := school.request(full(examTrip(5 * time.Hour)))
			first.waitOffer(tr.ID)
			first.accept(tr.ID).must(t, http.StatusOK, nil)
			clash := school.request(examTrip(5*time.Hour + 5*time.Minute)) // no seat left while the four ride
			first.accept(clash.ID).fails(t, http.StatusConflict, "schedule_clash")

			school.post("/api/v1/trips/"+tr.ID+"/cancel", nil).must(t, http.StatusOK, nil)
			var mine struct{ Trips []trip }
			first.get("/api/v1/trips").must(t, http.StatusOK, &mine)
			assert.NotContains(t, tripIDs(mine.Trips), tr.ID, "a cancelled trip leaves the driver's list")
			// The trip went to the second driver meanwhile: while they weigh
			// it, it is theirs to answer; once they decline, it comes here.
			second.waitOffer(clash.ID)
			first.accept(clash.ID).fails(t, http.StatusConflict, "conflict")
			second.post("/api/v1/trips/"+clash.ID+"/decline", nil).must(t, http.StatusOK, nil)
			first.waitOffer(clash.ID)
			first.accept(clash.ID).must(t, http.StatusOK, nil)
			assert.Equal(t, first.ID, school.trip(clash.ID).DriverID, "the driver's seats are free for the same hour again")
		})

		t.Run("school cancels", func(t *testing.T) {
			f, school, first, second := f.in(t), school.in(t), first.in(t), second.in(t)
			tr := school.request(examTrip(9 * time.Hour))
			first.waitOffer(tr.ID)
			var got trip
			school.post("/api/v1/trips/"+tr.ID+"/cancel", nil).must(t, http.StatusOK, &got)
			assert.Equal(t, cancelled, got.Status)
			_, ok := first.offerOf(tr.ID)
			assert.False(t, ok, "a cancelled trip is no longer offered")
			assert.NotContains(t, tripIDs(second.openTrips()), tr.ID, "a cancelled trip is not open")
			first.accept(tr.ID).fails(t, http.StatusConflict, "conflict")
			school.post("/api/v1/trips/"+tr.ID+"/cancel", nil).fails(t, http.StatusConflict, "conflict")
			assert.Equal(t, cancelled, f.admin.trip(tr.ID).Status)
			es := f.events(tr.ID)
			assert.Equal(t, "cancelled", es[len(es)-1].Action)
			assert.Equal(t, "requester:"+school.ID, es[len(es)-1].Actor)
		})

		t.Run("coordinator assigns by hand", func(t *testing.T) {
			f, school, first := f.in(t), school.in(t), first.in(t)
			offline := f.addDriver(north(home, 30))
			unverifiedReg := verifiedDriver(north(home, 30))
			unverifiedReg.VerifiedMinors = false
			unverified := f.register(unverifiedReg)
			tr := school.request(full(examTrip(15 * time.Hour)))

			e := f.admin.post("/api/v1/trips/"+tr.ID+"/assign", map[string]string{"driver_id": unverified.ID}).
				fails(t, http.StatusUnprocessableEntity, "invalid")
			assert.Equal(t, "driver_id", e.Field, "a driver not verified for minors cannot be given a student")
			f.admin.post("/api/v1/trips/"+tr.ID+"/assign", map[string]string{"driver_id": "drv_nobody"}).
				fails(t, http.StatusUnprocessableEntity, "invalid")

			var got trip
			f.admin.post("/api/v1/trips/"+tr.ID+"/assign", map[string]string{"driver_id": offline.ID}).must(t, http.StatusOK, &got)
			overlapping := school.request(examTrip(15*time.Hour + 10*time.Minute)) // the car is full then
			f.admin.post("/api/v1/trips/"+overlapping.ID+"/assign", map[string]string{"driver_id": offline.ID}).
				fails(t, http.StatusConflict, "schedule_clash")
			assert.Equal(t, assigned, got.Status)
			assert.Equal(t, offline.ID, got.DriverID)
			assert.Equal(t, tr.Riders, offline.trip(tr.ID).Riders, "the assigned driver sees the riders")
			_, ok := first.offerOf(tr.ID)
			assert.False(t, ok, "an assigned trip is no longer offered")
			first.accept(tr.ID).fails(t, http.StatusConflict, "trip_taken")
			es := f.events(tr.ID)
			assert.Equal(t, "assigned", es[len(es)-1].Action)
			assert.Equal(t, "coordinator:crd_admin", es[len(es)-1].Actor)
			assert.Equal(t, offline.ID, es[len(es)-1].DriverID)
		})
	})
}
