package dispatch

import (
	"math"
	"slices"
	"sync"
	"time"

	"github.com/heartlink/heartlink"
)

// Stop kinds.
const (
	PickupStop  = "pickup"
	DropoffStop = "dropoff"
)

// DriverRoute is what a driver holds: the stops still ahead of them, in the
// order they will drive them, each timed. It is the unit of dispatch: a trip
// is given to a driver by inserting its two stops, checked against every
// rule of every trip already on the route, and applied only at the Version
// it was computed for. The zero DriverRoute is an idle driver.
type DriverRoute struct {
	DriverID string      `json:"driver_id"`
	Version  int64       `json:"version"`
	Stops    []RouteStop `json:"stops"`
}

// Trips lists the trips on the route, each once, in the order of their
// first stop.
func (r *DriverRoute) Trips() []string {
	var out []string
	for _, s := range r.Stops {
		if !slices.Contains(out, s.TripID) {
			out = append(out, s.TripID)
		}
	}
	return out
}

// Has reports whether trip id is on the route.
func (r *DriverRoute) Has(id string) bool {
	return slices.ContainsFunc(r.Stops, func(s RouteStop) bool { return s.TripID == id })
}

// Car is what the route rules need to know of a vehicle.
type Car struct {
	Seats      int
	Wheelchair bool // one wheelchair place
}

// Origin is where and when a driver's route is timed from: their live
// position now, or their home.
type Origin struct {
	At   heartlink.Point
	Time time.Time
}

// Timing is what timing a route found.
type Timing struct {
	OK bool
	// Why names the first rule broken, when not OK.
	Why Reason
	// Km is the road distance from the origin through every stop.
	Km float64
	// Slack is the least time by which any drop-off still ahead beats its
	// deadline (DropBy).
	Slack time.Duration
}

// Reasons a route cannot take a trip. RouteBound tells them from reasons
// the driver could never take it.
const (
	NoSeat       Reason = "no free seat on the route at that time"
	NoChairPlace Reason = "no free wheelchair place on the route at that time"
	TooLate      Reason = "would bring a rider after their deadline"
	RideTooLong  Reason = "would keep a rider in the car too long"
)

// RouteBound reports whether why is about the driver's route as it is now
// (seats taken, times), rather than the driver or their car.
func (why Reason) RouteBound() bool {
	switch why {
	case NoSeat, NoChairPlace, TooLate, RideTooLong, ScheduleClash, AlreadyHeld, NotAvailable:
		return true
	}
	return false
}

// StopsOf returns the pick-up and drop-off of t, untimed.
func (p Policy) StopsOf(t *Trip) (pick, drop RouteStop) {
	direct := p.Travel.Duration(t.Pickup.Point(), t.Dropoff.Point())
	pick = RouteStop{Kind: PickupStop, TripID: t.ID, Place: t.Pickup, Seats: t.Seats(), Wheelchair: t.Wheelchair,
		NotBefore: t.Earliest}
	drop = RouteStop{Kind: DropoffStop, TripID: t.ID, Place: t.Dropoff, Seats: t.Seats(), Wheelchair: t.Wheelchair,
		Due: t.DropBy, MaxRide: p.RideLimit(direct)}
	return pick, drop
}

// RideLimit is the longest a rider may sit in the car for a direct drive of
// direct: the planner's rule, max(45 min, 1.5 × direct + 10 min).
func (p Policy) RideLimit(direct time.Duration) time.Duration {
	return max(p.MinRideLimit, time.Duration(p.RideFactor*float64(direct))+p.RideAdd)
}

