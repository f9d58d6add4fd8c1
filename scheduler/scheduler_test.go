package scheduler

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFiresAtTheInstant(t *testing.T) {
	tests := []struct {
		name, spec  string
		start, want time.Time
	}{
		{"morning", "0 9 * * *", sh(2028, 3, 1, 8, 0), sh(2028, 3, 1, 9, 0)},
		{"across midnight", "30 0 * * *", sh(2028, 3, 1, 23, 0), sh(2028, 3, 2, 0, 30)},
		{"evening before a shift", "0 20 * * *", sh(2028, 3, 1, 20, 0).Add(time.Second), sh(2028, 3, 2, 20, 0)},
		{"31st", "0 9 31 * *", sh(2028, 2, 1, 0, 0), sh(2028, 3, 31, 9, 0)},
		{"first of month after leap day", "0 0 1 * *", sh(2028, 2, 29, 12, 0), sh(2028, 3, 1, 0, 0)},
		{"leap day", "0 8 29 2 *", sh(2027, 3, 1, 0, 0), sh(2028, 2, 29, 8, 0)},
		{"every minute", "* * * * *", sh(2028, 3, 1, 8, 0).Add(30 * time.Second), sh(2028, 3, 1, 8, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(tt.start)
			rec := &recorder{clock: clock}
			s, _ := newScheduler(t, embedded(t), clock)
			s.Set([]Job{rec.job(t, "j", tt.spec, nil)})
			start(t, s)

			clock.waitSleepingUntil(t, tt.want)
			clock.AdvanceTo(tt.want.Add(-time.Second))
			clock.waitSleeping(t, 1)
			require.Empty(t, rec.list(), "ran before %v", tt.want)

			clock.AdvanceTo(tt.want)
			got := rec.wait(t, 1)[0]
			assert.True(t, got.scheduled.Equal(tt.want), "scheduled %v; want %v", got.scheduled, tt.want)
			assert.Equal(t, shanghai, got.scheduled.Location(), "Run gets the time in the job's Location")
			assert.True(t, got.at.Equal(tt.want), "ran at %v; want %v", got.at, tt.want)
			clock.waitSleepingUntil(t, Next(mustParse(t, tt.spec), tt.want, shanghai))
			assert.Len(t, rec.list(), 1)
		})
	}
}

// interleaved are four jobs whose firings from day0 06:25 (a Sunday) to
// Monday 12:00 Shanghai are interleavedOrder.
func interleaved(tb testing.TB, rec *recorder) []Job {
	tb.Helper()
	return []Job{
		rec.job(tb, "open", "0 9 * * *", nil),
		rec.job(tb, "remind", "30 8 * * *", nil),
		rec.job(tb, "trips", "0 */6 * * *", nil),
		rec.job(tb, "monday", "15 9 * * MON", nil),
	}
}

var interleavedOrder = []string{
	"remind@03-05 08:30", "open@03-05 09:00", "trips@03-05 12:00", "trips@03-05 18:00",
	"trips@03-06 00:00", "trips@03-06 06:00", "remind@03-06 08:30", "open@03-06 09:00",
	"monday@03-06 09:15", "trips@03-06 12:00",
}

func TestJobsInterleave(t *testing.T) {
	clock := newFakeClock(day0.Add(6*time.Hour + 25*time.Minute))
	rec := &recorder{clock: clock}
	s, _ := newScheduler(t, embedded(t), clock)
	s.Set(interleaved(t, rec))
	start(t, s)

	end := sh(2028, 3, 6, 12, 0)
	for i := 1; ; i++ {
		clock.waitSleeping(t, 1)
		next := clock.deadlines()[0]
		if next.After(end) {
			break
		}
		clock.AdvanceTo(next)
		runs := rec.wait(t, i)
		assert.True(t, runs[i-1].at.Equal(runs[i-1].scheduled), "%v ran at %v", runs[i-1], runs[i-1].at)
	}
	assert.Equal(t, interleavedOrder, rec.names())
}

