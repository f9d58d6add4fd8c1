package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// register creates the requesters, then the drivers, each living somewhere
// within the radius, cfg.Parallel at a time. A driver that cannot be
// registered after a few tries is left out and counted.
func (r *runner) register(ctx context.Context, tag string) ([]account, []account, error) {
	var requesters []account
	for i := range r.cfg.Requesters {
		acc, err := r.api.registerRequester(ctx, tag, i)
		if err != nil {
			return nil, nil, r.setupError("register a requester", err)
		}
		requesters = append(requesters, acc)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([]account, r.cfg.Drivers)
	failed := make([]bool, r.cfg.Drivers)
	var failures tally
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range r.cfg.Parallel {
		wg.Go(func() {
			for i := range jobs {
				acc, err := r.api.registerDriver(ctx, tag, i, around(centre, r.cfg.RadiusKm))
				if err != nil {
					failed[i] = true
					failures.add(err.Error())
					var se *statusError
					if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
						cancel(r.setupError("register a driver", err))
					}
					continue
				}
				out[i] = acc
			}
		})
	}
feed:
	for i := range r.cfg.Drivers {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, nil, err
	}
	var drivers []account
	for i, acc := range out {
		if !failed[i] {
			drivers = append(drivers, acc)
		}
	}
	for reason, n := range failures.snapshot() {
		r.log.Warn("driver registrations failed", "reason", reason, "count", n)
		r.dialErrors.add("register: " + reason)
	}
	if len(drivers) == 0 {
		return nil, nil, errors.New("no driver could be registered")
	}
	return requesters, drivers, nil
}

// setupError explains a failed setup step, with the usual cause of each.
func (r *runner) setupError(what string, err error) error {
	var se *statusError
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%s: %w: is -admin-token (or HEARTLINK_ADMIN_TOKEN) a coordinator's token of this server?", what, err)
		case http.StatusTooManyRequests:
			return fmt.Errorf("%s: %w: start the server with -rate-per-address 0 -rate-per-token 0 for load runs", what, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// connect opens the boards, then the drivers' sockets, cfg.Parallel at a
// time; each driver goes online at home over its socket and is counted
// once the server has acknowledged it.
func (r *runner) connect(ctx context.Context, accounts []account) error {
	for range r.cfg.Boards {
		ws, err := dial(ctx, r.cfg, "/ws/board", r.cfg.AdminToken)
		if err != nil {
			r.dialErrors.add("board: " + err.Error())
			continue
		}
		b := &board{socket: socket{ws: ws}, r: r, versions: make(map[string]int64)}
		r.boards = append(r.boards, b)
		r.rd.wg.Go(b.read)
	}
	if r.cfg.Boards > 0 && len(r.boards) == 0 {
		return errors.New("no board could connect; see the dial errors above")
	}

	var mu sync.Mutex // mu guards r.drivers while the dials run
	jobs := make(chan account)
	var wg sync.WaitGroup
	for range r.cfg.Parallel {
		wg.Go(func() {
			for acc := range jobs {
				dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				ws, err := dial(dctx, r.cfg, "/ws/driver", acc.Token)
				cancel()
				if err != nil {
					r.dialErrors.add("driver: " + err.Error())
					continue
				}
				d := &driver{socket: socket{ws: ws}, acc: acc, r: r, answers: make(chan string, 1)}
				mu.Lock()
				r.drivers = append(r.drivers, d)
				mu.Unlock()
				r.rd.wg.Go(d.read)
				if code := d.setPresence(true, 15*time.Second); code != "" {
					r.presenceErrors.add("online: " + code)
				}
			}
		})
	}
	last := time.Now()
feed:
	for i, acc := range accounts {
		select {
		case jobs <- acc:
		case <-ctx.Done():
			break feed
		}
		if time.Since(last) > 5*time.Second {
			r.log.Info("connecting", "drivers", i)
			last = time.Now()
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(r.drivers) == 0 {
		return errors.New("no driver could connect; see the dial errors")
	}
	return nil
}
