package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// maxRetries bounds how often a change read at a version that moved on is
// read and tried again before the caller is told to retry.
const maxRetries = 5

func mustDriver(by heartlink.Principal) error {
	if !by.Is(heartlink.RoleDriver) {
		return heartlink.Errorf(heartlink.EForbidden, "only drivers may do this")
	}
	return nil
}

// Accept gives the trip to the driver by: their live offer of it in one
// round trip, or else a claim of an open trip they are eligible for.
func (s *Store) Accept(ctx context.Context, by heartlink.Principal, tripID string) (*dispatch.Trip, error) {
	if err := mustDriver(by); err != nil {
		return nil, err
	}
	t, res, err := s.accept(ctx, tripID, by.ID, "offer", 0, by.String(), "")
	for range maxRetries {
		if res != "conflict" {
			break
		}
		// The driver's route changed since the offer was made (they took
		// another offer first). The trip is fitted into the route as it is
		// now; if that keeps it about where the driver was shown it, the
		// offer holds; if not, it moves on rather than apply a route the
		// driver never saw.
		proposal, fits, ferr := s.refit(ctx, tripID, by.ID)
		if ferr != nil {
			return nil, ferr
		}
		if !fits {
			if derr := s.Decline(ctx, by, tripID); derr != nil && heartlink.ErrorCode(derr) != heartlink.EConflict {
				s.log.Warn("decline after conflict", "trip", tripID, "err", derr)
			}
			return nil, heartlink.Errorf(heartlink.EConflict, "your route changed since this trip was offered and it no longer fits as offered; the offer was withdrawn")
		}
		t, res, err = s.accept(ctx, tripID, by.ID, "offer", 0, by.String(), proposal)
	}
	switch {
	case res == "conflict":
		return nil, heartlink.Errorf(heartlink.EConflict, "your route is changing fast; try again")
	case err != nil || res != "no_offer":
		return t, err
	}
	return s.claim(ctx, by, tripID, by.ID, "claim")
}

// refitTolerance is how far from the offered times a trip refitted into a
// route that changed may go and still count as what the driver accepted.
const refitTolerance = 10 * time.Minute

// refit fits an offered trip into the driver's route as it is now. It
// reports whether it still fits within refitTolerance of the pick-up and
// drop-off the driver was offered, and the insertion to apply if so.
func (s *Store) refit(ctx context.Context, tripID, driverID string) (string, bool, error) {
	raw, err := s.rdb.HGet(ctx, s.keys.tripProposals(tripID), driverID).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, wrap(err, "offer")
	}
	offered, err := readProposal(raw)
	if err != nil {
		return "", false, wrap(err, "decode offer")
	}
	t, err := s.load(ctx, tripID)
	if err != nil {
		return "", false, err
	}
	c, err := s.candidate(ctx, driverID, t)
	if err != nil {
		return "", false, err
	}
	ins, why := s.policy.Fit(t, c)
	if why != dispatch.Eligible {
		return "", false, nil
	}
	near := func(a time.Time, b int64) bool {
		d := a.Sub(fromMs(b))
		return d <= refitTolerance && d >= -refitTolerance
	}
	if !near(ins.Stops[ins.Pickup].At, offered.Pickup) || !near(ins.Stops[ins.Dropoff].At, offered.Drop) {
		return "", false, nil
	}
	return s.proposalOf(&ins, offered.Offer), true, nil
}

// Assign gives a trip to a named driver by hand. The driver must fit the
// trip (seats, wheelchair, minors) and it must fit their route, but they
// need not be online.
func (s *Store) Assign(ctx context.Context, by heartlink.Principal, tripID, driverID string) (*dispatch.Trip, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	if driverID == "" {
		return nil, heartlink.FieldError(heartlink.EInvalid, "driver_id", "driver_id is required")
	}
	return s.claim(ctx, by, tripID, driverID, "assign")
}

