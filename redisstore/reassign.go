package redisstore

import (
	"context"
	"slices"
	"strconv"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// Reassign moves a held trip from its driver to driverID, by a
// coordinator. The new driver must fit the trip and it must fit their
// route under the rule every other way of giving a trip goes through
// (Policy.Fit); they need not be online. The trip leaves the old route and
// enters the new one in one script, both drivers told live.
func (s *Store) Reassign(ctx context.Context, by heartlink.Principal, tripID, driverID string) (*dispatch.Trip, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	if driverID == "" {
		return nil, heartlink.FieldError(heartlink.EInvalid, "driver_id", "driver_id is required")
	}
	for range maxRetries {
		t, err := s.load(ctx, tripID)
		if err != nil {
			return nil, err
		}
		if err := reassignable(t, driverID); err != nil {
			return nil, err
		}
		c, err := s.candidate(ctx, driverID, t)
		if err != nil {
			if heartlink.ErrorCode(err) == heartlink.ENotFound {
				return nil, heartlink.FieldError(heartlink.ENotFound, "driver_id", "no driver %q", driverID)
			}
			return nil, err
		}
		ins, why := s.policy.Fit(t, c)
		switch {
		case why == dispatch.Eligible:
		case why.RouteBound():
			return nil, heartlink.FieldError(heartlink.EClash, "driver_id", "the trip does not fit the driver's route: %s", why)
		default:
			return nil, heartlink.FieldError(heartlink.EInvalid, "driver_id", "this driver cannot take the trip: %s", why)
		}
		old, _, err := s.heldRoute(ctx, t.DriverID)
		if err != nil {
			return nil, err
		}
		now := s.now()
		keys := []string{
			s.keys.trip(t.ID), s.keys.tripAudit(t.ID), s.keys.driverRoute(t.DriverID), s.keys.driverRoute(driverID),
			s.keys.driverTrips(t.DriverID), s.keys.driverTrips(driverID), s.keys.events(), s.keys.retime(),
			s.keys.active(),
		}
		res, err := s.scripts.reassign.Run(ctx, s.rdb, keys, t.ID, t.Version, ms(now), by.String(),
			t.DriverID, driverID, old.Version, encodeStops(dispatch.Without(old.Stops, t.ID)),
			s.proposalOf(&ins, nil)).StringSlice()
		if err != nil {
			return nil, wrap(err, "reassign")
		}
		switch res[0] {
		case "missing":
			return nil, heartlink.Errorf(heartlink.ENotFound, "no trip %q", tripID)
		case "stale", "conflict":
			continue // the trip or a route moved on: read both again
		}
		h := make(map[string]string, (len(res)-3)/2)
		for i := 3; i+1 < len(res); i += 2 {
			h[res[i]] = res[i+1]
		}
		got, err := decodeTrip(h)
		if err != nil {
			return nil, wrap(err, "decode trip")
		}
		if moved, _ := strconv.Atoi(res[2]); moved > 0 {
			s.retimeSoon(driverID, 0, nil) // riders already on the new route moved
		}
		return got, nil
	}
	return nil, heartlink.Errorf(heartlink.EConflict, "the trip or a driver's route is changing fast; try again")
}

// reassignable says why t cannot go to driverID by reassignment, if it
// cannot: only a trip a driver holds, nobody aboard yet, can move.
func reassignable(t *dispatch.Trip, driverID string) error {
	switch {
	case t.Status == dispatch.PickedUp:
		return heartlink.Errorf(heartlink.EConflict, "the riders are aboard: a trip that is picked_up stays with its driver")
	case t.Status.Ended():
		return heartlink.Errorf(heartlink.EConflict, "the trip is %s", t.Status)
	case !slices.Contains(dispatch.Reassignable, t.Status):
		return heartlink.Errorf(heartlink.EConflict, "no driver holds this trip (it is %s): assign it instead", t.Status)
	case t.DriverID == driverID:
		return heartlink.FieldError(heartlink.EConflict, "driver_id", "the driver already holds this trip")
	}
	return nil
}

// Unassign takes a held trip back from its driver, by a coordinator: it
// leaves their route and goes back to the queue with its deadline intact,
// offered at once to others (not to the driver it was taken from).
func (s *Store) Unassign(ctx context.Context, by heartlink.Principal, tripID string) (*dispatch.Trip, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	t, err := s.load(ctx, tripID)
	if err != nil {
		return nil, err
	}
	if err := reassignable(t, ""); err != nil {
		return nil, err
	}
	return s.transition(ctx, by, tripID, dispatch.TTakenBack, nil)
}
