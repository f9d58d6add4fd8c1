package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/planner"
)

// PlanShift pools a campaign shift's open exam escorts into routes for its
// confirmed drivers, and keeps the plan for the board and for publishing.
// Routes already confirmed stay as they are: their trips are no longer
// open and their drivers are left out. A plan with routes still awaiting
// their drivers cannot be replaced.
func (s *Store) PlanShift(ctx context.Context, by heartlink.Principal, cid, sid string) (*dispatch.RoutePlan, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	c, sh, err := s.campaignShift(ctx, cid, sid)
	if err != nil {
		return nil, err
	}
	old, err := s.Plan(ctx, by, cid, sid)
	if err != nil && heartlink.ErrorCode(err) != heartlink.ENotFound {
		return nil, err
	}
	busy := map[string]bool{}
	if old != nil {
		for _, r := range old.Routes {
			switch r.Status {
			case dispatch.RouteOffered:
				return nil, heartlink.Errorf(heartlink.EConflict, "route %s still awaits its driver; plan again once every route is answered", r.ID)
			case dispatch.RouteConfirmed:
				busy[r.DriverID] = true
			}
		}
	}
	loc := c.Location()
	start, _ := sh.Span(loc)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)

	trips, err := s.allOpen(ctx) // every one: a plan accounts for each trip of its shift
	if err != nil {
		return nil, err
	}
	var mine []*dispatch.Trip
	for _, t := range trips {
		if t.CampaignID != cid || t.Kind != dispatch.ExamEscort {
			continue
		}
		if got, ok := c.ShiftAt(t.Pickup.Point(), t.Earliest, t.ArriveBy); ok && got.ID == sid {
			mine = append(mine, t)
		}
	}
	ids, err := s.Confirmed(ctx, cid, sid)
	if err != nil {
		return nil, err
	}
	byID, err := s.DriversByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var drivers []*fleet.Driver
	for _, id := range ids {
		// The shift's trips are exam escorts: minors ride, so only drivers
		// verified for minors are planned, whatever the shift says.
		if d := byID[id]; d != nil && !busy[id] && d.VerifiedMinors {
			drivers = append(drivers, d)
		}
	}
	now := s.now()
	plan := &dispatch.RoutePlan{CampaignID: cid, ShiftID: sid, CreatedAt: now, Routes: []dispatch.Route{}, Unserved: []string{}}
	if old != nil {
		for _, r := range old.Routes {
			if r.Status == dispatch.RouteConfirmed {
				plan.Routes = append(plan.Routes, r)
			}
		}
	}
	if len(mine) > 0 {
		pool := dispatch.Pooling{Midnight: day, Trips: mine, Drivers: drivers}
		earliest := start
		if now.After(earliest) {
			earliest = now
		}
		solved, err := planner.Solve(ctx, pool.Problem(earliest), planner.Options{
			Seed:   1,
			Travel: planner.TravelModel{Detour: s.policy.Travel.Detour, SpeedKmh: s.policy.Travel.SpeedKmh},
			// The margin is a promise here: a student no route can bring 10
			// minutes early is left to ordinary dispatch, which may still
			// bring them in time alone, rather than late-ish in a pool.
			StrictMargin: true,
		})
		if err != nil {
			return nil, wrap(err, "plan shift")
		}
		routes, unserved := pool.Routes(solved, newID)
		plan.Routes = append(plan.Routes, routes...)
		plan.Unserved = append(plan.Unserved, unserved...)
	}
	for _, r := range plan.Routes {
		plan.Km += r.Km // confirmed routes kept from before count too
	}
	b, _ := json.Marshal(plan)
	info, _ := json.Marshal(map[string]any{"campaign_id": cid, "shift_id": sid, "routes": len(plan.Routes),
		"unserved": len(plan.Unserved), "km": plan.Km})
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.plan(cid, sid), b, 0)
		last := s.now()
		for _, r := range plan.Routes {
			last = later(last, routeEnd(r))
			if r.Status != dispatch.RouteDraft {
				continue
			}
			rb, _ := json.Marshal(r)
			p.HSet(ctx, s.keys.route(r.ID), "status", string(r.Status), "driver", r.DriverID, "data", rb,
				"plan", cid+"|"+sid, "expires", 0)
			s.retain(ctx, p, s.keys.route(r.ID), routeEnd(r))
		}
		s.retain(ctx, p, s.keys.plan(cid, sid), last)
		s.emit(ctx, p, "plan", "board", info)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "store plan")
	}
	return plan, nil
}

