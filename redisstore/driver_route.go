package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// A driver's route is a hash: v, its version, and stops, the stops ahead
// as one JSON array that scripts store and hand back without reading it.
// Every way of giving a driver a trip computes the new route in Go from
// the route at some version and applies it in a script only if the route
// is still at that version: the version is what makes "exactly one driver,
// and a route that keeps every rule" hold under any race.

// stopData is a route stop as stored, with the rules it must keep.
type stopData struct {
	Kind       string  `json:"k"`
	TripID     string  `json:"t"`
	At         int64   `json:"at"`
	Lat        float64 `json:"lat"`
	Lng        float64 `json:"lng"`
	Address    string  `json:"a,omitempty"`
	Seats      int     `json:"n"`
	Wheelchair bool    `json:"w,omitempty"`
	Done       bool    `json:"x,omitempty"`
	NotBefore  int64   `json:"nb,omitempty"`
	Due        int64   `json:"due,omitempty"`
	MaxRide    int64   `json:"mr,omitempty"` // seconds
}

func encodeStops(stops []dispatch.RouteStop) string {
	out := make([]stopData, len(stops))
	for i, s := range stops {
		out[i] = stopData{Kind: s.Kind, TripID: s.TripID, At: ms(s.At), Lat: s.Place.Lat, Lng: s.Place.Lng,
			Address: s.Place.Address, Seats: s.Seats, Wheelchair: s.Wheelchair, Done: s.Done,
			MaxRide: int64(s.MaxRide / time.Second)}
		if !s.NotBefore.IsZero() {
			out[i].NotBefore = ms(s.NotBefore)
		}
		if !s.Due.IsZero() {
			out[i].Due = ms(s.Due)
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func decodeStops(s string) ([]dispatch.RouteStop, error) {
	if s == "" {
		return nil, nil
	}
	var in []stopData
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]dispatch.RouteStop, len(in))
	for i, d := range in {
		out[i] = dispatch.RouteStop{Kind: d.Kind, TripID: d.TripID, At: fromMs(d.At),
			Place: dispatch.Place{Lat: d.Lat, Lng: d.Lng, Address: d.Address}, Seats: d.Seats,
			Wheelchair: d.Wheelchair, Done: d.Done, MaxRide: time.Duration(d.MaxRide) * time.Second}
		if d.NotBefore != 0 {
			out[i].NotBefore = fromMs(d.NotBefore)
		}
		if d.Due != 0 {
			out[i].Due = fromMs(d.Due)
		}
	}
	return out, nil
}

// proposal is an insertion as a script applies it: the route version it
// was computed for, the whole new route, and the new trip's planned times.
// Moved counts the other trips whose times change, to be retimed.
type proposal struct {
	Base   int64  `json:"base"`
	Stops  string `json:"stops"`
	Pickup int64  `json:"pickup,string"` // strings, so that Lua stores
	Drop   int64  `json:"drop,string"`   // them digit for digit
	Moved  int    `json:"moved"`
	// Plan, when Moved > 0, holds the planned times of the route's other
	// trips (see plannedTimes), so that the accept's caller can retime
	// them without reading the route back.
	Plan string `json:"plan,omitempty"`
	// Offer is the offer as its driver was shown it, for reading back.
	Offer json.RawMessage `json:"offer,omitempty"`
}

// proposalMark opens a proposal in its flat form: its fields a line each
// (base, pickup, drop, moved, plan, stops), then the offer to the end.
// A script reads it with a few plain finds (read_proposal in lib.lua)
// where a JSON document, with the route's stops escaped inside it, had to
// be decoded whole at every accept, and an offer script emits the offer
// from it rather than be sent it twice. None of the fields holds a line
// break: numbers, encodePlan's words, and JSON, which escapes its own.
// Proposals stored as JSON (before this form) are still read.
const proposalMark = "p1\n"

// proposalOf encodes ins for a script, with the offer shown for it if any.
func (s *Store) proposalOf(ins *dispatch.Insertion, offer []byte) string {
	stops := append([]dispatch.RouteStop(nil), ins.Stops...)
	s.policy.Promise(stops)
	p := proposal{Base: ins.Base, Stops: encodeStops(stops),
		Pickup: ms(ins.Stops[ins.Pickup].At), Drop: ms(ins.Stops[ins.Dropoff].At), Moved: len(ins.Moved),
		Offer: offer}
	if p.Moved > 0 {
		p.Plan = encodePlan(plannedTimes(stops, ins.Stops[ins.Pickup].TripID))
	}
	return p.encode()
}

// encode writes p in its flat form (see proposalMark).
func (p proposal) encode() string {
	b := make([]byte, 0, len(proposalMark)+len(p.Plan)+len(p.Stops)+len(p.Offer)+64)
	b = append(b, proposalMark...)
	b = strconv.AppendInt(b, p.Base, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, p.Pickup, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, p.Drop, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, int64(p.Moved), 10)
	b = append(b, '\n')
	b = append(b, p.Plan...)
	b = append(b, '\n')
	b = append(b, p.Stops...)
	b = append(b, '\n')
	b = append(b, p.Offer...)
	return string(b)
}

// readProposal reads a stored proposal, flat or, written before that form,
// JSON.
func readProposal(raw string) (proposal, error) {
	var p proposal
	rest, ok := strings.CutPrefix(raw, proposalMark)
	if !ok {
		err := json.Unmarshal([]byte(raw), &p)
		return p, err
	}
	var f [6]string
	for i := range f {
		var found bool
		if f[i], rest, found = strings.Cut(rest, "\n"); !found {
			return p, errors.New("proposal: too few lines")
		}
	}
	var err [4]error
	p.Base, err[0] = strconv.ParseInt(f[0], 10, 64)
	p.Pickup, err[1] = strconv.ParseInt(f[1], 10, 64)
	p.Drop, err[2] = strconv.ParseInt(f[2], 10, 64)
	p.Moved, err[3] = strconv.Atoi(f[3])
	p.Plan, p.Stops = f[4], f[5]
	if rest != "" {
		p.Offer = json.RawMessage(rest)
	}
	return p, errors.Join(err[:]...)
}

// planned is a trip's planned pick-up and drop-off in ms, as a route has
// them.
type planned struct {
	TripID     string
	Pick, Drop int64
}

// plannedTimes lists the planned times of the trips on stops, in the order
// they first appear, leaving out skip.
func plannedTimes(stops []dispatch.RouteStop, skip string) []planned {
	var out []planned
	at := map[string]int{}
	for _, st := range stops {
		if st.TripID == skip {
			continue
		}
		i, ok := at[st.TripID]
		if !ok {
			i = len(out)
			at[st.TripID] = i
			out = append(out, planned{TripID: st.TripID})
		}
		if st.Kind == dispatch.PickupStop {
			out[i].Pick = ms(st.At)
		} else {
			out[i].Drop = ms(st.At)
		}
	}
	return out
}

// encodePlan writes plan as "id pick drop id pick drop ...", the way the
// accept script hands it back.
func encodePlan(plan []planned) string {
	var b []byte
	for i, p := range plan {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, p.TripID...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, p.Pick, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, p.Drop, 10)
	}
	return string(b)
}

