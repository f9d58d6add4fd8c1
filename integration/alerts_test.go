package integration

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshotAlerts reads the alerts of a fresh board's snapshot, by trip.
func snapshotAlerts(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	b := f.board()
	s := b.frames()[0]
	var data struct {
		Alerts []struct {
			TripID string `json:"trip_id"`
			Reason string `json:"reason"`
		} `json:"alerts"`
	}
	require.NoError(t, json.Unmarshal(s.Data, &data), "%s", s)
	out := map[string]string{}
	for _, a := range data.Alerts {
		out[a.TripID] = a.Reason
	}
	return out
}

// TestUnservedTripsStayOnTheBoard: a trip nobody carried by its arrive_by
// leaves the open list but not the board: it is alerted live as
// unserved, every new board lists it, and it stays until a coordinator
// closes its alert, which every board is told.
func TestUnservedTripsStayOnTheBoard(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		board := f.board()
		from := board.mark()
		// No driver is registered: nobody can take it.
		tr := school.request(examTrip(4 * time.Second))

		board.waitFrom(from, 15*time.Second, "an unserved alert", func(fr frame) bool {
			return fr.Type == "alert" && fr.str("trip_id") == tr.ID && fr.str("reason") == "unserved"
		})
		assert.Equal(t, "unserved", snapshotAlerts(t, f)[tr.ID], "a board opened later lists it")

		drv := f.addDriver(home)
		drv.post("/api/v1/alerts/"+tr.ID+"/close", nil).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post("/api/v1/alerts/trp_nowhere/close", nil).fails(t, http.StatusNotFound, "not_found")
		school.post("/api/v1/alerts/"+tr.ID+"/close", nil).fails(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "unserved", snapshotAlerts(t, f)[tr.ID], "refused closes leave it")

		from = board.mark()
		var closed struct {
			TripID string `json:"trip_id"`
			Closed bool   `json:"closed"`
		}
		f.admin.post("/api/v1/alerts/"+tr.ID+"/close", nil).must(t, http.StatusOK, &closed)
		assert.Equal(t, tr.ID, closed.TripID)
		assert.True(t, closed.Closed)
		board.waitFrom(from, frameWait, "the alert closed", func(fr frame) bool {
			return fr.Type == "alert_closed" && fr.str("trip_id") == tr.ID
		})
		assert.NotContains(t, snapshotAlerts(t, f), tr.ID, "a closed alert is gone from new boards")
		f.admin.post("/api/v1/alerts/"+tr.ID+"/close", nil).fails(t, http.StatusNotFound, "not_found")
	})
}
