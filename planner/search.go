package planner

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Search parameters, after SISR: about avgRemoved students are taken out per
// iteration as strings of at most maxString consecutive pick-ups, and the
// temperature falls geometrically from tempStart to tempEnd metres.
const (
	avgRemoved = 12
	maxString  = 8
	tempStart  = 400.0
	tempEnd    = 4.0
	blinkRate  = 0.01
	// Students still unserved after this many iterations (and every as
	// many after) lose their margin; see Options.StrictMargin.
	waiveEvery = 250
	// While students are unserved, plans that serve no fewer are accepted
	// whatever their kilometres, for this many waiver rounds at most.
	plateauRounds = 8
)

// worker is one independent search. It owns its solutions, its random
// stream and its task table, and shares only the read-only travel matrix.
type worker struct {
	m         *model
	rng       *rand.Rand
	cur, best *solution

	// Undo log of one iteration: routes as they were before it touched them.
	mark    []uint32
	epoch   uint32
	saved   []savedRoute
	spare   [][]stop
	removed []int32
	iters   int
	// hardFirst asks for the students with the fewest cars able to reach
	// them to be re-inserted first.
	hardFirst bool
	// stuckRounds counts waiver rounds in a row that found students unserved.
	stuckRounds int
}

type savedRoute struct {
	ri    int32
	route route
}

func newWorker(shared *model, seed uint64) *worker {
	// A shallow copy: the travel matrix is shared, the task table (whose
	// deadlines waive may change) is the worker's own.
	m := new(model)
	*m = *shared
	m.tasks = slices.Clone(shared.tasks)
	m.solo = slices.Clone(shared.solo)
	return &worker{
		m:    m,
		rng:  rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		cur:  newSolution(m),
		best: newSolution(m),
		mark: make([]uint32, len(m.cars)),
	}
}

// touch records route ri in the undo log the first time an iteration
// changes it.
func (w *worker) touch(ri int32) {
	if w.mark[ri] == w.epoch {
		return
	}
	w.mark[ri] = w.epoch
	var buf []stop
	if n := len(w.spare); n > 0 {
		buf, w.spare = w.spare[n-1][:0], w.spare[:n-1]
	}
	r := w.cur.routes[ri]
	r.stops = append(buf, r.stops...)
	w.saved = append(w.saved, savedRoute{ri, r})
}

// undo puts back every route the iteration touched.
func (w *worker) undo(dist int64, unserved int) {
	s := w.cur
	for _, t := range w.removed {
		s.where[t] = -1
	}
	for _, sv := range w.saved {
		old := s.routes[sv.ri].stops
		s.routes[sv.ri] = sv.route
		w.spare = append(w.spare, old)
		for _, st := range sv.route.stops {
			if !st.isDrop() {
				s.where[st.task()] = sv.ri
			}
		}
	}
	s.dist, s.unserved = dist, unserved
}

func (w *worker) commit() {
	for _, sv := range w.saved {
		w.spare = append(w.spare, sv.route.stops)
	}
}

// run searches until the iteration limit, the deadline or ctx stops it.
func (w *worker) run(ctx context.Context, begin, deadline time.Time, limit int) {
	w.construct()
	w.best.copyFrom(w.cur)
	budget := deadline.Sub(begin).Seconds()
	temp := tempStart
	for it := 0; limit == 0 || it < limit; it++ {
		if it&15 == 0 {
			if ctx.Err() != nil || !time.Now().Before(deadline) {
				break
			}
			var f float64
			if limit > 0 {
				f = float64(it) / float64(limit)
			} else {
				f = time.Since(begin).Seconds() / budget
			}
			temp = tempStart * math.Pow(tempEnd/tempStart, min(f, 1))
		}
		if it > 0 && it%waiveEvery == 0 {
			if w.open() > 0 {
				w.waiveUnserved(w.stuckRounds > 0)
				w.stuckRounds++
			} else {
				w.stuckRounds = 0
			}
		}
		w.iterate(temp)
		w.iters++
	}
}

// construct inserts every student, those with the fewest cars able to reach
// them first, then the longest drives: they have the least room in time and
// decide where cars must be.
func (w *worker) construct() {
	m := w.m
	var order []int32
	for i := range m.tasks {
		if !m.hopeless[i] {
			order = append(order, int32(i))
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		if d := len(m.solo[a]) - len(m.solo[b]); d != 0 {
			return d
		}
		return int(m.tasks[b].direct - m.tasks[a].direct)
	})
	w.recreate(order, 0)
}

// iterate ruins and recreates part of the current plan and keeps the result
// if simulated annealing accepts it.
func (w *worker) iterate(temp float64) {
	s := w.cur
	w.epoch++
	w.saved = w.saved[:0]
	oldDist, oldUnserved, oldOpen := s.dist, s.unserved, w.open()
	before := s.cost()

	w.ruin()
	w.sortRemoved()
	if w.open() > len(w.removed) {
		// Students no earlier iteration could place go first, while the
		// cars that could reach them are still free.
		var stuck []int32
		for t, ri := range s.where {
			if ri < 0 && !w.m.hopeless[t] && !slices.Contains(w.removed, int32(t)) {
				stuck = append(stuck, int32(t))
			}
		}
		w.removed = append(stuck, w.removed...)
	}
	w.recreate(w.removed, blinkRate)

	after := s.cost()
	// Accept if better than the current plan by more than a random,
	// temperature-scaled threshold (Christiaens and Vanden Berghe). While
	// students are left at home, any plan that serves as many is taken,
	// kilometres regardless, so the search can wander until it finds the
	// arrangement that seats one more; after plateauRounds waiver rounds
	// kilometres count again, since some students may simply never fit.
	accept := float64(after) < float64(before)-temp*math.Log(w.rng.Float64())
	if oldOpen > 0 && s.unserved <= oldUnserved && w.stuckRounds <= plateauRounds {
		accept = true
	}
	if accept {
		w.commit()
		if after < w.best.cost() {
			w.best.copyFrom(s)
		}
		return
	}
	w.undo(oldDist, oldUnserved)
}

// recreate inserts each task of order at its cheapest place, in order.
func (w *worker) recreate(order []int32, blink float64) {
	m, s := w.m, w.cur
	var skip func() bool
	if blink > 0 {
		skip = func() bool { return w.rng.Float64() < blink }
	}
	for _, t := range order {
		best := noInsertion
		for ri := range s.routes {
			m.bestIn(&s.routes[ri], int32(ri), t, &best, skip)
		}
		if best.route < 0 {
			continue
		}
		w.touch(best.route)
		m.place(s, t, best)
	}
}
