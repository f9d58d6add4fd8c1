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
	"github.com/heartlink/heartlink/planner"
)

// Advance bookings. A trip booked more than Horizon ahead is not offered
// to whoever is online now (they are not the ones driving tomorrow): it
// waits in the advance set, and the rolling plan pools the waiting trips
// of each day into routes over the drivers available that day, with the
// exam-morning planner. Each planning run starts afresh from the trips
// still waiting, so the plan improves as bookings come in. A route is
// offered to its driver whole LeadTime before its first pick-up (or when a
// coordinator publishes the day); confirmed, it joins the driver's route
// like any other. A declined or lapsed route's trips go to ordinary
// dispatch, which inserts them into the routes of drivers near; and a trip
// that no plan could carry is offered the ordinary way at Horizon before
// its pick-up. Nothing waits unseen: each is queued, planned, offered or
// carried.

// replan repairs a declined or lapsed route of a day's rolling plan: its
// trips still waiting go back into the advance set, its driver is not
// planned that day again, and the planner runs again soon, pooling them
// with the drivers still free (or, past publication, offering out what no
// free driver can take).
func (s *Store) replan(ctx context.Context, day string, r *dispatch.Route, driverID string) error {
	trips, err := s.loadMany(ctx, r.Trips())
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.keys.advanceDeclined(day), driverID)
		p.Expire(ctx, s.keys.advanceDeclined(day), s.policy.PlanAhead+48*time.Hour)
		for _, t := range trips {
			if t.Status == dispatch.Queued {
				s.holdForPlan(ctx, p, t)
				p.SAdd(ctx, s.keys.tripTried(t.ID), driverID) // nor offered them one by one
			}
		}
		return nil
	})
	if err != nil {
		return wrap(err, "replan")
	}
	s.nudgePlanner()
	return nil
}

// nudgePlanner asks the planning loop to run soon.
func (s *Store) nudgePlanner() {
	select {
	case s.planWake <- struct{}{}:
	default:
	}
}

// holdForPlan queues, on p, a new trip into the advance set.
func (s *Store) holdForPlan(ctx context.Context, p redis.Pipeliner, t *dispatch.Trip) {
	p.ZAdd(ctx, s.keys.advance(), redis.Z{Score: float64(ms(t.Earliest)), Member: t.ID})
}

// planLockTTL bounds how long one instance may hold the planning lock: a
// day's plan takes seconds.
const planLockTTL = time.Minute

// PlanAdvance runs the rolling plan once: trips due for ordinary dispatch
// are released to it, every other waiting trip within PlanAhead is planned
// by day, and routes within LeadTime of their first pick-up are offered.
// Any number of instances may call it; one plans at a time.
func (s *Store) PlanAdvance(ctx context.Context) error {
	return s.withPlanLock(ctx, func() error { return s.planAdvance(ctx, "") })
}

// withPlanLock runs f while holding the planning lock, or answers conflict
// when another instance holds it.
func (s *Store) withPlanLock(ctx context.Context, f func() error) error {
	token := newToken()
	ok, err := s.rdb.SetNX(ctx, s.keys.planLock(), token, planLockTTL).Result()
	if err != nil {
		return wrap(err, "plan lock")
	}
	if !ok {
		return heartlink.Errorf(heartlink.EConflict, "advance trips are being planned; try again in a few seconds")
	}
	defer func() {
		// Only our own lock: if ours lapsed, another instance's stands.
		if err := s.scripts.unlock.Run(context.WithoutCancel(ctx), s.rdb, []string{s.keys.planLock()}, token).Err(); err != nil {
			s.log.Warn("release plan lock", "err", err)
		}
	}()
	return f()
}

