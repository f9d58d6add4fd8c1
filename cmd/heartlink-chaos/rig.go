package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// rig is what a run stands on: one Redis and its Heart-Link instances, all
// on loopback, each of which it can kill and start again.
type rig struct {
	cfg       config
	log       *slog.Logger
	dir       string
	redis     *proc
	redisAddr string
	inst      []*proc
	urls      []string // each instance's base URL, by index
	hc        *http.Client

	restarts sync.WaitGroup // restarts under way

	mu        sync.Mutex // mu guards down, outages and the rng
	down      map[int]bool
	outages   []span // when Redis was down, and the seconds after it came back
	rng       *rand.Rand
	redisDown bool

	instanceKills atomic.Int64
	redisKills    atomic.Int64
}

// span is a stretch of time.
type span struct{ from, to time.Time }

func newRig(cfg config, log *slog.Logger, dir, bin string) (*rig, error) {
	rport := cfg.RedisPort
	if rport == 0 {
		var err error
		if rport, err = freePort(); err != nil {
			return nil, err
		}
	}
	redisDir := filepath.Join(dir, "redis")
	if err := os.MkdirAll(redisDir, 0o755); err != nil {
		return nil, err
	}
	r := &rig{
		cfg: cfg, log: log, dir: dir,
		redis:     newRedis(cfg, redisDir, rport),
		redisAddr: "127.0.0.1:" + strconv.Itoa(rport),
		hc:        &http.Client{Timeout: 2 * time.Second},
		down:      map[int]bool{},
		rng:       rand.New(rand.NewPCG(cfg.Seed, 1)),
	}
	for i := range cfg.Instances {
		port := cfg.PortBase + i
		if cfg.PortBase == 0 {
			var err error
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		r.inst = append(r.inst, newInstance(cfg, bin, dir, i, port, rport))
		r.urls = append(r.urls, "http://127.0.0.1:"+strconv.Itoa(port))
	}
	return r, nil
}

// start brings Redis up, then every instance, and waits until each is
// ready.
func (r *rig) start(ctx context.Context) error {
	if err := r.redis.start(); err != nil {
		return err
	}
	if err := pingRedis(ctx, r.redisAddr, 10*time.Second); err != nil {
		return fmt.Errorf("%w\n%s", err, r.redis.tail(20))
	}
	for _, p := range r.inst {
		if err := p.start(); err != nil {
			return err
		}
	}
	for i, p := range r.inst {
		if err := waitHTTP(ctx, r.hc, r.urls[i]+"/readyz", 30*time.Second); err != nil {
			return fmt.Errorf("%s: %w\n%s", p.name, err, p.tail(20))
		}
	}
	return nil
}

// stop kills every process, Redis last, and waits for restarts under way.
func (r *rig) stop() {
	r.restarts.Wait()
	for _, p := range r.inst {
		p.kill()
	}
	r.redis.kill()
}

// killInstance kills a random running instance with SIGKILL, never the
// last one running when there are several, and starts it again after
// cfg.Down. It reports whether it killed one.
func (r *rig) killInstance(ctx context.Context, why string) bool {
	r.mu.Lock()
	var up []int
	for i := range r.inst {
		if !r.down[i] {
			up = append(up, i)
		}
	}
	if len(up) == 0 || len(up) == 1 && len(r.inst) > 1 {
		r.mu.Unlock()
		r.log.Info("no instance to kill", "why", why, "running", len(up))
		return false
	}
	i := up[r.rng.IntN(len(up))]
	r.down[i] = true
	r.mu.Unlock()

	p := r.inst[i]
	p.kill()
	r.instanceKills.Add(1)
	r.log.Info("killed", "what", p.name, "why", why)
	r.restarts.Go(func() {
		defer func() {
			r.mu.Lock()
			delete(r.down, i)
			r.mu.Unlock()
		}()
		sleep(ctx, r.cfg.Down)
		if err := p.start(); err != nil {
			r.log.Error("restart", "what", p.name, "err", err)
			return
		}
		// Start-up waits for Redis when it is down (-redis-wait): the
		// instance listens once it has it.
		if err := waitHTTP(ctx, r.hc, r.urls[i]+"/healthz", 90*time.Second); err != nil {
			r.log.Error("restart", "what", p.name, "err", err)
			return
		}
		r.log.Info("restarted", "what", p.name)
	})
	return true
}

// killRedis kills Redis with SIGKILL and starts it again on the same AOF
// after cfg.Down, unless it is down already.
func (r *rig) killRedis(ctx context.Context) bool {
	r.mu.Lock()
	if r.redisDown {
		r.mu.Unlock()
		return false
	}
	r.redisDown = true
	r.mu.Unlock()
	from := time.Now()
	r.redis.kill()
	r.redisKills.Add(1)
	r.log.Info("killed", "what", "redis")
	r.restarts.Go(func() {
		sleep(ctx, r.cfg.Down)
		err := r.redis.start()
		if err == nil {
			err = pingRedis(ctx, r.redisAddr, 60*time.Second)
		}
		// The instances notice within -redis-check (1 s) and a request
		// under way may wait twice -redis-timeout: what they answer in the
		// seconds after counts as during the outage.
		r.mu.Lock()
		r.redisDown = false
		r.outages = append(r.outages, span{from, time.Now().Add(3 * time.Second)})
		r.mu.Unlock()
		if err != nil {
			r.log.Error("restart", "what", "redis", "err", err)
			return
		}
		r.log.Info("restarted", "what", "redis")
	})
	return true
}

// duringOutage says whether t falls while Redis was down or just after.
func (r *rig) duringOutage(t time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.redisDown {
		return true
	}
	for _, s := range r.outages {
		if !t.Before(s.from) && !t.After(s.to) {
			return true
		}
	}
	return false
}

// heal waits for the restarts under way and makes sure every process is
// up and ready, for the checks.
func (r *rig) heal(ctx context.Context) error {
	r.restarts.Wait()
	if !r.redis.running() {
		if err := r.redis.start(); err != nil {
			return err
		}
	}
	if err := pingRedis(ctx, r.redisAddr, 60*time.Second); err != nil {
		return err
	}
	var errs []error
	for i, p := range r.inst {
		if !p.running() {
			if err := p.start(); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if err := waitHTTP(ctx, r.hc, r.urls[i]+"/readyz", 60*time.Second); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w\n%s", p.name, err, p.tail(20)))
		}
	}
	return errors.Join(errs...)
}

// surprises are the exits of processes the run did not kill.
func (r *rig) surprises() []string {
	out := r.redis.surprises()
	for _, p := range r.inst {
		out = append(out, p.surprises()...)
	}
	return out
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
