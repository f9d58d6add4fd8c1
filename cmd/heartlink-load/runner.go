package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// runner is one load run: the simulated clients and what they measured.
type runner struct {
	cfg config
	api *apiClient
	log *slog.Logger
	rd  readers

	drivers []*driver // connected and online
	boards  []*board

	trips                  tripBook
	acceptRTT, staleStream sample
	postLatency            sample

	dialErrors, errorFrames, drops, tripFailures tally
	driverFrames, boardFrames, withdrawn         tally
	decisions, presenceErrors                    tally

	requested, skipped, created     atomic.Int64
	cancelled                       atomic.Int64
	locationsSent, locationAcks     atomic.Int64
	repeatedVersions, snapshotBytes atomic.Int64

	bmu        sync.Mutex // bmu guards boardTrips
	boardTrips []boardFrame

	held        heldTrips // trips drivers accepted, for -free-every to cancel
	freedAt     sync.Map  // *driver → when a coordinator freed them, until their next offer
	freeToOffer sample
	frees       atomic.Int64

	amu        sync.Mutex     // amu guards answersOff and the adding to thinking
	answersOff bool           // no more delayed answers may start
	thinking   sync.WaitGroup // delayed answers waiting to be sent
}

func newRunner(cfg config, log *slog.Logger) *runner {
	return &runner{cfg: cfg, api: newAPIClient(cfg), log: log}
}

// ended records how a socket reader stopped.
func (r *runner) ended(err error) {
	if !r.rd.closing.Load() {
		r.drops.add(closeReason(err))
	}
}

// run does the whole run and returns its report. Whatever happens, every
// socket is closed before it returns.
func (r *runner) run(ctx context.Context) (*report, error) {
	rep := &report{
		Target: r.cfg.Base.String(), Drivers: r.cfg.Drivers, Boards: r.cfg.Boards,
		Rate: r.cfg.Rate, Duration: r.cfg.Duration.String(),
		AcceptFraction: r.cfg.AcceptFraction, Think: r.cfg.Think.String(), CancelAfter: r.cfg.CancelAfter.String(), Preset: r.cfg.Preset,
		LocationEvery: r.cfg.LocationEvery.String(),
	}
	defer r.api.close()
	if err := r.api.call(ctx, "GET", "/healthz", "", nil, nil, 200); err != nil {
		return nil, fmt.Errorf("server at %s: %w", r.cfg.Base, err)
	}

	tag := fmt.Sprintf("%04d", rand.IntN(10000))
	t0 := time.Now()
	requesters, accounts, err := r.register(ctx, tag)
	if err != nil {
		return nil, err
	}
	rep.Setup.RegisterSeconds = time.Since(t0).Seconds()
	r.log.Info("registered", "drivers", len(accounts), "requesters", len(requesters), "took", time.Since(t0).Round(time.Millisecond))

	before, err := r.api.scrape(ctx)
	if err != nil {
		return nil, err
	}
	defer r.teardown()
	t0 = time.Now()
	if err := r.connect(ctx, accounts); err != nil {
		return nil, err
	}
	rep.Setup.ConnectSeconds = time.Since(t0).Seconds()
	rep.Setup.DriversOnline, rep.Setup.BoardsConnected = len(r.drivers), len(r.boards)
	r.log.Info("connected", "drivers online", len(r.drivers), "boards", len(r.boards), "took", time.Since(t0).Round(time.Millisecond))

	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(r.cfg.Settle):
	}
	after, err := r.api.scrape(ctx)
	if err != nil {
		return nil, err
	}
	rep.Memory = memoryOf(before, after)

	if r.cfg.Rate > 0 && r.cfg.Duration > 0 {
		if err := r.load(ctx, requesters, rep); err != nil {
			return nil, err
		}
	}
	r.stopAnswers()
	r.fill(rep)
	return rep, nil
}

// stopAnswers lets the delayed answers already decided go out, and no more.
func (r *runner) stopAnswers() {
	r.amu.Lock()
	r.answersOff = true
	r.amu.Unlock()
	r.thinking.Wait()
}

// teardown takes the drivers offline, so that a later run against the same
// store is not offered to them, and closes every socket cleanly: a close
// frame, the server's answer, then the connection. It is bounded in time.
func (r *runner) teardown() {
	r.stopAnswers()
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.cfg.Parallel)
	for _, d := range r.drivers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if code := d.setPresence(false, 5*time.Second); code != "" {
				r.presenceErrors.add("offline: " + code)
			}
		})
	}
	wg.Wait()

	r.rd.closing.Store(true)
	for _, d := range r.drivers {
		d.closeFrame()
	}
	for _, b := range r.boards {
		b.closeFrame()
	}
	done := make(chan struct{})
	go func() {
		r.rd.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(5 * time.Second):
	}
	// Whoever has not answered the close is cut off.
	r.log.Warn("some sockets did not answer the close frame in 5s; closing them")
	for _, d := range r.drivers {
		d.ws.NetConn().Close()
	}
	for _, b := range r.boards {
		b.ws.NetConn().Close()
	}
	<-done
}
