package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// volunteering is a driver's figures as GET …/stats answers them.
type volunteering struct {
	TripsCompleted int     `json:"trips_completed"`
	Hours          float64 `json:"hours"`
	Upcoming       int     `json:"upcoming"`
	Km             float64 `json:"km"`
}

// TestDriverStatsForCoordinators: the fleet office reads any volunteer's
// hours, the same figures the volunteer sees; a volunteer reads their own
// by id too, but nobody else's, and nobody learns whether an id exists
// unless they may read it.
func TestDriverStatsForCoordinators(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 1))
		other := f.addDriver(north(home, 2))
		drv.online(north(home, 1))

		tr := school.request(examTrip(3 * time.Hour))
		drv.waitOffer(tr.ID)
		drv.accept(tr.ID).must(t, http.StatusOK, nil)
		for _, step := range []string{"arrived", "picked_up", "completed"} {
			drv.progress(tr.ID, step).must(t, http.StatusOK, nil)
		}

		var own, seen, byID volunteering
		drv.get("/api/v1/drivers/me/stats").must(t, http.StatusOK, &own)
		require.Equal(t, 1, own.TripsCompleted, "the driver's own figures count the trip")
		assert.Greater(t, own.Hours, 0.0)
		f.admin.get("/api/v1/drivers/"+drv.ID+"/stats").must(t, http.StatusOK, &seen)
		assert.Equal(t, own, seen, "the coordinator sees what the driver sees")
		drv.get("/api/v1/drivers/"+drv.ID+"/stats").must(t, http.StatusOK, &byID)
		assert.Equal(t, own, byID, "a driver may read their own by id")

		var fresh volunteering
		f.admin.get("/api/v1/drivers/"+other.ID+"/stats").must(t, http.StatusOK, &fresh)
		assert.Equal(t, volunteering{}, fresh, "a volunteer with no trips yet has nothing counted")

		other.get("/api/v1/drivers/"+drv.ID+"/stats").fails(t, http.StatusForbidden, "forbidden")
		other.get("/api/v1/drivers/drv_nobody_"+runID+"/stats").fails(t, http.StatusForbidden, "forbidden")
		school.get("/api/v1/drivers/"+drv.ID+"/stats").fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/drivers/drv_nobody_"+runID+"/stats").fails(t, http.StatusNotFound, "not_found")
		f.client("").get("/api/v1/drivers/"+drv.ID+"/stats").fails(t, http.StatusUnauthorized, "unauthorized")
	})
}
