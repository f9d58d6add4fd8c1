package dispatch

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"time"

	"github.com/heartlink/heartlink"
)

// PINDigits is how long a handover PIN is.
const PINDigits = 4

// NewPIN returns a random handover PIN of PINDigits digits, from
// crypto/rand: a driver must not be able to guess it from the trip.
func NewPIN() string {
	n, err := rand.Int(rand.Reader, big.NewInt(10000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%0*d", PINDigits, n.Int64())
}

// ProgressReport is a progress step as reported: by the trip's driver,
// with the rider's PIN where the step needs it, or by a coordinator as an
// override of the PIN.
type ProgressReport struct {
	Step Step
	// PIN is what the rider told the driver; ignored for steps that need
	// none.
	PIN string
}

// Handover holds the rules that make a driver prove where they are and
// whom they carry. The zero Handover checks nothing.
type Handover struct {
	// PIN: picked_up needs the rider's PIN, and so does completed where
	// minors ride (the drop-off is confirmed too).
	PIN bool
	// PINTries wrong PINs within PINWindow lock a trip's PIN until the
	// window ends; a coordinator's override works throughout.
	PINTries  int
	PINWindow time.Duration
	// ArriveWithinKm: arrived is refused from a driver whose live
	// position, shared within ArriveFresh, is further than this from the
	// pick-up (0: not checked).
	ArriveWithinKm float64
	ArriveFresh    time.Duration
}

// DefaultHandover is what the README documents: the PIN on, 5 wrong tries
// in 15 minutes, and arrival within 500 m of a position 2 minutes fresh.
func DefaultHandover() Handover {
	return Handover{PIN: true, PINTries: 5, PINWindow: 15 * time.Minute, ArriveWithinKm: 0.5, ArriveFresh: 2 * time.Minute}
}

// NeedsPIN reports whether step s on t needs the rider's PIN. A trip
// booked before trips had PINs has none and needs none.
func (h Handover) NeedsPIN(t *Trip, s Step) bool {
	if !h.PIN || t.PIN == "" {
		return false
	}
	return s == StepPickedUp || s == StepCompleted && t.MinorsRide()
}

// Overridable reports whether a coordinator may record step s for a trip's
// driver: the steps a PIN guards, whether or not this trip needs one.
func Overridable(s Step) bool { return s == StepPickedUp || s == StepCompleted }

// PINMatches compares a PIN given with t's in constant time, so that how
// long a refusal takes says nothing of how close a guess was.
func PINMatches(t *Trip, pin string) bool {
	return t.PIN != "" && subtle.ConstantTimeCompare([]byte(t.PIN), []byte(pin)) == 1
}

// CheckArrival refuses arrived from a driver whose live position, at,
// shared at seen within ArriveFresh of now, is further than
// ArriveWithinKm from t's pick-up. An unknown or stale position is not held
// against them: the app may have lost its signal on the way.
func (h Handover) CheckArrival(t *Trip, at *heartlink.Point, seen, now time.Time) error {
	if h.ArriveWithinKm <= 0 || at == nil || seen.IsZero() || now.Sub(seen) > h.ArriveFresh {
		return nil
	}
	d := heartlink.DistanceKm(*at, t.Pickup.Point())
	if d <= h.ArriveWithinKm {
		return nil
	}
	return heartlink.FieldError(heartlink.ETooFar, "step",
		"you are %.1f km from the pick-up by the location you last shared (%s ago); report arrived within %.0f m of it",
		d, now.Sub(seen).Round(time.Second), h.ArriveWithinKm*1000)
}