// decodePlan reads what encodePlan wrote; ok is false for anything else.
func decodePlan(s string) (plan []planned, ok bool) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f)%3 != 0 {
		return nil, false
	}
	for i := 0; i < len(f); i += 3 {
		pick, err1 := strconv.ParseInt(f[i+1], 10, 64)
		drop, err2 := strconv.ParseInt(f[i+2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		plan = append(plan, planned{TripID: f[i], Pick: pick, Drop: drop})
	}
	return plan, true
}

// readRoute queues the read of a driver's route on p.
func (s *Store) readRoute(ctx context.Context, p redis.Pipeliner, driverID string) *redis.SliceCmd {
	return p.HMGet(ctx, s.keys.driverRoute(driverID), "route_v", "route_stops")
}

func routeOf(driverID string, cmd *redis.SliceCmd) (dispatch.DriverRoute, error) {
	return routeFrom(driverID, cmd.Val(), nil)
}

// routeFrom builds a driver's route from the values of its fields
// route_v and route_stops, through cache when one is given (its stops are
// then shared: see routeCache).
func routeFrom(driverID string, v []any, cache *routeCache) (dispatch.DriverRoute, error) {
	r := dispatch.DriverRoute{DriverID: driverID, Stops: []dispatch.RouteStop{}}
	if len(v) < 2 || v[0] == nil {
		return r, nil
	}
	r.Version, _ = strconv.ParseInt(str(v[0]), 10, 64)
	decode := decodeStops
	if cache != nil {
		decode = func(raw string) ([]dispatch.RouteStop, error) { return cache.stops(driverID, raw) }
	}
	stops, err := decode(str(v[1]))
	if err != nil {
		return r, wrap(err, "decode route")
	}
	if stops != nil {
		r.Stops = stops
	}
	return r, nil
}

// DriverRoute returns the route a driver holds: the driver themselves, or a
// coordinator. Their own stops carry the exact places: the driver has
// accepted every trip on it.
func (s *Store) DriverRoute(ctx context.Context, by heartlink.Principal, driverID string) (*dispatch.DriverRoute, error) {
	if !by.Is(heartlink.RoleCoordinator) && !(by.Is(heartlink.RoleDriver) && by.ID == driverID) {
		return nil, heartlink.Errorf(heartlink.EForbidden, "only the driver and coordinators see a driver's route")
	}
	var cmd *redis.SliceCmd
	var exists *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, s.keys.driver(driverID))
		cmd = s.readRoute(ctx, p, driverID)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err, "route")
	}
	if exists.Val() == 0 {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no driver %q", driverID)
	}
	r, err := routeOf(driverID, cmd)
	return &r, err
}

