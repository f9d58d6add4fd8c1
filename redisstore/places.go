package redisstore

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

// CreatePlace adds a landmark.
func (s *Store) CreatePlace(ctx context.Context, by heartlink.Principal, d fleet.PlaceDraft) (*fleet.Place, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	p := d.Place(newID("plc"))
	b, _ := json.Marshal(p)
	return p, wrap(s.rdb.HSet(ctx, s.keys.places(), p.ID, b).Err(), "create place")
}

// Places lists every landmark, by name.
func (s *Store) Places(ctx context.Context) ([]*fleet.Place, error) {
	all, err := s.rdb.HGetAll(ctx, s.keys.places()).Result()
	if err != nil {
		return nil, wrap(err, "places")
	}
	out := make([]*fleet.Place, 0, len(all))
	for _, v := range all {
		var p fleet.Place
		if json.Unmarshal([]byte(v), &p) == nil {
			out = append(out, &p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DriversByID reads drivers in one round trip, skipping missing ones.
func (s *Store) DriversByID(ctx context.Context, ids []string) (map[string]*fleet.Driver, error) {
	out := make(map[string]*fleet.Driver, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cmds := make(map[string]*redis.SliceCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			if _, ok := cmds[id]; !ok {
				cmds[id] = p.HMGet(ctx, s.keys.driver(id), driverFields...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "drivers")
	}
	for id, c := range cmds {
		if d, err := decodeDriver(id, c.Val()); err == nil {
			out[id] = d
		}
	}
	return out, nil
}