func (s *Store) campaignShift(ctx context.Context, cid, sid string) (*campaign.Campaign, campaign.Shift, error) {
	c, err := s.readCampaign(ctx, s.rdb, cid)
	if err != nil {
		return nil, campaign.Shift{}, err
	}
	sh, ok := c.Shift(sid)
	if !ok {
		return nil, campaign.Shift{}, heartlink.Errorf(heartlink.ENotFound, "no shift %q in campaign %q", sid, cid)
	}
	return c, sh, nil
}

// Plan returns a shift's plan, each route with its current status.
func (s *Store) Plan(ctx context.Context, by heartlink.Principal, cid, sid string) (*dispatch.RoutePlan, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	return s.loadPlan(ctx, s.keys.plan(cid, sid), heartlink.Errorf(heartlink.ENotFound, "shift %q of campaign %q has no plan yet", sid, cid))
}

// loadPlan reads a plan stored at key, each route with its current status;
// missing is the error when there is none.
func (s *Store) loadPlan(ctx context.Context, key string, missing error) (*dispatch.RoutePlan, error) {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, missing
	}
	if err != nil {
		return nil, wrap(err, "plan")
	}
	var plan dispatch.RoutePlan
	if err := json.Unmarshal(b, &plan); err != nil {
		return nil, wrap(err, "decode plan")
	}
	st := make([]*redis.SliceCmd, len(plan.Routes))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, r := range plan.Routes {
			st[i] = p.HMGet(ctx, s.keys.route(r.ID), "status", "expires")
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "plan")
	}
	for i := range plan.Routes {
		v := st[i].Val()
		if len(v) == 2 && v[0] != nil {
			plan.Routes[i].Status = dispatch.RouteStatus(str(v[0]))
			if e, _ := strconv.ParseInt(str(v[1]), 10, 64); e > 0 {
				t := fromMs(e)
				plan.Routes[i].ExpiresAt = &t
			}
		}
	}
	return &plan, nil
}

// PublishPlan offers each draft route of a shift's plan to its driver, as
// one offer with every stop and time; they have RouteTTL to confirm it.
func (s *Store) PublishPlan(ctx context.Context, by heartlink.Principal, cid, sid string) (*dispatch.RoutePlan, error) {
	plan, err := s.Plan(ctx, by, cid, sid)
	if err != nil {
		return nil, err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		s.publish(ctx, p, plan, func(dispatch.Route) bool { return true })
		return nil
	})
	return plan, wrap(err, "publish plan")
}

// publish queues on p the offer of each draft route of plan that pick
// chooses, to its driver, updating plan to match, and returns the trips of
// the routes offered.
func (s *Store) publish(ctx context.Context, p redis.Pipeliner, plan *dispatch.RoutePlan, pick func(dispatch.Route) bool) []string {
	exp := s.now().Add(s.policy.RouteTTL)
	var trips []string
	for i, r := range plan.Routes {
		if r.Status != dispatch.RouteDraft || !pick(r) {
			continue
		}
		p.HSet(ctx, s.keys.route(r.ID), "status", string(dispatch.RouteOffered), "expires", ms(exp))
		p.ZAdd(ctx, s.keys.routeDeadlines(), redis.Z{Score: float64(ms(exp)), Member: r.ID})
		plan.Routes[i].Status, plan.Routes[i].ExpiresAt = dispatch.RouteOffered, &exp
		offer, _ := json.Marshal(dispatch.RouteOffer(plan.Routes[i]))
		s.emit(ctx, p, "route_offer", "driver:"+r.DriverID, offer)
		trips = append(trips, r.Trips()...)
	}
	return trips
}

// route reads one route as stored.
func (s *Store) route(ctx context.Context, rid string) (*dispatch.Route, error) {
	v, err := s.rdb.HMGet(ctx, s.keys.route(rid), "data", "status", "plan").Result()
	if err != nil {
		return nil, wrap(err, "route")
	}
	if v[0] == nil {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no route %q", rid)
	}
	var r dispatch.Route
	if err := json.Unmarshal([]byte(str(v[0])), &r); err != nil {
		return nil, wrap(err, "decode route")
	}
	r.Status = dispatch.RouteStatus(str(v[1]))
	r.Plan = str(v[2])
	return &r, nil
}