// planAdvance plans the waiting trips; publishDay, when set, offers every
// route of that day now.
func (s *Store) planAdvance(ctx context.Context, publishDay string) error {
	now := s.now()
	ids, err := s.rdb.ZRange(ctx, s.keys.advance(), 0, -1).Result()
	if err != nil {
		return wrap(err, "advance trips")
	}
	trips, err := s.loadMany(ctx, ids)
	if err != nil {
		return err
	}
	var gone []any
	var due []*dispatch.Trip
	byDay := map[string][]*dispatch.Trip{}
	for _, t := range trips {
		switch {
		case t.Status != dispatch.Queued:
			gone = append(gone, t.ID) // claimed, cancelled: no longer waiting
		case t.Earliest.Sub(now) > s.policy.PlanAhead:
		case s.inShift(ctx, t):
			// A campaign shift's trips are its coordinator's to plan; at the
			// horizon they are offered the ordinary way if still waiting.
			if t.Earliest.Sub(now) <= s.policy.Horizon {
				due = append(due, t)
			}
		default:
			if t.Earliest.Sub(now) <= s.policy.Horizon {
				due = append(due, t) // planned once more; what no route takes is offered out
			}
			day := t.Earliest.In(s.policy.Location()).Format(time.DateOnly)
			byDay[day] = append(byDay[day], t)
		}
	}
	if publishDay != "" && byDay[publishDay] == nil {
		byDay[publishDay] = nil
	}
	if err := s.release(ctx, gone, nil, now); err != nil {
		return err
	}
	if len(byDay) == 0 {
		return s.releaseDue(ctx, due, now)
	}
	drivers, avail, err := s.availableDrivers(ctx)
	if err != nil {
		return err
	}
	shifts, err := s.shiftWindows(ctx, drivers, avail)
	if err != nil {
		return err
	}
	routes, err := s.routesOf(ctx, drivers)
	if err != nil {
		return err
	}
	days := make([]string, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	slices.Sort(days)
	var errs []error
	for _, day := range days {
		if err := s.planDay(ctx, day, byDay[day], drivers, avail, shifts, routes, day == publishDay); err != nil {
			errs = append(errs, err)
		}
	}
	// A trip at its horizon that the plan just put on a route was offered
	// with it (its lead time has passed); what is still waiting is offered
	// the ordinary way now.
	if err := s.releaseDue(ctx, due, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// releaseDue queues for ordinary dispatch the trips of due that are still
// waiting in the advance set.
func (s *Store) releaseDue(ctx context.Context, due []*dispatch.Trip, now time.Time) error {
	if len(due) == 0 {
		return nil
	}
	waiting := make([]*redis.FloatCmd, len(due))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, t := range due {
			waiting[i] = p.ZScore(ctx, s.keys.advance(), t.ID)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return wrap(err, "advance trips")
	}
	var still []*dispatch.Trip
	for i, t := range due {
		if waiting[i].Err() == nil {
			still = append(still, t)
		}
	}
	return s.release(ctx, nil, still, now)
}

// inShift reports whether t belongs to a shift of its campaign.
func (s *Store) inShift(ctx context.Context, t *dispatch.Trip) bool {
	if t.CampaignID == "" {
		return false
	}
	c, err := s.readCampaign(ctx, s.rdb, t.CampaignID)
	if err != nil {
		return false
	}
	_, ok := c.ShiftAt(t.Pickup.Point(), t.Earliest, t.ArriveBy)
	return ok
}

// release takes trips that no longer wait out of the advance set, and
// queues those due for ordinary dispatch.
func (s *Store) release(ctx context.Context, gone []any, due []*dispatch.Trip, now time.Time) error {
	if len(gone) == 0 && len(due) == 0 {
		return nil
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(gone) > 0 {
			p.ZRem(ctx, s.keys.advance(), gone...)
		}
		for _, t := range due {
			p.ZRem(ctx, s.keys.advance(), t.ID)
			p.ZAdd(ctx, s.keys.queue(), redis.Z{Score: float64(ms(now)), Member: t.ID})
		}
		return nil
	})
	if len(due) > 0 {
		s.nudge()
	}
	return wrap(err, "release advance trips")
}

// shiftWindows reads the campaign shifts drivers are confirmed for, as
// windows of availability: a volunteer signed up for a shift can drive
// then. Drivers confirmed for a shift who said nothing else are added to
// drivers and avail, so that they are planned too.
func (s *Store) shiftWindows(ctx context.Context, drivers map[string]*fleet.Driver, avail map[string]fleet.Availability) (map[string][]fleet.Window, error) {
	cs, _, err := s.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := map[string][]fleet.Window{}
	var missing []string
	for _, c := range cs {
		for _, sh := range c.Shifts {
			from, to := sh.Span(c.Location())
			if to.Before(now) || from.After(now.Add(s.policy.PlanAhead)) {
				continue
			}
			ids, err := s.Confirmed(ctx, c.ID, sh.ID)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				out[id] = append(out[id], fleet.Window{From: from, To: to})
				if _, ok := avail[id]; !ok {
					avail[id] = fleet.Availability{}
					missing = append(missing, id)
				}
			}
		}
	}
	more, err := s.DriversByID(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, d := range more {
		drivers[id] = d
	}
	for _, id := range missing {
		if drivers[id] == nil {
			delete(avail, id)
		}
	}
	return out, nil
}

// routesOf reads the routes the drivers hold.
func (s *Store) routesOf(ctx context.Context, drivers map[string]*fleet.Driver) (map[string]dispatch.DriverRoute, error) {
	cmds := make(map[string]*redis.SliceCmd, len(drivers))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for id := range drivers {
			cmds[id] = s.readRoute(ctx, p, id)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err, "routes")
	}
	out := make(map[string]dispatch.DriverRoute, len(cmds))
	for id, c := range cmds {
		r, err := routeOf(id, c)
		if err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, nil
}

// planDay plans one day's waiting trips into routes for the drivers free
// that day, replacing the day's draft routes, and offers those within
// LeadTime of their first pick-up (every one, with publishAll).
func (s *Store) planDay(ctx context.Context, day string, trips []*dispatch.Trip, drivers map[string]*fleet.Driver,
	avail map[string]fleet.Availability, shifts map[string][]fleet.Window, held map[string]dispatch.DriverRoute, publishAll bool) error {
	loc := s.policy.Location()
	midnight, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return heartlink.FieldError(heartlink.EInvalid, "date", "date must be YYYY-MM-DD")
	}
	now := s.now()
	old, err := s.loadPlan(ctx, s.keys.advancePlan(day), nil)
	if err != nil {
		return err
	}
	plan := &dispatch.RoutePlan{Date: day, CreatedAt: now, Routes: []dispatch.Route{}, Unserved: []string{}, Published: publishAll}
	declined, err := s.rdb.SMembers(ctx, s.keys.advanceDeclined(day)).Result()
	if err != nil {
		return wrap(err, "declined drivers")
	}
	busy := map[string]bool{}
	for _, id := range declined {
		busy[id] = true
	}
	var stale []string
	if old != nil {
		plan.Published = plan.Published || old.Published
		for _, r := range old.Routes {
			if r.Status == dispatch.RouteDraft {
				stale = append(stale, r.ID) // planned again below
				continue
			}
			if r.Status == dispatch.RouteOffered || r.Status == dispatch.RouteConfirmed {
				busy[r.DriverID] = true
			}
			plan.Routes = append(plan.Routes, r)
		}
	}
	// The cars: drivers available that day, from the start of their first
	// window, who hold nothing that day yet.
	dayEnd := midnight.AddDate(0, 0, 1)
	var cars []*fleet.Driver
	var ready []time.Time
	ids := make([]string, 0, len(avail))
	for id := range avail {
		ids = append(ids, id)
	}
	slices.Sort(ids) // plans do not depend on map order
	for _, id := range ids {
		a := avail[id]
		ws := a.On(midnight, loc, shifts[id]...)
		if len(ws) == 0 || busy[id] || holdsOn(held[id], midnight, dayEnd) {
			continue
		}
		cars = append(cars, drivers[id])
		ready = append(ready, ws[0].From)
	}
	var fresh []dispatch.Route
	if len(trips) > 0 && len(cars) > 0 {
		pool := dispatch.Pooling{Midnight: midnight, Trips: trips, Drivers: cars, Ready: ready, OwnWindows: true}
		solved, err := planner.Solve(ctx, pool.Problem(midnight), planner.Options{
			Seed:   1,
			Travel: planner.TravelModel{Detour: s.policy.Travel.Detour, SpeedKmh: s.policy.Travel.SpeedKmh},
			// A minute more than the service's margin, so that the routes
			// still hold when timed by the service's own rules.
			Margin:       planner.Seconds((s.policy.Margin + time.Minute) / time.Second),
			StrictMargin: true,
		})
		if err != nil {
			return wrap(err, "plan "+day)
		}
		routes, unserved := pool.Routes(solved, newID)
		plan.Unserved = append(plan.Unserved, unserved...)
		byID := make(map[string]*dispatch.Trip, len(trips))
		for _, t := range trips {
			byID[t.ID] = t
		}
		for i := range routes {
			r := &routes[i]
			at := drivers[r.DriverID].Home
			if s.timeRoute(r, byID, dispatch.Origin{At: at, Time: ready[slices.Index(cars, drivers[r.DriverID])]},
				dispatch.Car{Seats: drivers[r.DriverID].Vehicle.Seats, Wheelchair: drivers[r.DriverID].Vehicle.Wheelchair}) {
				fresh = append(fresh, *r)
			} else {
				plan.Unserved = append(plan.Unserved, r.Trips()...)
			}
		}
	} else {
		for _, t := range trips {
			plan.Unserved = append(plan.Unserved, t.ID)
		}
	}
	plan.Routes = append(plan.Routes, fresh...)
	for _, r := range plan.Routes {
		plan.Km += r.Km
	}
	defer func() {
		if plan.Published && len(plan.Unserved) > 0 {
			s.nudge()
		}
	}()
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range stale {
			p.Del(ctx, s.keys.route(id))
		}
		for _, r := range fresh {
			rb, _ := json.Marshal(r)
			p.HSet(ctx, s.keys.route(r.ID), "status", string(r.Status), "driver", r.DriverID, "data", rb,
				"plan", "advance|"+day, "expires", 0)
			s.retain(ctx, p, s.keys.route(r.ID), routeEnd(r))
		}
		offered := s.publish(ctx, p, plan, func(r dispatch.Route) bool {
			return plan.Published || len(r.Stops) > 0 && !r.Stops[0].At.Add(-s.policy.LeadTime).After(now)
		})
		if plan.Published {
			// Past publication, what no free driver can take is offered out
			// now, into the routes of drivers near, not left to the horizon.
			for _, id := range plan.Unserved {
				p.ZAdd(ctx, s.keys.queue(), redis.Z{Score: float64(ms(now)), Member: id})
			}
			offered = append(offered, plan.Unserved...)
		}
		if len(offered) > 0 {
			members := make([]any, len(offered))
			for i, id := range offered {
				members[i] = id
			}
			p.ZRem(ctx, s.keys.advance(), members...)
		}
		b, _ := json.Marshal(plan)
		p.Set(ctx, s.keys.advancePlan(day), b, s.policy.PlanAhead+48*time.Hour)
		info, _ := json.Marshal(map[string]any{"date": day, "routes": len(plan.Routes), "unserved": len(plan.Unserved), "km": plan.Km})
		s.emit(ctx, p, "plan", "board", info)
		return nil
	})
	return wrap(err, "store plan "+day)
}

