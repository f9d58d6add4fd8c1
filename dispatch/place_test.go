package dispatch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// placeCopying is place as it was before timePlaced: every position built
// as a copy of the route and timed in full. It is the reference place must
// agree with.
func placeCopying(p Policy, o Origin, car Car, r DriverRoute, t *Trip, pick, drop RouteStop) (Insertion, Reason) {
	var before Timing
	if len(r.Stops) > 0 {
		before = p.time(o, car, append([]RouteStop(nil), r.Stops...), nil, nil)
	}
	first := 0
	for first < len(r.Stops) && r.Stops[first].Done {
		first++
	}
	best := Insertion{AddedKm: -1}
	why := TooLate
	n := len(r.Stops)
	for i := first; i <= n; i++ {
		for j := i; j <= n; j++ {
			var buf []RouteStop
			buf = append(buf, r.Stops[:i]...)
			buf = append(buf, pick)
			buf = append(buf, r.Stops[i:j]...)
			buf = append(buf, drop)
			buf = append(buf, r.Stops[j:]...)
			tm := p.time(o, car, buf, nil, nil)
			if !tm.OK {
				why = worse(why, tm.Why)
				continue
			}
			added := tm.Km - before.Km
			if best.AddedKm >= 0 && (added > best.AddedKm+1e-9 || added > best.AddedKm-1e-9 && tm.Slack <= best.Slack) {
				continue
			}
			best = Insertion{Base: r.Version, Stops: buf, Pickup: i, Dropoff: j + 1,
				AddedKm: max(added, 0), Km: tm.Km, Slack: tm.Slack}
		}
	}
	if best.AddedKm < 0 {
		return Insertion{}, why
	}
	best.Pooled = pooled(best.Stops, best.Pickup, best.Dropoff, t.ID)
	return best, Eligible
}

// TestPlaceAgreesWithCopying: placing a trip in routes of one to five
// trips, some riders aboard, some cars small, some routes late already,
// finds the same position, distance, slack and reason as building and
// timing every position in full; and the route it was given is untouched.
func TestPlaceAgreesWithCopying(t *testing.T) {
	p := DefaultPolicy()
	rng := rand.New(rand.NewPCG(7, 11))
	sites := []Place{site, siteB}
	spread := 0.08 // degrees: riders within a few km; some rounds tens of km, for rides too long
	near := func() Place {
		return Place{Lat: site.Lat + (rng.Float64()-0.3)*spread, Lng: site.Lng + (rng.Float64()-0.5)*spread, Address: "home"}
	}
	tried, placed := 0, 0
	reasons, positions := map[Reason]int{}, map[Reason]int{}
	for round := range 600 {
		spread = []float64{0.08, 0.08, 0.3}[rng.IntN(3)]
		car := Car{Seats: 1 + rng.IntN(6), Wheelchair: rng.IntN(4) == 0}
		o := Origin{At: near().Point(), Time: now.Add(time.Duration(rng.IntN(40)) * time.Minute)}
		gate := now.Add(time.Duration(50+rng.IntN(180)) * time.Minute)
		if spread > 0.1 && rng.IntN(2) == 0 {
			gate = gate.Add(5 * time.Hour) // time enough: only the rides are too long
		}
		var r DriverRoute
		for k := range 1 + rng.IntN(5) {
			tr := trip(p, fmt.Sprintf("r%d_%d", round, k), near(), sites[rng.IntN(2)], gate.Add(time.Duration(rng.IntN(30))*time.Minute), 1+rng.IntN(2))
			if ins, why := p.Insert(o, car, r, tr); why == Eligible {
				r = DriverRoute{Version: r.Version + 1, Stops: ins.Stops}
			}
		}
		if len(r.Stops) > 0 && rng.IntN(3) == 0 && r.Stops[0].Kind == PickupStop {
			// Aboard, for up to an hour: some rides are near their limit.
			r.Stops[0].Done = true
			r.Stops[0].At = o.Time.Add(-time.Duration(rng.IntN(60)) * time.Minute)
		}
		if rng.IntN(5) == 0 {
			o.Time = o.Time.Add(time.Hour) // held up: the route is late already
		}
		if len(r.Stops) > 0 && rng.IntN(8) == 0 {
			// A bound not set (the zero time) is no bound on a pick-up and
			// a deadline passed on a drop-off, as time.Time compares.
			k := rng.IntN(len(r.Stops))
			r.Stops[k].NotBefore, r.Stops[k].Due = time.Time{}, time.Time{}
		}
		want := append([]RouteStop(nil), r.Stops...)
		for k := range 4 {
			add := trip(p, fmt.Sprintf("add%d_%d", round, k), near(), sites[rng.IntN(2)], gate.Add(time.Duration(rng.IntN(40)-10)*time.Minute), 1+rng.IntN(3))
			add.Wheelchair = rng.IntN(6) == 0
			pick, drop := p.StopsOf(add)
			for i := range len(r.Stops) + 1 {
				for j := i; j <= len(r.Stops); j++ {
					buf := append(append(append(append(append([]RouteStop(nil), r.Stops[:i]...), pick), r.Stops[i:j]...), drop), r.Stops[j:]...)
					ref := p.time(o, car, buf, nil, nil)
					got := p.timePlaced(nil, o, car, r.Stops, &pick, &drop, i, j, math.Inf(1))
					positions[ref.Why]++
					require.Equal(t, ref.OK, got.OK, "round %d trip %d at %d, %d", round, k, i, j)
					require.Equal(t, ref.Why, got.Why, "round %d trip %d at %d, %d", round, k, i, j)
					if ref.OK {
						require.InDelta(t, ref.Km, got.Km, 1e-9)
						require.Equal(t, ref.Slack, got.Slack)
					}
				}
			}
			got, gotWhy := p.place(o, car, r, add, pick, drop, nil)
			ref, refWhy := placeCopying(p, o, car, r, add, pick, drop)
			tried++
			reasons[refWhy]++
			require.Equal(t, refWhy, gotWhy, "round %d trip %d: reason", round, k)
			if refWhy != Eligible {
				continue
			}
			placed++
			assert.Equal(t, [2]int{ref.Pickup, ref.Dropoff}, [2]int{got.Pickup, got.Dropoff}, "round %d trip %d: position", round, k)
			assert.InDelta(t, ref.AddedKm, got.AddedKm, 1e-9)
			assert.InDelta(t, ref.Km, got.Km, 1e-9)
			assert.Equal(t, ref.Slack, got.Slack)
			assert.Equal(t, ref.Pooled, got.Pooled)
			p.settle(o, car, r, &ref)
			p.settle(o, car, r, &got)
			assert.Equal(t, ref.Stops, got.Stops, "the stops, timed")
			assert.Equal(t, ref.Moved, got.Moved)
		}
		assert.Equal(t, want, r.Stops, "the route placed into is not written")
	}
	// The rounds must try both outcomes often, or the agreement says little.
	assert.Greater(t, placed, tried/10, "placed %d of %d", placed, tried)
	assert.Less(t, placed, tried*4/5, "placed %d of %d", placed, tried)
	t.Logf("placed %d of %d: %v; positions: %v", placed, tried, reasons, positions)
	assert.NotZero(t, positions[RideTooLong], "some positions keep a rider too long")
}
