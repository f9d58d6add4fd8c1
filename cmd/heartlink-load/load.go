package main

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// load requests trips at the configured rate for the configured duration
// while the drivers answer offers and report positions, then waits
// OfferTimeout for the last offers and answers.
func (r *runner) load(ctx context.Context, requesters []account, rep *report) error {
	before, err := r.api.scrape(ctx)
	if err != nil {
		return err
	}
	cpu0, load0 := cpuTime(), loadAvg()
	start := time.Now()

	lctx, stopLocations := context.WithCancel(ctx)
	var locs sync.WaitGroup
	locs.Go(func() { r.sendLocations(lctx) })
	locs.Go(func() { r.freeDrivers(lctx) })

	r.log.Info("requesting trips", "rate", r.cfg.Rate, "for", r.cfg.Duration)
	sent := r.requestTrips(ctx, requesters)
	r.log.Info("requests done; waiting for the last offers", "for", r.cfg.OfferTimeout)
	select {
	case <-ctx.Done():
	case <-time.After(r.cfg.OfferTimeout):
	}
	stopLocations()
	locs.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}

	after, err := r.api.scrape(ctx)
	if err != nil {
		return err
	}
	wall := time.Since(start)
	rep.Machine = machineFigures{
		Cores:            numCPU(),
		LoadAvgBefore:    load0,
		LoadAvgAfter:     loadAvg(),
		Seconds:          wall.Seconds(),
		ClientCPUSeconds: (cpuTime() - cpu0).Seconds(),
		ServerCPUSeconds: after.CPUSeconds - before.CPUSeconds,
		ServerRSSBytes:   after.RSS,
	}
	rep.Redis.Commands = after.RedisCommands - before.RedisCommands
	rep.Redis.RoundTrips = after.RedisRoundTrips - before.RedisRoundTrips
	if n := r.created.Load(); n > 0 {
		rep.Redis.CommandsPerTrip = rep.Redis.Commands / float64(n)
		rep.Redis.RoundTripsPerTrip = rep.Redis.RoundTrips / float64(n)
	}
	rep.Trips.AchievedRate = float64(r.requested.Load()) / sent.Seconds()
	return nil
}

// requestTrips is the open-loop load: Generators goroutines, each paced by
// its own ticker and offset from the others, start one request per tick
// without waiting for the previous ones, until Duration has passed.
// In-flight requests are capped; a tick that finds the cap reached is
// counted as skipped, which means the client could not keep the rate.
// It returns how long the requests were being started for.
func (r *runner) requestTrips(ctx context.Context, requesters []account) time.Duration {
	g := r.cfg.Generators
	interval := time.Duration(float64(time.Second) * float64(g) / r.cfg.Rate)
	deadline := time.Now().Add(r.cfg.Duration)
	inflight := make(chan struct{}, 2048)
	var gens, reqs sync.WaitGroup
	for k := range g {
		gens.Go(func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(k) * interval / time.Duration(g)):
			}
			t := time.NewTicker(interval)
			defer t.Stop()
			for n := k; ; n += g {
				select {
				case <-ctx.Done():
					return
				case now := <-t.C:
					if now.After(deadline) {
						return
					}
				}
				select {
				case inflight <- struct{}{}:
				default:
					r.skipped.Add(1)
					continue
				}
				r.requested.Add(1)
				acc := requesters[n%len(requesters)]
				reqs.Go(func() {
					defer func() { <-inflight }()
					r.requestTrip(ctx, acc)
				})
			}
		})
	}
	start := time.Now()
	gens.Wait()
	took := time.Since(start)
	reqs.Wait()
	return took
}

// requestTrip requests one trip; the clock starts just before the POST.
func (r *runner) requestTrip(ctx context.Context, acc account) {
	body := tripBody(r.cfg, time.Now())
	var t struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	start := time.Now()
	err := r.api.call(ctx, "POST", "/api/v1/trips", acc.Token, body, &t, http.StatusCreated)
	end := time.Now()
	if err != nil {
		if ctx.Err() == nil {
			r.tripFailures.add(err.Error())
		}
		return
	}
	r.created.Add(1)
	r.postLatency.add(end.Sub(start))
	r.trips.created(t.ID, t.Version, start, end)
	if r.cfg.CancelAfter <= 0 {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(r.cfg.CancelAfter):
	}
	err = r.api.call(ctx, "POST", "/api/v1/trips/"+t.ID+"/cancel", acc.Token, nil, nil, http.StatusOK)
	if err != nil && ctx.Err() == nil {
		r.tripFailures.add("cancel: " + err.Error())
		return
	}
	r.cancelled.Add(1)
}

// sendLocations sends each driver's position once per LocationEvery,
// spread evenly over the interval so the server sees a steady stream, not
// bursts. One goroutine writes them all: a location write to a healthy
// local socket takes microseconds.
func (r *runner) sendLocations(ctx context.Context) {
	if r.cfg.LocationEvery <= 0 || len(r.drivers) == 0 {
		return
	}
	const step = 20 * time.Millisecond
	perStep := float64(len(r.drivers)) * float64(step) / float64(r.cfg.LocationEvery)
	t := time.NewTicker(step)
	defer t.Stop()
	due, next := 0.0, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for due += perStep; due >= 1; due-- {
			r.drivers[next].sendLocation()
			next = (next + 1) % len(r.drivers)
		}
	}
}
