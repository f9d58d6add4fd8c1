package scheduler

import "time"

// Clock is the time source and timer of a Scheduler. The real one wraps
// time.Now and time.NewTimer; tests use a fake whose timers fire when the
// test advances it.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	// A Scheduler may abandon the channel without reading it.
	After(d time.Duration) <-chan time.Time
}

// SystemClock returns the wall clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// After uses a fresh timer; since Go 1.23 an abandoned, unstopped timer is
// collected, so the Scheduler need not stop timers it gives up on.
func (systemClock) After(d time.Duration) <-chan time.Time { return time.NewTimer(d).C }
