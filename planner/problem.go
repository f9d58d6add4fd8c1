package planner

import (
	"fmt"
	"math"
)

// Seconds is a time of day in whole seconds since local midnight on the exam
// day, or a duration in seconds where a field says so. Whole seconds are what
// the travel model rounds to, so no finer unit would be meaningful.
type Seconds int

// StudentID names a student within one Problem.
type StudentID int

// CarID names a car within one Problem.
type CarID int

// SiteID names an exam site.
type SiteID string

// Point is a position in WGS 84 degrees.
type Point struct {
	Lat, Lng float64
}

// Student is one exam-morning trip: from home to the student's exam site.
type Student struct {
	ID         StudentID
	Pickup     Point // home
	Site       SiteID
	SitePos    Point
	Earliest   Seconds // no pick-up before this time (07:00 in the benchmark)
	ArriveBy   Seconds // the gate; drop-off must begin by ArriveBy - Options.Margin
	Wheelchair bool    // needs a wheelchair slot
	// Seats is how many seats the trip takes (a student with a guardian,
	// siblings); 0 means 1.
	Seats int
}

// seats is how many seats s takes.
func (s *Student) seats() int { return max(s.Seats, 1) }

// Car is one volunteer car, starting from its driver's home.
type Car struct {
	ID              CarID
	Home            Point
	Seats           int     // passenger seats; a wheelchair student uses one too
	WheelchairSlots int     // wheelchair places among the seats
	Departure       Seconds // the car may not leave home before this time
}

// Problem is one exam morning. Students and cars are identified by their
// IDs, which must be unique; their order only breaks ties.
type Problem struct {
	Students []Student
	Cars     []Car
}

// validate reports the first problem with the input, so that callers get a
// message naming the bad record rather than a silently wrong plan.
func (p *Problem) validate() error {
	seenS := make(map[StudentID]bool, len(p.Students))
	for i, s := range p.Students {
		if seenS[s.ID] {
			return fmt.Errorf("student %d: duplicate id", s.ID)
		}
		seenS[s.ID] = true
		if !s.Pickup.valid() || !s.SitePos.valid() {
			return fmt.Errorf("student %d (#%d): invalid coordinates", s.ID, i)
		}
		if s.ArriveBy < s.Earliest {
			return fmt.Errorf("student %d: arrive_by %d is before earliest pick-up %d", s.ID, s.ArriveBy, s.Earliest)
		}
	}
	seenC := make(map[CarID]bool, len(p.Cars))
	for i, c := range p.Cars {
		if seenC[c.ID] {
			return fmt.Errorf("car %d: duplicate id", c.ID)
		}
		seenC[c.ID] = true
		if !c.Home.valid() {
			return fmt.Errorf("car %d (#%d): invalid coordinates", c.ID, i)
		}
		if c.Seats < 0 || c.WheelchairSlots < 0 || c.WheelchairSlots > c.Seats {
			return fmt.Errorf("car %d: seats %d and wheelchair slots %d do not fit", c.ID, c.Seats, c.WheelchairSlots)
		}
		if c.Seats > 127 {
			return fmt.Errorf("car %d: %d seats is not a car", c.ID, c.Seats)
		}
	}
	return nil
}

func (p Point) valid() bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lng) &&
		p.Lat >= -90 && p.Lat <= 90 && p.Lng >= -180 && p.Lng <= 180
}
