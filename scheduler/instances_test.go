package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExactlyOnceAcrossInstances runs three instances on one store and one
// clock, as three replicas of the service share Redis and (near enough)
// the time, from a start that catches up after downtime through a day's
// worth of irregular clock steps.
func TestExactlyOnceAcrossInstances(t *testing.T) {
	eachBackend(t, func(t *testing.T, newStore func() Store) {
		begin := day0.Add(8*time.Hour + 30*time.Second)
		down := day0.Add(7*time.Hour + 50*time.Minute)
		clock := newFakeClock(begin)
		rec := &recorder{clock: clock}
		require.NoError(t, newStore().SetLast(context.Background(), "minutely", down))
		jobs := func() []Job {
			minutely := rec.job(t, "minutely", "* * * * *", nil)
			minutely.CatchUp = time.Hour
			return []Job{minutely, rec.job(t, "five", "*/5 * * * *", nil), rec.job(t, "open", "0 9 * * *", nil)}
		}
		var stops []func()
		for range 3 {
			s, _ := newScheduler(t, newStore(), clock)
			s.Set(jobs())
			stops = append(stops, start(t, s))
		}
		clock.waitSleeping(t, 3)
		for _, d := range []time.Duration{
			30 * time.Second, time.Minute, 90 * time.Second, 7 * time.Minute, time.Second, 59 * time.Second,
			20 * time.Minute, 45 * time.Minute, 3 * time.Hour, 12 * time.Hour,
		} {
			clock.Advance(d)
			clock.waitSleeping(t, 3)
		}
		end := clock.Now()
		var want []string
		want = append(want, firings(t, "minutely", "* * * * *", down, end)...)
		want = append(want, firings(t, "five", "*/5 * * * *", begin, end)...)
		want = append(want, firings(t, "open", "0 9 * * *", begin, end)...)
		rec.wait(t, len(want))
		for _, stop := range stops {
			stop()
		}
		assert.ElementsMatch(t, want, rec.names(), "each firing ran once in total")
		t.Logf("%d firings, each once, over three instances", len(want))
	})
}
