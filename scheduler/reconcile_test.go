package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

// TestReconcile starts the service after downtime: Last says the 09:00
// window of yesterday (4 March) was the last handled. The job runs the
// missed firings its CatchUp allows, Last moves on, and a second start a
// little later repeats nothing.
func TestReconcile(t *testing.T) {
	yesterday9 := sh(2028, 3, 4, 9, 0)
	tests := []struct {
		name       string
		catchUp    time.Duration
		latestOnly bool
		now        time.Time
		want       []string
		last       time.Time
		skipped    bool
	}{
		{"nothing missed", 72 * time.Hour, false, sh(2028, 3, 5, 8, 0), nil, yesterday9, false},
		{"no catch-up: a past reminder is not sent", 0, false, sh(2028, 3, 5, 10, 0), nil, sh(2028, 3, 5, 9, 0), true},
		{"a window that opened an hour ago is announced", 2 * time.Hour, false, sh(2028, 3, 5, 10, 0),
			[]string{"open@03-05 09:00"}, sh(2028, 3, 5, 9, 0), false},
		{"a window too old is not", 30 * time.Minute, false, sh(2028, 3, 5, 10, 0), nil, sh(2028, 3, 5, 9, 0), true},
		{"down three days: each, oldest first", 72 * time.Hour, false, sh(2028, 3, 7, 10, 0),
			[]string{"open@03-05 09:00", "open@03-06 09:00", "open@03-07 09:00"}, sh(2028, 3, 7, 9, 0), false},
		{"down three days: those within a day and a bit", 30 * time.Hour, false, sh(2028, 3, 7, 10, 0),
			[]string{"open@03-06 09:00", "open@03-07 09:00"}, sh(2028, 3, 7, 9, 0), true},
		{"down three days: the latest only", 72 * time.Hour, true, sh(2028, 3, 7, 10, 0),
			[]string{"open@03-07 09:00"}, sh(2028, 3, 7, 9, 0), true},
	}
	for _, b := range redistest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					c, prefix := b.New(t)
					store := NewRedisStore(c, prefix)
					ctx := context.Background()
					require.NoError(t, store.SetLast(ctx, "open", yesterday9))
					rec := &recorder{}
					job := func() Job {
						j := rec.job(t, "open", "0 9 * * *", nil)
						j.CatchUp, j.LatestOnly = tt.catchUp, tt.latestOnly
						return j
					}

					for i, now := range []time.Time{tt.now, tt.now.Add(10 * time.Minute)} {
						clock := newFakeClock(now)
						rec.clock = clock
						s, log := newScheduler(t, store, clock)
						s.Set([]Job{job()})
						stop := start(t, s)
						clock.waitSleeping(t, 1)
						rec.wait(t, len(tt.want))
						stop()
						assert.Equal(t, tt.want, rec.names(), "start %d", i+1)
						last, ok, err := store.Last(ctx, "open")
						require.NoError(t, err)
						require.True(t, ok)
						assert.True(t, last.Equal(tt.last), "start %d: Last = %v; want %v", i+1, last.In(shanghai), tt.last)
						if i == 0 {
							assert.Equal(t, tt.skipped, strings.Contains(log.String(), "missed firings skipped"),
								"log of skipped firings")
						}
					}
				})
			}
		})
	}
}

// TestReconcileNewJob: a job created before an outage that hides its first
// firing still has that firing caught up.
func TestReconcileNewJob(t *testing.T) {
	store := embedded(t)
	rec := &recorder{}
	job := func() Job {
		j := rec.job(t, "campaign:cmp_x:open", "0 9 * * *", nil)
		j.CatchUp = time.Hour
		return j
	}
	for i, now := range []time.Time{day0.Add(8 * time.Hour), day0.Add(9*time.Hour + 30*time.Minute)} {
		clock := newFakeClock(now)
		rec.clock = clock
		s, _ := newScheduler(t, store, clock)
		s.Set([]Job{job()})
		stop := start(t, s)
		clock.waitSleeping(t, 1)
		rec.wait(t, i)
		stop()
	}
	assert.Equal(t, []string{"campaign:cmp_x:open@03-05 09:00"}, rec.names())
}

// TestStopLeavesUnclaimedFirings: an instance stopped with firings queued
// behind a slow run has not claimed them, so the next start runs them.
func TestStopLeavesUnclaimedFirings(t *testing.T) {
	store := embedded(t)
	clock := newFakeClock(day0.Add(time.Second))
	rec := &recorder{clock: clock}
	started := make(chan struct{})
	slow := func(ctx context.Context, scheduled time.Time) error {
		if scheduled.Equal(day0.Add(time.Minute)) {
			close(started)
			<-ctx.Done() // busy until the instance stops
		}
		return nil
	}
	job := func() Job {
		j := rec.job(t, "minutely", "* * * * *", slow)
		j.CatchUp = time.Hour
		return j
	}
	s, _ := newScheduler(t, store, clock)
	s.Set([]Job{job()})
	stop := start(t, s)
	clock.waitSleeping(t, 1)
	clock.Advance(3 * time.Minute) // 00:01 runs; 00:02 and 00:03 wait for it
	<-started
	stop()
	assert.Equal(t, []string{"minutely@03-05 00:01"}, rec.names())

	s, _ = newScheduler(t, store, clock)
	s.Set([]Job{job()})
	start(t, s)
	rec.wait(t, 3)
	clock.waitSleepingUntil(t, day0.Add(4*time.Minute))
	assert.Equal(t, firings(t, "minutely", "* * * * *", day0, day0.Add(3*time.Minute)), rec.names())
}