// claim fits the trip as read into the driver's route as read, then takes
// both at those versions, reading again if either changed in between.
func (s *Store) claim(ctx context.Context, by heartlink.Principal, tripID, driverID, mode string) (*dispatch.Trip, error) {
	for range maxRetries {
		t, err := s.load(ctx, tripID)
		if err != nil {
			return nil, err
		}
		if !t.Open() {
			// Let the script say what became of it (taken, mine, closed).
			t, _, err := s.accept(ctx, tripID, driverID, mode, t.Version, by.String(), "")
			return t, err
		}
		c, err := s.candidate(ctx, driverID, t)
		if err != nil {
			if heartlink.ErrorCode(err) == heartlink.ENotFound && mode == "assign" {
				return nil, heartlink.FieldError(heartlink.EInvalid, "driver_id", "no driver %q", driverID)
			}
			if heartlink.ErrorCode(err) == heartlink.EForbidden && mode == "assign" {
				return nil, heartlink.FieldError(heartlink.EInvalid, "driver_id", "%s", heartlink.ErrorMessage(err))
			}
			return nil, err
		}
		ins, why := s.policy.Fit(t, c)
		if why == dispatch.Eligible && mode == "claim" {
			gate := campaignGate{s: s}
			ok, err := gate.allows(ctx, t, driverID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, heartlink.Errorf(heartlink.EForbidden, "this trip is for the campaign's signed-up drivers")
			}
		}
		switch {
		case why == dispatch.Eligible:
		case why.RouteBound():
			return nil, heartlink.Errorf(heartlink.EClash, "the trip does not fit the driver's route: %s", why)
		case mode == "assign":
			return nil, heartlink.FieldError(heartlink.EInvalid, "driver_id", "this driver cannot take the trip: %s", why)
		default:
			return nil, heartlink.Errorf(heartlink.EForbidden, "you cannot take this trip: %s", why)
		}
		t, res, err := s.accept(ctx, tripID, driverID, mode, t.Version, by.String(), s.proposalOf(&ins, nil))
		if err != nil || (res != "stale" && res != "conflict") {
			return t, err
		}
	}
	return nil, heartlink.Errorf(heartlink.EConflict, "the trip or the driver's route is changing fast; try again")
}

// accept runs accept.lua and turns its answer into a trip or an error.
// "no_offer", "stale" and "conflict" come back as res with no error, for
// the caller.
func (s *Store) accept(ctx context.Context, tripID, driverID, mode string, version int64, actor, proposal string) (*dispatch.Trip, string, error) {
	now := s.now()
	keys := []string{
		s.keys.trip(tripID), s.keys.tripOffers(tripID), s.keys.driverOffers(driverID),
		s.keys.driverRoute(driverID), s.keys.deadlines(), s.keys.tripAudit(tripID),
		s.keys.open(), s.keys.queue(), s.keys.driverTrips(driverID), s.keys.events(),
		s.keys.tripProposals(tripID), s.keys.retime(), s.keys.active(),
	}
	keys, args, mark := takeMark(ctx, keys, []any{tripID, driverID, ms(now), mode, version, actor, proposal})
	res, err := s.scripts.accept.Run(ctx, s.rdb, keys, args...).StringSlice()
	if err := mark.settle(first(res), err); err != nil {
		return nil, "", wrap(err, "accept")
	}
	switch res[0] {
	case "ok", "mine":
		h := make(map[string]string, (len(res)-6)/2)
		for i := 6; i+1 < len(res); i += 2 {
			h[res[i]] = res[i+1]
		}
		t, err := decodeTrip(h)
		if err != nil {
			return nil, "", wrap(err, "decode trip")
		}
		if res[0] == "ok" {
			s.count(func(st *Stats) { st.Accepted++ })
			if res[3] != "0" { // riders already on the route moved
				rv, _ := strconv.ParseInt(res[4], 10, 64)
				plan, _ := decodePlan(res[5])
				s.retimeSoon(driverID, rv, plan)
			}
		}
		return t, res[0], nil
	case "missing":
		return nil, "", heartlink.Errorf(heartlink.ENotFound, "no trip %q", tripID)
	case "taken":
		return nil, "", heartlink.Errorf(heartlink.ETaken, "another driver has this trip")
	case "closed":
		return nil, "", heartlink.Errorf(heartlink.EConflict, "the trip is %s", res[1])
	case "being_offered":
		until, _ := strconv.ParseInt(res[1], 10, 64)
		return nil, "", heartlink.Errorf(heartlink.EConflict, "the trip is being offered to another driver until %s; it can be claimed if they let it go",
			fromMs(until).Format(time.RFC3339))
	}
	return nil, res[0], nil
}

// Decline turns down the driver's live offer; when it was the last one
// outstanding, the trip is offered to the next candidates at once.
func (s *Store) Decline(ctx context.Context, by heartlink.Principal, tripID string) error {
	if err := mustDriver(by); err != nil {
		return err
	}
	res, next, err := s.answer(ctx, tripID, by.ID, dispatch.ActDeclined, by.String(), s.now())
	if err != nil {
		return err
	}
	switch res {
	case "no_offer":
		if _, err := s.load(ctx, tripID); err != nil {
			return err
		}
		return heartlink.Errorf(heartlink.EConflict, "you have no open offer of this trip")
	case "requeued":
		s.count(func(st *Stats) { st.Declined++ })
		if err := s.dispatchNext(ctx, next); err != nil {
			// Leased in the queue: a worker will pick it up.
			s.log.Error("dispatch after decline", "trip", tripID, "err", err)
		}
	default:
		s.count(func(st *Stats) { st.Declined++ })
	}
	return nil
}

