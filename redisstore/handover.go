package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// Progress records the next step of an assigned trip: by its driver, who
// must be near the pick-up to arrive and give the rider's PIN to pick up
// (and, for minors, to drop off), or by a coordinator, who may record
// picked_up and completed for the driver without it, audited as an
// override.
func (s *Store) Progress(ctx context.Context, by heartlink.Principal, tripID string, r dispatch.ProgressReport) (*dispatch.Trip, error) {
	if !by.Is(heartlink.RoleDriver) && !by.Is(heartlink.RoleCoordinator) {
		return nil, heartlink.Errorf(heartlink.EForbidden, "only the trip's driver reports progress (coordinators may confirm a handover)")
	}
	tr, ok := dispatch.StepTransition(r.Step)
	if !ok {
		return nil, heartlink.FieldError(heartlink.EInvalid, "step", "step must be arrived, picked_up, completed or no_show")
	}
	if by.Is(heartlink.RoleCoordinator) {
		if !dispatch.Overridable(r.Step) {
			return nil, heartlink.FieldError(heartlink.EForbidden, "step", "a coordinator confirms only picked_up and completed for a driver; the driver reports %s", r.Step)
		}
		// The override also clears the wrong tries: a trip locked by
		// them is open to its PIN again.
		return s.transition(ctx, by, tripID, tr, func(context.Context, *dispatch.Trip) (string, error) { return "vp", nil })
	}
	return s.transition(ctx, by, tripID, tr, func(ctx context.Context, t *dispatch.Trip) (string, error) {
		return s.handover(ctx, by, t, r)
	})
}

// handover checks what a driver's step must prove: being near the pick-up
// to arrive, the rider's PIN to pick up and drop off. It runs once the
// state machine allows the step, so a step out of order is a conflict
// whatever PIN came with it, and costs no try.
func (s *Store) handover(ctx context.Context, by heartlink.Principal, t *dispatch.Trip, r dispatch.ProgressReport) (string, error) {
	h := s.policy.Handover
	now := s.now()
	if r.Step == dispatch.StepArrived {
		if h.ArriveWithinKm <= 0 {
			return "", nil
		}
		d, err := s.Driver(ctx, t.DriverID)
		if err != nil {
			return "", err
		}
		if d.Status != fleet.Online {
			return "", nil
		}
		return "", h.CheckArrival(t, d.Location, d.SeenAt, now)
	}
	if !h.NeedsPIN(t, r.Step) {
		return "", nil
	}
	if r.PIN == "" {
		// Not a guess: it costs no try.
		return "", heartlink.FieldError(heartlink.EWrongPIN, "pin", "%s needs the rider's handover PIN: ask the rider for it (their requester sees it), or a coordinator to confirm", r.Step)
	}
	if err := s.checkPIN(ctx, by, t, r.PIN); err != nil {
		return "", err
	}
	return "p", nil
}

// checkPIN checks pin against t's handover PIN, counting a wrong one
// against the trip's tries (a trip locks after Handover.PINTries in
// PINWindow, for whoever guesses), audited.
func (s *Store) checkPIN(ctx context.Context, by heartlink.Principal, t *dispatch.Trip, pin string) error {
	h := s.policy.Handover
	match := "0"
	if dispatch.PINMatches(t, pin) {
		match = "1"
	}
	keys := []string{s.keys.tripPINTries(t.ID), s.keys.tripAudit(t.ID), s.keys.trip(t.ID)}
	res, err := s.scripts.pin.Run(ctx, s.rdb, keys, match, h.PINTries, h.PINWindow.Milliseconds(), ms(s.now()),
		by.String(), t.DriverID).StringSlice()
	if err != nil {
		return wrap(err, "check pin")
	}
	switch res[0] {
	case "locked":
		left, _ := strconv.ParseInt(res[1], 10, 64)
		wait := time.Duration(max(left, 1000)) * time.Millisecond
		return &heartlink.Error{Code: heartlink.ERateLimited, Field: "pin", Retry: wait,
			Message: "too many wrong PINs for this trip: try again in " + wait.Round(time.Second).String() + ", or ask a coordinator to confirm the handover"}
	case "wrong":
		if res[1] == "0" {
			return heartlink.FieldError(heartlink.EWrongPIN, "pin", "that is not the rider's PIN, and no tries are left for %s: a coordinator can confirm the handover",
				h.PINWindow)
		}
		return heartlink.FieldError(heartlink.EWrongPIN, "pin", "that is not the rider's PIN (%s more tries before it locks)", res[1])
	}
	return nil
}

