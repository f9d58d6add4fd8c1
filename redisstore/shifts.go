package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/dispatch"
)

// shiftAttempts is how often a shift change is tried against a campaign,
// or a shift's sign-ups, that keep changing under it. The last attempt
// at removal goes ahead even if drivers signed up meanwhile.
const shiftAttempts = 8

// shiftState is what a shift change reads first, in one round trip: the
// campaign and the shift's plan as stored (to write only if they are still
// so), and the shift's drivers.
type shiftState struct {
	raw       string
	c         *campaign.Campaign
	planRaw   string
	plan      *dispatch.RoutePlan // nil without one
	confirmed []string
	waiting   []string
}

func (s *Store) readShiftState(ctx context.Context, cid, sid string) (*shiftState, error) {
	var cp, pl *redis.StringCmd
	var conf, wait *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cp = p.Get(ctx, s.keys.campaign(cid))
		pl = p.Get(ctx, s.keys.plan(cid, sid))
		conf = p.ZRange(ctx, s.keys.shiftConfirmed(cid, sid), 0, -1)
		wait = p.ZRange(ctx, s.keys.shiftWaiting(cid, sid), 0, -1)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err, "read shift")
	}
	if errors.Is(cp.Err(), redis.Nil) {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no campaign %q", cid)
	}
	st := &shiftState{raw: cp.Val(), planRaw: pl.Val(), confirmed: conf.Val(), waiting: wait.Val()}
	st.c = new(campaign.Campaign)
	if err := json.Unmarshal([]byte(st.raw), st.c); err != nil {
		return nil, wrap(err, "decode campaign")
	}
	if st.planRaw != "" {
		st.plan = new(dispatch.RoutePlan)
		if err := json.Unmarshal([]byte(st.planRaw), st.plan); err != nil {
			return nil, wrap(err, "decode plan")
		}
	}
	return st, nil
}

// routeKeys are the keys of the plan's routes, in its order.
func (st *shiftState) routeKeys(k keys) []string {
	if st.plan == nil {
		return nil
	}
	out := make([]string, len(st.plan.Routes))
	for i, r := range st.plan.Routes {
		out[i] = k.route(r.ID)
	}
	return out
}

// planned is the conflict of a change refused because route i (from 1) of
// the plan is out to its driver.
func (st *shiftState) planned(what string, res []any) error {
	i, _ := res[1].(int64)
	status, _ := res[2].(string)
	if st.plan == nil || i < 1 || int(i) > len(st.plan.Routes) {
		return heartlink.Errorf(heartlink.EConflict, "the shift's plan has routes out to drivers: %s", what)
	}
	r := st.plan.Routes[i-1]
	held := "is offered to"
	if status == string(dispatch.RouteConfirmed) {
		held = "was confirmed by"
	}
	return heartlink.Errorf(heartlink.EConflict,
		"route %s of the shift's published plan %s driver %s, planned for the shift as it is: %s", r.ID, held, r.DriverID, what)
}

// placeNames reads the names of the places with the ids, by id; ids with
// no place are left out.
func (s *Store) placeNames(ctx context.Context, ids ...string) (map[string]string, error) {
	var want []string
	for _, id := range ids {
		if id != "" {
			want = append(want, id)
		}
	}
	out := map[string]string{}
	if len(want) == 0 {
		return out, nil
	}
	vs, err := s.rdb.HMGet(ctx, s.keys.places(), want...).Result()
	if err != nil {
		return nil, wrap(err, "places")
	}
	for i, v := range vs {
		var p struct {
			Name string `json:"name"`
		}
		if v != nil && json.Unmarshal([]byte(str(v)), &p) == nil {
			out[want[i]] = p.Name
		}
	}
	return out, nil
}

// AddShift adds a shift to a campaign, checked by the rules of a new
// campaign's shifts; drivers may sign up for it at once if the window is
// open.
func (s *Store) AddShift(ctx context.Context, by heartlink.Principal, cid string, d campaign.ShiftDraft) (campaign.Shift, campaign.Fill, error) {
	if err := mustCoordinator(by); err != nil {
		return campaign.Shift{}, campaign.Fill{}, err
	}
	id := newID("shf") // the same on every attempt
	names, err := s.placeNames(ctx, d.PlaceID)
	if err != nil {
		return campaign.Shift{}, campaign.Fill{}, err
	}
	return s.changeShift(ctx, cid, id, func(c *campaign.Campaign, now time.Time) (*campaign.Campaign, campaign.Shift, bool, error) {
		if err := heartlink.Join(d.Validate("", c.Location(), now), d.PlaceProblem("", names)); err != nil {
			return nil, campaign.Shift{}, false, err
		}
		sh := d.Shift(id, names[d.PlaceID])
		next, err := c.WithShift(sh, now)
		return next, sh, false, err
	})
}