func (s *Store) answer(ctx context.Context, tripID, driverID string, a dispatch.Action, actor string, now time.Time) (string, *requeued, error) {
	keys := []string{
		s.keys.trip(tripID), s.keys.tripOffers(tripID), s.keys.driverOffers(driverID),
		s.keys.deadlines(), s.keys.tripAudit(tripID), s.keys.queue(), s.keys.events(),
		s.keys.tripProposals(tripID), s.keys.tripTried(tripID),
	}
	keys, args, mark := takeMark(ctx, keys, []any{tripID, driverID, now.UnixMilli(), string(a), actor,
		now.UnixMilli() + s.policy.Lease.Milliseconds()})
	res, err := s.scripts.answer.Run(ctx, s.rdb, keys, args...).StringSlice()
	if err := mark.settle(first(res), err); err != nil {
		return "", nil, wrap(err, "answer offer")
	}
	if res[0] != "requeued" {
		return res[0], nil, nil
	}
	next, err := requeuedFrom(res)
	return res[0], next, wrap(err, "answer offer")
}

// requeued is a trip an answer put back in the queue, leased to the
// caller, as the answer left it, and the drivers it was offered to.
type requeued struct {
	trip  *dispatch.Trip
	tried map[string]bool
}

// requeuedFrom reads answer.lua's "requeued" reply: the version, how many
// drivers were tried and who, then the trip's hash.
func requeuedFrom(res []string) (*requeued, error) {
	n, err := strconv.Atoi(res[2])
	if err != nil || len(res) < 3+n {
		return nil, fmt.Errorf("a requeue reply of %d values", len(res))
	}
	tried := make(map[string]bool, n)
	for _, d := range res[3 : 3+n] {
		tried[d] = true
	}
	rest := res[3+n:]
	h := make(map[string]string, len(rest)/2)
	for i := 0; i+1 < len(rest); i += 2 {
		h[rest[i]] = rest[i+1]
	}
	t, err := decodeTrip(h)
	if err != nil {
		return nil, err
	}
	return &requeued{trip: t, tried: tried}, nil
}

// Release drops the driver by out of a trip they accepted; it goes back to
// the queue with its deadline intact and is offered to others at once.
func (s *Store) Release(ctx context.Context, by heartlink.Principal, tripID string) (*dispatch.Trip, error) {
	if err := mustDriver(by); err != nil {
		return nil, err
	}
	return s.transition(ctx, by, tripID, dispatch.TReleased, nil)
}

// Cancel calls a trip off, by its requester or a coordinator.
func (s *Store) Cancel(ctx context.Context, by heartlink.Principal, tripID string) (*dispatch.Trip, error) {
	if !by.Is(heartlink.RoleCoordinator) && !by.Is(heartlink.RoleRequester) {
		return nil, heartlink.Errorf(heartlink.EForbidden, "only its requester or a coordinator may cancel a trip")
	}
	return s.transition(ctx, by, tripID, dispatch.TCancelled, nil)
}

// Requeue puts an unassigned trip back in the queue for a fresh search.
func (s *Store) Requeue(ctx context.Context, by heartlink.Principal, tripID string) (*dispatch.Trip, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	return s.transition(ctx, by, tripID, dispatch.TRequeued, nil)
}

