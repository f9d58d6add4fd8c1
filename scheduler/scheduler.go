package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Scheduler fires jobs on a Clock so that each firing runs once across all
// the Schedulers that share its Store. Make one with New.
//
// Each firing is claimed just before it would run, so that a firing an
// instance did not get to (it stopped, or the job was still busy) is left
// to the others. The firings of one job are claimed and run in order and
// its runs never overlap in one instance; different jobs run side by side,
// so that a slow job delays no other.
type Scheduler struct {
	store Store
	clock Clock
	log   *slog.Logger

	// mu guards jobs.
	mu   sync.Mutex
	jobs []Job

	// changed tells Run that Set replaced the jobs; it holds one signal.
	changed chan struct{}
	running atomic.Bool
}

// New returns a Scheduler with no jobs. A nil clock is the system clock and
// a nil log discards.
func New(store Store, clock Clock, log *slog.Logger) *Scheduler {
	if clock == nil {
		clock = SystemClock()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{store: store, clock: clock, log: log, changed: make(chan struct{}, 1)}
}

// Set replaces the jobs, for example when a campaign is created or changed.
// It is safe while Run runs, which plans again at once. A job whose name
// was already set keeps its progress under its new schedule; a new name is
// reconciled as at start (see Job). Invalid jobs and repeated names are
// dropped and logged.
func (s *Scheduler) Set(jobs []Job) {
	valid := make([]Job, 0, len(jobs))
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		if err := j.Validate(); err != nil {
			s.log.Error("scheduler: job dropped", "err", err)
			continue
		}
		if seen[j.Name] {
			s.log.Error("scheduler: job dropped: name set twice", "job", j.Name)
			continue
		}
		seen[j.Name] = true
		valid = append(valid, j)
	}
	s.mu.Lock()
	s.jobs = valid
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// entry is Run's state of one job.
type entry struct {
	job Job
	// handled is the instant through which the job's firings are handled.
	handled time.Time
	// done is closed when the job's latest run returns; nil before the first.
	done chan struct{}
}

// firing is one scheduled instant of one job.
type firing struct {
	e  *entry
	at time.Time
}

// A claim that fails (the store is unreachable) is retried after a backoff
// that doubles from minBackoff to maxBackoff, so that a firing is late
// rather than lost. Each try is given claimTimeout.
const (
	minBackoff   = time.Second
	maxBackoff   = time.Minute
	claimTimeout = 10 * time.Second
)

// Run fires jobs until ctx ends. It first reconciles each job's missed
// firings (see Job), then sleeps until the next firing of any job, claims
// it and runs it if the claim was won. A Run that fails is logged and not
// retried. Run returns nil when ctx ends, once every job run it started has
// returned; firings not yet claimed then are left to other instances, or
// to the next start. One Scheduler runs one Run at a time.
func (s *Scheduler) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("scheduler: Run called while running")
	}
	defer s.running.Store(false)
	var wg sync.WaitGroup
	defer wg.Wait()

	// The jobs set before Run are planned below; a pending signal of them
	// would only make a second, needless pass.
	select {
	case <-s.changed:
	default:
	}
	entries := make(map[string]*entry)
	for {
		for _, f := range s.plan(ctx, entries, s.clock.Now()) {
			if ctx.Err() != nil {
				return nil
			}
			s.dispatch(ctx, &wg, f)
		}
		var wake <-chan time.Time
		if at := nextWake(entries); !at.IsZero() {
			wake = s.clock.After(at.Sub(s.clock.Now()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.changed:
		case <-wake:
		}
	}
}

// plan brings entries in line with the jobs set and returns the firings due
// at now, oldest first: missed firings of jobs new to this Run and every
// firing of the others since they were last planned.
func (s *Scheduler) plan(ctx context.Context, entries map[string]*entry, now time.Time) []firing {
	s.mu.Lock()
	jobs := s.jobs
	s.mu.Unlock()

	var due []firing
	set := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		set[j.Name] = true
		if e := entries[j.Name]; e != nil {
			e.job = j
			continue
		}
		e := &entry{job: j}
		entries[j.Name] = e
		for _, at := range s.reconcile(ctx, e, now) {
			due = append(due, firing{e, at})
		}
	}
	for name, e := range entries {
		if !set[name] {
			delete(entries, name)
			continue
		}
		for at := e.job.next(e.handled); !at.IsZero() && !at.After(now); at = e.job.next(at) {
			due = append(due, firing{e, at})
		}
		if now.After(e.handled) {
			e.handled = now
		}
	}
	slices.SortFunc(due, func(a, b firing) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.e.job.Name, b.e.job.Name))
	})
	return due
}

