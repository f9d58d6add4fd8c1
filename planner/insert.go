package planner

import "slices"

// insertion is where a student would go: pick-up before old stop i, drop-off
// before old stop j (j ≥ i; j == i means straight after the pick-up), and
// what it adds to the route's distance.
type insertion struct {
	route int32 // -1: nowhere
	i, j  int32
	cost  int32
}

var noInsertion = insertion{route: -1, cost: 1 << 30}

// bestIn improves best with the cheapest feasible insertion of task ti into
// route r (index ri), if one beats it. skip, when not nil, is asked about
// each pick-up position and drops it when true: the "blinks" that keep
// re-insertion from always making the same greedy choice.
//
// Feasibility is decided from the cached times and slacks in O(1) per
// candidate (see refresh); pick-up positions are pruned by their own cost
// and time before any drop-off position is looked at.
func (m *model) bestIn(r *route, ri int32, ti int32, best *insertion, skip func() bool) {
	tk := &m.tasks[ti]
	v := &m.cars[r.car]
	if r.students >= m.maxPerCar || v.seats < tk.seats || (tk.wc && v.wc < 1) {
		return
	}
	rowP, rowQ := m.row(tk.pick), m.row(tk.drop)
	pq := rowP[tk.drop]
	stops := r.stops
	n := int32(len(stops))
	for i := int32(0); i <= n; i++ {
		prevLoc, prevDone := v.home, v.ready
		var load, wc int8
		if i > 0 {
			p := &stops[i-1]
			prevLoc, prevDone = p.loc, p.t+m.service(p.code)
			load, wc = p.load, p.wc
		}
		if prevDone+m.board+tk.direct > tk.deadline {
			break // times only grow along a route
		}
		if load+tk.seats > v.seats || (tk.wc && wc >= v.wc) {
			continue
		}
		lp := rowP[prevLoc]
		tp := max(prevDone+lp.s, tk.early)
		onBoard := tp + m.board
		if onBoard+tk.direct > tk.deadline {
			continue
		}
		pcost := lp.m
		if i < n {
			pcost += rowP[stops[i].loc].m - stops[i].leg
		}
		// A drop-off at a site costs at least nothing, give or take the
		// metre that rounding can shave off a triangle.
		if pcost-2 >= best.cost {
			continue
		}
		if skip != nil && skip() {
			continue
		}

		// Drop-off straight after the pick-up.
		td := onBoard + pq.s
		if td <= tk.deadline && pq.s <= tk.limit {
			cost := lp.m + pq.m
			ok := true
			if i < n {
				nx := &stops[i]
				lq := rowQ[nx.loc]
				cost += lq.m - nx.leg
				if cost < best.cost {
					ok = m.delayFits(nx, td+m.alight+lq.s)
				}
			}
			if ok && cost < best.cost {
				*best = insertion{route: ri, i: i, j: i, cost: cost}
			}
		}
		if i == n {
			continue
		}

		// Drop-off later: every old stop from i on is pushed back by delta1.
		nx := &stops[i]
		arr := onBoard + rowP[nx.loc].s
		if !nx.isDrop() {
			arr = max(arr, m.tasks[nx.task()].early)
		}
		delta1 := arr - nx.t
		if delta1 > nx.slack {
			continue
		}
		for j := i + 1; j <= n; j++ {
			p := &stops[j-1]
			if p.load+tk.seats > v.seats || (tk.wc && p.wc >= v.wc) {
				break
			}
			done := p.t + delta1 + m.service(p.code)
			if done > tk.deadline || done-onBoard > tk.limit {
				break
			}
			lq := rowQ[p.loc]
			td := done + lq.s
			if td > tk.deadline || td-onBoard > tk.limit {
				continue
			}
			cost := pcost + lq.m
			if j < n {
				nx := &stops[j]
				lqn := rowQ[nx.loc]
				cost += lqn.m - nx.leg
				if cost >= best.cost || !m.delayFits(nx, td+m.alight+lqn.s) {
					continue
				}
			} else if cost >= best.cost {
				continue
			}
			*best = insertion{route: ri, i: i, j: j, cost: cost}
		}
	}
}

// delayFits reports whether stop s can still be served when the car now
// arrives there at arr.
func (m *model) delayFits(s *stop, arr int32) bool {
	if !s.isDrop() {
		arr = max(arr, m.tasks[s.task()].early)
	}
	return arr-s.t <= s.slack
}

// insert applies ins for task ti and refreshes the route.
func (m *model) insert(r *route, ti int32, ins insertion) bool {
	tk := &m.tasks[ti]
	r.stops = slices.Insert(r.stops, int(ins.j), stop{code: dropCode(ti), loc: tk.drop})
	r.stops = slices.Insert(r.stops, int(ins.i), stop{code: pickCode(ti), loc: tk.pick})
	return m.refresh(r)
}