// holdsOn reports whether r has a stop between from and to.
func holdsOn(r dispatch.DriverRoute, from, to time.Time) bool {
	return slices.ContainsFunc(r.Stops, func(s dispatch.RouteStop) bool { return !s.At.Before(from) && s.At.Before(to) })
}

// timeRoute times a planned route by the service's own rules, from its
// driver's home: the planner's order, the service's times. It reports
// whether every rule holds.
func (s *Store) timeRoute(r *dispatch.Route, trips map[string]*dispatch.Trip, o dispatch.Origin, car dispatch.Car) bool {
	stops := make([]dispatch.RouteStop, len(r.Stops))
	for i, st := range r.Stops {
		pick, drop := s.policy.StopsOf(trips[st.TripID])
		if st.Kind == dispatch.PickupStop {
			stops[i] = pick
		} else {
			stops[i] = drop
		}
	}
	tm := s.policy.Time(o, car, stops)
	if !tm.OK {
		s.log.Warn("planned route breaks a rule when timed", "route", r.ID, "why", tm.Why)
		return false
	}
	r.Stops, r.Km = stops, tm.Km
	if len(stops) > 0 {
		r.Start = stops[0].At.Add(-s.policy.Travel.Duration(o.At, stops[0].Place.Point()))
	}
	return true
}

