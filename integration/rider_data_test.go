package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestARidersDataRequests: a rider asks for their data and then to be
// forgotten. A coordinator exports it (by phone, in the body), erasing it
// keeps the trip still to be driven and names it, and once that trip is
// cancelled erases it too; who was shown the riders' contact is logged for
// coordinators. Nobody else may ask, and a bad phone changes nothing.
func TestARidersDataRequests(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school, drv, tr := handoverTrip(t, f, examTrip(time.Hour))
		phone := tr.Riders[0].Phone
		f.admin.trip(tr.ID) // a coordinator reads the riders' contact

		var reads struct {
			TripID string `json:"trip_id"`
			Reads  []struct{ Actor, Via string }
		}
		f.admin.get("/api/v1/trips/"+tr.ID+"/reads").must(t, http.StatusOK, &reads)
		var vias []string
		for _, r := range reads.Reads {
			vias = append(vias, r.Actor+" "+r.Via)
		}
		assert.Contains(t, vias, "driver:"+drv.ID+" accept", "the driver was shown the contact when accepting")
		assert.Contains(t, vias, "coordinator:crd_admin trip", "and a coordinator reading the trip")
		drv.get("/api/v1/trips/"+tr.ID+"/reads").fails(t, http.StatusForbidden, "forbidden")
		school.get("/api/v1/trips/"+tr.ID+"/reads").fails(t, http.StatusForbidden, "forbidden")

		var export struct{ Trips []trip }
		f.admin.post("/api/v1/riders/export", map[string]string{"phone": phone}).must(t, http.StatusOK, &export)
		require.Len(t, export.Trips, 1)
		assert.Equal(t, tr.Riders[0].Name, export.Trips[0].Riders[0].Name)
		school.post("/api/v1/riders/export", map[string]string{"phone": phone}).fails(t, http.StatusForbidden, "forbidden")
		e := f.admin.post("/api/v1/riders/export", map[string]string{"phone": "none"}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "phone", e.Field)
		f.admin.post("/api/v1/riders/export", map[string]any{"phone": phone, "name": "x"}).fails(t, http.StatusBadRequest, "bad_request")

		var erased struct{ Erased, Kept []string }
		drv.post("/api/v1/riders/erase", map[string]string{"phone": phone}).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post("/api/v1/riders/erase", map[string]string{"phone": phone}).must(t, http.StatusOK, &erased)
		assert.Empty(t, erased.Erased)
		assert.Equal(t, []string{tr.ID}, erased.Kept, "a trip still to be driven keeps the contact its driver needs")
		assert.Equal(t, tr.Riders[0].Name, drv.trip(tr.ID).Riders[0].Name)

		f.admin.post("/api/v1/trips/"+tr.ID+"/cancel", nil).must(t, http.StatusOK, nil)
		f.admin.post("/api/v1/riders/erase", map[string]string{"phone": phone}).must(t, http.StatusOK, &erased)
		assert.Equal(t, []string{tr.ID}, erased.Erased)
		got := school.trip(tr.ID)
		require.Len(t, got.Riders, 1)
		assert.Empty(t, got.Riders[0].Name, "the rider's name is gone")
		assert.Empty(t, got.Riders[0].Phone)
		assert.Empty(t, got.Pickup.Address, "a trip of theirs alone loses its address")
		f.admin.post("/api/v1/riders/export", map[string]string{"phone": phone}).must(t, http.StatusOK, &export)
		assert.Empty(t, export.Trips, "nothing of theirs is left to export")
	})
}
