package planner

// stop is one event on a route with everything the insertion test needs
// cached beside it, so evaluating a candidate reads one small array.
type stop struct {
	code  int32 // task<<1, +1 for the drop-off
	loc   int32
	t     int32 // when boarding or alighting begins
	leg   int32 // metres from the previous stop (or from home)
	slack int32 // how much this stop and all after it may be delayed
	load  int8  // students on board after this stop
	wc    int8  // wheelchairs on board after this stop
}

func (s stop) task() int32   { return s.code >> 1 }
func (s stop) isDrop() bool  { return s.code&1 == 1 }
func pickCode(t int32) int32 { return t << 1 }
func dropCode(t int32) int32 { return t<<1 | 1 }

// route is one car's morning. The zero route (no stops) is an idle car.
type route struct {
	car      int32
	stops    []stop
	dist     int32 // metres, home to last stop
	students int32
}

// refresh recomputes the schedule of r from its stop order: earliest times,
// legs, loads and slacks. It reports whether every rule holds, which is
// what an accepted move must guarantee.
//
// The slack of stop k is the largest delay that, applied to k and every
// later stop alike, keeps all drop-offs by their deadline and every student
// already on board at k within the ride limit. A waiting car absorbs delay,
// so the uniform shift over-estimates real delays and the test built on it
// never accepts an infeasible insertion.
func (m *model) refresh(r *route) bool {
	v := &m.cars[r.car]
	ok := true
	prevLoc, prevDone := v.home, v.ready
	var load, wc int8
	r.dist, r.students = 0, 0
	for k := range r.stops {
		s := &r.stops[k]
		tk := &m.tasks[s.task()]
		l := m.legs[int(prevLoc)*m.n+int(s.loc)]
		t := prevDone + l.s
		if s.isDrop() {
			load -= tk.seats
			if tk.wc {
				wc--
			}
		} else {
			t = max(t, tk.early)
			load += tk.seats
			if tk.wc {
				wc++
			}
			r.students++
		}
		s.t, s.leg, s.load, s.wc = t, l.m, load, wc
		r.dist += l.m
		if load > v.seats || wc > v.wc {
			ok = false
		}
		prevLoc, prevDone = s.loc, t+m.service(s.code)
	}
	if load != 0 || r.students > m.maxPerCar {
		ok = false
	}
	const inf = int32(1 << 30)
	for k := range r.stops {
		r.stops[k].slack = inf
	}
	minDeadline := inf
	for k := len(r.stops) - 1; k >= 0; k-- {
		s := &r.stops[k]
		if !s.isDrop() {
			s.slack = min(s.slack, minDeadline)
			continue
		}
		tk := &m.tasks[s.task()]
		minDeadline = min(minDeadline, tk.deadline-s.t)
		s.slack = min(s.slack, minDeadline)
		a := k - 1
		for r.stops[a].code != pickCode(s.task()) {
			a--
		}
		ride := s.t - (r.stops[a].t + m.board)
		rideSlack := tk.limit - ride
		for b := a + 1; b <= k; b++ {
			r.stops[b].slack = min(r.stops[b].slack, rideSlack)
		}
		if rideSlack < 0 || s.t > tk.deadline {
			ok = false
		}
	}
	return ok
}

// start is when the car leaves home: as late as still reaches the first
// stop on time, which is what a volunteer would do.
func (m *model) start(r *route) int32 {
	v := &m.cars[r.car]
	if len(r.stops) == 0 {
		return v.ready
	}
	first := r.stops[0]
	return max(v.ready, first.t-m.legs[int(v.home)*m.n+int(first.loc)].s)
}
