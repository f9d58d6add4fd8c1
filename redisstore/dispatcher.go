package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// search queues, on p, the geo search for the count drivers nearest to t's
// pickup within radiusKm: live positions for pickups within the live
// window, homes for later ones. Redis collects and sorts every driver in
// the area before keeping count, so the first search covers a radius that
// holds about SearchLimit drivers (see radii); offer widens it when that
// is not enough.
func (s *Store) search(ctx context.Context, p redis.Pipeliner, t *dispatch.Trip, radiusKm float64, count int, now time.Time) *redis.GeoSearchLocationCmd {
	index := s.keys.geoHome()
	if s.policy.UsesLiveLocation(t, now) {
		index = s.keys.geoLive()
	}
	return p.GeoSearchLocation(ctx, index, &redis.GeoSearchLocationQuery{
		GeoSearchQuery: redis.GeoSearchQuery{
			Longitude: t.Pickup.Lng, Latitude: t.Pickup.Lat,
			Radius: radiusKm, RadiusUnit: "km",
			Sort: "ASC", Count: count,
		},
		// Not WithCoord: decoding every position doubles what a search
		// costs Redis; the candidate reads that follow read it.
		WithDist: true,
	})
}

// candidateReads are the pipelined reads behind one Candidate, two
// commands: the driver's attributes with their route (one hash, see
// keys.driverRoute), and how many trips they took from the start of the
// load window on.
type candidateReads struct {
	attrs  *redis.SliceCmd
	recent *redis.IntCmd
}

// The fields of a driver's hash a Candidate is built from, in the order
// candidate reads them, boxed once: a dispatch reads them for every
// driver it considers. A search's reads take only the position pair its
// index holds (it says only how far a driver is) and not whether a
// coordinator deactivated them (deactivated drivers leave the indexes):
// every field fewer is a reply value fewer to decode, per driver read.
var (
	// candidateFields, for one driver read alone: both positions, and
	// whether they are inactive.
	candidateFields = []any{"status", "seen", "seats", "wc", "vm", "avail", "route_v", "route_stops", "lat", "lng", "hlat", "hlng", "inactive"}
	liveFields      = append(candidateFields[:fieldPosition:fieldPosition], "lat", "lng")
	homeFields      = append(candidateFields[:fieldPosition:fieldPosition], "hlat", "hlng")
)

// The indexes into a candidate read's values.
const (
	fieldRoute    = 6  // route_v, route_stops
	fieldPosition = 8  // a search's lat, lng (or hlat, hlng); a driver's live pair
	fieldHome     = 10 // hlat, hlng, in candidateFields
	fieldInactive = 12 // in candidateFields
	searchFields  = 10 // len(liveFields), len(homeFields)
)

// candidateArgs holds the arguments of many candidate reads in one
// allocation: a dispatch reads tens of drivers at once.
type candidateArgs []any

// newCandidateArgs has room for n candidates' reads.
func newCandidateArgs(n int) *candidateArgs {
	a := make(candidateArgs, 0, n*(2+len(candidateFields)+4))
	return &a
}

// cmd appends one command's arguments, head then tail, and returns them;
// a nil a allocates them alone.
func (a *candidateArgs) cmd(tail []any, head ...any) []any {
	if a == nil {
		a = new(candidateArgs)
	}
	start := len(*a)
	*a = append(append(*a, head...), tail...)
	return (*a)[start:len(*a):len(*a)]
}

// readCandidate queues the reads of one candidate on p: the fields of
// their hash, and their trips since the start of the load window.
func (s *Store) readCandidate(ctx context.Context, p redis.Pipeliner, id string, since string, fields []any, args *candidateArgs) candidateReads {
	attrs := redis.NewSliceCmd(ctx, args.cmd(fields, "hmget", s.keys.driver(id))...)
	recent := redis.NewIntCmd(ctx, args.cmd(nil, "zcount", s.keys.driverTrips(id), since, "+inf")...)
	_ = p.Process(ctx, attrs)
	_ = p.Process(ctx, recent)
	return candidateReads{attrs: attrs, recent: recent}
}

// loadSince is the start of the load window at now, as a ZCOUNT bound.
func (s *Store) loadSince(now time.Time) string {
	return strconv.FormatInt(ms(now.Add(-s.policy.LoadWindow)), 10)
}

