package dispatch

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// SiteArrivals is how the riders bound for one drop-off (an exam site)
// stand: every trip there is counted in exactly one of Arrived, OnTheWay,
// Planned and AtRisk, which add up to Expected.
type SiteArrivals struct {
	Site string  `json:"site"` // the drop-off's name, as the trips have it
	Lat  float64 `json:"lat"`
	Lng  float64 `json:"lng"`
	// Expected counts the trips not cancelled.
	Expected int `json:"expected"`
	// Arrived: checked in at the gate, or dropped off.
	Arrived int `json:"arrived"`
	// OnTheWay: the riders are aboard.
	OnTheWay int `json:"on_the_way"`
	// Planned: a driver holds the trip and its pick-up is still ahead.
	Planned int `json:"planned"`
	// AtRisk: nobody holds the trip yet or nobody could, the rider did
	// not come, or the pick-up time passed with nobody aboard.
	AtRisk int `json:"at_risk"`
	// AtRiskTrips are those trips' ids, for the board to open.
	AtRiskTrips []string `json:"at_risk_trips"`
}

// Arrivals groups trips by drop-off, as an exam morning's gates see them
// at now: the exam escorts among trips, site by site, sites by name.
func Arrivals(trips []*Trip, now time.Time) []SiteArrivals {
	type key struct {
		site     string
		lat, lng float64
	}
	by := map[key]*SiteArrivals{}
	for _, t := range trips {
		if t.Kind != ExamEscort || t.Status == Cancelled {
			continue
		}
		// Places a few metres apart are one gate.
		k := key{t.Dropoff.Address, math.Round(t.Dropoff.Lat*1e3) / 1e3, math.Round(t.Dropoff.Lng*1e3) / 1e3}
		a := by[k]
		if a == nil {
			a = &SiteArrivals{Site: k.site, Lat: k.lat, Lng: k.lng, AtRiskTrips: []string{}}
			by[k] = a
		}
		a.Expected++
		switch {
		case t.Status == Completed || !t.CheckedInAt.IsZero():
			a.Arrived++
		case t.Status == PickedUp:
			a.OnTheWay++
		case (t.Status == Assigned || t.Status == Arrived) && now.Before(t.PickupAt):
			a.Planned++
		default:
			a.AtRisk++
			a.AtRiskTrips = append(a.AtRiskTrips, t.ID)
		}
	}
	out := make([]SiteArrivals, 0, len(by))
	for _, a := range by {
		slices.Sort(a.AtRiskTrips)
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b SiteArrivals) int {
		return cmp.Or(cmp.Compare(a.Site, b.Site), cmp.Compare(a.Lat, b.Lat), cmp.Compare(a.Lng, b.Lng))
	})
	return out
}
