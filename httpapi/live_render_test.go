package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// A trip change is rendered for each audience as that audience may see
// it. An audience that names nobody in particular (all drivers, or one the
// code does not know yet) sees what a stranger sees: an area, no riders.
// Only the board sees the whole trip without being its requester or
// driver.
func TestRenderTripForAudiences(t *testing.T) {
	s := NewServer(Config{})
	l := newLive(s, LiveConfig{})
	now := time.Now()
	tr := &dispatch.Trip{
		ID: "trp_a", Kind: dispatch.ExamEscort, Status: dispatch.Assigned, RequesterID: "req_a", DriverID: "drv_a",
		Pickup:   dispatch.Place{Lat: 28.26437, Lng: 117.06891, Address: "12 Shengli Road"},
		Dropoff:  dispatch.Place{Lat: 28.23512, Lng: 117.02866, Address: "Exam site"},
		Riders:   []dispatch.Rider{{Name: "Student Wang", Phone: "13900000001"}},
		ArriveBy: now.Add(3 * time.Hour), CreatedAt: now, UpdatedAt: now,
	}
	data, _ := json.Marshal(dispatch.TripChange{TripID: tr.ID, Status: tr.Status, Version: 3, DriverID: tr.DriverID})
	c := dispatch.Change{ID: "1-0", Kind: dispatch.ChangeTrip, Data: data}
	tests := []struct {
		audience string
		whole    bool
	}{
		{"board", true},
		{"requester:req_a", true},
		{"driver:drv_a", true},
		{"requester:req_b", false},
		{"driver:drv_b", false},
		{"drivers", false},
		{"someone-new", false},
	}
	audiences := make([]string, len(tests))
	for i, tt := range tests {
		audiences[i] = tt.audience
	}
	frames := l.render(c, audiences, map[string]*dispatch.Trip{tr.ID: tr}, nil)
	for i, tt := range tests {
		got := string(frames[i])
		shows := strings.Contains(got, "Student Wang") || strings.Contains(got, "13900000001") || strings.Contains(got, "Shengli")
		if shows != tt.whole {
			t.Errorf("render(trip change, %q) shows riders and pickup = %v; want %v\n%s", tt.audience, shows, tt.whole, got)
		}
	}
	if p := principalOf("drivers"); p.Is(heartlink.RoleCoordinator) {
		t.Errorf("principalOf(%q) = %v; want no coordinator", "drivers", p)
	}
}
