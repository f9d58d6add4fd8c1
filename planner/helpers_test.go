package planner

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// centre is Yingtan's, as in the benchmark.
var centre = Point{28.2602, 117.0693}

// at is the point east/north kilometres from the centre.
func at(eastKm, northKm float64) Point {
	return Point{
		Lat: centre.Lat + northKm/111.195,
		Lng: centre.Lng + eastKm/(111.195*math.Cos(centre.Lat*math.Pi/180)),
	}
}

const (
	seven    = Seconds(7 * 3600)
	halfPast = Seconds(7*3600 + 30*60)
	eight30  = Seconds(8*3600 + 30*60)
)

// student is a student of the site at the centre, due by 08:30.
func student(id int, home Point) Student {
	return Student{ID: StudentID(id), Pickup: home, Site: "S1", SitePos: centre,
		Earliest: seven, ArriveBy: eight30}
}

func car(id int, home Point, seats, wc int) Car {
	return Car{ID: CarID(id), Home: home, Seats: seats, WheelchairSlots: wc, Departure: halfPast - 3600}
}

// solve runs a short deterministic search and checks the plan against
// every rule before the test looks at it.
func solve(tb testing.TB, p *Problem, o Options) *Plan {
	tb.Helper()
	if o.MaxIterations == 0 {
		o.MaxIterations = 300
	}
	if o.Budget == 0 {
		o.Budget = 30 * time.Second
	}
	plan, err := Solve(context.Background(), p, o)
	require.NoError(tb, err)
	require.NoError(tb, Check(p, o, plan))
	return plan
}

// carOf says which car carries each served student.
func carOf(plan *Plan) map[StudentID]CarID {
	out := map[StudentID]CarID{}
	for _, r := range plan.Routes {
		for _, s := range r.Stops {
			out[s.Student] = r.Car
		}
	}
	return out
}

// maxOnBoard is the most students ever in one car at once.
func maxOnBoard(plan *Plan) int {
	most := 0
	for _, r := range plan.Routes {
		n := 0
		for _, s := range r.Stops {
			if s.Kind == Pickup {
				n++
			} else {
				n--
			}
			most = max(most, n)
		}
	}
	return most
}

// dropTime is when the student gets out, or -1.
func dropTime(plan *Plan, id StudentID) Seconds {
	for _, r := range plan.Routes {
		for _, s := range r.Stops {
			if s.Student == id && s.Kind == Dropoff {
				return s.Time
			}
		}
	}
	return -1
}
