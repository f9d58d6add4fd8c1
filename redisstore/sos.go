package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/safety"
)

// maxOpenSOS bounds the open SOS a board's snapshot and GET /sos list.
const maxOpenSOS = 500

// RaiseSOS raises driver by's emergency at r.Location, naming trip
// r.TripID if given (one they hold), and tells every board at once. A
// driver with an SOS open gets that one back, at the new position: new
// says which. The SOS is never refused for load: one per driver is open.
func (s *Store) RaiseSOS(ctx context.Context, by heartlink.Principal, r safety.Raise) (safety.SOS, bool, error) {
	if !by.Is(heartlink.RoleDriver) {
		return safety.SOS{}, false, heartlink.Errorf(heartlink.EForbidden, "only drivers raise an SOS; coordinators see them on the board")
	}
	if err := r.Validate(); err != nil {
		return safety.SOS{}, false, err
	}
	var named *dispatch.Trip
	if r.TripID != "" {
		t, err := s.load(ctx, r.TripID)
		if heartlink.ErrorCode(err) == heartlink.ENotFound {
			return safety.SOS{}, false, heartlink.FieldError(heartlink.EInvalid, "trip_id", "no trip %q: raise the SOS without trip_id, or with the trip you are driving", r.TripID)
		}
		if err != nil {
			return safety.SOS{}, false, err
		}
		if err := safety.MayRaiseOn(s.policy, t, by, s.now()); err != nil {
			return safety.SOS{}, false, err
		}
		named = t
	}
	for range 5 {
		now := s.now().Truncate(time.Millisecond) // as stored
		openID, err := s.rdb.HGet(ctx, s.keys.driver(by.ID), "sos").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return safety.SOS{}, false, wrap(err, "raise sos")
		}
		sos := safety.SOS{ID: newID("sos"), DriverID: by.ID, Status: safety.Open, Location: *r.Location, RaisedAt: now, UpdatedAt: now}
		if openID != "" {
			prev, err := s.sos(ctx, openID)
			if err != nil {
				return safety.SOS{}, false, err
			}
			sos.ID, sos.RaisedAt, sos.TripID = prev.ID, prev.RaisedAt, prev.TripID
		}
		if sos.TripID == "" && named != nil {
			sos.TripID = named.ID // else the SOS keeps the trip it was raised with
		}
		// The stream holds the SOS alone, ids and the position: boards
		// render it with the people it names when they push it (see
		// Alarm), so that riders' phones never sit in the stream, where
		// erasing a rider could not reach them.
		data, _ := json.Marshal(sos)
		tripAudit, status := s.keys.sosAudit(sos.ID), ""
		if named != nil {
			tripAudit, status = s.keys.tripAudit(named.ID), string(named.Status)
		}
		tripArg := ""
		if named != nil {
			tripArg = named.ID
		}
		res, err := s.scripts.sosRaise.Run(ctx, s.rdb,
			[]string{s.keys.driver(by.ID), s.keys.sosOpen(), s.keys.events(), s.keys.sos(sos.ID), s.keys.sosAudit(sos.ID), tripAudit},
			openID, sos.ID, ms(now), r.Location.Lat, r.Location.Lng, tripArg, by.String(), status, data, by.ID).Text()
		if err != nil {
			return safety.SOS{}, false, wrap(err, "raise sos")
		}
		switch res {
		case "new":
			s.log.Warn("SOS raised", "sos", sos.ID, "driver", by.ID, "trip", sos.TripID)
			return sos, true, nil
		case "again":
			return sos, false, nil
		}
	}
	return safety.SOS{}, false, heartlink.Errorf(heartlink.EConflict, "the SOS changed as it was raised: press again")
}

// ResolveSOS closes an open SOS: a coordinator dealt with it. Boards and
// the driver are told; the driver may raise another. An unknown SOS is
// ENotFound, one resolved already a conflict.
func (s *Store) ResolveSOS(ctx context.Context, by heartlink.Principal, id string, res safety.Resolution) (safety.SOS, error) {
	if err := mustCoordinator(by); err != nil {
		return safety.SOS{}, heartlink.Errorf(heartlink.EForbidden, "only coordinators resolve an SOS")
	}
	if err := res.Validate(); err != nil {
		return safety.SOS{}, err
	}
	sos, err := s.sos(ctx, id)
	if err != nil {
		return safety.SOS{}, err
	}
	now := s.now().Truncate(time.Millisecond) // as stored
	tripAudit, status := s.keys.sosAudit(id), ""
	if sos.TripID != "" {
		if t, err := s.load(ctx, sos.TripID); err == nil {
			tripAudit, status = s.keys.tripAudit(t.ID), string(t.Status)
		} else if heartlink.ErrorCode(err) != heartlink.ENotFound {
			return safety.SOS{}, err
		}
	}
	sos.Status, sos.ResolvedBy, sos.ResolvedAt, sos.Note = safety.Resolved, by.String(), now, res.Note
	data, _ := json.Marshal(sos)
	out, err := s.scripts.sosResolve.Run(ctx, s.rdb,
		[]string{s.keys.sos(id), s.keys.sosAudit(id), s.keys.sosOpen(), s.keys.driver(sos.DriverID), s.keys.events(), tripAudit},
		id, ms(now), by.String(), res.Note, data, sos.DriverID, status).Text()
	if err != nil {
		return safety.SOS{}, wrap(err, "resolve sos")
	}
	switch out {
	case "ok":
		s.log.Info("SOS resolved", "sos", id, "driver", sos.DriverID, "by", by.String())
		return sos, nil
	case "missing":
		return safety.SOS{}, heartlink.Errorf(heartlink.ENotFound, "no SOS %q", id)
	}
	return safety.SOS{}, heartlink.Errorf(heartlink.EConflict, "SOS %q is %s already", id, out)
}

