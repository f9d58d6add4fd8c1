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
)

// sweepEvery is how often an instance looks for trips that ended unserved.
const sweepEvery = time.Second

// maxAlerts bounds the unserved trips a board's snapshot lists.
const maxAlerts = 500

func (s *Store) sweepDue() bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) < sweepEvery {
		return false
	}
	s.lastSweep = now
	return true
}

// sweepUnserved raises an alert, once, for every trip whose arrive_by
// passed while it was still open (queued, offered, unassigned): nobody
// carried that rider. The alert stays until a coordinator closes it,
// although the trip has left the open list. Instances sweep the same
// span without harm: ZADD NX raises each alert once.
func (s *Store) sweepUnserved(ctx context.Context) error {
	now := s.now()
	from, err := s.rdb.Get(ctx, s.keys.unservedSwept()).Int64()
	if errors.Is(err, redis.Nil) {
		from = ms(now.Add(-24 * time.Hour)) // the open list keeps a day
	} else if err != nil {
		return wrap(err, "sweep unserved")
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.keys.open(), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(from, 10), Max: strconv.FormatInt(ms(now), 10)}).Result()
	if err != nil {
		return wrap(err, "sweep unserved")
	}
	var unserved []*dispatch.Trip
	if len(ids) > 0 {
		trips, err := s.loadMany(ctx, ids)
		if err != nil {
			return err
		}
		for _, t := range trips {
			if t.Open() {
				unserved = append(unserved, t)
			}
		}
	}
	added := make([]*redis.IntCmd, len(unserved))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, t := range unserved {
			added[i] = p.ZAddNX(ctx, s.keys.unserved(), redis.Z{Score: float64(ms(t.ArriveBy)), Member: t.ID})
		}
		p.Set(ctx, s.keys.unservedSwept(), ms(now), 0)
		return nil
	})
	if err != nil {
		return wrap(err, "sweep unserved")
	}
	var raised []*dispatch.Trip
	for i, t := range unserved {
		if added[i].Val() == 1 {
			raised = append(raised, t)
		}
	}
	if len(raised) == 0 {
		return nil
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range raised {
			s.log.Warn("trip ended unserved", "trip", t.ID, "status", t.Status, "arrive_by", t.ArriveBy)
			data, _ := json.Marshal(map[string]any{"trip_id": t.ID, "reason": "unserved", "status": t.Status})
			s.emit(ctx, p, dispatch.ChangeAlert, "board", data)
		}
		return nil
	})
	return wrap(err, "alert unserved")
}

// UnservedTrips returns the trips that ended unserved and whose alert no
// coordinator has closed, earliest arrive_by first, at most maxAlerts.
func (s *Store) UnservedTrips(ctx context.Context) ([]*dispatch.Trip, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.unserved(), 0, maxAlerts-1).Result()
	if err != nil {
		return nil, wrap(err, "unserved trips")
	}
	return s.loadMany(ctx, ids)
}

// CloseAlert closes the alert of a trip that ended unserved: a coordinator
// has dealt with it (called the family, driven the student themselves).
// Boards are told live. A trip with no open alert is ENotFound.
func (s *Store) CloseAlert(ctx context.Context, by heartlink.Principal, tripID string) error {
	if !by.Is(heartlink.RoleCoordinator) {
		return heartlink.Errorf(heartlink.EForbidden, "only coordinators close alerts")
	}
	n, err := s.rdb.ZRem(ctx, s.keys.unserved(), tripID).Result()
	if err != nil {
		return wrap(err, "close alert")
	}
	if n == 0 {
		return heartlink.Errorf(heartlink.ENotFound, "trip %q has no open alert", tripID)
	}
	data, _ := json.Marshal(map[string]any{"trip_id": tripID, "by": by.String()})
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.emit(ctx, p, dispatch.ChangeAlertClosed, "board", data)
		return nil
	})
	return wrap(err, "close alert")
}