// candidate builds the Candidate read, its route timed from at (the
// position the search found them at) from now on; a zero at means where
// they are if the trip is soon and they are online, else home.
func (r candidateReads) candidate(id string, dist float64, at *heartlink.Point, now time.Time, live bool, routes *routeCache) (dispatch.Candidate, bool) {
	v := r.attrs.Val()
	if len(v) < searchFields || v[0] == nil {
		return dispatch.Candidate{}, false
	}
	c := dispatch.Candidate{DriverID: id, DistanceKm: dist, Status: fleet.Presence(str(v[0]))}
	seen, _ := strconv.ParseInt(str(v[1]), 10, 64)
	c.SeenAt = fromMs(seen)
	c.Seats, _ = strconv.Atoi(str(v[2]))
	c.Wheelchair = str(v[3]) == "1"
	c.VerifiedMinors = str(v[4]) == "1"
	if at == nil {
		if at = positionOf(v, live && c.Status == fleet.Online); at == nil {
			at = &heartlink.Point{}
		}
	}
	c.Origin = dispatch.Origin{At: *at, Time: now}
	route, err := routeFrom(id, v[fieldRoute:fieldRoute+2], routes)
	if err != nil {
		return dispatch.Candidate{}, false
	}
	c.Route = route
	c.RecentTrips = int(r.recent.Val())
	if v[5] != nil {
		var a fleet.Availability
		if json.Unmarshal([]byte(str(v[5])), &a) == nil {
			c.Availability = &a
		}
	}
	return c, true
}

// candidate reads one driver as a candidate for t.
func (s *Store) candidate(ctx context.Context, id string, t *dispatch.Trip) (*dispatch.Candidate, error) {
	now := s.now()
	var r candidateReads
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		r = s.readCandidate(ctx, p, id, s.loadSince(now), candidateFields, nil)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err, "read driver")
	}
	live := t != nil && s.policy.UsesLiveLocation(t, now)
	c, ok := r.candidate(id, 0, nil, now, live, nil)
	if !ok {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no driver %q", id)
	}
	// Searches never find a deactivated driver (they leave the geo
	// indexes); this stops their claims, and assignments to them.
	if v := r.attrs.Val(); len(v) == len(candidateFields) && str(v[fieldInactive]) == "1" {
		return nil, heartlink.Errorf(heartlink.EForbidden, "driver %q is inactive: a coordinator deactivated them", id)
	}
	return &c, nil
}

// maxSearch bounds how many drivers one dispatch reads when the nearest
// cannot take the trip: a fleet with everyone busy must not make every
// request read the whole fleet.
func (s *Store) maxSearch() int { return 8 * s.policy.SearchLimit }