// Time sets the planned time of every stop of a route driven from o in car,
// and reports whether every rule holds: seats and the wheelchair place at
// every leg, every pick-up no earlier than its NotBefore, every drop-off by
// its Due, every rider's time in the car within MaxRide.
//
// A stop is served as soon as the car can reach it, except where the car is
// empty before a pick-up: there the car may set out later, so that riders
// are not collected earlier than they need be. It sets out as late as keeps
// Reserve of slack on every drop-off from there on (or as early as it can,
// when less is left), which leaves room for the next rider to be pooled or
// chained in and for the unexpected. Stops already Done keep their time.
func (p Policy) Time(o Origin, car Car, stops []RouteStop) Timing {
	waits := make([]time.Duration, len(stops))
	tm := p.time(o, car, stops, nil, waits)
	if !tm.OK {
		return tm
	}
	// Where the car is empty before a pick-up, hold it back: by as much as
	// the slack from there on allows, less the reserve. A stop's slack
	// counts the waiting before it since the hold (a car held back waits
	// less later), as in Savelsbergh's forward time slack. Holding only
	// delays, and by less and less along the route, so no rule that held
	// breaks: seats do not change, no ride grows, and every deadline keeps
	// at least the reserve. A later hold is computed with the earlier ones
	// applied.
	var holds []time.Time
	for k := range stops {
		if stops[k].Kind != PickupStop || stops[k].Done || load(stops[:k]) != 0 {
			continue
		}
		least, waited := time.Duration(1<<62-1), time.Duration(0)
		for j := k; j < len(stops); j++ {
			if j > k {
				waited += waits[j]
			}
			if stops[j].Kind == DropoffStop && !stops[j].Done {
				least = min(least, waited+stops[j].Due.Sub(stops[j].At))
			}
		}
		if d := least - p.Reserve; d > time.Minute {
			if holds == nil {
				holds = make([]time.Time, len(stops))
			}
			holds[k] = stops[k].At.Add(d).Truncate(time.Second)
			tm = p.time(o, car, stops, holds, waits)
		}
	}
	return tm
}

// stopArena hands out stop buffers carved from one allocation, for a
// ranking that places a trip in many routes at once. The zero (or nil)
// arena allocates each buffer. A ranking gives its arena back (release)
// once nothing it returns points into it, for the next ranking to reuse.
type stopArena struct {
	buf, free []RouteStop
	fits      []fit // a ranking's, kept for the next
}

// fit is a candidate that can take the trip ranked, by index into the
// candidates, with where the trip goes on their route and its score.
type fit struct {
	c     int
	ins   Insertion
	score float64
}

var arenas sync.Pool // of *stopArena

// arenaFor is an arena holding the buffers placing a trip in every route
// of cands usually takes: a copy of the route and one position tried (a
// second better position allocates its own).
func arenaFor(cands []Candidate) *stopArena {
	n := 0
	for i := range cands {
		n += 2*len(cands[i].Route.Stops) + 2
	}
	a, _ := arenas.Get().(*stopArena)
	if a == nil || cap(a.buf) < n {
		a = &stopArena{buf: make([]RouteStop, n)}
	}
	a.free = a.buf[:n]
	a.fits = a.fits[:0]
	return a
}

// release gives the arena back; no buffer it handed out may be used
// after.
func (a *stopArena) release() {
	clear(a.buf[:cap(a.buf)]) // keep no trip's data alive
	clear(a.fits[:cap(a.fits)])
	a.free = nil
	arenas.Put(a)
}

func (a *stopArena) take(n int) []RouteStop {
	if a == nil || len(a.free) < n {
		return make([]RouteStop, 0, n)
	}
	b := a.free[:0:n]
	a.free = a.free[n:]
	return b
}

// legMemo remembers the legs between the few places of one insertion:
// trying every position of a pick-up and drop-off drives the same legs
// over and over. A nil memo computes each leg.
type legMemo struct {
	n     int
	slots [legSlots]struct {
		a, b heartlink.Point
		km   float64
		d    time.Duration
	}
	used [legSlots]bool
}

// legSlots holds every leg among a route of 8 stops, the origin and the
// two stops inserted; beyond that, legs are computed as they come.
const legSlots = 128

func (m *legMemo) leg(t Travel, a, b heartlink.Point) (float64, time.Duration) {
	if m == nil {
		return t.Leg(a, b)
	}
	h := math.Float64bits(a.Lat)*31 ^ math.Float64bits(a.Lng)*37 ^ math.Float64bits(b.Lat)*41 ^ math.Float64bits(b.Lng)*43
	for i, k := int(h>>32^h)&(legSlots-1), 0; k < legSlots; i, k = (i+1)&(legSlots-1), k+1 {
		s := &m.slots[i]
		if !m.used[i] {
			if m.n >= legSlots*3/4 {
				break // nearly full: probing would cost more than the leg
			}
			s.a, s.b = a, b
			s.km, s.d = t.Leg(a, b)
			m.used[i] = true
			m.n++
			return s.km, s.d
		}
		if s.a == a && s.b == b {
			return s.km, s.d
		}
	}
	return t.Leg(a, b)
}

// boardedAt is when the riders of trip got in: the time of its pick-up
// among stops, the stops before its drop-off.
func boardedAt(stops []RouteStop, trip string) (time.Time, bool) {
	for i := len(stops) - 1; i >= 0; i-- {
		if stops[i].Kind == PickupStop && stops[i].TripID == trip {
			return stops[i].At, true
		}
	}
	return time.Time{}, false
}

