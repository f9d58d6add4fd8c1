package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// UpdateDriver changes a registered driver, by a coordinator, and records
// who changed which fields. A driver deactivated goes offline at once,
// leaves the indexes dispatch and planning search (so no offer reaches
// them), has their outstanding offers withdrawn (each trip moves on to the
// next driver) and their live sockets closed on every instance. The trips
// they already hold stay theirs: a coordinator reassigns them by hand.
func (s *Store) UpdateDriver(ctx context.Context, by heartlink.Principal, id string, u fleet.DriverUpdate) (*fleet.Driver, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	d, err := s.Driver(ctx, id)
	if err != nil {
		return nil, err
	}
	changed := u.Apply(d)
	if len(changed) == 0 {
		return d, nil
	}
	// The profile keeps what registration and changes set; presence has
	// fields of its own.
	prof := *d
	prof.Status, prof.Location, prof.SeenAt = fleet.Offline, nil, time.Time{}
	profile, _ := json.Marshal(prof)
	now := s.now()
	toggled := slices.Contains(changed, "active")
	entry, _ := json.Marshal(fleet.Change{At: now, Actor: by.String(), Fields: changed})
	holder := heartlink.Principal{Role: heartlink.RoleDriver, ID: id, Inactive: !d.Active}
	err = s.withToken(ctx, holder, func(tx *redis.Tx, tokenHash string) error {
		hasAvail, err := tx.HExists(ctx, s.keys.driver(id), "avail").Result()
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			k := s.keys.driver(id)
			p.HSet(ctx, k, "profile", profile, "seats", d.Vehicle.Seats, "wc", boolInt(d.Vehicle.Wheelchair),
				"vm", boolInt(d.VerifiedMinors), "inactive", boolInt(!d.Active))
			switch {
			case toggled && !d.Active:
				p.HSet(ctx, k, "status", string(fleet.Offline), "seen", ms(now))
				p.ZRem(ctx, s.keys.geoLive(), id)
				p.ZRem(ctx, s.keys.geoHome(), id)
				p.SRem(ctx, s.keys.available(), id)
				data, _ := json.Marshal(dispatch.DriverChange{DriverID: id, Status: string(fleet.Offline)})
				s.emit(ctx, p, dispatch.ChangeDriver, "board", data)
				if tokenHash != "" {
					// In the same transaction: no instance misses that the
					// driver's sockets must close.
					s.emitRevoked(ctx, p, holder, tokenHash)
				}
			case toggled:
				p.GeoAdd(ctx, s.keys.geoHome(), &redis.GeoLocation{Name: id, Longitude: d.Home.Lng, Latitude: d.Home.Lat})
				if hasAvail {
					p.SAdd(ctx, s.keys.available(), id)
				}
			}
			if toggled {
				s.markToken(ctx, p, holder, tokenHash)
			}
			p.RPush(ctx, s.keys.driverChanges(id), entry)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, wrap(err, "update driver")
	}
	if toggled && !d.Active {
		s.withdrawOffers(ctx, by, id)
	}
	return s.Driver(ctx, id)
}

// withdrawOffers takes back every live offer to a driver just
// deactivated; a trip left with none is offered to the next drivers at
// once. Failures are logged: an offer left runs out by itself.
func (s *Store) withdrawOffers(ctx context.Context, by heartlink.Principal, driverID string) {
	ids, err := s.rdb.ZRange(ctx, s.keys.driverOffers(driverID), 0, -1).Result()
	if err != nil {
		s.log.Warn("withdraw offers", "driver", driverID, "err", err)
		return
	}
	for _, tripID := range ids {
		res, next, err := s.answer(ctx, tripID, driverID, dispatch.ActWithdrawn, by.String(), s.now())
		if err != nil {
			s.log.Warn("withdraw offer", "trip", tripID, "driver", driverID, "err", err)
			continue
		}
		if res == "requeued" {
			if err := s.dispatchNext(ctx, next); err != nil {
				s.log.Error("dispatch after withdrawal", "trip", tripID, "err", err)
			}
		}
	}
}

// UpdateRequester changes a registered requester, by a coordinator, and
// records who changed which fields. One deactivated books no more trips
// and its live sockets close; the trips it booked go on.
func (s *Store) UpdateRequester(ctx context.Context, by heartlink.Principal, id string, u fleet.RequesterUpdate) (*fleet.Requester, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	q, err := s.Requester(ctx, id)
	if err != nil {
		return nil, err
	}
	changed := u.Apply(q)
	if len(changed) == 0 {
		return q, nil
	}
	entry, _ := json.Marshal(fleet.Change{At: s.now(), Actor: by.String(), Fields: changed})
	toggled := slices.Contains(changed, "active")
	holder := heartlink.Principal{Role: heartlink.RoleRequester, ID: id, Inactive: !q.Active}
	err = s.withToken(ctx, holder, func(tx *redis.Tx, tokenHash string) error {
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, s.keys.requester(id), encodeRequester(q), 0)
			if toggled {
				s.markToken(ctx, p, holder, tokenHash)
			}
			if toggled && !q.Active && tokenHash != "" {
				s.emitRevoked(ctx, p, holder, tokenHash)
			}
			p.RPush(ctx, s.keys.requesterChanges(id), entry)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, wrap(err, "update requester")
	}
	return q, nil
}

// DriverChanges is the record of coordinators' changes of a driver,
// oldest first; coordinators only.
func (s *Store) DriverChanges(ctx context.Context, by heartlink.Principal, id string) ([]fleet.Change, error) {
	return s.changes(ctx, by, s.keys.driver(id), s.keys.driverChanges(id), "driver", id)
}

// RequesterChanges is DriverChanges for a requester.
func (s *Store) RequesterChanges(ctx context.Context, by heartlink.Principal, id string) ([]fleet.Change, error) {
	return s.changes(ctx, by, s.keys.requester(id), s.keys.requesterChanges(id), "requester", id)
}

func (s *Store) changes(ctx context.Context, by heartlink.Principal, account, list, what, id string) ([]fleet.Change, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	var n *redis.IntCmd
	var raw *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		n = p.Exists(ctx, account)
		raw = p.LRange(ctx, list, 0, -1)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "changes")
	}
	if n.Val() == 0 {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no %s %q", what, id)
	}
	out := make([]fleet.Change, 0, len(raw.Val()))
	for _, r := range raw.Val() {
		var c fleet.Change
		if err := json.Unmarshal([]byte(r), &c); err != nil {
			return nil, wrap(err, "decode change")
		}
		out = append(out, c)
	}
	return out, nil
}