// offer ranks the drivers found (by the first search, for the SearchLimit
// nearest) and offers t to the best, in two round trips: one to read the
// candidates, one script to make the offers. Only when too few of them can
// take the trip is a larger set searched and read: more of the nearest
// while the search was cut short by its count (up to maxSearch), else a
// radius four times wider, up to RadiusMaxKm. With nobody to offer to, t stays queued for a later
// search while there is time and nobody has been tried yet, and becomes
// unassigned otherwise.
//
// search says how far to look (see dry.go); seq is the count of freed
// drivers read with it, "" when not read.
func (s *Store) offer(ctx context.Context, t *dispatch.Trip, found []redis.GeoLocation, tried map[string]bool, now time.Time, search drySearch, seq string) error {
	first, reserve, othersToo, err := s.campaignDrivers(ctx, t)
	if err != nil {
		return err
	}
	radius, count := s.radii.first(t.Pickup.Point()), s.policy.SearchLimit
	start := radius
	var picked []dispatch.Pick
	// A wider search finds the nearer drivers again: each is read once.
	known := make(map[string]*dispatch.Candidate, len(found))
	exhausted := false // searched as wide as may be, and found too few
	for round := 0; search != searchNone; round++ {
		if round == 0 {
			s.radii.learn(t.Pickup.Point(), found, count)
		}
		cands, err := s.readCandidates(ctx, found, now, known, s.policy.UsesLiveLocation(t, now))
		if err != nil {
			return err
		}
		picked = nil
		if first != nil {
			picked = s.policy.RankFrom(t, dispatch.Among(cands, first), tried, now, start)
		}
		if len(picked) == 0 && reserve != nil {
			// The shift's reserve: volunteers on its waiting list, who
			// wanted to drive it, come before everyone else, for rescues
			// above all.
			picked = s.policy.RankFrom(t, dispatch.Among(cands, reserve), tried, now, start)
		}
		if len(picked) == 0 && othersToo {
			picked = s.policy.RankFrom(t, cands, tried, now, start)
		}
		if len(picked) >= s.policy.OffersAtOnce || search == searchNearest && len(found) > 0 {
			break
		}
		if len(found) >= count && count < s.maxSearch() {
			count = min(count*4, s.maxSearch())
		} else if radius < s.policy.RadiusMaxKm {
			radius = min(radius*4, s.policy.RadiusMaxKm)
		} else {
			exhausted = true
			break
		}
		var search *redis.GeoSearchLocationCmd
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			search = s.search(ctx, p, t, radius, count, now)
			return nil
		}); err != nil {
			return wrap(err, "search")
		}
		found = search.Val()
	}

	// A campaign's trip is offered to fewer drivers than others: that
	// nobody could take it says nothing of its area.
	if exhausted && len(picked) == 0 && seq != "" && t.CampaignID == "" {
		s.dryMark(ctx, t, seq)
	}
	mode := "offer"
	if !now.Before(t.ArriveBy) {
		picked, mode = nil, "unassign" // too late for anyone
	} else if len(picked) == 0 {
		mode = "unassign"
		// Nobody yet asked is searched for again, while there is time; and
		// a trip beyond the planning horizon (a route declined the evening
		// before) is never given up that early, whoever declined it.
		if (len(tried) == 0 || s.policy.Advance(t, now)) && now.Add(s.policy.RetryAfter).Before(t.PickupAt) {
			mode = "retry"
		}
	}
	// As stored, to the millisecond: the driver is shown the expiry that
	// the deadline worker keeps, never a later one.
	exp := now.Add(s.policy.OfferTTL).Truncate(time.Millisecond)
	keys := []string{
		s.keys.trip(t.ID), s.keys.tripOffers(t.ID), s.keys.tripTried(t.ID), s.keys.queue(),
		s.keys.deadlines(), s.keys.tripAudit(t.ID), s.keys.events(), s.keys.tripProposals(t.ID),
		s.keys.waiting(),
	}
	args := []any{t.ID, t.Version, ms(now), ms(exp), mode, ms(now.Add(s.policy.RetryAfter)), t.Pickup.Lng, t.Pickup.Lat}
	for _, c := range picked {
		offer, _ := json.Marshal(s.policy.OfferOf(t, exp, &c.Insertion))
		keys = append(keys, s.keys.driverOffers(c.DriverID))
		args = append(args, c.DriverID, s.proposalOf(&c.Insertion, offer))
	}
	res, err := s.scripts.offer.Run(ctx, s.rdb, keys, args...).StringSlice()
	if err != nil {
		return wrap(err, "offer")
	}
	switch res[0] {
	case "offered":
		t.Status = dispatch.Offered
		t.Version, _ = strconv.ParseInt(res[1], 10, 64)
		s.count(func(st *Stats) { st.Offered += int64(len(picked)) })
	case "unassigned":
		t.Status = dispatch.Unassigned
		t.Version, _ = strconv.ParseInt(res[1], 10, 64)
		s.count(func(st *Stats) { st.Unassigned++ })
	}
	// "stale": another dispatcher or a change got there first; nothing to do.
	return nil
}

