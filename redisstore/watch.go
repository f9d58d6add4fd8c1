package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// The deadline watch. Every assigned trip is in the active set, scored by
// its arrive_by, until its driver reaches the pick-up (or it is released
// or cancelled). The watch looks at the trips due within watchAhead: a
// trip whose driver went silent, with its latest safe pick-up near, or
// whose driver can no longer reach the pick-up in time by their live
// position, is taken back and dispatched again at once, deadline intact,
// to drivers near (who have not had it), and raised on the board with the
// minutes of slack left.

// watchAhead is how far ahead the watch looks: past any RescueLead plus
// the longest ride.
const watchAhead = 4 * time.Hour

// watchEvery is how often the watch runs.
const watchEvery = 10 * time.Second

// A watch round reads the active trips watchBatch at a time, at most
// watchMax of them: a city's morning is about a thousand.
const (
	watchBatch = 500
	watchMax   = 20000
)

// watchDeadlines rescues the trips at risk; any number of instances may
// run it (a rescue is a transition at the trip's version, applied once).
func (s *Store) watchDeadlines(ctx context.Context) error {
	now := s.now()
	// Every page is read before any rescue, since a rescue takes its trip
	// out of the set and would shift the pages after it.
	var ids []string
	for offset := int64(0); offset < watchMax; offset += watchBatch {
		page, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.keys.active(), ByScore: true,
			Start: "-inf", Stop: strconv.FormatInt(ms(now.Add(watchAhead)), 10), Offset: offset, Count: watchBatch}).Result()
		if err != nil {
			return wrap(err, "active trips")
		}
		ids = append(ids, page...)
		if len(page) < watchBatch {
			break
		}
	}
	var errs []error
	for len(ids) > 0 {
		n := min(len(ids), watchBatch)
		if err := s.watchTrips(ctx, ids[:n], now); err != nil {
			errs = append(errs, err)
		}
		ids = ids[n:]
	}
	return errors.Join(errs...)
}

// watchTrips looks at a batch of active trips, rescuing those at risk.
// Trips no longer assigned leave the active set.
func (s *Store) watchTrips(ctx context.Context, ids []string, now time.Time) error {
	trips, err := s.loadMany(ctx, ids)
	if err != nil {
		return err
	}
	var drivers []string
	for _, t := range trips {
		drivers = append(drivers, t.DriverID)
	}
	byID, err := s.DriversByID(ctx, drivers)
	if err != nil {
		return err
	}
	var gone []any
	var errs []error
	for _, t := range trips {
		if t.Status != dispatch.Assigned {
			gone = append(gone, t.ID)
			continue
		}
		d := byID[t.DriverID]
		online := d != nil && d.Status == fleet.Online
		var seen time.Time
		var at *heartlink.Point
		if d != nil {
			seen, at = d.SeenAt, d.Location
		}
		risk, slack := s.policy.AtRisk(t, online, seen, at, now)
		if !risk {
			continue
		}
		if err := s.rescue(ctx, t, slack); err != nil {
			errs = append(errs, err)
		}
	}
	if len(gone) > 0 {
		if err := s.rdb.ZRem(ctx, s.keys.active(), gone...).Err(); err != nil {
			errs = append(errs, wrap(err, "active trips"))
		}
	}
	return errors.Join(errs...)
}

// rescue takes t back from its driver and raises it on the board.
func (s *Store) rescue(ctx context.Context, t *dispatch.Trip, slack time.Duration) error {
	driver := t.DriverID
	if _, err := s.transition(ctx, system, t.ID, dispatch.TRescued, nil); err != nil {
		if heartlink.ErrorCode(err) == heartlink.EConflict {
			return nil // it moved on meanwhile (picked up, cancelled)
		}
		return err
	}
	s.log.Info("trip at risk rescued", "trip", t.ID, "driver", driver, "slack_minutes", int(slack.Minutes()))
	data, _ := json.Marshal(map[string]any{"trip_id": t.ID, "reason": "at_risk", "driver_id": driver,
		"slack_minutes": int(slack.Minutes())})
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.emit(ctx, p, "alert", "board", data)
		return nil
	})
	return wrap(err, "alert")
}
