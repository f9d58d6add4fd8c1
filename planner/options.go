package planner

import (
	"fmt"
	"time"
)

// TravelModel turns two points into a road distance and a driving time when
// no map data is at hand: the great-circle distance times a detour factor,
// driven at a constant speed. The zero value means the defaults below.
type TravelModel struct {
	Detour   float64 // road metres per straight-line metre; default 1.3
	SpeedKmh float64 // default 25
	EarthKm  float64 // Earth radius; default 6371.0088, as the benchmark uses
}

// RideRule bounds how long a student may sit in the car (drop-off minus end
// of boarding): max(Min, Factor × direct drive + Add). The zero value means
// the default max(45 min, 1.5 × direct + 10 min).
type RideRule struct {
	Min    Seconds
	Factor float64
	Add    Seconds
	Off    bool // no limit at all
}

// Options tunes a Solve. The zero value is the benchmark's rules with a
// budget that grows with the number of students.
type Options struct {
	Travel TravelModel
	Board  Seconds // time a student takes to get in; default 60
	Alight Seconds // time a student takes to get out; default 30
	// Margin is kept between drop-off and the gate: drop-off begins no
	// later than ArriveBy - Margin. Default 10 min; set NoMargin for none.
	Margin   Seconds
	NoMargin bool
	// StrictMargin makes the margin as hard as the gate: students that
	// cannot be delivered Margin early stay unserved. By default serving
	// every student comes first: a student who can not be placed with the
	// margin (alone, or after some search) may arrive up to the gate, and
	// Plan.MarginWaived names them.
	StrictMargin bool
	MaxRide      RideRule
	// MaxPerCar caps the students one car carries over the morning, to
	// spread the load over volunteers. 0 means no cap.
	MaxPerCar int

	Seed int64
	// Budget bounds the wall-clock time of Solve, counted from its start;
	// the first plan (construction) is always completed. 0 means
	// DefaultBudget(len(students)).
	Budget time.Duration
	// MaxIterations bounds the search per worker. When it is set the search
	// and its annealing schedule depend only on the iteration count, so the
	// plan is reproducible as long as the budget does not run out first.
	MaxIterations int
	// Workers is the number of independent searches run in parallel (the
	// best plan wins, ties to the lowest worker). Default 2. The result
	// does not depend on how many cores run them.
	Workers int
}

// DefaultBudget is the search time Solve uses when Options.Budget is 0:
// 2 ms a student up to 200 students (0.4 s, quick enough to re-plan while a
// coordinator waits), then 3.2 ms for each further student, at most 4 s, so
// that a city's morning of 1,200 settles within 5 s on two cores.
func DefaultBudget(n int) time.Duration {
	if n <= 200 {
		return max(time.Duration(n)*2*time.Millisecond, 50*time.Millisecond)
	}
	d := 400*time.Millisecond + time.Duration(n-200)*3200*time.Microsecond
	return min(d, 4*time.Second)
}

func (o Options) withDefaults(students int) (Options, error) {
	if o.Travel.Detour == 0 {
		o.Travel.Detour = 1.3
	}
	if o.Travel.SpeedKmh == 0 {
		o.Travel.SpeedKmh = 25
	}
	if o.Travel.EarthKm == 0 {
		o.Travel.EarthKm = 6371.0088
	}
	if o.Board == 0 {
		o.Board = 60
	}
	if o.Alight == 0 {
		o.Alight = 30
	}
	if o.Margin == 0 && !o.NoMargin {
		o.Margin = 10 * 60
	}
	if o.NoMargin {
		o.Margin = 0
	}
	if o.MaxRide == (RideRule{}) {
		o.MaxRide = RideRule{Min: 45 * 60, Factor: 1.5, Add: 10 * 60}
	}
	if o.Budget == 0 {
		o.Budget = DefaultBudget(students)
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	switch {
	case o.Travel.Detour < 1 || o.Travel.SpeedKmh <= 0 || o.Travel.EarthKm <= 0:
		return o, fmt.Errorf("travel model %+v is not physical", o.Travel)
	case o.Board < 0 || o.Alight < 0 || o.Margin < 0:
		return o, fmt.Errorf("service times and margin must not be negative")
	case o.MaxRide.Factor < 0 || o.MaxRide.Min < 0:
		return o, fmt.Errorf("ride rule %+v must not be negative", o.MaxRide)
	case o.MaxPerCar < 0 || o.MaxIterations < 0 || o.Workers < 0 || o.Budget < 0:
		return o, fmt.Errorf("limits must not be negative")
	}
	return o, nil
}

// rideLimit is the longest on-board time allowed for a direct drive of
// direct seconds. The float product is floored, so the planner is never
// more generous than a checker computing it in floating point.
func (r RideRule) rideLimit(direct Seconds) Seconds {
	if r.Off {
		return 1 << 30
	}
	return max(r.Min, Seconds(r.Factor*float64(direct))+r.Add)
}