// AcceptRoute gives every trip of an offered route to its driver at once,
// or none of them. The planned stops are merged, in time order, into what
// the driver already holds, and the merged route must keep every rule of
// every trip, as any other way of giving a driver a trip must (see
// dispatch.Policy.Fit): the car and the driver's verification fit each
// trip, seats hold at every leg, and every rider arrives in time.
func (s *Store) AcceptRoute(ctx context.Context, by heartlink.Principal, rid string) (*dispatch.Route, error) {
	if err := mustDriver(by); err != nil {
		return nil, err
	}
	r, err := s.route(ctx, rid)
	if err != nil {
		return nil, err
	}
	if r.DriverID != by.ID {
		return nil, heartlink.Errorf(heartlink.EForbidden, "this route is not yours")
	}
	for range maxRetries {
		merged, c, err := s.mergeRoute(ctx, r)
		if heartlink.ErrorCode(err) == heartlink.EClash || heartlink.ErrorCode(err) == heartlink.EConflict {
			// The driver cannot drive this route with what they hold now:
			// it is declined and repaired at once, rather than left to
			// lapse while its riders wait.
			if aerr := s.answerRoute(ctx, rid, by.ID, "does_not_fit"); aerr != nil {
				s.log.Warn("repair route", "route", rid, "err", aerr)
			}
			return nil, err
		}
		if err != nil {
			return nil, err
		}
		keys := []string{s.keys.route(rid), s.keys.driverRoute(by.ID), s.keys.driverTrips(by.ID), s.keys.events(),
			s.keys.open(), s.keys.queue(), s.keys.deadlines(), s.keys.routeDeadlines(), s.keys.active()}
		stops := append([]dispatch.RouteStop(nil), merged...)
		s.policy.Promise(stops)
		args := []any{rid, by.ID, ms(s.now()), c.Route.Version, encodeStops(stops)}
		at := map[string][2]int64{}
		for _, st := range merged {
			p := at[st.TripID]
			if st.Kind == dispatch.PickupStop {
				p[0] = ms(st.At)
			} else {
				p[1] = ms(st.At)
			}
			at[st.TripID] = p
		}
		for _, id := range r.Trips() {
			keys = append(keys, s.keys.trip(id), s.keys.tripOffers(id), s.keys.tripAudit(id), s.keys.tripProposals(id))
			args = append(args, id, at[id][0], at[id][1])
		}
		res, err := s.scripts.routeAccept.Run(ctx, s.rdb, keys, args...).StringSlice()
		if err != nil {
			return nil, wrap(err, "accept route")
		}
		switch res[0] {
		case "ok":
			r.Status = dispatch.RouteConfirmed
			s.count(func(st *Stats) { st.Accepted += int64(len(r.Trips())) })
			return r, nil
		case "conflict":
			continue // the driver's route changed: merge again
		case "missing":
			return nil, heartlink.Errorf(heartlink.ENotFound, "no route %q", rid)
		case "forbidden":
			return nil, heartlink.Errorf(heartlink.EForbidden, "this route is not yours")
		case "taken":
			// The route cannot be driven as offered any more: it is declined
			// and repaired, so that the coordinator can plan again at once.
			if err := s.answerRoute(ctx, rid, by.ID, "taken"); err != nil {
				s.log.Warn("repair route", "route", rid, "err", err)
			}
			return nil, heartlink.Errorf(heartlink.ETaken, "trip %s of the route was taken meanwhile; the route is withdrawn and its other trips go back to dispatch", res[1])
		}
		return nil, heartlink.Errorf(heartlink.EConflict, "the route is %s", strings.Join(res[1:], " "))
	}
	return nil, heartlink.Errorf(heartlink.EConflict, "your route is changing fast; try again")
}

