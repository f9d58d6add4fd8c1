package demo

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestOffsetKm(t *testing.T) {
	tests := []struct {
		name        string
		east, north float64
	}{
		{"north", 0, 1},
		{"east", 1, 0},
		{"south-west", -3, -4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := centre.km(centre.offset(tt.east, tt.north))
			if want := math.Hypot(tt.east, tt.north); math.Abs(got-want) > 0.001*want {
				t.Errorf("centre.km(centre.offset(%v, %v)) = %v; want %v", tt.east, tt.north, got, want)
			}
		})
	}
}

func TestNearStaysWithinRadius(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		if d := centre.km(near(rng, centre, 0.5)); d > 0.5001 {
			t.Fatalf("near(centre, 0.5) drew a point %v km away", d)
		}
	}
}

func TestLandmarksAreInTown(t *testing.T) {
	for _, p := range landmarks {
		if d := centre.km(p.point()); d > cityRadiusKm {
			t.Errorf("%s is %.1f km from the centre; want within %d", p.Name, d, cityRadiusKm)
		}
	}
}

func TestGaokaoDay(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC), "2027-06-07"},
		{time.Date(2027, 6, 6, 15, 59, 0, 0, time.UTC), "2027-06-07"}, // 23:59 in Yingtan
		{time.Date(2027, 6, 6, 16, 0, 0, 0, time.UTC), "2028-06-07"},  // midnight in Yingtan: too late
		{time.Date(2027, 1, 1, 0, 0, 0, 0, cst), "2027-06-07"},
	}
	for _, tt := range tests {
		if got := gaokaoDay(tt.now).Format("2006-01-02"); got != tt.want {
			t.Errorf("gaokaoDay(%v) = %s; want %s", tt.now, got, tt.want)
		}
	}
}