// transition applies tr to the trip as read, at the version read. check,
// if set, vets the trip as read once the rule allows the change, and
// returns transition.lua flags of its own (p, v) or why not.
func (s *Store) transition(ctx context.Context, by heartlink.Principal, tripID string, tr dispatch.Transition,
	check func(context.Context, *dispatch.Trip) (string, error)) (*dispatch.Trip, error) {
	for range maxRetries {
		t, err := s.load(ctx, tripID)
		if err != nil {
			return nil, err
		}
		switch {
		case tr.ByDriver && t.DriverID != by.ID && !by.Is(heartlink.RoleCoordinator):
			// Coordinators reach here only with a step they may record
			// for the driver (see Progress).
			return nil, heartlink.Errorf(heartlink.EForbidden, "this trip is not yours")
		case by.Is(heartlink.RoleRequester) && t.RequesterID != by.ID && !tr.Gate:
			// At the gate, the check proves the rider's PIN instead.
			return nil, heartlink.Errorf(heartlink.EForbidden, "this trip is not yours")
		case !tr.Allowed(t.Status):
			return nil, heartlink.Errorf(heartlink.EConflict, "a trip that is %s cannot be %s", t.Status, tr.Action)
		}
		now := s.now()
		if tr.Action == dispatch.ActNoShow && now.Before(s.policy.NoShowFrom(t)) {
			return nil, heartlink.FieldError(heartlink.EConflict, "step", "wait for the rider until %s before reporting them absent",
				s.policy.NoShowFrom(t).In(s.policy.Location()).Format("15:04"))
		}
		flags := ""
		if check != nil {
			if flags, err = check(ctx, t); err != nil {
				return nil, err
			}
		}
		driver := t.DriverID
		if tr.Frees && driver != "" {
			flags += "f"
		}
		if tr.Requeue {
			flags += "qo"
			if tr.Action == dispatch.ActRequeued {
				flags += "t" // a fresh search: everyone may be offered it again
			} else if driver != "" {
				flags += "a" // whoever dropped out is not asked again
			}
		}
		if tr.To.Ended() {
			flags += "e"
		}
		if tr.Gate {
			flags += "g"
		}
		if driver != "" && (tr.Frees || tr.To.Ended()) {
			flags += "w" // in the same round trip
		}
		// Progress and dropping out change the driver's route: the pick-up
		// is made, or the trip's stops leave it. The route is read here and
		// changed in the script only if still at the version read.
		routeVersion, stops, km, served := int64(0), "", "", ""
		if driver != "" && (tr.Frees || tr.To == dispatch.PickedUp || tr.To == dispatch.Completed) {
			r, last, err := s.heldRoute(ctx, driver)
			if err != nil {
				return nil, err
			}
			flags += "r"
			routeVersion = r.Version
			if tr.To == dispatch.PickedUp {
				stops = encodeStops(dispatch.Boarded(r.Stops, t.ID, now))
			} else {
				stops = encodeStops(dispatch.Without(r.Stops, t.ID))
			}
			// Kilometres count what was driven: from the stop served before
			// to this one, within one run of the car (not the drive home).
			if at, ok := servedAt(tr, t); ok {
				if last != nil && now.Sub(last.at) <= s.policy.IdleReturn {
					km = strconv.FormatFloat(s.policy.Travel.RoadKm(last.place, at), 'f', 3, 64)
				}
				served = fmt.Sprintf("%f,%f,%d", at.Lat, at.Lng, ms(now))
			}
		}
		keys := []string{
			s.keys.trip(t.ID), s.keys.tripAudit(t.ID), s.keys.driverRoute(driver), s.keys.open(),
			s.keys.queue(), s.keys.driverTrips(driver), s.keys.tripOffers(t.ID), s.keys.deadlines(),
			s.keys.tripTried(t.ID), s.keys.events(), s.keys.tripProposals(t.ID), s.keys.active(),
			s.keys.driver(driver), s.keys.tripPINTries(t.ID), s.keys.waiting(), s.keys.freedSeq(),
		}
		res, err := s.scripts.transition.Run(ctx, s.rdb, keys, t.ID, t.Version, ms(now), by.String(),
			string(tr.Action), string(t.Status), string(tr.To), driver, flags, routeVersion,
			ms(now.Add(s.policy.Lease)), ms(t.ArriveBy), stops, km, served, s.policy.RadiusMaxKm, wakeCount).StringSlice()
		if err != nil {
			return nil, wrap(err, "transition")
		}
		switch res[0] {
		case "missing":
			return nil, heartlink.Errorf(heartlink.ENotFound, "no trip %q", tripID)
		case "stale":
			continue
		}
		t.Status = tr.To
		t.Version, _ = strconv.ParseInt(res[1], 10, 64)
		t.UpdatedAt = now
		if strings.Contains(flags, "f") {
			t.DriverID = ""
		}
		if tr.To.Ended() {
			t.EndedAt = now
		}
		if tr.Gate {
			t.CheckedInAt, t.CheckedInBy = now.Truncate(time.Millisecond), by.String()
		}
		if len(res) > 2 && res[2] != "0" {
			s.nudge() // waiting trips were brought forward
		}
		if tr.Requeue {
			if err := s.redispatch(ctx, t.ID); err != nil {
				s.log.Error("dispatch after "+string(tr.Action), "trip", t.ID, "err", err)
			}
			if fresh, err := s.load(ctx, t.ID); err == nil {
				t = fresh
			}
		}
		return t, nil
	}
	return nil, heartlink.Errorf(heartlink.EConflict, "the trip is changing fast; try again")
}