// withToken runs fn with the hash of holder's token, watched: a token
// rotated while an account is changed makes the change run again on the
// new token, so a deactivation can never mark a token that just stopped
// working and leave its successor unmarked. RotateToken watches the
// account in turn.
func (s *Store) withToken(ctx context.Context, holder heartlink.Principal, fn func(tx *redis.Tx, tokenHash string) error) error {
	key := s.keys.tokenOf(holder.Role, holder.ID)
	for range 5 {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			hash, err := tx.Get(ctx, key).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			return fn(tx, hash)
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return heartlink.Errorf(heartlink.EConflict, "the account's token is being changed; try again")
}

// markToken rewrites on p what holder's token stands for, active or not,
// so that authenticating says so; a token already revoked stays revoked.
func (s *Store) markToken(ctx context.Context, p redis.Pipeliner, holder heartlink.Principal, tokenHash string) {
	if tokenHash == "" {
		return
	}
	p.SetXX(ctx, s.keys.token(tokenHash), holderValue(holder), 0)
}

// MarkInactiveTokens makes the tokens of accounts deactivated before
// tokens said so say it, once per fleet; later deactivations mark tokens
// as they happen. Run at start.
func (s *Store) MarkInactiveTokens(ctx context.Context) error {
	done, err := s.rdb.Exists(ctx, s.keys.tokensMarked()).Result()
	if err != nil || done == 1 {
		return wrap(err, "mark inactive tokens")
	}
	var holders []heartlink.Principal
	for _, role := range []heartlink.Role{heartlink.RoleDriver, heartlink.RoleRequester} {
		list := s.keys.drivers()
		if role == heartlink.RoleRequester {
			list = s.keys.requesters()
		}
		ids, err := s.rdb.ZRange(ctx, list, 0, -1).Result()
		if err != nil {
			return wrap(err, "mark inactive tokens")
		}
		for _, id := range ids {
			holders = append(holders, heartlink.Principal{Role: role, ID: id})
		}
	}
	for _, h := range holders {
		inactive, err := s.inactive(ctx, s.rdb, h)
		if err != nil {
			return wrap(err, "mark inactive tokens")
		}
		if !inactive {
			continue
		}
		h.Inactive = true
		if err := s.withToken(ctx, h, func(tx *redis.Tx, hash string) error {
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				s.markToken(ctx, p, h, hash)
				return nil
			})
			return err
		}); err != nil {
			return wrap(err, "mark inactive tokens")
		}
	}
	return wrap(s.rdb.Set(ctx, s.keys.tokensMarked(), "1", 0).Err(), "mark inactive tokens")
}

// mustBeActive refuses an account a coordinator deactivated.
func mustBeActive(active bool, what string) error {
	if active {
		return nil
	}
	return heartlink.Errorf(heartlink.EForbidden, "this %s account is inactive: a coordinator deactivated it", what)
}
