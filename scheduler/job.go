package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one schedule and what to do at each firing.
//
// Missed firings — those after the job's Last and not yet handled when an
// instance starts (or first sees the job), because no instance ran — are
// handled by this rule:
//
//   - a missed firing scheduled within CatchUp before now (at or after
//     now−CatchUp, to the second) is run, oldest first;
//   - an older one is skipped, logged and recorded as handled; with
//     CatchUp 0 every missed firing is skipped, except one due in the
//     current second;
//   - with LatestOnly, of the firings the first rule would run only the
//     latest is run, for jobs where each firing supersedes the one before.
//
// So a sign-up window that opened an hour ago is still announced with
// CatchUp of a few hours, a daily window missed three times is announced
// once with LatestOnly, and a reminder for a shift that has begun is not
// sent with a CatchUp shorter than the lead of the reminder. A job never
// seen before (no Last in the Store) has missed nothing: it fires from the
// moment it is first planned. An instance that was running handles every
// firing, in order, however late it wakes (a suspended process, a fake
// clock advanced by hours): CatchUp is about downtime, not lateness.
type Job struct {
	// Name identifies the job across instances and restarts, for example
	// "campaign:cmp_x:open". Names are unique within one Set.
	Name     string
	Schedule cron.Schedule
	// Location is the zone the schedule is read in; nil means UTC.
	Location *time.Location
	// CatchUp is how far back missed firings are still run at start. Keep it
	// shorter than the Store's claim TTL (14 days for the Redis store).
	CatchUp time.Duration
	// LatestOnly runs only the latest of the missed firings CatchUp allows.
	LatestOnly bool
	// Run does the work of one firing. It gets the scheduled time in
	// Location, not the time it runs. It is not retried when it fails, and
	// runs of one job on one instance never overlap.
	Run func(ctx context.Context, scheduled time.Time) error
}

// Validate reports what makes j unusable; Set drops such jobs and logs why.
func (j Job) Validate() error {
	switch {
	case j.Name == "":
		return errors.New("scheduler: job has no name")
	case j.Schedule == nil:
		return fmt.Errorf("scheduler: job %q has no schedule", j.Name)
	case j.Run == nil:
		return fmt.Errorf("scheduler: job %q has no Run", j.Name)
	case j.CatchUp < 0:
		return fmt.Errorf("scheduler: job %q has negative CatchUp %v", j.Name, j.CatchUp)
	}
	return nil
}

// next is the job's first firing after t, zero if none.
func (j Job) next(t time.Time) time.Time { return Next(j.Schedule, t, j.Location) }

// missed applies the catch-up rule: of the firings after last and at or
// before now, it returns those to run, oldest first, and the first one
// skipped (zero if none).
func (j Job) missed(last, now time.Time) (run []time.Time, skipped time.Time) {
	// Firings are whole seconds; one in the current second is due, not missed.
	from := now.Truncate(time.Second).Add(-j.CatchUp - time.Second)
	if last.After(from) {
		from = last
	} else if f := j.next(last); !f.IsZero() && !f.After(from) {
		skipped = f
	}
	for f := j.next(from); !f.IsZero() && !f.After(now); f = j.next(f) {
		run = append(run, f)
	}
	if j.LatestOnly && len(run) > 1 {
		if skipped.IsZero() {
			skipped = run[0]
		}
		run = run[len(run)-1:]
	}
	return run, skipped
}

// loc is the job's Location, UTC if nil.
func (j Job) loc() *time.Location {
	if j.Location == nil {
		return time.UTC
	}
	return j.Location
}
