package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// world is one run: the rig it stands on, its clients and what they saw.
type world struct {
	cfg    config
	log    *slog.Logger
	r      *rig
	api    *api
	stats  *stats
	ledger *ledger

	requesters []account
	drivers    []*driver
	trips      bookings
	rush       *rush
	start      time.Time // when the faults began
}

// account is a registered caller.
type account struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

// chaos is the whole run: set up, faults, drain, settle, checks. It
// returns the figures; an error means the run could not be made, not that
// an invariant failed.
func chaos(ctx context.Context, cfg config, log *slog.Logger) (*figures, error) {
	dir, err := os.MkdirTemp("", "heartlink-chaos-")
	if err != nil {
		return nil, err
	}
	if cfg.Keep {
		defer fmt.Fprintf(os.Stderr, "heartlink-chaos: the run's logs and AOF are in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := cfg.Bin
	if bin == "" {
		if bin, err = build(ctx, dir); err != nil {
			return nil, err
		}
	}
	r, err := newRig(cfg, log, dir, bin)
	if err != nil {
		return nil, err
	}
	defer r.stop()
	log.Info("starting", "redis", r.redisAddr, "instances", r.urls, "seed", cfg.Seed)
	if err := r.start(ctx); err != nil {
		return nil, err
	}
	st := &stats{}
	w := &world{cfg: cfg, log: log, r: r, api: newAPI(r, st), stats: st, ledger: newLedger()}
	defer w.api.http.CloseIdleConnections()
	// However the run ends, every client it started has stopped before
	// the processes are killed.
	var drivers sync.WaitGroup
	defer drivers.Wait()
	defer w.trips.wait.Wait()
	defer func() {
		if w.rush != nil {
			w.rush.wait.Wait()
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := w.setUp(ctx); err != nil {
		return nil, fmt.Errorf("set up: %w", err)
	}

	// The run: trips, faults, cuts and the rush, for cfg.Duration.
	for _, d := range w.drivers {
		drivers.Go(func() { d.run(ctx) })
	}
	if err := w.awaitSockets(ctx); err != nil {
		return nil, err
	}
	w.start = time.Now()
	log.Info("run", "duration", cfg.Duration)
	runCtx, stopRun := context.WithTimeout(ctx, cfg.Duration)
	defer stopRun()
	answers, stopAnswers := context.WithTimeout(ctx, cfg.Duration+cfg.Drain)
	defer stopAnswers()
	var loops sync.WaitGroup
	loops.Go(func() { w.book(runCtx, answers) })
	loops.Go(func() { w.inject(ctx, runCtx, plan(cfg)) })
	loops.Go(func() { w.cutSockets(runCtx) })
	loops.Go(func() {
		sleep(runCtx, rushAt(cfg))
		if runCtx.Err() == nil {
			w.runRush(ctx, answers)
		}
	})
	<-runCtx.Done()
	loops.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	// Drain: no new faults and no new answers to offers; every request
	// made is sent until it is answered, for at most cfg.Drain.
	log.Info("drain")
	if err := r.heal(ctx); err != nil {
		return nil, fmt.Errorf("bring the fleet back up: %w", err)
	}
	for _, d := range w.drivers {
		d.stopAnswering()
	}
	w.awaitAnswers(answers)
	stopAnswers()
	w.trips.wait.Wait()
	w.rush.wait.Wait()
	for _, d := range w.drivers {
		d.close()
	}
	drivers.Wait()

	// Settle: every driver offline, so that no new offer is made; every
	// offer still out must expire and its trip move on.
	log.Info("settle")
	if err := w.offline(ctx); err != nil {
		return nil, err
	}
	stuck := w.awaitNoOffers(ctx)

	log.Info("check")
	f, err := w.check(ctx, stuck)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	return f, nil
}

// build compiles cmd/heartlink of the module the tool is run from.
func build(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the heartlink module: give the binary with -bin")
	}
	bin := filepath.Join(dir, "heartlink")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/heartlink")
	cmd.Dir = filepath.Dir(gomod)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/heartlink: %v\n%s", err, b)
	}
	return bin, nil
}

// setUp registers the requesters and drivers, puts the drivers online at
// home and opens the campaign, before any fault.
func (w *world) setUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for i := range 4 {
		var a account
		err := w.api.must(ctx, request{token: adminToken, method: http.MethodPost, path: "/api/v1/requesters", body: map[string]any{
			"name": fmt.Sprintf("Chaos School %d", i+1), "kind": "school", "phone": fmt.Sprintf("0701-622%04d", i),
		}}, http.StatusCreated, &a)
		if err != nil {
			return err
		}
		w.requesters = append(w.requesters, a)
	}
	rng := rand.New(rand.NewPCG(w.cfg.Seed, 5))
	w.drivers = make([]*driver, w.cfg.Drivers)
	for i := range w.drivers {
		w.drivers[i] = &driver{i: i, w: w, home: around(rng, centre, 4), answering: true,
			rng: rand.New(rand.NewPCG(w.cfg.Seed, uint64(100+i))), pending: map[string]*ask{}, decided: map[string]bool{}}
	}
	errs := make([]error, len(w.drivers))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, d := range w.drivers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var a account
			errs[i] = w.api.must(ctx, request{token: adminToken, method: http.MethodPost, path: "/api/v1/drivers", body: map[string]any{
				"name":            fmt.Sprintf("Chaos Driver %d", i+1),
				"phone":           fmt.Sprintf("139%08d", i),
				"vehicle":         map[string]any{"plate": fmt.Sprintf("CH%05d", i), "seats": seats, "wheelchair": false},
				"verified_minors": true,
				"home":            d.home,
			}}, http.StatusCreated, &a)
			if errs[i] != nil {
				return
			}
			d.id, d.token = a.ID, a.Token
			errs[i] = w.api.must(ctx, request{token: d.token, method: http.MethodPost, path: "/api/v1/drivers/me/presence",
				body: map[string]any{"status": "online", "location": d.home}}, http.StatusOK, nil)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return w.openCampaign(ctx)
}

// seats is every driver's car: four passengers.
const seats = 4

// awaitSockets waits until every driver's socket is open.
func (w *world) awaitSockets(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		open := 0
		for _, d := range w.drivers {
			d.mu.Lock()
			if d.conn != nil {
				open++
			}
			d.mu.Unlock()
		}
		if open == len(w.drivers) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d drivers' sockets open after 30s", open, len(w.drivers))
		}
		sleep(ctx, 50*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// awaitAnswers waits until no driver has a request without its answer,
// and every trip and sign-up request is answered, or ctx ends.
func (w *world) awaitAnswers(ctx context.Context) {
	for ctx.Err() == nil {
		left := 0
		for _, d := range w.drivers {
			left += len(d.unanswered())
		}
		for _, b := range w.trips.list() {
			w.trips.mu.Lock()
			if !b.answered {
				left++
			}
			w.trips.mu.Unlock()
		}
		if w.rush != nil {
			w.rush.mu.Lock()
			for _, s := range w.rush.answers {
				if !s.answered {
					left++
				}
			}
			w.rush.mu.Unlock()
		}
		if left == 0 {
			return
		}
		sleep(ctx, 100*time.Millisecond)
	}
}

// offline takes every driver offline, over HTTP: from now on no offer is
// made, and the offers out expire.
func (w *world) offline(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	errs := make([]error, len(w.drivers))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, d := range w.drivers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = w.api.must(ctx, request{token: d.token, method: http.MethodPost, path: "/api/v1/drivers/me/presence",
				body: map[string]any{"status": "offline"}}, http.StatusOK, nil)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// awaitNoOffers waits until no trip is offered, for as long as an offer
// out can take to expire and its trip to be taken over by another
// instance. It returns the trips still offered then.
func (w *world) awaitNoOffers(ctx context.Context) []tripView {
	deadline := time.Now().Add(w.cfg.OfferTTL + lease + 10*tick + 3*time.Second)
	for {
		offered, err := w.listTrips(ctx, "offered")
		if err == nil && len(offered) == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return offered
		}
		sleep(ctx, 250*time.Millisecond)
	}
}