// retime brings the planned times of the trips on a driver's route in line
// with the route, after an insertion moved them, and tells their
// requesters. It is idempotent and runs from the retime outbox, so a crash
// between the insertion and the retime only delays it.
func (s *Store) retime(ctx context.Context, driverID string) error {
	r, err := s.DriverRoute(ctx, system, driverID)
	if err != nil {
		if heartlink.ErrorCode(err) == heartlink.ENotFound {
			return s.rdb.ZRem(ctx, s.keys.retime(), driverID).Err()
		}
		return err
	}
	_, err = s.retimeAt(ctx, driverID, r.Version, plannedTimes(r.Stops, ""))
	return err
}

// retimeAt runs retime.lua for the route at version, whose trips have the
// planned times plan. It reports false, and changes nothing, when the
// route is no longer at that version.
func (s *Store) retimeAt(ctx context.Context, driverID string, version int64, plan []planned) (bool, error) {
	keys := make([]string, 0, 3+2*len(plan))
	keys = append(keys, s.keys.driverRoute(driverID), s.keys.retime(), s.keys.events())
	args := make([]any, 0, 3+3*len(plan))
	args = append(args, driverID, version, ms(s.now()))
	for _, p := range plan {
		keys = append(keys, s.keys.trip(p.TripID), s.keys.tripAudit(p.TripID))
		args = append(args, p.TripID, p.Pick, p.Drop)
	}
	res, err := s.scripts.retime.Run(ctx, s.rdb, keys, args...).StringSlice()
	if err != nil {
		return false, wrap(err, "retime")
	}
	return first(res) == "ok", nil
}

// retimeSoon retimes a driver's route beside the step that moved it (an
// accept, a reassignment), not after it: the step answers in its own
// round trip. When the step handed back the route's version and planned
// times (plan, from an accept), they are used as they are, without
// reading the route again; if the route has moved on since, or there is
// no plan, it is read afresh. The retime outbox keeps the driver until it
// is done, so if this fails the workers do it at their next round.
func (s *Store) retimeSoon(driverID string, version int64, plan []planned) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), replyWrite)
		defer cancel()
		done := false
		var err error
		if plan != nil {
			done, err = s.retimeAt(ctx, driverID, version, plan)
		}
		if err == nil && !done {
			err = s.retime(ctx, driverID)
		}
		if err != nil {
			s.log.Warn("retime", "driver", driverID, "err", err)
			s.nudge()
		}
	}()
}

// workRetimes retimes the routes an insertion has moved.
func (s *Store) workRetimes(ctx context.Context) error {
	ids, err := s.rdb.ZRange(ctx, s.keys.retime(), 0, 49).Result()
	if err != nil {
		return wrap(err, "retimes")
	}
	var errs []error
	for _, id := range ids {
		if err := s.retime(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// system is the service acting on its own, with a coordinator's reach.
var system = heartlink.Principal{Role: heartlink.RoleCoordinator, ID: "system"}

// lastStop is where and when a driver last served a stop.
type lastStop struct {
	place heartlink.Point
	at    time.Time
}

// heldRoute reads a driver's route with the stop they served last, in one
// round trip.
func (s *Store) heldRoute(ctx context.Context, driverID string) (dispatch.DriverRoute, *lastStop, error) {
	var route *redis.SliceCmd
	var served *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		route = s.readRoute(ctx, p, driverID)
		served = p.HGet(ctx, s.keys.driverRoute(driverID), "route_last")
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return dispatch.DriverRoute{}, nil, wrap(err, "route")
	}
	r, err := routeOf(driverID, route)
	if err != nil {
		return r, nil, err
	}
	var lat, lng float64
	var at int64
	if _, err := fmt.Sscanf(served.Val(), "%f,%f,%d", &lat, &lng, &at); err != nil {
		return r, nil, nil // nothing served yet
	}
	return r, &lastStop{heartlink.Point{Lat: lat, Lng: lng}, fromMs(at)}, nil
}

// servedAt is where the stop a transition serves is: the pick-up when the
// riders board, the drop-off when they alight.
func servedAt(tr dispatch.Transition, t *dispatch.Trip) (heartlink.Point, bool) {
	switch tr.To {
	case dispatch.PickedUp:
		return t.Pickup.Point(), true
	case dispatch.Completed:
		return t.Dropoff.Point(), true
	}
	return heartlink.Point{}, false
}
