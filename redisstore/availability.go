package redisstore

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

// mayManage says whether by may read or set driverID's own settings: the
// driver themselves, or a coordinator.
func mayManage(by heartlink.Principal, driverID string) error {
	if by.Is(heartlink.RoleCoordinator) || by.Is(heartlink.RoleDriver) && by.ID == driverID {
		return nil
	}
	return heartlink.Errorf(heartlink.EForbidden, "only the driver and coordinators may do this")
}

// SetAvailability replaces when a driver can drive. Drivers who say when
// they are available are planned ahead over those times.
func (s *Store) SetAvailability(ctx context.Context, by heartlink.Principal, driverID string, a fleet.Availability) (*fleet.Availability, error) {
	if err := mayManage(by, driverID); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	a = a.Listed()
	b, _ := json.Marshal(a)
	n, err := s.rdb.Exists(ctx, s.keys.driver(driverID)).Result()
	if err != nil {
		return nil, wrap(err, "availability")
	}
	if n == 0 {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no driver %q", driverID)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.keys.driver(driverID), "avail", b)
		if a.Empty() {
			p.SRem(ctx, s.keys.available(), driverID)
		} else {
			p.SAdd(ctx, s.keys.available(), driverID)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "set availability")
	}
	return &a, nil
}

// Availability returns when a driver can drive.
func (s *Store) Availability(ctx context.Context, by heartlink.Principal, driverID string) (*fleet.Availability, error) {
	if err := mayManage(by, driverID); err != nil {
		return nil, err
	}
	v, err := s.rdb.HMGet(ctx, s.keys.driver(driverID), "profile", "avail").Result()
	if err != nil {
		return nil, wrap(err, "availability")
	}
	if v[0] == nil {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no driver %q", driverID)
	}
	a := fleet.Availability{Weekly: []fleet.WeeklySlot{}, Dates: []fleet.DateSlot{}}
	if v[1] != nil {
		if err := json.Unmarshal([]byte(str(v[1])), &a); err != nil {
			return nil, wrap(err, "decode availability")
		}
	}
	return &a, nil
}

// availableDrivers reads every driver who said when they can drive, with
// their availability.
func (s *Store) availableDrivers(ctx context.Context) (map[string]*fleet.Driver, map[string]fleet.Availability, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.available()).Result()
	if err != nil {
		return nil, nil, wrap(err, "available drivers")
	}
	drivers, err := s.DriversByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, s.keys.driver(id), "avail")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, wrap(err, "availability")
	}
	avail := make(map[string]fleet.Availability, len(ids))
	for i, id := range ids {
		var a fleet.Availability
		if json.Unmarshal([]byte(cmds[i].Val()), &a) == nil && drivers[id] != nil {
			avail[id] = a
		}
	}
	return drivers, avail, nil
}
