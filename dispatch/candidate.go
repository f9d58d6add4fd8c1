package dispatch

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/heartlink/heartlink/fleet"
)

// Candidate is a driver found near a trip's pickup, with what eligibility
// and ranking need to know of them.
type Candidate struct {
	DriverID       string
	DistanceKm     float64 // straight line from the reference point to the pickup
	Status         fleet.Presence
	SeenAt         time.Time
	Seats          int
	Wheelchair     bool
	VerifiedMinors bool
	// Origin is where the driver's route is timed from: their live
	// position now when online and the trip is soon, else their home.
	Origin Origin
	// Route is what the driver already holds.
	Route DriverRoute
	// RecentTrips counts the trips the driver accepted within the load
	// window, and those ahead.
	RecentTrips int
	// Availability is when the driver said they can drive; nil or empty
	// when they said nothing.
	Availability *fleet.Availability
}

// Car is the candidate's car as the route rules see it.
func (c *Candidate) Car() Car { return Car{Seats: c.Seats, Wheelchair: c.Wheelchair} }

// Reason says why a driver may not take a trip; "" means they may.
type Reason string

const (
	Eligible      Reason = ""
	NotOnline     Reason = "not online"
	TooFewSeats   Reason = "too few seats"
	NoWheelchair  Reason = "car takes no wheelchair"
	NotVerified   Reason = "not verified for minors"
	ScheduleClash Reason = "does not fit the driver's route"
	AlreadyTried  Reason = "already offered"
	AlreadyHeld   Reason = "already on the driver's route"
	NotAvailable  Reason = "not available then"
)

// Check returns why c may not take t at time now under p, or Eligible:
// the rule for offers, which go only to drivers online now.
func (p Policy) Check(t *Trip, c *Candidate, now time.Time) Reason {
	if c.Status != fleet.Online || now.Sub(c.SeenAt) > p.PresenceTTL {
		return NotOnline
	}
	return p.CheckVehicle(t, c)
}

// CheckVehicle checks the car and verification, not presence or the
// route: whether the driver could ever carry t.
func (p Policy) CheckVehicle(t *Trip, c *Candidate) Reason {
	if c.Seats < t.Seats() {
		return TooFewSeats
	}
	if t.Wheelchair && !c.Wheelchair {
		return NoWheelchair
	}
	if t.MinorsRide() && !c.VerifiedMinors {
		return NotVerified
	}
	return Eligible
}

// Fit is the one rule every way of giving a trip to a driver goes through
// (an offer, a claim, an assignment by hand, a planned route): the car and
// verification fit t, and t fits into the driver's route with every rule
// of every trip on it kept. Presence is not checked: a volunteer may claim
// next week's trip while offline, and a coordinator may assign a trip to a
// driver who is offline now. It returns where t goes, or why it cannot.
func (p Policy) Fit(t *Trip, c *Candidate) (Insertion, Reason) {
	pick, drop := p.StopsOf(t)
	ins, why := p.fitPlaced(t, c, pick, drop, nil)
	if why == Eligible {
		p.settleFor(t, c, &ins)
	}
	return ins, why
}

// fitPlaced is Fit with the insertion placed but not settled: enough to
// rank by. settleFor finishes it, for the few picked. pick and drop are
// t's stops (StopsOf), the same for every candidate; a, when not nil,
// holds the buffers.
func (p Policy) fitPlaced(t *Trip, c *Candidate, pick, drop RouteStop, a *stopArena) (Insertion, Reason) {
	if why := p.CheckVehicle(t, c); why != Eligible {
		return Insertion{}, why
	}
	if c.Route.Has(t.ID) {
		return Insertion{}, AlreadyHeld
	}
	o, why := p.OriginFor(t, c)
	if why != Eligible {
		return Insertion{}, why
	}
	return p.place(o, c.Car(), c.Route, t, pick, drop, a)
}

// settleFor settles an insertion of t into c's route placed by fitPlaced:
// it is then what Fit gives.
func (p Policy) settleFor(t *Trip, c *Candidate, ins *Insertion) {
	o, _ := p.OriginFor(t, c)
	p.settle(o, c.Car(), c.Route, ins)
}

// OriginFor is where and when c's route is timed from when taking t.
// Planned ahead, a driver who said when they drive is held to it: the trip
// must fall in one of their windows, and they set out no sooner than it
// opens. Nearer the time, being online is what says they are free.
func (p Policy) OriginFor(t *Trip, c *Candidate) (Origin, Reason) {
	o := c.Origin
	a := c.Availability
	if a == nil || a.Empty() || t.Earliest.Sub(o.Time) <= p.Horizon {
		return o, Eligible
	}
	w, ok := overlapping(a.On(t.Earliest, p.Location()), t.Earliest, t.DropBy)
	if !ok {
		return o, NotAvailable
	}
	if len(c.Route.Stops) == 0 || !c.Route.Stops[0].At.Before(w.From) {
		o.Time = maxTime(o.Time, w.From)
	}
	return o, Eligible
}