func TestClockJumpHandlesEachFiring(t *testing.T) {
	clock := newFakeClock(day0.Add(6*time.Hour + 25*time.Minute))
	rec := &recorder{clock: clock}
	s, _ := newScheduler(t, embedded(t), clock)
	s.Set(append(interleaved(t, rec), rec.job(t, "often", "*/10 * * * *", nil)))
	start(t, s)
	clock.waitSleeping(t, 1)

	end := sh(2028, 3, 6, 12, 0)
	clock.AdvanceTo(end) // 29 hours at once
	want := append(append([]string(nil), interleavedOrder...), firings(t, "often", "*/10 * * * *", day0.Add(6*time.Hour+25*time.Minute), end)...)
	rec.wait(t, len(want))
	clock.waitSleeping(t, 1)
	assert.ElementsMatch(t, want, rec.names(), "every firing once")
	// Each job's runs happen in order; different jobs run side by side.
	last := map[string]time.Time{}
	for _, r := range rec.list() {
		assert.True(t, r.scheduled.After(last[r.job]), "%v ran after %v", r, last[r.job])
		last[r.job] = r.scheduled
	}
}

func TestSetWhileRunning(t *testing.T) {
	now := day0.Add(10 * time.Hour)
	clock := newFakeClock(now)
	rec := &recorder{clock: clock}
	s, _ := newScheduler(t, embedded(t), clock)
	daily := rec.job(t, "daily", "0 9 * * *", nil)
	s.Set([]Job{daily})
	start(t, s)
	clock.waitSleepingUntil(t, now.Add(23*time.Hour))

	// A new job fires at its time, not after the sleep planned before it.
	s.Set([]Job{daily, rec.job(t, "soon", "30 10 * * *", nil)})
	clock.waitSleepingUntil(t, now.Add(30*time.Minute))
	clock.Advance(30 * time.Minute)
	rec.wait(t, 1)
	assert.Equal(t, []string{"soon@03-05 10:30"}, rec.names())

	// A job due this very second fires without the clock moving.
	s.Set([]Job{daily, rec.job(t, "now", "30 10 * * *", nil)})
	assert.Equal(t, "now@03-05 10:30", rec.wait(t, 2)[1].String())

	// A changed schedule applies from now on; a removed job no longer fires.
	s.Set([]Job{rec.job(t, "daily", "0 11 * * *", nil)})
	clock.waitSleepingUntil(t, now.Add(time.Hour))
	clock.AdvanceTo(sh(2028, 3, 6, 11, 0))
	rec.wait(t, 4)
	clock.waitSleepingUntil(t, sh(2028, 3, 7, 11, 0))
	assert.Equal(t, []string{"soon@03-05 10:30", "now@03-05 10:30", "daily@03-05 11:00", "daily@03-06 11:00"}, rec.names())
}

func TestSetDropsInvalidJobs(t *testing.T) {
	clock := newFakeClock(day0)
	rec := &recorder{clock: clock}
	s, log := newScheduler(t, embedded(t), clock)
	good := rec.job(t, "good", "0 1 * * *", nil)
	s.Set([]Job{good, {Name: "no schedule"}, rec.job(t, "good", "0 2 * * *", nil)})
	start(t, s)
	clock.waitSleeping(t, 1)
	clock.Advance(3 * time.Hour)
	rec.wait(t, 1)
	clock.waitSleeping(t, 1)
	assert.Equal(t, []string{"good@03-05 01:00"}, rec.names())
	assert.Contains(t, log.String(), "has no schedule")
	assert.Contains(t, log.String(), "name set twice")
}