// campaignDrivers says whom a campaign's trip goes to: during one of its
// shifts, in the shift's area, its confirmed drivers first, then its
// waiting list (the reserve pool), and others too only when the campaign
// allows it. A trip of no campaign, or outside its shifts, goes to
// everyone: first and reserve are nil and othersToo true.
func (s *Store) campaignDrivers(ctx context.Context, t *dispatch.Trip) (first, reserve map[string]bool, othersToo bool, err error) {
	if t.CampaignID == "" {
		return nil, nil, true, nil
	}
	c, err := s.readCampaign(ctx, s.rdb, t.CampaignID)
	if err != nil {
		return nil, nil, true, nil // the campaign is gone: dispatch as usual
	}
	sh, ok := c.ShiftAt(t.Pickup.Point(), t.Earliest, t.ArriveBy)
	if !ok {
		return nil, nil, true, nil
	}
	confirmed, waiting, err := s.shiftDrivers(ctx, c.ID, sh.ID)
	if err != nil {
		return nil, nil, false, err
	}
	set := func(ids []string) map[string]bool {
		m := make(map[string]bool, len(ids))
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	return set(confirmed), set(waiting), c.OpenToAll, nil
}

// readCandidates reads the drivers found that known does not hold yet, in
// one round trip, and keeps them there (nil for a driver who is none).
//
// live says the search was of live positions (see search): each driver's
// route is timed from where it found them, read with their attributes.
func (s *Store) readCandidates(ctx context.Context, found []redis.GeoLocation, now time.Time, known map[string]*dispatch.Candidate, live bool) ([]dispatch.Candidate, error) {
	if len(found) == 0 {
		return nil, nil
	}
	var fresh []int
	for i, g := range found {
		if _, ok := known[g.Name]; !ok {
			fresh = append(fresh, i)
		}
	}
	reads := make([]candidateReads, len(fresh))
	if len(fresh) > 0 {
		since := s.loadSince(now)
		fields := homeFields
		if live {
			fields = liveFields
		}
		args := newCandidateArgs(len(fresh))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j, i := range fresh {
				reads[j] = s.readCandidate(ctx, p, found[i].Name, since, fields, args)
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, wrap(err, "read candidates")
		}
	}
	// The candidates are read into the slice returned, and known points
	// into it: rankings only read them, so a wider search's read copies
	// those known already, and each is allocated once.
	cands := make([]dispatch.Candidate, 0, len(found))
	j := 0 // into fresh and reads
	for i, g := range found {
		if j == len(fresh) || fresh[j] != i {
			if c := known[g.Name]; c != nil {
				cands = append(cands, *c)
			}
			continue
		}
		r := reads[j]
		j++
		// Where the search found them: a driver whose position is gone
		// by now (offline, or moved out of the index) is not a candidate.
		var at *heartlink.Point
		if v := r.attrs.Val(); len(v) == searchFields {
			at = readPoint(v[fieldPosition], v[fieldPosition+1])
		}
		// Ranking only reads candidates' routes: their stops may be shared.
		c, ok := dispatch.Candidate{}, false
		if at != nil {
			c, ok = r.candidate(g.Name, g.Dist, at, now, false, &s.routes)
		}
		if !ok {
			known[g.Name] = nil // not a candidate, and not read again
			continue
		}
		cands = append(cands, c)
		known[g.Name] = &cands[len(cands)-1]
	}
	return cands, nil
}

// positionOf is where a driver whose candidateFields are v is: their live
// position if live and it is there, else their home; nil when neither is.
func positionOf(v []any, live bool) *heartlink.Point {
	if len(v) < len(candidateFields) {
		return nil
	}
	if at := readPoint(v[fieldPosition], v[fieldPosition+1]); live && at != nil {
		return at
	}
	return readPoint(v[fieldHome], v[fieldHome+1])
}

// readPoint is the point of a latitude and longitude read, nil when either
// is missing.
func readPoint(lat, lng any) *heartlink.Point {
	if lat == nil || lng == nil {
		return nil
	}
	la, _ := strconv.ParseFloat(str(lat), 64)
	ln, _ := strconv.ParseFloat(str(lng), 64)
	return &heartlink.Point{Lat: la, Lng: ln}
}

// redispatch reads a queued trip afresh and offers it to the next
// candidates, skipping those already tried.
func (s *Store) redispatch(ctx context.Context, id string) error {
	var h *redis.MapStringStringCmd
	var tried *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HGetAll(ctx, s.keys.trip(id))
		tried = p.SMembers(ctx, s.keys.tripTried(id))
		return nil
	})
	if err != nil {
		return wrap(err, "redispatch")
	}
	if len(h.Val()) == 0 {
		return s.unqueue(ctx, id)
	}
	t, err := decodeTrip(h.Val())
	if err != nil {
		return wrap(err, "decode trip")
	}
	if t.Status != dispatch.Queued {
		// A stale queue entry: the trip moved on without it.
		return s.unqueue(ctx, id)
	}
	seen := make(map[string]bool, len(tried.Val()))
	for _, d := range tried.Val() {
		seen[d] = true
	}
	return s.dispatchNext(ctx, &requeued{trip: t, tried: seen})
}

// dispatchNext offers a queued trip to the next candidates, skipping those
// already tried.
func (s *Store) dispatchNext(ctx context.Context, q *requeued) error {
	now := s.now()
	var search *redis.GeoSearchLocationCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		search = s.search(ctx, p, q.trip, s.radii.first(q.trip.Pickup.Point()), s.policy.SearchLimit, now)
		return nil
	}); err != nil {
		return wrap(err, "search")
	}
	return s.offer(ctx, q.trip, search.Val(), q.tried, now, searchFull, "")
}

// unqueue drops a stale queue entry, unless the trip is queued again.
func (s *Store) unqueue(ctx context.Context, id string) error {
	err := s.scripts.unqueue.Run(ctx, s.rdb, []string{s.keys.trip(id), s.keys.queue()}, id).Err()
	return wrap(err, "unqueue")
}

