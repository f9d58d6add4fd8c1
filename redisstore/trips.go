package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// placeData is a place as stored. It is read without dispatch.Place's
// strict decoding, which is for what clients send: stored data was checked
// when it came in, and every live frame reads trips.
type placeData struct {
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	Address string  `json:"address,omitempty"`
}

func (p placeData) place() dispatch.Place {
	return dispatch.Place{Lat: p.Lat, Lng: p.Lng, Address: p.Address}
}

func placeDataOf(p dispatch.Place) placeData {
	return placeData{Lat: p.Lat, Lng: p.Lng, Address: p.Address}
}

// tripData is the part of a trip fixed at request time, stored as one JSON
// field. What changes (status, driver, version, times) has fields of its
// own so that scripts can check and set it without decoding JSON.
type tripData struct {
	ID          string           `json:"id"`
	Kind        dispatch.Kind    `json:"kind"`
	RequesterID string           `json:"requester_id,omitempty"`
	CreatedBy   string           `json:"created_by"`
	Pickup      placeData        `json:"pickup"`
	Dropoff     placeData        `json:"dropoff"`
	Riders      []dispatch.Rider `json:"riders"`
	Wheelchair  bool             `json:"wheelchair,omitempty"`
	CampaignID  string           `json:"campaign_id,omitempty"`
	ReturnTrip  string           `json:"return_trip,omitempty"`
	ReturnOf    string           `json:"return_of,omitempty"`
	PickupAfter time.Time        `json:"pickup_after,omitzero"`
	ArriveBy    time.Time        `json:"arrive_by"`
	Earliest    time.Time        `json:"earliest"`
	DropBy      time.Time        `json:"drop_by"`
	CreatedAt   time.Time        `json:"created_at"`
	PurgedAt    time.Time        `json:"purged_at,omitzero"`
}

func encodeTrip(t *dispatch.Trip) []any {
	d := tripData{
		ID: t.ID, Kind: t.Kind, RequesterID: t.RequesterID, CreatedBy: t.CreatedBy,
		Pickup: placeDataOf(t.Pickup), Dropoff: placeDataOf(t.Dropoff), Riders: t.Riders, Wheelchair: t.Wheelchair,
		CampaignID: t.CampaignID, ReturnTrip: t.ReturnTripID, ReturnOf: t.ReturnOf,
		PickupAfter: t.PickupAfter, ArriveBy: t.ArriveBy, Earliest: t.Earliest, DropBy: t.DropBy,
		CreatedAt: t.CreatedAt, PurgedAt: t.PurgedAt,
	}
	b, _ := json.Marshal(d)
	// The planned times change as the driver's route does, so they are
	// fields of their own; arrive_by is repeated for the scripts.
	// The PIN has a field of its own, kept plain: it is shown to the
	// requester on every read, and 4 digits hashed would fall to 10,000
	// guesses offline anyway. It is never in data, which events render.
	return []any{"data", b, "pin", t.PIN, "status", string(t.Status), "driver", t.DriverID, "requester", t.RequesterID,
		"version", t.Version, "updated", ms(t.UpdatedAt),
		"pickup", ms(t.PickupAt), "drop", ms(t.DropoffAt), "arrive", ms(t.ArriveBy)}
}

// decodeTrip builds a trip from its hash, as HGETALL returns it.
func decodeTrip(h map[string]string) (*dispatch.Trip, error) {
	d, err := tripDataOf(h["data"])
	if err != nil {
		return nil, err
	}
	t := &dispatch.Trip{
		ID: d.ID, Kind: d.Kind, RequesterID: d.RequesterID, CreatedBy: d.CreatedBy,
		Pickup: d.Pickup.place(), Dropoff: d.Dropoff.place(), Riders: d.Riders, Wheelchair: d.Wheelchair,
		CampaignID: d.CampaignID, ReturnTripID: d.ReturnTrip, ReturnOf: d.ReturnOf,
		PickupAfter: d.PickupAfter, ArriveBy: d.ArriveBy, Earliest: d.Earliest, DropBy: d.DropBy,
		CreatedAt: d.CreatedAt, PurgedAt: d.PurgedAt,
		Status:   dispatch.Status(h["status"]),
		DriverID: h["driver"],
		PIN:      h["pin"],
	}
	t.Version, _ = strconv.ParseInt(h["version"], 10, 64)
	u, _ := strconv.ParseInt(h["updated"], 10, 64)
	t.UpdatedAt = fromMs(u)
	e, _ := strconv.ParseInt(h["ended"], 10, 64)
	t.EndedAt = fromMs(e)
	c, _ := strconv.ParseInt(h["checkin"], 10, 64)
	t.CheckedInAt, t.CheckedInBy = fromMs(c), h["checkin_by"]
	pk, _ := strconv.ParseInt(h["pickup"], 10, 64)
	dr, _ := strconv.ParseInt(h["drop"], 10, 64)
	t.PickupAt, t.DropoffAt = fromMs(pk), fromMs(dr)
	return t, nil
}

