package planner

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeats(t *testing.T) {
	tests := []struct {
		name     string
		students int
		seats    int
	}{
		{"six students, four seats: two trips", 6, 4},
		{"five students, three seats", 5, 3},
		{"one seat", 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Problem{Cars: []Car{car(1, at(3.5, 0), tt.seats, 0)}}
			for i := range tt.students {
				p.Students = append(p.Students, student(i+1, at(3, 0)))
			}
			plan := solve(t, p, Options{})
			assert.Empty(t, plan.Unserved, "everyone fits in repeated trips")
			assert.LessOrEqual(t, maxOnBoard(plan), tt.seats, "never more students than seats")
		})
	}
}

func TestWheelchair(t *testing.T) {
	wheelchair := func(id int, home Point) Student {
		s := student(id, home)
		s.Wheelchair = true
		return s
	}
	tests := []struct {
		name     string
		students []Student
		cars     []Car
		wantCar  map[StudentID]CarID
		unserved []StudentID
	}{
		{
			name:     "the wheelchair car comes even from further away",
			students: []Student{wheelchair(1, at(2, 0))},
			cars:     []Car{car(1, at(2, 0), 4, 0), car(2, at(4, 0), 4, 1)},
			wantCar:  map[StudentID]CarID{1: 2},
		},
		{
			name:     "one slot carries two wheelchairs one at a time",
			students: []Student{wheelchair(1, at(2, 0)), wheelchair(2, at(2, 0.1))},
			cars:     []Car{car(1, at(2, 0), 4, 1)},
			wantCar:  map[StudentID]CarID{1: 1, 2: 1},
		},
		{
			name:     "no wheelchair car: reported unserved",
			students: []Student{wheelchair(1, at(2, 0)), student(2, at(2, 0))},
			cars:     []Car{car(1, at(2, 0), 4, 0)},
			wantCar:  map[StudentID]CarID{2: 1},
			unserved: []StudentID{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := solve(t, &Problem{Students: tt.students, Cars: tt.cars}, Options{})
			assert.Equal(t, tt.wantCar, carOf(plan))
			assert.Equal(t, tt.unserved, plan.Unserved)
		})
	}
}

func TestMargin(t *testing.T) {
	far := student(1, at(10, 0)) // 13 km of road: 31 min 12 s
	tight := far
	tight.ArriveBy = seven + 40*60 // 07:40: 07:32 is possible, 07:30 is not
	tests := []struct {
		name      string
		s         Student
		opts      Options
		dropBy    Seconds // -1: unserved
		waived    bool
		wantWaive []StudentID
	}{
		{"ten minutes before the gate", far, Options{}, eight30 - 600, false, nil},
		{"custom margin", far, Options{Margin: 30 * 60}, eight30 - 1800, false, nil},
		{"gate too close for the margin: served, margin waived", tight, Options{}, tight.ArriveBy, true, []StudentID{1}},
		{"strict margin leaves them at home", tight, Options{StrictMargin: true}, -1, false, nil},
		{"no margin at all", tight, Options{NoMargin: true}, tight.ArriveBy, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Problem{Students: []Student{tt.s}, Cars: []Car{car(1, at(10, 0), 4, 0)}}
			plan := solve(t, p, tt.opts)
			drop := dropTime(plan, 1)
			if tt.dropBy < 0 {
				assert.Equal(t, Seconds(-1), drop, "not driven")
				assert.Equal(t, []StudentID{1}, plan.Unserved)
				return
			}
			assert.NotEqual(t, Seconds(-1), drop, "driven")
			assert.LessOrEqual(t, drop, tt.dropBy)
			assert.Equal(t, tt.wantWaive, plan.MarginWaived)
		})
	}
}

// Student 1 lives 3 km north of the site, student 2 10 km east, and the
// only car next door to student 1. Picking 1 up, then 2, is the shortest
// drive but keeps student 1 in the car for over an hour; the ride rule
// allows at most 45 min, so the car must take a longer way round.
func TestRideLimit_keepsDetoursShort(t *testing.T) {
	p := &Problem{
		Students: []Student{student(1, at(0, 3)), student(2, at(10, 0))},
		Cars:     []Car{car(1, at(0, 3.05), 4, 0)},
	}
	ride := func(plan *Plan, id StudentID) Seconds {
		var on Seconds
		for _, s := range plan.Routes[0].Stops {
			if s.Student == id && s.Kind == Pickup {
				on = s.Time + 60
			}
		}
		return dropTime(plan, id) - on
	}

	free := solve(t, p, Options{MaxRide: RideRule{Off: true}})
	require.Empty(t, free.Unserved)
	assert.Greater(t, ride(free, 1), Seconds(45*60), "without the rule, student 1 tours the town")

	ruled := solve(t, p, Options{})
	require.Empty(t, ruled.Unserved)
	assert.LessOrEqual(t, ride(ruled, 1), Seconds(45*60))
	assert.Greater(t, ruled.Meters, free.Meters, "the rule costs kilometres")
}

func TestUnreachableStudentIsReported(t *testing.T) {
	p := &Problem{
		Students: []Student{student(1, at(1, 1)), student(2, at(40, 0)), student(3, at(-1, 1))},
		Cars:     []Car{car(1, at(0, 1), 4, 0), car(2, at(0, -1), 4, 0)},
	}
	plan := solve(t, p, Options{})
	assert.Equal(t, []StudentID{2}, plan.Unserved, "52 km of road cannot be driven between 07:00 and 08:20")
	assert.Len(t, carOf(plan), 2, "the others still go")
}

