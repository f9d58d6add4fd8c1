package planner

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The benchmark's scorer re-walks routes with gen.py's travel_s and dist_m;
// these figures were printed by gen.py itself.
func TestTravelModelMatchesBenchmark(t *testing.T) {
	var m TravelModel
	o, err := Options{}.withDefaults(0)
	if err != nil {
		t.Fatal(err)
	}
	m = o.Travel
	tests := []struct {
		a, b    Point
		meters  int
		seconds Seconds
	}{
		{Point{28.274322, 117.116216}, Point{28.267395, 117.081552}, 4525, 652},
		{Point{28.29, 117.21}, Point{28.21, 116.82}, 50990, 7343},
		{Point{28.2602, 117.0693}, Point{28.2602, 117.0693}, 0, 0},
		{Point{28.10, 117.00}, Point{28.3, 117.3}, 47922, 6901},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.a, tt.b), func(t *testing.T) {
			assert.Equal(t, tt.meters, m.Meters(tt.a, tt.b), "Meters(%v, %v)", tt.a, tt.b)
			assert.Equal(t, tt.seconds, m.Seconds(tt.a, tt.b), "Seconds(%v, %v)", tt.a, tt.b)
			assert.Equal(t, tt.meters, m.Meters(tt.b, tt.a), "distance is symmetric")
		})
	}
}

func TestRideLimit(t *testing.T) {
	rule := RideRule{Min: 45 * 60, Factor: 1.5, Add: 10 * 60}
	tests := []struct {
		direct, want Seconds
	}{
		{0, 2700},
		{1000, 2700}, // 1.5 × 1000 + 600 = 2100 < 45 min
		{1401, 2701}, // 2101.5 + 600 floors to 2701
		{3000, 5100}, // long drives get half as long again plus 10 min
		{3539, 5908}, // 5908.5 floors: never more generous than the scorer
	}
	for _, tt := range tests {
		if got := rule.rideLimit(tt.direct); got != tt.want {
			t.Errorf("rideLimit(%d) = %d; want %d", tt.direct, got, tt.want)
		}
	}
}