// AdvancePlan returns the rolling plan of a day (YYYY-MM-DD in the city),
// each route with its status, and how many trips of the day still wait.
func (s *Store) AdvancePlan(ctx context.Context, by heartlink.Principal, day string) (*dispatch.RoutePlan, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	if _, err := time.ParseInLocation(time.DateOnly, day, s.policy.Location()); err != nil {
		return nil, heartlink.FieldError(heartlink.EInvalid, "date", "date must be YYYY-MM-DD")
	}
	return s.loadPlan(ctx, s.keys.advancePlan(day), heartlink.Errorf(heartlink.ENotFound, "no trips are planned ahead for %s", day))
}

// PublishAdvance plans a day's waiting trips once more and offers every
// route of the day to its driver now, without waiting for the lead time.
func (s *Store) PublishAdvance(ctx context.Context, by heartlink.Principal, day string) (*dispatch.RoutePlan, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	if _, err := time.ParseInLocation(time.DateOnly, day, s.policy.Location()); err != nil {
		return nil, heartlink.FieldError(heartlink.EInvalid, "date", "date must be YYYY-MM-DD")
	}
	if err := s.withPlanLock(ctx, func() error { return s.planAdvance(ctx, day) }); err != nil {
		return nil, err
	}
	return s.AdvancePlan(ctx, by, day)
}

// RunPlanner runs the rolling plan every every until ctx ends, and soon
// after a route of it is declined: declines that come together are
// repaired together.
func (s *Store) RunPlanner(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// Like the dispatch worker, it sits out while the store refuses writes.
		if s.Refuse(true) == nil {
			if err := s.PlanAdvance(ctx); err != nil && ctx.Err() == nil && heartlink.ErrorCode(err) != heartlink.EConflict {
				s.log.Warn("advance planner", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.planWake:
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(replanDelay):
			}
		}
	}
}

// replanDelay gathers the declines of a few seconds into one planning run.
const replanDelay = 2 * time.Second