// overlapping returns the first of ws that overlaps [from, to].
func overlapping(ws []fleet.Window, from, to time.Time) (fleet.Window, bool) {
	for _, w := range ws {
		if w.From.Before(to) && w.To.After(from) {
			return w, true
		}
	}
	return fleet.Window{}, false
}

// Among keeps the candidates in set, for ranking a campaign's drivers first.
func Among(cands []Candidate, set map[string]bool) []Candidate {
	var out []Candidate
	for _, c := range cands {
		if set[c.DriverID] {
			out = append(out, c)
		}
	}
	return out
}

// UsesLiveLocation reports whether candidates for t are measured from where
// drivers are now rather than from their homes.
func (p Policy) UsesLiveLocation(t *Trip, now time.Time) bool {
	return t.PickupAt.Sub(now) < p.LiveWindow
}

// Score ranks an insertion for candidate c: lower is better. The road
// distance it adds counts; a trip driven on its own also counts FairnessKm
// for each trip the driver took recently, so that new runs spread over the
// volunteers, while a rider pooled into a car already going their way does
// not (it is little more work, and one car fewer on the road); and each
// minute of slack the route would keep below Reserve counts SlackKm, so
// tight routes come last.
func (p Policy) Score(c *Candidate, ins *Insertion) float64 {
	s := ins.AddedKm
	if !ins.Pooled {
		s += p.FairnessKm * float64(c.RecentTrips)
	}
	if short := p.Reserve - ins.Slack; short > 0 {
		s += p.SlackKm * short.Minutes()
	}
	return s
}

// Pick is a candidate chosen for a trip, with where the trip would go on
// their route.
type Pick struct {
	Candidate
	Insertion Insertion
	Score     float64
}

// Rank picks up to OffersAtOnce drivers to offer t to. The search radius
// starts at RadiusStartKm and doubles up to RadiusMaxKm until enough
// eligible drivers are inside it; within a radius the best scores win.
// Drivers in tried have already had their chance. cands need not be sorted.
func (p Policy) Rank(t *Trip, cands []Candidate, tried map[string]bool, now time.Time) []Pick {
	return p.RankFrom(t, cands, tried, now, p.RadiusStartKm)
}

// RankFrom is Rank with the first radius given: where drivers are dense, a
// dispatcher may start smaller than RadiusStartKm, so that fairness weighs
// among the drivers truly near and the search stays cheap.
func (p Policy) RankFrom(t *Trip, cands []Candidate, tried map[string]bool, now time.Time, startKm float64) []Pick {
	pick, drop := p.StopsOf(t)
	arena := arenaFor(cands)
	defer arena.release() // the picks' stops are copied out of it
	// fits are the candidates that can take t: a Pick, candidate and
	// route included, is built only for the best.
	fits := arena.fits
	defer func() { arena.fits = fits }()
	for i := range cands {
		c := &cands[i]
		if tried[c.DriverID] || c.DistanceKm > p.RadiusMaxKm || p.Check(t, c, now) != Eligible {
			continue
		}
		// Every candidate is placed, only those picked are settled: the
		// full timing changes nothing a ranking compares.
		ins, why := p.fitPlaced(t, c, pick, drop, arena)
		if why != Eligible {
			continue
		}
		fits = append(fits, fit{c: i, ins: ins, score: p.Score(c, &ins)})
	}
	k := max(p.OffersAtOnce, 1)
	r := startKm
	in := make([]int, 0, len(fits)) // indexes into fits
	for {
		if r <= 0 || r >= p.RadiusMaxKm {
			r = p.RadiusMaxKm
		}
		in = in[:0]
		for i := range fits {
			if cands[fits[i].c].DistanceKm <= r {
				in = append(in, i)
			}
		}
		if len(in) >= k || r >= p.RadiusMaxKm {
			slices.SortFunc(in, func(a, b int) int {
				if c := cmp.Compare(fits[a].score, fits[b].score); c != 0 {
					return c
				}
				return strings.Compare(cands[fits[a].c].DriverID, cands[fits[b].c].DriverID)
			})
			best := make([]Pick, min(k, len(in)))
			for i := range best {
				f := &fits[in[i]]
				best[i] = Pick{Candidate: cands[f.c], Insertion: f.ins, Score: f.score}
				best[i].Insertion.Stops = slices.Clone(f.ins.Stops)
				p.settleFor(t, &best[i].Candidate, &best[i].Insertion)
			}
			return best
		}
		r *= 2
	}
}
