package scheduler

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a Clock that moves only when the test advances it; timers
// fire, in deadline order, as it passes their deadlines.
type fakeClock struct {
	// mu guards now and timers.
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

var _ Clock = (*fakeClock)(nil)

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1) // never blocks the clock, may be abandoned
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), ch})
	return ch
}

// Advance moves the clock forward by d and fires the timers it passes.
func (c *fakeClock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// AdvanceTo moves the clock forward to t and fires the timers it passes.
func (c *fakeClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		panic("fakeClock: time goes forward only")
	}
	c.now = t
	slices.SortFunc(c.timers, func(a, b fakeTimer) int { return a.at.Compare(b.at) })
	n := 0
	for _, tm := range c.timers {
		if tm.at.After(t) {
			c.timers[n] = tm
			n++
			continue
		}
		tm.ch <- t
	}
	c.timers = c.timers[:n]
}

// deadlines lists the pending timers' deadlines, earliest first.
func (c *fakeClock) deadlines() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ds []time.Time
	for _, tm := range c.timers {
		ds = append(ds, tm.at)
	}
	slices.SortFunc(ds, time.Time.Compare)
	return ds
}

// waitSleeping waits until n timers are pending: n Schedulers have handled
// everything due and gone back to sleep.
func (c *fakeClock) waitSleeping(tb testing.TB, n int) {
	tb.Helper()
	require.Eventually(tb, func() bool { return len(c.deadlines()) == n }, 5*time.Second, time.Millisecond,
		"want %d sleeping schedulers", n)
}

// waitSleepingUntil waits until some timer is pending for at.
func (c *fakeClock) waitSleepingUntil(tb testing.TB, at time.Time) {
	tb.Helper()
	require.Eventually(tb, func() bool { return slices.ContainsFunc(c.deadlines(), at.Equal) }, 5*time.Second,
		time.Millisecond, "want a scheduler sleeping until %v; timers: %v", at, c.deadlines())
}

func TestFakeClock(t *testing.T) {
	c := newFakeClock(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
	a, b := c.After(2*time.Second), c.After(time.Second)
	c.Advance(999 * time.Millisecond)
	require.Empty(t, b, "timer fired early")
	c.Advance(time.Millisecond)
	require.Equal(t, c.Now(), <-b)
	require.Empty(t, a)
	c.Advance(time.Hour)
	require.Equal(t, c.Now(), <-a)
	require.Equal(t, c.Now(), <-c.After(0))
	require.Empty(t, c.deadlines())
}