// OpenSOS lists the open SOS, oldest first, as the board shows them:
// coordinators only. Four round trips however many are open: a board
// reconnecting in an emergency must not wait on each one in turn.
func (s *Store) OpenSOS(ctx context.Context, by heartlink.Principal) ([]safety.Alarm, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, heartlink.Errorf(heartlink.EForbidden, "only coordinators see SOS")
	}
	ids, err := s.rdb.ZRange(ctx, s.keys.sosOpen(), 0, maxOpenSOS-1).Result()
	if err != nil {
		return nil, wrap(err, "open sos")
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if len(ids) > 0 {
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.HGetAll(ctx, s.keys.sos(id))
			}
			return nil
		}); err != nil {
			return nil, wrap(err, "open sos")
		}
	}
	list := make([]safety.SOS, 0, len(ids))
	for _, c := range cmds {
		if len(c.Val()) > 0 {
			list = append(list, sosFrom(c.Val()))
		}
	}
	return s.alarms(ctx, list)
}

// Alarm renders sos for the board as its people are now: its driver, the
// trip it names and that trip's requester, each left out when gone (a
// trip purged, a rider erased).
func (s *Store) Alarm(ctx context.Context, sos safety.SOS) (safety.Alarm, error) {
	a, err := s.alarms(ctx, []safety.SOS{sos})
	if err != nil {
		return safety.Alarm{}, err
	}
	return a[0], nil
}

// alarms renders each of list as Alarm does, in two round trips for them
// all: their drivers and trips, then the trips' requesters.
func (s *Store) alarms(ctx context.Context, list []safety.SOS) ([]safety.Alarm, error) {
	out := make([]safety.Alarm, len(list))
	if len(list) == 0 {
		return out, nil
	}
	var tripIDs, driverIDs []string
	for _, x := range list {
		driverIDs = append(driverIDs, x.DriverID)
		if x.TripID != "" {
			tripIDs = append(tripIDs, x.TripID)
		}
	}
	trips, drivers, err := s.TripsAndDrivers(ctx, tripIDs, driverIDs)
	if err != nil {
		return nil, err
	}
	var reqIDs []string
	for _, t := range trips {
		if t.RequesterID != "" && !slices.Contains(reqIDs, t.RequesterID) {
			reqIDs = append(reqIDs, t.RequesterID)
		}
	}
	qs, err := s.requestersByID(ctx, reqIDs)
	if err != nil {
		return nil, err
	}
	reqs := make(map[string]*fleet.Requester, len(qs))
	for _, q := range qs {
		reqs[q.ID] = q
	}
	for i, x := range list {
		var q *fleet.Requester
		t := trips[x.TripID]
		if t != nil {
			q = reqs[t.RequesterID]
		}
		out[i] = safety.AlarmOf(x, drivers[x.DriverID], t, q)
	}
	return out, nil
}

// sos reads one SOS; a missing one is ENotFound.
func (s *Store) sos(ctx context.Context, id string) (safety.SOS, error) {
	h, err := s.rdb.HGetAll(ctx, s.keys.sos(id)).Result()
	if err != nil {
		return safety.SOS{}, wrap(err, "sos")
	}
	if len(h) == 0 {
		return safety.SOS{}, heartlink.Errorf(heartlink.ENotFound, "no SOS %q", id)
	}
	return sosFrom(h), nil
}

// sosFrom is an SOS from its stored hash.
func sosFrom(h map[string]string) safety.SOS {
	num := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	lat, _ := strconv.ParseFloat(h["lat"], 64)
	lng, _ := strconv.ParseFloat(h["lng"], 64)
	return safety.SOS{
		ID: h["id"], DriverID: h["driver"], TripID: h["trip"], Status: safety.Status(h["status"]),
		Location: heartlink.Point{Lat: lat, Lng: lng}, RaisedAt: fromMs(num("raised")), UpdatedAt: fromMs(num("updated")),
		ResolvedBy: h["resolved_by"], ResolvedAt: fromMs(num("resolved")), Note: h["note"],
	}
}
