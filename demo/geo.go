package demo

import (
	"math"
	"math/rand/v2"
)

// point is a position in WGS 84 degrees, as the API writes it.
type point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

const kmPerDegree = 111.32

// centre is the middle of the simulated city, downtown Yingtan.
var centre = point{Lat: 28.26, Lng: 117.07}

// cityRadiusKm bounds where drivers wander: past it they turn back.
const cityRadiusKm = 7

// offset returns the point east km east and north km north of p.
func (p point) offset(east, north float64) point {
	return point{
		Lat: p.Lat + north/kmPerDegree,
		Lng: p.Lng + east/(kmPerDegree*math.Cos(p.Lat*math.Pi/180)),
	}
}

// km is the straight-line distance to q, close enough at city scale.
func (p point) km(q point) float64 {
	dy := (q.Lat - p.Lat) * kmPerDegree
	dx := (q.Lng - p.Lng) * kmPerDegree * math.Cos((p.Lat+q.Lat)/2*math.Pi/180)
	return math.Hypot(dx, dy)
}

// toward returns the point a fraction f (0 to 1) of the way from p to q.
func (p point) toward(q point, f float64) point {
	f = min(max(f, 0), 1)
	return point{Lat: p.Lat + (q.Lat-p.Lat)*f, Lng: p.Lng + (q.Lng-p.Lng)*f}
}

// heading is the compass direction from p to q in radians (0 is east).
func (p point) heading(q point) float64 {
	dy := (q.Lat - p.Lat) * kmPerDegree
	dx := (q.Lng - p.Lng) * kmPerDegree * math.Cos(p.Lat*math.Pi/180)
	return math.Atan2(dy, dx)
}

// near returns a random point within radiusKm of p, uniform over the disc.
func near(rng *rand.Rand, p point, radiusKm float64) point {
	r := radiusKm * math.Sqrt(rng.Float64())
	a := 2 * math.Pi * rng.Float64()
	return p.offset(r*math.Cos(a), r*math.Sin(a))
}
