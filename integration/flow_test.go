package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWholeFlow is an exam morning for one student: the school books, a
// volunteer is offered the trip, accepts and drives it to the end, and
// school and fleet office follow every step.
func TestWholeFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 1))
		drv.online(north(home, 1))

		req := examTrip(3 * time.Hour)
		resp := school.post("/api/v1/trips", req)
		var created trip
		resp.must(t, http.StatusCreated, &created)
		assert.Equal(t, "/api/v1/trips/"+created.ID, resp.Header.Get("Location"), "the 201 says where the trip is")
		assert.Contains(t, []string{queued, offered}, created.Status)
		assert.Equal(t, school.ID, created.RequesterID, "the school owns its request")
		assert.Equal(t, req.Riders, created.Riders, "the school sees its riders")

		o := drv.waitOffer(created.ID)
		assert.Equal(t, "exam_escort", o.Kind)
		assert.Equal(t, 1, o.Seats)
		assert.Equal(t, req.ArriveBy, rfc3339(o.ArriveBy), "the offer shows the deadline")
		assert.True(t, o.ExpiresAt.After(time.Now()), "the offer has not expired: %v", o.ExpiresAt)
		assert.Empty(t, o.PickupArea.Address, "an offer shows an area, not the address")
		assert.NotEqual(t, home, o.PickupArea.point(), "an offer shows an approximate pickup, not the exact one")
		assert.InDelta(t, home.Lat, o.PickupArea.Lat, 0.01)
		assert.InDelta(t, home.Lng, o.PickupArea.Lng, 0.01)
		assert.InDelta(t, examSite.Lat, o.DropoffArea.Lat, 0.01, "the offer shows where the ride goes")
		assert.Equal(t, offered, school.trip(created.ID).Status, "the school sees the trip offered")

		var got trip
		drv.accept(created.ID).must(t, http.StatusOK, &got)
		assert.Equal(t, assigned, got.Status)
		assert.Equal(t, drv.ID, got.DriverID)
		assert.Equal(t, req.Riders, got.Riders, "the accepting driver gets the rider's contact")
		assert.Equal(t, req.Pickup.Address, got.Pickup.Address, "the accepting driver gets the address")
		_, stillOffered := drv.offerOf(created.ID)
		assert.False(t, stillOffered, "an accepted offer leaves the driver's offers")

		for _, c := range []struct{ step, status string }{
			{"arrived", arrived}, {"picked_up", pickedUp}, {"completed", completed},
		} {
			var now trip
			drv.progress(created.ID, c.step).must(t, http.StatusOK, &now)
			assert.Equal(t, c.status, now.Status, "driver after %s", c.step)
			for who, cl := range map[string]*client{"school": school.client, "coordinator": f.admin, "driver": drv.client} {
				seen := cl.trip(created.ID)
				assert.Equal(t, c.status, seen.Status, "%s after %s", who, c.step)
				assert.Equal(t, drv.ID, seen.DriverID, "%s sees the driver after %s", who, c.step)
			}
		}

		es := f.events(created.ID)
		require.Equal(t, []string{"requested", "offered", "accepted", "arrived", "picked_up", "completed"}, actions(es))
		wantActors := []string{"requester:" + school.ID, "system", "driver:" + drv.ID,
			"driver:" + drv.ID, "driver:" + drv.ID, "driver:" + drv.ID}
		for i, e := range es {
			assert.Equal(t, wantActors[i], e.Actor, "actor of %q", e.Action)
			assert.WithinDuration(t, time.Now(), e.At, time.Minute, "time of %q", e.Action)
			if i > 0 {
				assert.Equal(t, es[i-1].To, e.From, "%q starts where %q ended", e.Action, es[i-1].Action)
				assert.False(t, e.At.Before(es[i-1].At), "%q is not older than %q", e.Action, es[i-1].Action)
			}
		}
		assert.Equal(t, queued, es[0].To)
		assert.Equal(t, drv.ID, es[1].DriverID, "the trail says whom the trip was offered to")
		assert.Equal(t, completed, es[len(es)-1].To)

		metrics := srv.client("").get("/metrics").must(t, http.StatusOK, nil)
		assert.Contains(t, strings.Split(string(metrics.Body), "\n"), "heartlink_accepts_total 1",
			"the operator sees one accepted trip")
	})
}