func TestFailedRunIsLoggedNotRetried(t *testing.T) {
	clock := newFakeClock(day0.Add(time.Minute))
	store := embedded(t)
	rec := &recorder{clock: clock}
	var n atomic.Int32
	s, log := newScheduler(t, store, clock)
	s.Set([]Job{rec.job(t, "flaky", "0 * * * *", func(context.Context, time.Time) error {
		switch n.Add(1) {
		case 1:
			return errors.New("sms gateway down")
		case 2:
			panic("nil map")
		}
		return nil
	})})
	start(t, s)
	clock.waitSleeping(t, 1)

	clock.Advance(time.Hour)
	rec.wait(t, 1)
	clock.waitSleeping(t, 1)
	clock.Advance(time.Hour)
	rec.wait(t, 2)
	clock.waitSleeping(t, 1)
	clock.Advance(30 * time.Minute)
	clock.waitSleeping(t, 1)
	assert.Equal(t, []string{"flaky@03-05 01:00", "flaky@03-05 02:00"}, rec.names(), "failed firings are not run again")
	assert.Contains(t, log.String(), "sms gateway down")
	assert.Contains(t, log.String(), "panic: nil map")

	clock.Advance(30 * time.Minute)
	rec.wait(t, 3)
	require.Eventually(t, func() bool {
		last, _, err := store.Last(context.Background(), "flaky")
		return err == nil && last.Equal(day0.Add(3*time.Hour))
	}, 5*time.Second, time.Millisecond, "Last is recorded after failures too")
}

// flakyStore fails the first claims it is asked for.
type flakyStore struct {
	Store
	fails atomic.Int32
}

func (s *flakyStore) Claim(ctx context.Context, job string, at time.Time) (bool, error) {
	if s.fails.Add(-1) >= 0 {
		return false, errors.New("connection refused")
	}
	return s.Store.Claim(ctx, job, at)
}

func TestFailedClaimIsRetried(t *testing.T) {
	clock := newFakeClock(day0)
	rec := &recorder{clock: clock}
	store := &flakyStore{Store: embedded(t)}
	s, log := newScheduler(t, store, clock)
	s.Set([]Job{rec.job(t, "open", "0 9 * * *", nil)})
	start(t, s)
	clock.waitSleeping(t, 1)

	store.fails.Store(3)
	at := day0.Add(9 * time.Hour)
	clock.AdvanceTo(at)
	for _, backoff := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		clock.waitSleepingUntil(t, clock.Now().Add(backoff))
		require.Empty(t, rec.list())
		clock.Advance(backoff)
	}
	got := rec.wait(t, 1)
	clock.waitSleepingUntil(t, at.Add(24*time.Hour))
	assert.Equal(t, []string{"open@03-05 09:00"}, rec.names(), "late, once")
	assert.True(t, got[0].at.Equal(at.Add(7*time.Second)), "ran at %v", got[0].at)
	assert.Contains(t, log.String(), "connection refused")
}

func TestRunsOfOneJobDoNotOverlap(t *testing.T) {
	clock := newFakeClock(day0.Add(time.Second))
	rec := &recorder{clock: clock}
	var running, most atomic.Int32
	release := make(chan struct{})
	s, _ := newScheduler(t, embedded(t), clock)
	s.Set([]Job{rec.job(t, "slow", "* * * * *", func(context.Context, time.Time) error {
		n := running.Add(1)
		defer running.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		<-release
		return nil
	})})
	start(t, s)
	clock.waitSleeping(t, 1)
	clock.Advance(5 * time.Minute)
	rec.wait(t, 1)
	clock.waitSleeping(t, 1) // the loop sleeps while four firings wait their turn
	assert.Len(t, rec.list(), 1, "the next run waits for the one before")
	close(release)
	rec.wait(t, 5)
	assert.Equal(t, firings(t, "slow", "* * * * *", day0, day0.Add(5*time.Minute)), rec.names())
	assert.EqualValues(t, 1, most.Load())
}

func TestRunWaitsForJobsToReturn(t *testing.T) {
	clock := newFakeClock(day0)
	rec := &recorder{clock: clock}
	started, release := make(chan struct{}), make(chan struct{})
	s, _ := newScheduler(t, embedded(t), clock)
	s.Set([]Job{rec.job(t, "slow", "0 9 * * *", func(context.Context, time.Time) error {
		close(started)
		<-release // deaf to ctx, as a careless job might be
		return nil
	})})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	clock.waitSleeping(t, 1)
	assert.ErrorContains(t, s.Run(ctx), "while running")

	clock.Advance(9 * time.Hour)
	<-started
	cancel()
	select {
	case err := <-errc:
		t.Fatalf("Run returned %v while a job ran", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-errc)
}
