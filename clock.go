package heartlink

import "time"

// Clock tells the time. Offer expiry, sign-up windows and schedules read the
// time only through a Clock so that tests can control it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