// tripDataOf decodes a trip's data field, or gives what decoding the same
// text gave before: the field is written once, at booking (and again only
// when riders' data is removed), but read by every dispatch, live batch and
// answer that touches the trip. A hit needs the same text byte for byte;
// the riders are copied, since callers may change them.
func tripDataOf(raw string) (tripData, error) {
	tripDataCache.mu.Lock()
	d, ok := tripDataCache.m[raw]
	tripDataCache.mu.Unlock()
	if !ok {
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return tripData{}, err
		}
		tripDataCache.mu.Lock()
		if tripDataCache.m == nil || len(tripDataCache.m) >= tripDataCacheMax {
			tripDataCache.m = make(map[string]tripData)
		}
		tripDataCache.m[raw] = d
		tripDataCache.mu.Unlock()
	}
	d.Riders = slices.Clone(d.Riders)
	return d, nil
}

// tripDataCache is what tripDataOf decoded, by the text; past
// tripDataCacheMax trips it starts afresh.
var tripDataCache struct {
	mu sync.Mutex
	m  map[string]tripData
}

const tripDataCacheMax = 1 << 13

// load reads a trip; a missing trip is ENotFound.
func (s *Store) load(ctx context.Context, id string) (*dispatch.Trip, error) {
	h, err := s.rdb.HGetAll(ctx, s.keys.trip(id)).Result()
	if err != nil {
		return nil, wrap(err, "load trip")
	}
	if len(h) == 0 {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no trip %q", id)
	}
	t, err := decodeTrip(h)
	return t, wrap(err, "decode trip")
}

// loadMany reads trips by id in one round trip, skipping missing ones.
func (s *Store) loadMany(ctx context.Context, ids []string) ([]*dispatch.Trip, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.keys.trip(id))
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "load trips")
	}
	out := make([]*dispatch.Trip, 0, len(ids))
	for _, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		t, err := decodeTrip(c.Val())
		if err != nil {
			return nil, wrap(err, "decode trip")
		}
		out = append(out, t)
	}
	return out, nil
}