// CheckIn records that staff at the drop-off's gate (an exam site's) saw
// a trip's riders arrive: by a coordinator, by the trip's requester, or by
// any requester's staff who give the rider's PIN (the gate of an exam
// site is kept by its own school). A trip still picked_up is completed by
// it, the drop-off confirmed, in one step with its route; a completed one
// has the arrival recorded. Once only; a trip whose riders are not on
// their way is a conflict.
func (s *Store) CheckIn(ctx context.Context, by heartlink.Principal, tripID, pin string) (*dispatch.Trip, error) {
	if !by.Is(heartlink.RoleCoordinator) && !by.Is(heartlink.RoleRequester) {
		return nil, heartlink.Errorf(heartlink.EForbidden, "staff at the gate check riders in (coordinators and schools' accounts), not drivers")
	}
	for range 3 {
		t, err := s.load(ctx, tripID)
		if err != nil {
			return nil, err
		}
		needPIN := by.Is(heartlink.RoleRequester) && t.RequesterID != by.ID
		if needPIN && pin == "" {
			return nil, heartlink.FieldError(heartlink.EWrongPIN, "pin", "checking in another requester's rider needs the rider's handover PIN")
		}
		if needPIN && t.PIN == "" {
			return nil, heartlink.Errorf(heartlink.EForbidden, "this trip has no handover PIN: its requester or a coordinator checks it in")
		}
		verify := func(ctx context.Context, t *dispatch.Trip) (string, error) {
			if !needPIN {
				return "", nil
			}
			if err := s.checkPIN(ctx, by, t, pin); err != nil {
				return "", err
			}
			return "p", nil
		}
		switch t.Status {
		case dispatch.PickedUp:
			done, err := s.transition(ctx, by, tripID, dispatch.TCheckedIn, verify)
			if heartlink.ErrorCode(err) == heartlink.EConflict {
				continue // its driver completed it meanwhile: record the arrival
			}
			return done, err
		case dispatch.Completed:
			if !t.CheckedInAt.IsZero() {
				return nil, heartlink.Errorf(heartlink.EConflict, "trip %q was checked in already, at %s", tripID,
					t.CheckedInAt.In(s.policy.Location()).Format("15:04"))
			}
			if _, err := verify(ctx, t); err != nil {
				return nil, err
			}
			res, err := s.scripts.checkin.Run(ctx, s.rdb, []string{s.keys.trip(tripID), s.keys.tripAudit(tripID), s.keys.events()},
				tripID, ms(s.now()), by.String()).StringSlice()
			if err != nil {
				return nil, wrap(err, "check in")
			}
			switch res[0] {
			case "ok":
				return s.load(ctx, tripID)
			case "missing":
				return nil, heartlink.Errorf(heartlink.ENotFound, "no trip %q", tripID)
			}
			continue // checked in meanwhile, or changed: read it again
		default:
			return nil, heartlink.Errorf(heartlink.EConflict, "a trip that is %s cannot be checked in: its riders are not on their way", t.Status)
		}
	}
	return nil, heartlink.Errorf(heartlink.EConflict, "the trip changed as it was checked in; read it again")
}

// Arrivals is how an exam morning stands at each exam site for the day
// (in the city's time) that date is: to coordinators every trip bound
// there, to a requester its own.
func (s *Store) Arrivals(ctx context.Context, by heartlink.Principal, date time.Time) ([]dispatch.SiteArrivals, error) {
	if !by.Is(heartlink.RoleCoordinator) && !by.Is(heartlink.RoleRequester) {
		return nil, heartlink.Errorf(heartlink.EForbidden, "coordinators and requesters see arrivals at exam sites")
	}
	loc := s.policy.Location()
	y, m, d := date.In(loc).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, loc)
	ids, err := s.rdb.ZRangeByScore(ctx, s.keys.tripEnds(), &redis.ZRangeBy{
		Min: strconv.FormatInt(ms(from), 10), Max: "(" + strconv.FormatInt(ms(from.AddDate(0, 0, 1)), 10),
	}).Result()
	if err != nil {
		return nil, wrap(err, "arrivals")
	}
	trips, _, err := s.TripsAndDrivers(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	list := make([]*dispatch.Trip, 0, len(trips))
	for _, t := range trips {
		if by.Is(heartlink.RoleCoordinator) || t.RequesterID == by.ID {
			list = append(list, t)
		}
	}
	return dispatch.Arrivals(list, s.now()), nil
}
