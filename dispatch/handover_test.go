package dispatch

import (
	"regexp"
	"testing"
	"time"

	"github.com/heartlink/heartlink"
)

func TestNewPINIsFourDigits(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pin := NewPIN()
		if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(pin) {
			t.Fatalf("NewPIN() = %q; want 4 digits", pin)
		}
		seen[pin] = true
	}
	if len(seen) < 150 {
		t.Errorf("200 PINs hold only %d different ones; want them random", len(seen))
	}
}

func TestNeedsPIN(t *testing.T) {
	h := DefaultPolicy().Handover
	exam, ride := examTrip(DefaultPolicy()), examTrip(DefaultPolicy())
	exam.PIN, ride.PIN = "1234", "1234"
	ride.Kind = Hospital
	before := examTrip(DefaultPolicy()) // booked before trips had PINs
	tests := []struct {
		name string
		h    Handover
		t    *Trip
		s    Step
		want bool
	}{
		{"pick-up of a student", h, exam, StepPickedUp, true},
		{"drop-off of a student", h, exam, StepCompleted, true},
		{"pick-up of a patient", h, ride, StepPickedUp, true},
		{"drop-off of a patient", h, ride, StepCompleted, false},
		{"arrival", h, exam, StepArrived, false},
		{"no-show", h, exam, StepNoShow, false},
		{"a trip with no PIN", h, before, StepPickedUp, false},
		{"PINs switched off", Handover{}, exam, StepPickedUp, false},
	}
	for _, tt := range tests {
		if got := tt.h.NeedsPIN(tt.t, tt.s); got != tt.want {
			t.Errorf("%s: NeedsPIN(%s) = %v; want %v", tt.name, tt.s, got, tt.want)
		}
	}
}

func TestPINMatches(t *testing.T) {
	trip := &Trip{PIN: "0420"}
	for pin, want := range map[string]bool{"0420": true, "420": false, "0421": false, "": false, "04200": false} {
		if got := PINMatches(trip, pin); got != want {
			t.Errorf("PINMatches(%q) = %v; want %v", pin, got, want)
		}
	}
	if PINMatches(&Trip{}, "") {
		t.Error("a trip with no PIN matches an empty one; want no match")
	}
}

func TestCheckArrival(t *testing.T) {
	h := DefaultPolicy().Handover
	trip := examTrip(DefaultPolicy())
	at := func(km float64) *heartlink.Point {
		p := trip.Pickup.Point()
		p.Lat += km / 111.2
		return &p
	}
	tests := []struct {
		name string
		at   *heartlink.Point
		seen time.Time
		want string
	}{
		{"at the door", at(0.1), now, ""},
		{"a street away", at(0.4), now, ""},
		{"a kilometre away", at(1), now, heartlink.ETooFar},
		{"far, but the position is stale", at(5), now.Add(-10 * time.Minute), ""},
		{"no position", nil, time.Time{}, ""},
	}
	for _, tt := range tests {
		if got := heartlink.ErrorCode(h.CheckArrival(trip, tt.at, tt.seen, now)); got != tt.want {
			t.Errorf("%s: CheckArrival = %q; want %q", tt.name, got, tt.want)
		}
	}
	h.ArriveWithinKm = 0
	if err := h.CheckArrival(trip, at(5), now, now); err != nil {
		t.Errorf("with the check off: CheckArrival = %v; want nil", err)
	}
}