// Request books a trip: it is stored, queued and, in the same round trip,
// drivers near its pickup are searched; then the best are offered it.
// Three round trips in all.
func (s *Store) Request(ctx context.Context, by heartlink.Principal, r dispatch.Request) (*dispatch.Trip, error) {
	now := s.now()
	requester := ""
	switch by.Role {
	case heartlink.RoleRequester:
		if r.RequesterID != "" && r.RequesterID != by.ID {
			return nil, heartlink.FieldError(heartlink.EForbidden, "requester_id", "a requester books only for itself")
		}
		requester = by.ID
		// The token says whether the account is active: no read here.
		if err := mustBeActive(!by.Inactive, "requester"); err != nil {
			return nil, err
		}
	case heartlink.RoleCoordinator:
		requester = r.RequesterID
	default:
		return nil, heartlink.Errorf(heartlink.EForbidden, "only requesters and coordinators may request trips")
	}
	if err := r.Validate(now); err != nil {
		return nil, err
	}
	if by.Is(heartlink.RoleCoordinator) && requester != "" {
		if _, err := s.Requester(ctx, requester); err != nil {
			if heartlink.ErrorCode(err) == heartlink.ENotFound {
				return nil, heartlink.FieldError(heartlink.EInvalid, "requester_id", "no requester %q", requester)
			}
			return nil, err
		}
	}
	if r.CampaignID != "" {
		if _, err := s.readCampaign(ctx, s.rdb, r.CampaignID); err != nil {
			if heartlink.ErrorCode(err) == heartlink.ENotFound {
				return nil, heartlink.FieldError(heartlink.EInvalid, "campaign_id", "no campaign %q", r.CampaignID)
			}
			return nil, err
		}
	}
	t := r.Trip(s.policy, newID("trp"), by, requester, now)
	t.PIN = dispatch.NewPIN()
	booked := []*dispatch.Trip{t}
	if r.Return != nil {
		// The way back is booked with the trip, in the same transaction,
		// and dispatched the same way (pooled, planned ahead or offered).
		back := r.ReturnRequest()
		rt := back.Trip(s.policy, newID("trp"), by, requester, now)
		rt.PIN = dispatch.NewPIN()
		t.ReturnTripID, rt.ReturnOf = rt.ID, t.ID
		booked = append(booked, rt)
	}

	searches := make([]*redis.GeoSearchLocationCmd, len(booked))
	dry := make([]*redis.SliceCmd, len(booked))
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		s.markCreated(ctx, p, t.ID)
		for i, t := range booked {
			k := s.keys.trip(t.ID)
			p.HSet(ctx, k, encodeTrip(t)...)
			p.RPush(ctx, s.keys.tripAudit(t.ID), auditJSON(now, by.String(), dispatch.ActRequested, "", dispatch.Queued, ""))
			p.ZAdd(ctx, s.keys.trips(), redis.Z{Score: float64(ms(now)), Member: t.ID})
			p.ZAdd(ctx, s.keys.tripEnds(), redis.Z{Score: float64(ms(t.ArriveBy)), Member: t.ID})
			s.indexRiders(ctx, p, t)
			p.ZAdd(ctx, s.keys.open(), redis.Z{Score: float64(ms(t.ArriveBy)), Member: t.ID})
			if requester != "" {
				p.ZAdd(ctx, s.keys.reqTrips(requester), redis.Z{Score: float64(ms(now)), Member: t.ID})
			}
			s.emitTrip(ctx, p, t, dispatch.ActRequested)
			if s.policy.Advance(t, now) {
				// Planned ahead with the day's other trips, over the drivers
				// available then (see advance.go).
				s.holdForPlan(ctx, p, t)
				continue
			}
			// Leased to this request; if this instance dies before offering,
			// another instance's queue worker takes the trip when the lease
			// ends.
			p.ZAdd(ctx, s.keys.queue(), redis.Z{Score: float64(ms(now.Add(s.policy.Lease))), Member: t.ID})
			searches[i] = s.search(ctx, p, t, s.radii.first(t.Pickup.Point()), s.policy.SearchLimit, now)
			dry[i] = s.dryRead(ctx, p, t)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "request trip")
	}
	for i, t := range booked {
		if searches[i] == nil {
			continue
		}
		search, seq := dryCheck(t, dry[i])
		if err := s.offer(ctx, t, searches[i].Val(), nil, now, search, seq); err != nil {
			// The trip is stored and queued: the queue worker will retry.
			// A request cut short (its client gone, the server stopping)
			// is no fault of ours.
			level := slog.LevelError
			if ctx.Err() != nil {
				level = slog.LevelInfo
			}
			s.log.Log(ctx, level, "dispatch after request", "trip", t.ID, "err", err)
		}
	}
	return t, nil
}

func auditJSON(at time.Time, actor string, a dispatch.Action, from, to dispatch.Status, driver string) []byte {
	b, _ := json.Marshal(auditEntry{At: ms(at), Actor: actor, Action: a, From: from, To: to, Driver: driver})
	return b
}

// auditEntry is an audit trail entry as stored; lib.lua writes the same.
type auditEntry struct {
	At     int64           `json:"at,string"`
	Actor  string          `json:"actor"`
	Action dispatch.Action `json:"action"`
	From   dispatch.Status `json:"from,omitempty"`
	To     dispatch.Status `json:"to"`
	Driver string          `json:"driver_id,omitempty"`
	// PreviousDriver: reassign.lua writes it, with the driver it moved
	// the trip from.
	PreviousDriver string `json:"previous_driver_id,omitempty"`
	// Override: transition.lua writes it for a step a coordinator
	// recorded without the rider's PIN.
	Override bool `json:"override,omitempty"`
}

