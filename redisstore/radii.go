package redisstore

import (
	"math"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
)

// radii learns, for each part of the city, how wide a first search must be
// to find about SearchLimit drivers. Redis's GEOSEARCH collects and sorts
// every driver in the area before it keeps the nearest, so a 3 km search
// downtown on an exam morning reads thousands; a learnt 500 m one reads the
// few dozen that matter. Each instance learns on its own, from its own
// searches; a wrong guess costs one more round trip, never a worse choice
// of driver than the widening steps allow.
type radii struct {
	min, max float64

	mu    sync.Mutex         // mu guards cells
	cells map[[2]int]float64 // by cell of about 5 km
}

// minRadiusKm is the smallest first search.
const minRadiusKm = 0.25

func newRadii(startKm float64) *radii {
	startKm = max(startKm, minRadiusKm)
	return &radii{min: minRadiusKm, max: startKm, cells: map[[2]int]float64{}}
}

func cellOf(p heartlink.Point) [2]int {
	return [2]int{int(math.Floor(p.Lat * 20)), int(math.Floor(p.Lng * 20))}
}

// first is the radius of the first search around p.
func (r *radii) first(p heartlink.Point) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.cells[cellOf(p)]; ok {
		return v
	}
	return r.max
}

// learn adjusts the radius around p after a first search that found
// drivers, asking for count: when the count was reached, the farthest
// found bounds how wide the next search need be (with room to spare);
// when it was not, the next search widens.
func (r *radii) learn(p heartlink.Point, found []redis.GeoLocation, count int) {
	c := cellOf(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.cells[c]
	if !ok {
		cur = r.max
	}
	next := min(cur*2, r.max)
	if len(found) >= count && count > 0 {
		next = math.Max(r.min, math.Min(r.max, found[len(found)-1].Dist*1.5))
	}
	if len(r.cells) > 100000 {
		clear(r.cells) // a province has far fewer cells; this only bounds memory
	}
	r.cells[c] = next
}