// load is the seats taken after stops.
func load(stops []RouteStop) int {
	n := 0
	for _, s := range stops {
		if s.Kind == PickupStop {
			n += s.Seats
		} else {
			n -= s.Seats
		}
	}
	return n
}

// time is one pass over the stops, serving each as soon as it can, but not
// before its hold where holds gives one. waits, when not nil, gets how long
// the car waits at each stop for its NotBefore.
func (p Policy) time(o Origin, car Car, stops []RouteStop, holds []time.Time, waits []time.Duration) Timing {
	return p.timeWith(nil, o, car, stops, holds, waits)
}

// timeWith is time with the legs looked up in m, when not nil.
func (p Policy) timeWith(m *legMemo, o Origin, car Car, stops []RouteStop, holds []time.Time, waits []time.Duration) Timing {
	tm := Timing{OK: true, Slack: time.Duration(1<<62 - 1)}
	fail := func(why Reason) {
		if tm.OK {
			tm.OK, tm.Why = false, why
		}
	}
	at, free := o.At, o.Time
	seats, chairs := 0, 0
	for k := range stops {
		s := &stops[k]
		var why Reason
		if seats, chairs, why = car.after(s, seats, chairs); why != "" {
			fail(why)
		}
		if s.Done {
			// Riders already aboard: their pick-up happened where and when
			// it did, and the car is where the origin says.
			continue
		}
		km, d := m.leg(p.Travel, at, s.Place.Point())
		arrive := free.Add(d)
		if seats == s.Seats && s.Kind == PickupStop && s.NotBefore.Sub(arrive) > p.IdleReturn {
			// An empty car with an hour to spare goes back to where it set
			// out: the next trip's distance counts from there.
			km, _ = m.leg(p.Travel, o.At, s.Place.Point())
		}
		tm.Km += km
		if holds != nil {
			arrive = maxTime(arrive, holds[k])
		}
		if s.Kind == PickupStop {
			if waits != nil {
				waits[k] = max(s.NotBefore.Sub(arrive), 0)
			}
			arrive = maxTime(arrive, s.NotBefore)
			s.At = arrive
			free = arrive.Add(p.Board)
		} else {
			s.At = arrive
			free = arrive.Add(p.Alight)
			if arrive.After(s.Due) {
				fail(TooLate)
			}
			tm.Slack = min(tm.Slack, s.Due.Sub(arrive))
			if on, ok := boardedAt(stops[:k], s.TripID); ok && arrive.Sub(on.Add(p.Board)) > s.MaxRide {
				fail(RideTooLong)
			}
		}
		at = s.Place.Point()
	}
	return tm
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Insertion is a trip fitted into a driver's route: the whole route as it
// would be, and what changes for the riders already on it.
type Insertion struct {
	// Base is the version of the route it was computed for; it applies to
	// that version only.
	Base  int64
	Stops []RouteStop
	// Pickup and Dropoff index the new trip's stops in Stops.
	Pickup, Dropoff int
	AddedKm         float64
	Km              float64
	Slack           time.Duration
	// Moved lists the trips already on the route whose planned pick-up
	// moves, with the times before and after.
	Moved []Move
	// Pooled: the trip shares the car with riders already on the route,
	// rather than being driven on its own.
	Pooled bool
}

// Move is a planned pick-up that an insertion moves.
type Move struct {
	TripID string    `json:"trip_id"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// moveTolerance is how far a planned pick-up may move without the rider
// being told: the travel model is not that precise.
const moveTolerance = time.Minute

// Insert finds the cheapest place for t on route r driven from o in car:
// every pick-up and drop-off position is tried, each timed in full, and
// among those that keep every rule the one adding the least road distance
// wins (ties: more slack). It reports false, with the first reason found,
// when none does.
func (p Policy) Insert(o Origin, car Car, r DriverRoute, t *Trip) (Insertion, Reason) {
	pick, drop := p.StopsOf(t)
	ins, why := p.place(o, car, r, t, pick, drop, nil)
	if why == Eligible {
		p.settle(o, car, r, &ins)
	}
	return ins, why
}

// place is Insert without the timing: the insertion's stops are in order
// but not yet timed, and Moved is empty (settle does both). Its distance,
// slack and pooling, all a ranking needs, are final: holding the car back
// changes none of them (see Time).
// pick and drop are t's stops (StopsOf); its buffers come from a, when
// not nil.
func (p Policy) place(o Origin, car Car, r DriverRoute, t *Trip, pick, drop RouteStop, a *stopArena) (Insertion, Reason) {
	var before Timing // an empty route drives nowhere
	var memo *legMemo // an empty route has one position: nothing to remember
	n := len(r.Stops)
	if n > 0 {
		memo = new(legMemo)
		// Timed in full even if a rule is broken already (a driver held up):
		// what an insertion adds is measured against all of it.
		before = p.timeWith(memo, o, car, append(a.take(n), r.Stops...), nil, nil)
	}
	first := 0
	for first < n && r.Stops[first].Done {
		first++
	}
	why := TooLate
	// Every position is timed in place, nothing copied, and given up as
	// soon as it has driven further than the best so far: distance only
	// grows along a route. Holding the car back changes no distance and
	// breaks no rule (see Time), so positions are compared untimed by holds.
	bi, bj := -1, -1
	var best Timing
	var bestAdded float64
	for i := first; i <= n; i++ {
		for j := i; j <= n; j++ {
			limit := math.Inf(1)
			if bi >= 0 {
				limit = before.Km + bestAdded + 1e-9
			}
			tm := p.timePlaced(memo, o, car, r.Stops, &pick, &drop, i, j, limit)
			if !tm.OK {
				if tm.Why != "" {
					why = worse(why, tm.Why)
				}
				continue
			}
			added := tm.Km - before.Km
			if bi >= 0 && (added > bestAdded+1e-9 || added > bestAdded-1e-9 && tm.Slack <= best.Slack) {
				continue
			}
			bi, bj, best, bestAdded = i, j, tm, max(added, 0)
		}
	}
	if bi < 0 {
		return Insertion{}, why
	}
	buf := a.take(n + 2)
	buf = append(buf, r.Stops[:bi]...)
	buf = append(buf, pick)
	buf = append(buf, r.Stops[bi:bj]...)
	buf = append(buf, drop)
	buf = append(buf, r.Stops[bj:]...)
	return Insertion{Base: r.Version, Stops: buf, Pickup: bi, Dropoff: bj + 1,
		AddedKm: bestAdded, Km: best.Km, Slack: best.Slack, Pooled: pooled(buf, bi, bj+1, t.ID)}, Eligible
}

// pooled reports whether trip, picked up at stops[pickup] and dropped off
// at stops[dropoff], shares the car with other riders.
func pooled(stops []RouteStop, pickup, dropoff int, trip string) bool {
	for _, s := range stops[pickup+1 : dropoff] {
		if s.TripID != trip {
			return true
		}
	}
	return pickup > 0 && load(stops[:pickup]) > 0
}

// after is the seats and wheelchair places taken once s is served, from
// seats and chairs before it, with the rule it breaks in car, if any.
func (car Car) after(s *RouteStop, seats, chairs int) (int, int, Reason) {
	if s.Kind == PickupStop {
		seats += s.Seats
		if s.Wheelchair {
			chairs++
		}
	} else {
		seats -= s.Seats
		if s.Wheelchair {
			chairs--
		}
	}
	switch {
	case seats > car.Seats:
		return seats, chairs, NoSeat
	case chairs > 0 && !car.Wheelchair || chairs > 1:
		return seats, chairs, NoChairPlace
	}
	return seats, chairs, ""
}

// nanos is t in nanoseconds since 1970, for timePlaced. A time too far
// off for that (the zero time: no bound set) is a bound far off, before or
// after anything a route drives, as time.Time compares it.
func nanos(t time.Time) int64 {
	const far int64 = 1 << 61
	switch sec := t.Unix(); {
	case sec < -far/int64(time.Second):
		return -far
	case sec > far/int64(time.Second):
		return far
	}
	return t.UnixNano()
}

// maxPlaced is the longest route timePlaced times with its stops' times
// kept on the stack; a longer one allocates them.
const maxPlaced = 24

// timePlaced is timeWith, without holds or waits, over stops with pick
// placed at i and drop at j+1 (stops[:i], pick, stops[i:j], drop,
// stops[j:], as place tries them), read where they are: nothing is copied
// and nothing written. It stops at the first rule broken, whose reason it reports, and
// as soon as the distance driven passes limit: then it reports not OK
// with no reason.
func (p Policy) timePlaced(m *legMemo, o Origin, car Car, stops []RouteStop, pick, drop *RouteStop, i, j int, limit float64) Timing {
	n := len(stops) + 2
	// Times are nanoseconds since 1970 here: time.Time's arithmetic, with
	// its monotonic reading and zone, was a fifth of a ranking.
	var stack [maxPlaced]int64
	ats := stack[:0]
	if n > maxPlaced {
		ats = make([]int64, 0, n)
	}
	at := func(v int) *RouteStop {
		switch {
		case v < i:
			return &stops[v]
		case v == i:
			return pick
		case v <= j:
			return &stops[v-1]
		case v == j+1:
			return drop
		}
		return &stops[v-2]
	}
	tm := Timing{OK: true, Slack: time.Duration(1<<62 - 1)}
	fail := func(why Reason) Timing { return Timing{Why: why} }
	board, alight, idle := int64(p.Board), int64(p.Alight), int64(p.IdleReturn)
	pos, free := o.At, nanos(o.Time)
	seats, chairs := 0, 0
	for k := range n {
		s := at(k)
		var why Reason
		if seats, chairs, why = car.after(s, seats, chairs); why != "" {
			return fail(why)
		}
		if s.Done {
			ats = append(ats, nanos(s.At))
			continue
		}
		km, d := m.leg(p.Travel, pos, s.Place.Point())
		arrive := free + int64(d)
		if seats == s.Seats && s.Kind == PickupStop && nanos(s.NotBefore)-arrive > idle {
			km, _ = m.leg(p.Travel, o.At, s.Place.Point())
		}
		tm.Km += km
		if tm.Km > limit {
			return Timing{}
		}
		if s.Kind == PickupStop {
			arrive = max(arrive, nanos(s.NotBefore))
			free = arrive + board
		} else {
			free = arrive + alight
			due := nanos(s.Due)
			if arrive > due {
				return fail(TooLate)
			}
			tm.Slack = min(tm.Slack, time.Duration(due-arrive))
			for b := k - 1; b >= 0; b-- {
				if on := at(b); on.Kind == PickupStop && on.TripID == s.TripID {
					if arrive-(ats[b]+board) > int64(s.MaxRide) {
						return fail(RideTooLong)
					}
					break
				}
			}
		}
		ats = append(ats, arrive)
		pos = s.Place.Point()
	}
	return tm
}

// settle times a placed insertion in full, as Time does, and lists the
// pick-ups of others on r that it moves.
func (p Policy) settle(o Origin, car Car, r DriverRoute, best *Insertion) {
	p.Time(o, car, best.Stops)
	if len(r.Stops) == 0 {
		return // nobody else's pick-up to move
	}
	was := map[string]time.Time{}
	for _, s := range r.Stops {
		if s.Kind == PickupStop && !s.Done {
			was[s.TripID] = s.At
		}
	}
	for _, s := range best.Stops {
		if from, ok := was[s.TripID]; ok && s.Kind == PickupStop {
			if d := s.At.Sub(from); d > moveTolerance || d < -moveTolerance {
				best.Moved = append(best.Moved, Move{TripID: s.TripID, From: from, To: s.At})
			}
		}
	}
}

// worse returns the reason to tell when no position fits: a full car is
// what a coordinator can act on first, then a ride too long, then time.
func worse(a, b Reason) Reason {
	rank := func(r Reason) int {
		switch r {
		case RideTooLong:
			return 1
		case NoSeat:
			return 2
		case NoChairPlace:
			return 3
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// Promise fixes the planned pick-ups of a route as told to riders: from
// now on none may move earlier than PromiseTolerance before its time, so a
// rider is never asked to be ready much sooner than they were told. Later
// is allowed, and they are told.
func (p Policy) Promise(stops []RouteStop) {
	for i := range stops {
		s := &stops[i]
		if s.Kind == PickupStop && !s.Done {
			s.NotBefore = maxTime(s.NotBefore, s.At.Add(-p.PromiseTolerance))
		}
	}
}

// Without returns the stops of r other than trip id's.
func Without(stops []RouteStop, id string) []RouteStop {
	return slices.DeleteFunc(slices.Clone(stops), func(s RouteStop) bool { return s.TripID == id })
}

// Boarded returns the stops with trip id's pick-up marked done at at.
func Boarded(stops []RouteStop, id string, at time.Time) []RouteStop {
	out := slices.Clone(stops)
	for i := range out {
		if out[i].TripID == id && out[i].Kind == PickupStop {
			out[i].Done, out[i].At = true, at
		}
	}
	// Riders aboard come first: the car is past their pick-ups.
	slices.SortStableFunc(out, func(a, b RouteStop) int {
		switch {
		case a.Done && !b.Done:
			return -1
		case b.Done && !a.Done:
			return 1
		}
		return 0
	})
	return out
}