// Trip returns a trip that by may see.
func (s *Store) Trip(ctx context.Context, by heartlink.Principal, id string) (*dispatch.Trip, dispatch.Access, error) {
	t, err := s.load(ctx, id)
	if err != nil {
		return nil, dispatch.NoAccess, err
	}
	mayTake := false
	if by.Is(heartlink.RoleDriver) && t.DriverID != by.ID && t.Open() {
		if mayTake, err = s.mayTake(ctx, t, by.ID); err != nil {
			return nil, dispatch.NoAccess, err
		}
	}
	a := s.policy.AccessFor(t, by, mayTake, s.now())
	if a == dispatch.NoAccess {
		return nil, a, heartlink.Errorf(heartlink.EForbidden, "this trip is not yours")
	}
	return t, a, nil
}

// mayTake reports whether a driver holds a live offer of open trip t or
// could claim it.
func (s *Store) mayTake(ctx context.Context, t *dispatch.Trip, driverID string) (bool, error) {
	offered, err := s.hasLiveOffer(ctx, t.ID, driverID)
	if err != nil || offered {
		return offered, err
	}
	c, err := s.candidate(ctx, driverID, t)
	if err != nil {
		return false, err
	}
	_, why := s.policy.Fit(t, c)
	return why == dispatch.Eligible, nil
}

func (s *Store) hasLiveOffer(ctx context.Context, tripID, driverID string) (bool, error) {
	exp, err := s.rdb.HGet(ctx, s.keys.tripOffers(tripID), driverID).Int64()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err, "offer")
	}
	return exp > ms(s.now()), nil
}

// Trips lists the trips by may see that match f, newest first; drivers see
// their own trips, or with f.Open the open trips they may claim. It is the
// first page of TripPage.
func (s *Store) Trips(ctx context.Context, by heartlink.Principal, f dispatch.Filter) ([]*dispatch.Trip, error) {
	ts, _, err := s.TripPage(ctx, by, f)
	return ts, err
}

