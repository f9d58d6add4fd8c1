package main

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"
)

// fault is one kill the run makes, at a time after it started.
type fault struct {
	at    time.Duration
	redis bool // Redis, else an instance
}

// rushAt is when, into the run, the sign-up rush comes.
func rushAt(cfg config) time.Duration { return cfg.Duration / 2 }

// plan lays out the run's kills: an instance every cfg.KillEvery or so,
// and Redis cfg.RedisKills times, evenly spread but not with the rush. No
// instance is killed in the few seconds before the rush, so that the
// rush's own kill finds one to kill, nor in the seconds after it.
func plan(cfg config) []fault {
	rng := rand.New(rand.NewPCG(cfg.Seed, 3))
	rush := rushAt(cfg)
	quiet := func(at time.Duration) bool {
		return at > rush-cfg.Down-2*time.Second && at < rush+cfg.Down+time.Second
	}
	var out []fault
	for at := jitter(rng, cfg.KillEvery); at < cfg.Duration-time.Second; at += jitter(rng, cfg.KillEvery) {
		if !quiet(at) {
			out = append(out, fault{at: at})
		}
	}
	for j := range cfg.RedisKills {
		at := cfg.Duration * time.Duration(j+1) / time.Duration(cfg.RedisKills+1)
		if at > rush-2*time.Second && at < rush+2*time.Second {
			at = rush + 2*time.Second // the rush has an instance kill of its own
		}
		out = append(out, fault{at: at, redis: true})
	}
	slices.SortFunc(out, func(a, b fault) int { return int(a.at - b.at) })
	return out
}

// jitter is d give or take 30 %.
func jitter(rng *rand.Rand, d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.7 + 0.6*rng.Float64()))
}

// inject makes the planned kills until the run ends (until); ctx bounds
// the restarts, which may outlast it.
func (w *world) inject(ctx, until context.Context, faults []fault) {
	for _, f := range faults {
		sleep(until, time.Until(w.start.Add(f.at)))
		if until.Err() != nil {
			return
		}
		if f.redis {
			w.r.killRedis(ctx)
		} else {
			w.r.killInstance(ctx, "scheduled")
		}
	}
}

// cutSockets cuts a random driver's socket cfg.CutsPerSec times a second,
// on average, until ctx ends.
func (w *world) cutSockets(ctx context.Context) {
	if w.cfg.CutsPerSec <= 0 {
		return
	}
	rng := rand.New(rand.NewPCG(w.cfg.Seed, 4))
	mean := float64(time.Second) / w.cfg.CutsPerSec
	for {
		sleep(ctx, time.Duration(rng.ExpFloat64()*mean))
		if ctx.Err() != nil {
			return
		}
		w.drivers[rng.IntN(len(w.drivers))].cutNow()
	}
}