// nudge wakes the background workers without waiting.
// wakeCount is how many waiting trips one freed driver brings forward:
// more than a car can take, so that the best of them is among those
// searched.
const wakeCount = 8

// freed brings forward the search of the trips waiting nearest driverID,
// who may now take one (they came online; a trip that ends or leaves a
// route does the same in transition.lua), and wakes this instance's queue
// worker: a freed driver is offered a waiting trip at once, not at its
// next retry.
func (s *Store) freed(ctx context.Context, driverID string) {
	n, err := s.scripts.wake.Run(ctx, s.rdb, []string{s.keys.waiting(), s.keys.queue(), s.keys.driver(driverID), s.keys.freedSeq()},
		s.policy.RadiusMaxKm, wakeCount, ms(s.now())).Int()
	if err != nil {
		s.log.Warn("wake waiting trips", "driver", driverID, "err", err)
		return
	}
	if n > 0 {
		s.nudge()
	}
}

func (s *Store) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run works the assignment queue and offer expiries until ctx ends. Any
// number of instances may run it: leases and atomic expiry make each piece
// of work happen once.
func (s *Store) Run(ctx context.Context, tick time.Duration) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		s.work(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// work does a round of Work, unless the health check found the store a
// replica or without the fleet: the round would only fail, or write into
// the void.
func (s *Store) work(ctx context.Context) {
	if s.Refuse(true) != nil {
		return
	}
	if err := s.Work(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("dispatch worker", "err", err)
	}
}

// Work does one round of background work: expire due offers, moving each
// trip on to its next candidates, then dispatch due trips in the queue.
func (s *Store) Work(ctx context.Context) error {
	if err := s.expireDue(ctx); err != nil {
		return err
	}
	if err := s.expireRoutes(ctx); err != nil {
		return err
	}
	if err := s.workRetimes(ctx); err != nil {
		return err
	}
	if s.watchDue() {
		if err := s.watchDeadlines(ctx); err != nil {
			return err
		}
	}
	if s.sweepDue() {
		if err := s.sweepUnserved(ctx); err != nil {
			return err
		}
	}
	if s.purgeDue() {
		if _, err := s.PurgeRiders(ctx); err != nil {
			return err
		}
	}
	// Trips a day past their deadline leave the open list: it is read
	// from the present on, and must not grow without end.
	old := strconv.FormatInt(ms(s.now().Add(-24*time.Hour)), 10)
	if err := s.rdb.ZRemRangeByScore(ctx, s.keys.open(), "-inf", "("+old).Err(); err != nil {
		return wrap(err, "trim open trips")
	}
	return s.workQueue(ctx)
}

// watchDue reports whether the deadline watch is due, and if so counts it
// as run.
func (s *Store) watchDue() bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastWatch) < watchEvery {
		return false
	}
	s.lastWatch = now
	return true
}

func (s *Store) expireDue(ctx context.Context) error {
	now := s.now()
	due, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: s.keys.deadlines(), Start: "-inf", Stop: strconv.FormatInt(ms(now), 10),
		ByScore: true, Count: 200,
	}).Result()
	if err != nil {
		return wrap(err, "due offers")
	}
	var errs []error
	for _, m := range due {
		tripID, driverID, ok := strings.Cut(m, "|")
		if !ok {
			s.rdb.ZRem(ctx, s.keys.deadlines(), m)
			continue
		}
		res, next, err := s.answer(ctx, tripID, driverID, dispatch.ActExpired, "system", now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if res != "gone" {
			s.count(func(st *Stats) { st.Expired++ })
		}
		if res == "requeued" {
			if err := s.dispatchNext(ctx, next); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Store) workQueue(ctx context.Context) error {
	now := s.now()
	ids, err := s.scripts.lease.Run(ctx, s.rdb, []string{s.keys.queue()},
		ms(now), ms(now.Add(s.policy.Lease)), 50).StringSlice()
	if err != nil {
		return wrap(err, "lease queue")
	}
	// The least slack goes first: when the fleet runs dry and trips pile
	// up, the student with the least time left is searched for first.
	if trips, err := s.loadMany(ctx, ids); err == nil && len(ids) > 1 {
		latest := make(map[string]time.Time, len(trips))
		for _, t := range trips {
			latest[t.ID] = s.policy.LatestPickup(t)
		}
		slices.SortStableFunc(ids, func(a, b string) int { return latest[a].Compare(latest[b]) })
	}
	var errs []error
	for _, id := range ids {
		if err := s.redispatch(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
