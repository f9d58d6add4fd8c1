package planner

import "math"

var pi = math.Pi // a float64 variable, so π/180 is rounded as Python rounds it

// The arithmetic below mirrors gen.py operation for operation (radians,
// haversine, then × detour × 1000 or ÷ speed × 3600, rounded half to even as
// Python's round does) so that distances agree with the benchmark scorer to
// the metre and times to the second.

func (m TravelModel) km(a, b Point) float64 {
	deg := pi / 180 // Python's math.radians: float64 π over 180, not the exact ratio
	la1, lo1, la2, lo2 := a.Lat*deg, a.Lng*deg, b.Lat*deg, b.Lng*deg
	s1 := math.Sin((la2 - la1) / 2)
	s2 := math.Sin((lo2 - lo1) / 2)
	c := float64(math.Cos(la1) * math.Cos(la2))
	// The conversions forbid fused multiply-adds, which Python never uses.
	h := float64(s1*s1) + float64(c*float64(s2*s2))
	return float64(2*m.EarthKm) * math.Asin(math.Min(1.0, math.Sqrt(h)))
}

// Meters is the road distance from a to b in whole metres.
func (m TravelModel) Meters(a, b Point) int {
	return int(math.RoundToEven(float64(m.km(a, b)*m.Detour) * 1000.0))
}

// Seconds is the driving time from a to b in whole seconds.
func (m TravelModel) Seconds(a, b Point) Seconds {
	return Seconds(math.RoundToEven(float64(float64(m.km(a, b)*m.Detour)/m.SpeedKmh) * 3600.0))
}