// TripPage is one page of Trips, after f.Cursor, with the cursor of the
// next page ("" on the last).
func (s *Store) TripPage(ctx context.Context, by heartlink.Principal, f dispatch.Filter) ([]*dispatch.Trip, string, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	var index, list string
	switch {
	case f.Open:
		index, list = s.keys.open(), "open"
	case by.Is(heartlink.RoleCoordinator):
		index, list = s.keys.trips(), "trips"
	case by.Is(heartlink.RoleRequester):
		index, list = s.keys.reqTrips(by.ID), "requester"
	case by.Is(heartlink.RoleDriver):
		index, list = s.keys.driverTrips(by.ID), "driver"
	default:
		return nil, "", heartlink.Errorf(heartlink.EForbidden, "unknown role")
	}
	cur, err := parseCursor(list, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var c *dispatch.Candidate
	if f.Open && by.Is(heartlink.RoleDriver) {
		if c, err = s.candidate(ctx, by.ID, nil); err != nil {
			return nil, "", err
		}
	}
	now := s.now()
	closed := campaignGate{s: s}
	keep := func(t *dispatch.Trip) bool {
		switch {
		case f.Status != "" && t.Status != f.Status:
			return false
		case f.Open && !t.Open():
			return false
		case by.Is(heartlink.RoleRequester) && t.RequesterID != by.ID:
			return false
		case c != nil:
			if _, why := s.policy.Fit(t, c); why != dispatch.Eligible {
				return false
			}
			ok, err := closed.allows(ctx, t, by.ID)
			return err == nil && ok
		case by.Is(heartlink.RoleDriver) && s.policy.AccessFor(t, by, false, now) == dispatch.NoAccess:
			return false
		}
		return true
	}
	// Filters apply after reading, so read page after page of the index
	// until the limit is filled, the index ends, or listScanMax trips have
	// been looked at; the next page goes on from the last one looked at.
	min := ""
	if f.Open {
		min = strconv.FormatInt(ms(now), 10) // soonest deadline first, none past
	}
	out := []*dispatch.Trip{}
	for scanned := 0; scanned < listScanMax; {
		page, err := s.zpage(ctx, index, !f.Open, cur, min, listPage) // else newest first
		if err != nil {
			return nil, "", err
		}
		ids := make([]string, len(page))
		for i, m := range page {
			ids[i] = m.id
		}
		trips, err := s.loadMany(ctx, ids)
		if err != nil {
			return nil, "", err
		}
		byID := make(map[string]*dispatch.Trip, len(trips))
		for _, t := range trips {
			byID[t.ID] = t
		}
		for i, m := range page {
			scanned++
			cur = &cursor{List: list, Score: m.score, Member: m.id}
			if t := byID[m.id]; t != nil && keep(t) {
				out = append(out, t)
			}
			if len(out) == limit {
				if i < len(page)-1 || len(page) == listPage {
					return out, cur.String(), nil // more may follow
				}
				return out, "", nil
			}
		}
		if len(page) < listPage {
			return out, "", nil
		}
	}
	return out, cur.String(), nil
}

// campaignGate says whether a driver may take a campaign's trips: during
// one of its shifts, in its area, only its confirmed drivers may, unless
// the campaign is open to all. It remembers campaigns and shifts read, for
// one listing.
type campaignGate struct {
	s         *Store
	campaigns map[string]*campaign.Campaign
	confirmed map[string]map[string]bool // by campaign|shift
}

func (g *campaignGate) allows(ctx context.Context, t *dispatch.Trip, driverID string) (bool, error) {
	if t.CampaignID == "" {
		return true, nil
	}
	if g.campaigns == nil {
		g.campaigns, g.confirmed = map[string]*campaign.Campaign{}, map[string]map[string]bool{}
	}
	c, ok := g.campaigns[t.CampaignID]
	if !ok {
		var err error
		if c, err = g.s.readCampaign(ctx, g.s.rdb, t.CampaignID); err != nil {
			c = nil // gone: its trips go to everyone
		}
		g.campaigns[t.CampaignID] = c
	}
	if c == nil || c.OpenToAll {
		return true, nil
	}
	sh, ok := c.ShiftAt(t.Pickup.Point(), t.Earliest, t.ArriveBy)
	if !ok {
		return true, nil
	}
	key := c.ID + "|" + sh.ID
	set, ok := g.confirmed[key]
	if !ok {
		ids, err := g.s.Confirmed(ctx, c.ID, sh.ID)
		if err != nil {
			return false, err
		}
		set = make(map[string]bool, len(ids))
		for _, id := range ids {
			set[id] = true
		}
		g.confirmed[key] = set
	}
	return set[driverID], nil
}

// Listing reads trips listPage at a time and looks at no more than
// listScanMax for one answer.
const (
	listPage    = 200
	listScanMax = 10000
)

// Offers lists the live offers to the driver by, soonest expiry first.
func (s *Store) Offers(ctx context.Context, by heartlink.Principal) ([]dispatch.Offer, error) {
	if !by.Is(heartlink.RoleDriver) {
		return nil, heartlink.Errorf(heartlink.EForbidden, "only drivers have offers")
	}
	now := ms(s.now())
	k := s.keys.driverOffers(by.ID)
	zs, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: k, Start: "(" + strconv.FormatInt(now, 10), Stop: "+inf", ByScore: true}).Result()
	if err != nil {
		return nil, wrap(err, "offers")
	}
	ids := make([]string, len(zs))
	live := make([]*redis.StringCmd, len(zs))
	props := make([]*redis.StringCmd, len(zs))
	var trips []*redis.MapStringStringCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		// The index is cleaned lazily: drop what has expired, and below
		// check each entry against the trip's own record of its offers.
		p.ZRemRangeByScore(ctx, k, "-inf", strconv.FormatInt(now, 10))
		for i, z := range zs {
			ids[i] = z.Member.(string)
			live[i] = p.HGet(ctx, s.keys.tripOffers(ids[i]), by.ID)
			props[i] = p.HGet(ctx, s.keys.tripProposals(ids[i]), by.ID)
			trips = append(trips, p.HGetAll(ctx, s.keys.trip(ids[i])))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err, "offers")
	}
	out := []dispatch.Offer{}
	var stale []any
	for i := range zs {
		exp, err := live[i].Int64()
		if err != nil || exp <= now || len(trips[i].Val()) == 0 {
			stale = append(stale, ids[i])
			continue
		}
		var o dispatch.Offer
		if pr, err := readProposal(props[i].Val()); err != nil || json.Unmarshal(pr.Offer, &o) != nil {
			stale = append(stale, ids[i])
			continue
		}
		out = append(out, o)
	}
	if len(stale) > 0 {
		s.rdb.ZRem(ctx, k, stale...)
	}
	return out, nil
}

