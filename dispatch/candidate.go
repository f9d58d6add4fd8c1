package dispatch

import (
	"sort"
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
	// Spans are the driver's accepted commitments near the trip's span.
	Spans []Span
	// RecentTrips counts the trips the driver accepted within the load
	// window, and those ahead.
	RecentTrips int
}

// Reason says why a driver may not take a trip; "" means they may.
type Reason string

const (
	Eligible      Reason = ""
	NotOnline     Reason = "not online"
	TooFewSeats   Reason = "too few seats"
	NoWheelchair  Reason = "car takes no wheelchair"
	NotVerified   Reason = "not verified for minors"
	ScheduleClash Reason = "clashes with an accepted trip"
	AlreadyTried  Reason = "already offered"
)

// Check returns why c may not take t at time now under p, or Eligible:
// the rule for offers, which go only to drivers online now.
func (p Policy) Check(t *Trip, c *Candidate, now time.Time) Reason {
	if c.Status != fleet.Online || now.Sub(c.SeenAt) > p.PresenceTTL {
		return NotOnline
	}
	return p.CheckVehicle(t, c)
}

// CheckVehicle checks the car, verification and schedule, not presence. It
// is the rule for claims and assignment by hand: a volunteer may claim
// next week's trip from the open list while offline, and a coordinator may
// assign a trip to a driver who is offline now.
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
	for _, s := range c.Spans {
		if s.Overlaps(t.Span) {
			return ScheduleClash
		}
	}
	return Eligible
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

// Score ranks a candidate: lower is better. Distance counts, and each recent
// trip counts as FairnessKm more, so the load spreads over the volunteers.
func (p Policy) Score(c *Candidate) float64 {
	return c.DistanceKm + p.FairnessKm*float64(c.RecentTrips)
}

// Rank picks up to OffersAtOnce drivers to offer t to. The search radius
// starts at RadiusStartKm and doubles up to RadiusMaxKm until enough
// eligible drivers are inside it; within a radius the best scores win.
// Drivers in tried have already had their chance. cands need not be sorted.
func (p Policy) Rank(t *Trip, cands []Candidate, tried map[string]bool, now time.Time) []Candidate {
	return p.RankFrom(t, cands, tried, now, p.RadiusStartKm)
}

// RankFrom is Rank with the first radius given: where drivers are dense, a
// dispatcher may start smaller than RadiusStartKm, so that fairness weighs
// among the drivers truly near and the search stays cheap.
func (p Policy) RankFrom(t *Trip, cands []Candidate, tried map[string]bool, now time.Time, startKm float64) []Candidate {
	ok := make([]Candidate, 0, len(cands))
	for i := range cands {
		c := &cands[i]
		if tried[c.DriverID] || c.DistanceKm > p.RadiusMaxKm || p.Check(t, c, now) != Eligible {
			continue
		}
		ok = append(ok, *c)
	}
	k := max(p.OffersAtOnce, 1)
	r := startKm
	for {
		if r <= 0 || r >= p.RadiusMaxKm {
			r = p.RadiusMaxKm
		}
		var in []Candidate
		for _, c := range ok {
			if c.DistanceKm <= r {
				in = append(in, c)
			}
		}
		if len(in) >= k || r >= p.RadiusMaxKm {
			sort.SliceStable(in, func(i, j int) bool {
				si, sj := p.Score(&in[i]), p.Score(&in[j])
				if si != sj {
					return si < sj
				}
				return in[i].DriverID < in[j].DriverID
			})
			return in[:min(k, len(in))]
		}
		r *= 2
	}
}