// mergeRoute merges planned route r into what its driver holds now, and
// checks the result against every rule. It returns the merged stops, timed,
// and the driver as read (their route's version is what the merge applies
// to).
func (s *Store) mergeRoute(ctx context.Context, r *dispatch.Route) ([]dispatch.RouteStop, *dispatch.Candidate, error) {
	trips, err := s.loadMany(ctx, r.Trips())
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*dispatch.Trip, len(trips))
	for _, t := range trips {
		byID[t.ID] = t
	}
	var first *dispatch.Trip
	planned := make([]dispatch.RouteStop, 0, len(r.Stops))
	for _, st := range r.Stops {
		t := byID[st.TripID]
		if t == nil {
			return nil, nil, heartlink.Errorf(heartlink.EConflict, "trip %s of the route is gone", st.TripID)
		}
		if first == nil {
			first = t
		}
		pick, drop := s.policy.StopsOf(t)
		if st.Kind == dispatch.PickupStop {
			pick.At = st.At
			planned = append(planned, pick)
		} else {
			drop.At = st.At
			planned = append(planned, drop)
		}
	}
	c, err := s.candidate(ctx, r.DriverID, first)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range trips {
		if why := s.policy.CheckVehicle(t, c); why != dispatch.Eligible {
			return nil, nil, heartlink.Errorf(heartlink.EForbidden, "you cannot take trip %s of this route: %s", t.ID, why)
		}
		if c.Route.Has(t.ID) {
			return nil, nil, heartlink.Errorf(heartlink.EConflict, "trip %s is already on your route", t.ID)
		}
	}
	o, why := s.policy.OriginFor(first, c)
	if why != dispatch.Eligible {
		return nil, nil, heartlink.Errorf(heartlink.EClash, "the route is outside the times you said you drive: %s", why)
	}
	merged := mergeStops(c.Route.Stops, planned)
	if tm := s.policy.Time(o, c.Car(), merged); !tm.OK {
		return nil, nil, heartlink.Errorf(heartlink.EClash, "the route does not fit with the trips you already hold: %s", tm.Why)
	}
	return merged, c, nil
}

// mergeStops merges two routes, each kept in its own order, by planned
// time; riders already aboard stay first.
func mergeStops(held, planned []dispatch.RouteStop) []dispatch.RouteStop {
	out := make([]dispatch.RouteStop, 0, len(held)+len(planned))
	i, j := 0, 0
	for i < len(held) || j < len(planned) {
		if j == len(planned) || i < len(held) && (held[i].Done || !planned[j].At.Before(held[i].At)) {
			out = append(out, held[i])
			i++
		} else {
			out = append(out, planned[j])
			j++
		}
	}
	return out
}

// DeclineRoute turns a route down; its trips go back to ordinary dispatch.
func (s *Store) DeclineRoute(ctx context.Context, by heartlink.Principal, rid string) error {
	if err := mustDriver(by); err != nil {
		return err
	}
	return s.answerRoute(ctx, rid, by.ID, "declined")
}

// answerRoute marks a route declined (by its driver, or expired) and
// repairs it: its trips, still open, are searched for again by ordinary
// dispatch, leaving confirmed routes as they are.
func (s *Store) answerRoute(ctx context.Context, rid, driverID, reason string) error {
	res, err := s.scripts.routeAnswer.Run(ctx, s.rdb, []string{s.keys.route(rid), s.keys.routeDeadlines(), s.keys.events()},
		rid, driverID, ms(s.now()), string(dispatch.RouteDeclined), reason).StringSlice()
	if err != nil {
		return wrap(err, "answer route")
	}
	switch res[0] {
	case "missing":
		return heartlink.Errorf(heartlink.ENotFound, "no route %q", rid)
	case "forbidden":
		return heartlink.Errorf(heartlink.EForbidden, "this route is not yours")
	case "closed":
		if reason == "expired" {
			return nil
		}
		return heartlink.Errorf(heartlink.EConflict, "the route is %s", res[1])
	}
	r, err := s.route(ctx, rid)
	if err != nil {
		return err
	}
	if day, ok := strings.CutPrefix(r.Plan, "advance|"); ok {
		return s.replan(ctx, day, r, res[1])
	}
	var errs []error
	for _, id := range r.Trips() {
		t, err := s.load(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch t.Status {
		case dispatch.Unassigned:
			if _, err := s.Requeue(ctx, system, id); err != nil && heartlink.ErrorCode(err) != heartlink.EConflict {
				errs = append(errs, err)
			}
		case dispatch.Queued:
			if err := s.redispatch(ctx, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// expireRoutes declines the routes whose drivers did not answer in time.
func (s *Store) expireRoutes(ctx context.Context) error {
	due, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.keys.routeDeadlines(), Start: "-inf",
		Stop: strconv.FormatInt(ms(s.now()), 10), ByScore: true, Count: 50}).Result()
	if err != nil {
		return wrap(err, "due routes")
	}
	var errs []error
	for _, rid := range due {
		if err := s.answerRoute(ctx, rid, "", "expired"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