// Events returns a trip's audit trail; coordinators only.
func (s *Store) Events(ctx context.Context, by heartlink.Principal, tripID string) ([]dispatch.Event, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	var n *redis.IntCmd
	var list *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		n = p.Exists(ctx, s.keys.trip(tripID))
		list = p.LRange(ctx, s.keys.tripAudit(tripID), 0, -1)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "events")
	}
	if n.Val() == 0 {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no trip %q", tripID)
	}
	out := make([]dispatch.Event, 0, len(list.Val()))
	for _, raw := range list.Val() {
		var e auditEntry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, wrap(err, "decode event")
		}
		out = append(out, dispatch.Event{At: fromMs(e.At), Actor: e.Actor, Action: e.Action, From: e.From, To: e.To, Driver: e.Driver,
			PreviousDriver: e.PreviousDriver, Override: e.Override})
	}
	return out, nil
}

// TripsByID reads trips by id in one round trip, skipping missing ones.
func (s *Store) TripsByID(ctx context.Context, ids []string) (map[string]*dispatch.Trip, error) {
	ts, _, err := s.TripsAndDrivers(ctx, ids, nil)
	return ts, err
}

// TripsAndDrivers reads trips and drivers by id, together in one round
// trip, skipping missing ones: the live channels render a batch of
// changes from both, and each round trip delays every frame in it.
func (s *Store) TripsAndDrivers(ctx context.Context, tripIDs, driverIDs []string) (map[string]*dispatch.Trip, map[string]*fleet.Driver, error) {
	trips := make(map[string]*dispatch.Trip, len(tripIDs))
	drivers := make(map[string]*fleet.Driver, len(driverIDs))
	if len(tripIDs)+len(driverIDs) == 0 {
		return trips, drivers, nil
	}
	tcmds := make([]*redis.MapStringStringCmd, len(tripIDs))
	dcmds := make(map[string]*redis.SliceCmd, len(driverIDs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range tripIDs {
			tcmds[i] = p.HGetAll(ctx, s.keys.trip(id))
		}
		for _, id := range driverIDs {
			if _, ok := dcmds[id]; !ok {
				dcmds[id] = p.HMGet(ctx, s.keys.driver(id), driverFields...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, wrap(err, "load trips and drivers")
	}
	for _, c := range tcmds {
		if len(c.Val()) == 0 {
			continue
		}
		t, err := decodeTrip(c.Val())
		if err != nil {
			return nil, nil, wrap(err, "decode trip")
		}
		trips[t.ID] = t
	}
	for id, c := range dcmds {
		if d, err := decodeDriver(id, c.Val()); err == nil {
			drivers[id] = d
		}
	}
	return trips, drivers, nil
}

// DriverStats counts driverID's volunteering: trips completed and the
// hours they took (from the planned pickup to the trip's end), and the
// kilometres driven, in one round trip for the counts. The driver
// themselves and coordinators may read it.
func (s *Store) DriverStats(ctx context.Context, by heartlink.Principal, driverID string) (dispatch.Volunteering, error) {
	if !by.Is(heartlink.RoleCoordinator) && !(by.Is(heartlink.RoleDriver) && by.ID == driverID) {
		return dispatch.Volunteering{}, heartlink.Errorf(heartlink.EForbidden, "only the driver and coordinators see a driver's hours")
	}
	var ids *redis.StringSliceCmd
	var km *redis.StringCmd
	var exists *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, s.keys.driver(driverID))
		ids = p.ZRange(ctx, s.keys.driverTrips(driverID), 0, -1)
		km = p.HGet(ctx, s.keys.driver(driverID), "km")
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return dispatch.Volunteering{}, wrap(err, "driver stats")
	}
	if exists.Val() == 0 {
		return dispatch.Volunteering{}, heartlink.Errorf(heartlink.ENotFound, "no driver %q", driverID)
	}
	trips, err := s.loadMany(ctx, ids.Val())
	if err != nil {
		return dispatch.Volunteering{}, err
	}
	v := dispatch.Tally(trips, driverID)
	driven, _ := strconv.ParseFloat(km.Val(), 64) // none yet: 0
	v.Km = math.Round(driven*10) / 10
	return v, nil
}
