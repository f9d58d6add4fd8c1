package planner

import (
	"math"
	"slices"
)

// ruin removes strings of students from a few routes around a random seed
// student, as in SISR: nearby students on other cars are the ones most
// likely to pool better, and removing consecutive pick-ups from a route
// frees a whole slice of its morning.
func (w *worker) ruin() {
	m, s := w.m, w.cur
	w.removed = w.removed[:0]
	served := len(m.tasks) - s.unserved
	if served == 0 {
		return
	}
	used := 0
	for i := range s.routes {
		if s.routes[i].students > 0 {
			used++
		}
	}
	avgLen := float64(served) / float64(max(used, 1))
	lsMax := min(float64(maxString), avgLen)
	ksMax := 4*float64(avgRemoved)/(1+lsMax) - 1
	ks := int(math.Floor(w.rng.Float64()*ksMax)) + 1

	seed := int32(w.rng.IntN(len(m.tasks)))
	ruined := 0
	w.hardFirst = false
	if w.open() > 0 && w.rng.IntN(2) == 0 {
		// Make room for an unserved student: empty some of the few cars
		// that could reach them in time, and re-insert the hardest
		// students first so that those cars go where only they can.
		seed = w.unservedTask()
		solo := m.solo[seed]
		cand := slices.Clone(solo[:min(len(solo), 8)])
		w.rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
		for _, ci := range cand[:min(len(cand), 1+w.rng.IntN(6))] {
			if n := int(s.routes[ci].students); n > 0 {
				w.removeString(ci, -1, n)
				ruined++
			}
		}
		w.hardFirst = true
	}
	consider := func(t int32) {
		ri := s.where[t]
		if ri < 0 || w.mark[ri] == w.epoch {
			return
		}
		r := &s.routes[ri]
		card := int(r.students)
		l := int(math.Floor(w.rng.Float64()*min(lsMax, float64(card)))) + 1
		w.removeString(ri, t, l)
		ruined++
	}
	consider(seed)
	for _, t := range m.near[seed] {
		if ruined >= ks {
			break
		}
		consider(t)
	}
}

// unservedTask picks at random one unserved student a car could reach.
func (w *worker) unservedTask() int32 {
	k := w.rng.IntN(w.open())
	for t, ri := range w.cur.where {
		if ri < 0 && !w.m.hopeless[t] {
			if k == 0 {
				return int32(t)
			}
			k--
		}
	}
	panic("planner: unserved count out of step with routes")
}

// removeString removes l students of route ri whose pick-ups are
// consecutive and include task t's (any l of them when t is -1).
func (w *worker) removeString(ri, t int32, l int) {
	s := w.cur
	r := &s.routes[ri]
	var picks []int32
	at := 0
	for _, st := range r.stops {
		if !st.isDrop() {
			if st.task() == t {
				at = len(picks)
			}
			picks = append(picks, st.task())
		}
	}
	lo := at - w.rng.IntN(l)
	lo = max(0, min(lo, len(picks)-l))
	w.touch(ri)
	for _, u := range picks[lo : lo+l] {
		w.m.remove(s, u)
		w.removed = append(w.removed, u)
	}
}

// sortRemoved orders the students to re-insert: randomly most often, else
// longest drive first or shortest first (SISR's weights, adapted).
func (w *worker) sortRemoved() {
	m := w.m
	if w.hardFirst {
		slices.SortFunc(w.removed, func(a, b int32) int {
			if d := len(m.solo[a]) - len(m.solo[b]); d != 0 {
				return d
			}
			return int(a - b)
		})
		return
	}
	switch x := w.rng.IntN(10); {
	case x < 5:
		w.rng.Shuffle(len(w.removed), func(i, j int) {
			w.removed[i], w.removed[j] = w.removed[j], w.removed[i]
		})
	case x < 9:
		slices.SortFunc(w.removed, func(a, b int32) int {
			if d := int(m.tasks[b].direct - m.tasks[a].direct); d != 0 {
				return d
			}
			return int(a - b)
		})
	default:
		slices.SortFunc(w.removed, func(a, b int32) int {
			if d := int(m.tasks[a].direct - m.tasks[b].direct); d != 0 {
				return d
			}
			return int(a - b)
		})
	}
}
