package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink/dispatch"
)

// purgeEvery is how often an instance looks for trips whose riders' data
// is due for removal. Instances doing it at once do no harm: purge.lua
// rewrites a trip only once.
const purgeEvery = time.Minute

// purgeBatch is how many trips are purged in one round trip, and
// purgeBatches how many batches one round does at most.
const purgeBatch, purgeBatches = 200, 50

// purgeDue reports whether a purge round is due, and if so counts it done.
func (s *Store) purgeDue() bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastPurge) < purgeEvery {
		return false
	}
	s.lastPurge = now
	return true
}

// PurgeRiders removes the riders' names and phones, the PIN and the
// addresses (dispatch.Trip.Purge) of every trip whose arrive_by is more
// than the policy's RiderRetention ago, whatever became of it: a trip that
// long past its deadline is over. Hours, kilometres and counts stay.
// Planned routes and shift plans, which copy the stops' addresses, are
// deleted the same time after their last stop, and changes older than that
// leave the change stream. It returns how many trips it purged.
func (s *Store) PurgeRiders(ctx context.Context) (int, error) {
	if err := s.fillTripEnds(ctx); err != nil {
		return 0, err
	}
	now := s.now()
	cutoff := strconv.FormatInt(ms(now.Add(-s.policy.RiderRetention)), 10)
	if err := s.dropRetained(ctx, cutoff); err != nil {
		return 0, err
	}
	// The change stream is capped by length, which on a quiet fleet can
	// be weeks: what it holds for boards (an SOS's phones) goes by age too.
	// Its ids are Redis's clock, not the store's.
	rnow, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return 0, wrap(err, "purge")
	}
	minID := strconv.FormatInt(ms(rnow.Add(-s.policy.RiderRetention)), 10)
	if err := s.rdb.XTrimMinID(ctx, s.keys.events(), minID).Err(); err != nil {
		return 0, wrap(err, "purge")
	}
	n := 0
	for range purgeBatches {
		ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key: s.keys.tripEnds(), Start: "-inf", Stop: "(" + cutoff, ByScore: true, Count: purgeBatch,
		}).Result()
		if err != nil {
			return n, wrap(err, "purge")
		}
		if len(ids) == 0 {
			return n, nil
		}
		trips, err := s.TripsByID(ctx, ids)
		if err != nil {
			return n, err
		}
		var done []*redis.Cmd
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range ids {
				t := trips[id]
				if t == nil {
					p.ZRem(ctx, s.keys.tripEnds(), id) // gone already
					continue
				}
				before := *t
				t.Purge(now)
				done = append(done, s.purgeTrip(ctx, p, &before, t, nil))
			}
			return nil
		})
		if err != nil {
			return n, wrap(err, "purge")
		}
		purged := 0
		for _, c := range done {
			if c.Val() == "purged" {
				purged++
			}
		}
		n += purged
		if len(ids) < purgeBatch || purged == 0 {
			return n, nil
		}
	}
	return n, nil // the rest next round
}

// purgeTrip queues on p purge.lua's rewrite of trip before as after, a
// whole purge when after has no rider's data left; audit, if not nil, is
// the trip's audit entry for it.
func (s *Store) purgeTrip(ctx context.Context, p redis.Pipeliner, before, after *dispatch.Trip, audit []byte) *redis.Cmd {
	keys := []string{s.keys.trip(after.ID), s.keys.tripEnds(), s.keys.tripAudit(after.ID)}
	kept := map[string]bool{}
	for _, r := range after.Riders {
		kept[phoneHash(r.Phone)] = true
	}
	for _, r := range before.Riders {
		if h := phoneHash(r.Phone); h != "" && !kept[h] {
			keys = append(keys, s.keys.rider(h))
			kept[h] = true
		}
	}
	whole := "0"
	if !after.PurgedAt.IsZero() {
		whole = "1"
	}
	// Eval, not EvalSha: a pipeline cannot fall back on NOSCRIPT.
	return s.scripts.purge.Eval(ctx, p, keys, after.ID, after.Version, encodeTrip(after)[1], whole, string(audit))
}

// retain queues on p that key, which copies riders' addresses, is deleted
// RiderRetention after end.
func (s *Store) retain(ctx context.Context, p redis.Pipeliner, key string, end time.Time) {
	p.ZAdd(ctx, s.keys.retained(), redis.Z{Score: float64(ms(end)), Member: key})
}

// routeEnd is when a route's last stop is planned.
func routeEnd(r dispatch.Route) time.Time {
	var end time.Time
	for _, st := range r.Stops {
		end = later(end, st.At)
	}
	return end
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// dropRetained deletes the keys retain listed whose end is before cutoff.
func (s *Store) dropRetained(ctx context.Context, cutoff string) error {
	for range purgeBatches {
		keys, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key: s.keys.retained(), Start: "-inf", Stop: "(" + cutoff, ByScore: true, Count: purgeBatch,
		}).Result()
		if err != nil || len(keys) == 0 {
			return wrap(err, "purge")
		}
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, k)
				p.ZRem(ctx, s.keys.retained(), k)
			}
			return nil
		})
		if err != nil || len(keys) < purgeBatch {
			return wrap(err, "purge")
		}
	}
	return nil
}

// fillTripEnds puts in the purge's work list, and in the riders' index by
// phone, the trips booked before there were these, once.
func (s *Store) fillTripEnds(ctx context.Context) error {
	if n, err := s.rdb.Exists(ctx, s.keys.tripEndsFilled()).Result(); err != nil || n > 0 {
		return wrap(err, "purge")
	}
	var cursor uint64
	for {
		ids, next, err := s.rdb.ZScan(ctx, s.keys.trips(), cursor, "", 500).Result()
		if err != nil {
			return wrap(err, "purge")
		}
		var keep []string
		for i := 0; i+1 < len(ids); i += 2 {
			keep = append(keep, ids[i])
		}
		trips, err := s.TripsByID(ctx, keep)
		if err != nil {
			return err
		}
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, t := range trips {
				if t.PurgedAt.IsZero() {
					p.ZAddNX(ctx, s.keys.tripEnds(), redis.Z{Score: float64(ms(t.ArriveBy)), Member: t.ID})
					s.indexRiders(ctx, p, t)
				}
			}
			return nil
		})
		if err != nil {
			return wrap(err, "purge")
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return wrap(s.rdb.Set(ctx, s.keys.tripEndsFilled(), "1", 0).Err(), "purge")
}