// EditShift changes a shift. Fewer cars move its last confirmed drivers to
// the head of its waiting list, more cars confirm the first waiting; each
// is told. While its plan has routes out to drivers, it cannot move to
// another date, time or area.
func (s *Store) EditShift(ctx context.Context, by heartlink.Principal, cid, sid string, u campaign.ShiftUpdate) (campaign.Shift, campaign.Fill, error) {
	if err := mustCoordinator(by); err != nil {
		return campaign.Shift{}, campaign.Fill{}, err
	}
	return s.changeShift(ctx, cid, sid, func(c *campaign.Campaign, now time.Time) (*campaign.Campaign, campaign.Shift, bool, error) {
		old, ok := c.Shift(sid)
		if !ok {
			return nil, campaign.Shift{}, false, heartlink.Errorf(heartlink.ENotFound, "no shift %q in campaign %q", sid, cid)
		}
		names, err := s.placeNames(ctx, u.Draft(old).PlaceID)
		if err != nil {
			return nil, campaign.Shift{}, false, err
		}
		sh, err := u.Apply(old, c.Location(), now, names)
		if err != nil {
			return nil, campaign.Shift{}, false, err
		}
		next, err := c.WithShift(sh, now)
		return next, sh, old.Moved(sh), err
	})
}

// changeShift writes the campaign that change makes of the one stored, with
// the shift sid it returns, and sets the shift's sign-ups to match its cars
// in the same atomic step; moves says the shift runs at another date,
// time or area now.
func (s *Store) changeShift(ctx context.Context, cid, sid string,
	change func(c *campaign.Campaign, now time.Time) (next *campaign.Campaign, sh campaign.Shift, moves bool, err error),
) (campaign.Shift, campaign.Fill, error) {
	for range shiftAttempts {
		st, err := s.readShiftState(ctx, cid, sid)
		if err != nil {
			return campaign.Shift{}, campaign.Fill{}, err
		}
		next, sh, moves, err := change(st.c, s.now())
		if err != nil {
			return campaign.Shift{}, campaign.Fill{}, err
		}
		b, _ := json.Marshal(next)
		keys := append([]string{s.keys.campaign(cid), s.keys.shift(cid, sid), s.keys.shiftConfirmed(cid, sid),
			s.keys.shiftWaiting(cid, sid), s.keys.events(), s.keys.plan(cid, sid)}, st.routeKeys(s.keys)...)
		move := "0"
		if moves {
			move = "1"
		}
		res, err := s.scripts.shiftChange.Run(ctx, s.rdb, keys, st.raw, b, sh.CarsNeeded, cid, sid, st.planRaw, move).Slice()
		if err != nil {
			return campaign.Shift{}, campaign.Fill{}, wrap(err, "change shift")
		}
		switch res[0] {
		case "changed":
			continue
		case "planned":
			return campaign.Shift{}, campaign.Fill{}, st.planned("change its date, time or area once its drivers have answered, or leave them as they are", res)
		}
		conf, _ := res[1].(int64)
		wait, _ := res[2].(int64)
		return sh, campaign.Fill{Confirmed: int(conf), Waiting: int(wait)}, nil
	}
	return campaign.Shift{}, campaign.Fill{}, heartlink.Errorf(heartlink.EConflict, "campaign %s kept changing meanwhile; try again", cid)
}

// RemoveShift removes a shift and releases every sign-up of it, each
// driver told. A draft plan goes with it; a plan with routes out to
// drivers (offered, or confirmed: its students are already theirs) keeps
// the shift, a conflict.
func (s *Store) RemoveShift(ctx context.Context, by heartlink.Principal, cid, sid string) (campaign.Removal, error) {
	if err := mustCoordinator(by); err != nil {
		return campaign.Removal{}, err
	}
	for attempt := range shiftAttempts {
		st, err := s.readShiftState(ctx, cid, sid)
		if err != nil {
			return campaign.Removal{}, err
		}
		next, err := st.c.WithoutShift(sid, s.now())
		if err != nil {
			return campaign.Removal{}, err
		}
		b, _ := json.Marshal(next)
		routes := st.routeKeys(s.keys)
		keys := append([]string{s.keys.campaign(cid), s.keys.shift(cid, sid), s.keys.shiftConfirmed(cid, sid),
			s.keys.shiftWaiting(cid, sid), s.keys.events(), s.keys.plan(cid, sid)}, routes...)
		force := "0"
		if attempt == shiftAttempts-1 {
			force = "1"
		}
		args := []any{st.raw, b, cid, sid, cid + "|" + sid, st.planRaw, strconv.Itoa(len(routes)), force}
		for _, list := range [][]string{st.confirmed, st.waiting} {
			for _, d := range list {
				keys = append(keys, s.keys.driverSignups(d))
				args = append(args, d)
			}
		}
		res, err := s.scripts.shiftRemove.Run(ctx, s.rdb, keys, args...).Slice()
		if err != nil {
			return campaign.Removal{}, wrap(err, "remove shift")
		}
		switch res[0] {
		case "changed", "moved":
			continue
		case "planned":
			return campaign.Removal{}, st.planned("a shift whose students are being driven cannot be removed", res)
		case "removed":
			return campaign.Removal{CampaignID: cid, ShiftID: sid, Removed: true,
				Confirmed: stringList(res[1]), Waiting: stringList(res[2])}, nil
		}
		return campaign.Removal{}, wrap(fmt.Errorf("unexpected answer %v", res[0]), "remove shift")
	}
	return campaign.Removal{}, heartlink.Errorf(heartlink.EConflict, "campaign %s kept changing meanwhile; try again", cid)
}

// stringList reads a script's list of strings.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, str(x))
	}
	return out
}