func TestMaxPerCar(t *testing.T) {
	p := &Problem{Cars: []Car{car(1, at(2, 0), 4, 0), car(2, at(2.2, 0), 4, 0), car(3, at(2.4, 0), 4, 0)}}
	for i := range 8 {
		p.Students = append(p.Students, student(i+1, at(2+float64(i)*0.05, 0.1)))
	}
	perCar := func(plan *Plan) int {
		most := 0
		for _, r := range plan.Routes {
			most = max(most, len(r.Stops)/2)
		}
		return most
	}
	tests := []struct {
		name string
		cap  int
		want func(t assert.TestingT, most int)
	}{
		{"no cap: cars fill up", 0, func(t assert.TestingT, most int) { assert.GreaterOrEqual(t, most, 4) }},
		{"cap of 3", 3, func(t assert.TestingT, most int) { assert.LessOrEqual(t, most, 3) }},
		{"cap of 2 leaves two at home", 2, func(t assert.TestingT, most int) { assert.LessOrEqual(t, most, 2) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := solve(t, p, Options{MaxPerCar: tt.cap})
			tt.want(t, perCar(plan))
			if tt.cap == 2 {
				assert.Len(t, plan.Unserved, 2)
			} else {
				assert.Empty(t, plan.Unserved)
			}
		})
	}
}

// randomMorning is a small city morning: n students around a few sites.
func randomMorning(seed uint64, n, cars int) *Problem {
	rng := rand.New(rand.NewPCG(seed, 1))
	sites := []Point{at(1, 1), at(-2, 0.5), at(0.5, -2)}
	p := &Problem{}
	for i := range n {
		s := student(i+1, at(rng.NormFloat64()*3, rng.NormFloat64()*3))
		k := rng.IntN(len(sites))
		s.Site, s.SitePos = SiteID([]string{"S1", "S2", "S3"}[k]), sites[k]
		s.Wheelchair = rng.IntN(30) == 0
		p.Students = append(p.Students, s)
	}
	for i := range cars {
		p.Cars = append(p.Cars, car(i+1, at(rng.NormFloat64()*3, rng.NormFloat64()*3), 4, i%5/4))
	}
	return p
}

func TestDeterministic(t *testing.T) {
	p := randomMorning(7, 80, 20)
	opts := Options{Seed: 42, MaxIterations: 400}
	first := solve(t, p, opts)
	again := solve(t, p, opts)
	assert.Equal(t, first.Routes, again.Routes, "same problem, seed and iterations: same plan")
	assert.Empty(t, first.Unserved)

	other := solve(t, p, Options{Seed: 43, MaxIterations: 400})
	assert.Empty(t, other.Unserved, "another seed plans everyone too")
}

func TestSearchImprovesOnConstruction(t *testing.T) {
	p := randomMorning(3, 120, 30)
	start := solve(t, p, Options{MaxIterations: 1})
	searched := solve(t, p, Options{MaxIterations: 2000})
	assert.Less(t, searched.Meters, start.Meters)
}

func TestCancelledContextStillPlans(t *testing.T) {
	p := randomMorning(5, 40, 12)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	plan, err := Solve(ctx, p, Options{})
	require.NoError(t, err)
	require.NoError(t, Check(p, Options{}, plan))
	assert.Empty(t, plan.Unserved, "construction alone places everyone")
}

func TestInvalidProblem(t *testing.T) {
	nan := Point{Lat: 91, Lng: 0}
	tests := []struct {
		name string
		p    Problem
	}{
		{"duplicate student", Problem{Students: []Student{student(1, at(1, 1)), student(1, at(2, 2))}}},
		{"duplicate car", Problem{Cars: []Car{car(1, at(1, 1), 4, 0), car(1, at(1, 1), 4, 0)}}},
		{"bad coordinates", Problem{Students: []Student{student(1, nan)}}},
		{"more wheelchair slots than seats", Problem{Cars: []Car{car(1, at(1, 1), 1, 2)}}},
		{"gate before earliest pick-up", Problem{Students: []Student{{ID: 1, Pickup: centre, SitePos: centre, Earliest: eight30, ArriveBy: seven}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Solve(context.Background(), &tt.p, Options{})
			assert.Error(t, err)
		})
	}
	_, err := Solve(context.Background(), &Problem{}, Options{Travel: TravelModel{Detour: 0.5}})
	assert.Error(t, err, "a detour under 1 is not a road")
}

func TestCheckCatchesBrokenPlans(t *testing.T) {
	p := &Problem{Students: []Student{student(1, at(3, 0))}, Cars: []Car{car(1, at(3, 0), 4, 0)}}
	good := solve(t, p, Options{})
	tests := []struct {
		name   string
		break_ func(*Plan)
	}{
		{"too early at the site", func(pl *Plan) { pl.Routes[0].Stops[1].Time -= 120 }},
		{"leaves before free", func(pl *Plan) { pl.Routes[0].Start = 0 }},
		{"late", func(pl *Plan) { pl.Routes[0].Stops[1].Time = eight30 }},
		{"forgotten", func(pl *Plan) { pl.Routes = nil; pl.Meters = 0 }},
		{"wrong distance", func(pl *Plan) { pl.Meters++ }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := *good
			pl.Routes = []Route{good.Routes[0]}
			pl.Routes[0].Stops = append([]Stop(nil), good.Routes[0].Stops...)
			tt.break_(&pl)
			assert.Error(t, Check(p, Options{}, &pl))
		})
	}
}
