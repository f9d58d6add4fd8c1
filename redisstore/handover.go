package redisstore

import (
	"context"
	"strconv"
	"time"

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
	match := "0"
	if dispatch.PINMatches(t, r.PIN) {
		match = "1"
	}
	keys := []string{s.keys.tripPINTries(t.ID), s.keys.tripAudit(t.ID), s.keys.trip(t.ID)}
	res, err := s.scripts.pin.Run(ctx, s.rdb, keys, match, h.PINTries, h.PINWindow.Milliseconds(), ms(now),
		by.String(), t.DriverID).StringSlice()
	if err != nil {
		return "", wrap(err, "check pin")
	}
	switch res[0] {
	case "locked":
		left, _ := strconv.ParseInt(res[1], 10, 64)
		wait := time.Duration(max(left, 1000)) * time.Millisecond
		return "", &heartlink.Error{Code: heartlink.ERateLimited, Field: "pin", Retry: wait,
			Message: "too many wrong PINs for this trip: try again in " + wait.Round(time.Second).String() + ", or ask a coordinator to confirm the handover"}
	case "wrong":
		if res[1] == "0" {
			return "", heartlink.FieldError(heartlink.EWrongPIN, "pin", "that is not the rider's PIN, and no tries are left for %s: a coordinator can confirm the handover",
				h.PINWindow)
		}
		return "", heartlink.FieldError(heartlink.EWrongPIN, "pin", "that is not the rider's PIN (%s more tries before it locks)", res[1])
	}
	return "p", nil
}
