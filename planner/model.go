package planner

import (
	"slices"
	"sync"
)

// leg is the road between two locations: metres and seconds, both whole.
type leg struct{ m, s int32 }

// task is a student as the search sees it: indices into the location table
// and every time rule pre-resolved, so the inner loops touch no maps.
type task struct {
	pick, drop int32 // location indices
	early      int32 // earliest pick-up
	deadline   int32 // latest drop-off: ArriveBy - margin, or ArriveBy once waived
	gate       int32 // ArriveBy
	soft       int32 // ArriveBy - margin
	limit      int32 // longest ride allowed
	direct     int32 // seconds, home to site
	wc         bool
	seats      int8 // seats the task takes
}

// vehicle is a car as the search sees it.
type vehicle struct {
	home        int32 // location index
	seats, wc   int8
	ready       int32 // earliest departure
	wheelchairs bool
}

// model is a Problem compiled for search: a dense travel matrix over every
// place that matters (sites, homes of students, homes of cars) and flat
// task and vehicle tables. The matrix is read-only once built and shared by
// workers; each worker has its own copy of the task table.
type model struct {
	n             int   // locations
	legs          []leg // n × n, row-major
	tasks         []task
	cars          []vehicle
	board, alight int32
	maxPerCar     int32
	near          [][]int32 // per task, other tasks by closeness of pick-up
	solo          [][]int32 // per task, cars that could drive it alone in time, nearest first
	strict        bool      // never waive the margin
	hopeless      []bool    // per task: no car could bring it in time even alone
	hopelessCount int
}

func (m *model) row(loc int32) []leg { return m.legs[int(loc)*m.n : (int(loc)+1)*m.n] }

// service is the time spent at a stop before the car can drive on.
func (m *model) service(code int32) int32 {
	if code&1 == 1 {
		return m.alight
	}
	return m.board
}

// compile builds the model. Sites are deduplicated by position; the matrix
// is filled by two goroutines because it is the one O(n²) step that would
// otherwise eat a visible part of a half-second budget.
func compile(p *Problem, o Options) *model {
	var pts []Point
	index := map[Point]int32{}
	place := func(pt Point) int32 {
		if i, ok := index[pt]; ok {
			return i
		}
		index[pt] = int32(len(pts))
		pts = append(pts, pt)
		return int32(len(pts) - 1)
	}
	for _, s := range p.Students {
		place(s.SitePos)
	}
	m := &model{
		board:     int32(o.Board),
		alight:    int32(o.Alight),
		maxPerCar: int32(o.MaxPerCar),
		strict:    o.StrictMargin,
		tasks:     make([]task, len(p.Students)),
		cars:      make([]vehicle, len(p.Cars)),
	}
	if m.maxPerCar == 0 {
		m.maxPerCar = 1 << 30
	}
	for i, s := range p.Students {
		m.tasks[i] = task{
			pick:     place(s.Pickup),
			drop:     index[s.SitePos],
			early:    int32(s.Earliest),
			deadline: int32(s.ArriveBy - o.Margin),
			gate:     int32(s.ArriveBy),
			soft:     int32(s.ArriveBy - o.Margin),
			direct:   int32(o.Travel.Seconds(s.Pickup, s.SitePos)),
			wc:       s.Wheelchair,
			seats:    int8(min(s.seats(), 127)),
		}
		m.tasks[i].limit = int32(o.MaxRide.rideLimit(Seconds(m.tasks[i].direct)))
	}
	for i, c := range p.Cars {
		m.cars[i] = vehicle{
			home:        place(c.Home),
			seats:       int8(c.Seats),
			wc:          int8(c.WheelchairSlots),
			ready:       int32(c.Departure),
			wheelchairs: c.WheelchairSlots > 0,
		}
	}
	m.n = len(pts)
	m.legs = make([]leg, m.n*m.n)
	fillRows := func(from, step int) {
		for i := from; i < m.n; i += step {
			for j := i + 1; j < m.n; j++ {
				l := leg{int32(o.Travel.Meters(pts[i], pts[j])), int32(o.Travel.Seconds(pts[i], pts[j]))}
				m.legs[i*m.n+j] = l
			}
		}
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); fillRows(w, 2) }()
	}
	wg.Wait()
	for i := 0; i < m.n; i++ {
		for j := 0; j < i; j++ {
			m.legs[i*m.n+j] = m.legs[j*m.n+i]
		}
	}
	m.near = nearest(m, 48)
	m.solo = make([][]int32, len(m.tasks))
	for ti := range m.tasks {
		m.solo[ti] = soloCars(m, &m.tasks[ti])
		if len(m.solo[ti]) == 0 {
			// Serving the student matters more than the margin: let them
			// arrive by the gate itself rather than not at all.
			m.waive(int32(ti))
		}
	}
	// Students no car could bring even alone are never tried again: they
	// would only slow every re-insertion and keep the search in repair mode.
	m.hopeless = make([]bool, len(m.tasks))
	for ti := range m.tasks {
		if len(m.solo[ti]) == 0 {
			m.hopeless[ti] = true
			m.hopelessCount++
		}
	}
	return m
}

// soloCars lists the cars that could bring tk alone by its deadline,
// nearest home first (ties by car order).
func soloCars(m *model, tk *task) []int32 {
	var cars []int32
	row := m.row(tk.pick)
	for ci := range m.cars {
		v := &m.cars[ci]
		if v.seats < tk.seats || (tk.wc && v.wc < 1) || m.maxPerCar < 1 {
			continue
		}
		tp := max(v.ready+row[v.home].s, tk.early)
		if tp+m.board+tk.direct <= tk.deadline && tk.direct <= tk.limit {
			cars = append(cars, int32(ci))
		}
	}
	slices.SortStableFunc(cars, func(a, b int32) int {
		return int(row[m.cars[a].home].s - row[m.cars[b].home].s)
	})
	return cars
}

// nearest lists, for each task, up to k other tasks ordered by the distance
// between their pick-ups (ties by index, for determinism). The search ruins
// plans around a seed student using these lists.
func nearest(m *model, k int) [][]int32 {
	n := len(m.tasks)
	k = min(k, n-1)
	out := make([][]int32, n)
	if k <= 0 {
		return out
	}
	flat := make([]int32, n*k)
	dist := make([]int32, k)
	for a := range m.tasks {
		list := flat[a*k : a*k : (a+1)*k]
		dist = dist[:0]
		row := m.row(m.tasks[a].pick)
		for b := range m.tasks {
			if b == a {
				continue
			}
			d := row[m.tasks[b].pick].m
			if len(list) == k && d >= dist[k-1] {
				continue
			}
			// insertion into the short sorted list
			pos := len(list)
			if pos == k {
				pos--
			} else {
				list = append(list, 0)
				dist = append(dist, 0)
			}
			for pos > 0 && dist[pos-1] > d {
				list[pos], dist[pos] = list[pos-1], dist[pos-1]
				pos--
			}
			list[pos], dist[pos] = int32(b), d
		}
		out[a] = list
	}
	return out
}
