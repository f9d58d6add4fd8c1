package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestArrivalsCountEachTripOnce(t *testing.T) {
	at := time.Date(2027, 6, 7, 7, 30, 0, 0, time.UTC)
	gate := Place{Lat: 28.2601, Lng: 117.0702, Address: "No.1 Middle School"}
	near := Place{Lat: 28.26012, Lng: 117.07019, Address: "No.1 Middle School"} // the same gate
	other := Place{Lat: 28.24, Lng: 117.03, Address: "Experimental School"}
	trip := func(id string, to Place, s Status, pickup time.Duration) *Trip {
		return &Trip{ID: id, Kind: ExamEscort, Dropoff: to, Status: s, PickupAt: at.Add(pickup)}
	}
	checked := trip("t-checked", gate, PickedUp, -20*time.Minute)
	checked.CheckedInAt = at
	trips := []*Trip{
		trip("t-done", gate, Completed, -time.Hour),
		checked,
		trip("t-aboard", near, PickedUp, -10*time.Minute),
		trip("t-ahead", gate, Assigned, 15*time.Minute),
		trip("t-late", gate, Assigned, -5*time.Minute), // its pick-up passed, nobody aboard
		trip("t-nobody", gate, Unassigned, 30*time.Minute),
		trip("t-absent", gate, NoShow, -30*time.Minute),
		trip("t-off", gate, Cancelled, 0),
		trip("t-other", other, Queued, time.Hour),
		{ID: "t-hospital", Kind: Hospital, Dropoff: gate, Status: Queued},
	}
	got := Arrivals(trips, at)
	assert.Len(t, got, 2, "sites by name; 20 m apart is one gate")
	assert.Equal(t, SiteArrivals{Site: "Experimental School", Lat: 28.24, Lng: 117.03, Expected: 1, AtRisk: 1, AtRiskTrips: []string{"t-other"}}, got[0])
	g := got[1]
	assert.Equal(t, 7, g.Expected, "cancelled and hospital trips are not expected")
	assert.Equal(t, g.Expected, g.Arrived+g.OnTheWay+g.Planned+g.AtRisk, "each trip counted once")
	assert.Equal(t, 2, g.Arrived, "dropped off, or checked in at the gate")
	assert.Equal(t, 1, g.OnTheWay)
	assert.Equal(t, 1, g.Planned)
	assert.Equal(t, []string{"t-absent", "t-late", "t-nobody"}, g.AtRiskTrips)
}