// reconcile marks e handled through now and returns its missed firings to
// run, per the catch-up rule.
func (s *Scheduler) reconcile(ctx context.Context, e *entry, now time.Time) []time.Time {
	e.handled = now
	name := e.job.Name
	last, ok, err := s.store.Last(ctx, name)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("scheduler: missed firings not reconciled", "job", name, "err", err)
		}
		return nil
	}
	if !ok {
		// A new job has missed nothing. Record from when it is planned, so
		// that an outage before its first firing is still caught up.
		last = now.Truncate(time.Second).Add(-time.Second)
		if err := s.store.SetLast(ctx, name, last); err != nil {
			s.log.Warn("scheduler: job's start not recorded", "job", name, "err", err)
		}
	}
	run, skipped := e.job.missed(last, now)
	if !skipped.IsZero() {
		s.log.Warn("scheduler: missed firings skipped", "job", name,
			"first", skipped.In(e.job.loc()), "catch_up", e.job.CatchUp, "latest_only", e.job.LatestOnly)
		// Skipped firings are handled too. Those run will be recorded as
		// they run; without any, record the latest skipped so that the next
		// start does not weigh them again.
		if len(run) == 0 {
			if p, ok := Prev(e.job.Schedule, now, e.job.loc()); ok {
				if err := s.store.SetLast(ctx, name, p); err != nil {
					s.log.Warn("scheduler: skipped firings not recorded", "job", name, "err", err)
				}
			}
		}
	}
	if len(run) > 0 {
		s.log.Info("scheduler: running missed firings", "job", name, "firings", len(run),
			"first", run[0], "last", run[len(run)-1])
	}
	return run
}

// dispatch starts a goroutine that, once the job's previous firing is done,
// claims f and runs it if the claim is won.
func (s *Scheduler) dispatch(ctx context.Context, wg *sync.WaitGroup, f firing) {
	prev, done := f.e.done, make(chan struct{})
	f.e.done = done
	job := f.e.job
	wg.Go(func() {
		defer close(done)
		if prev != nil {
			select {
			case <-prev:
			case <-ctx.Done():
				return
			}
		}
		if s.claim(ctx, job, f.at) {
			s.run(ctx, job, f.at)
		}
	})
}

// claim reports whether this instance won the firing, trying until it
// knows or ctx ends.
func (s *Scheduler) claim(ctx context.Context, job Job, at time.Time) bool {
	for backoff := minBackoff; ; backoff = min(2*backoff, maxBackoff) {
		if ctx.Err() != nil {
			return false
		}
		// Not cut short by ctx: a claim made but not heard of would be a
		// firing that no instance runs.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTimeout)
		won, err := s.store.Claim(cctx, job.Name, at)
		cancel()
		if err == nil {
			return won
		}
		s.log.Warn("scheduler: claim failed; retrying", "job", job.Name,
			"scheduled", at.In(job.loc()), "retry_in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-s.clock.After(backoff):
		}
	}
}

// run runs one claimed firing and records it as the job's last.
func (s *Scheduler) run(ctx context.Context, job Job, at time.Time) {
	at = at.In(job.loc())
	log := s.log.With("job", job.Name, "scheduled", at)
	if err := call(ctx, job, at); err != nil {
		log.Error("scheduler: job failed; not retried", "err", err)
	} else {
		log.Info("scheduler: job ran")
	}
	// Recorded even after a failure: the firing has been handled. Recorded
	// even when ctx has just ended, so that a restart need not ask.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.store.SetLast(rctx, job.Name, at); err != nil {
		log.Warn("scheduler: last firing not recorded", "err", err)
	}
}

// call runs the job, turning a panic into an error so that one bad job
// does not stop the process.
func call(ctx context.Context, job Job, at time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return job.Run(ctx, at)
}

// nextWake is the earliest instant at which an entry has work, zero if none.
func nextWake(entries map[string]*entry) time.Time {
	var wake time.Time
	for _, e := range entries {
		if at := e.job.next(e.handled); !at.IsZero() && (wake.IsZero() || at.Before(wake)) {
			wake = at
		}
	}
	return wake
}
