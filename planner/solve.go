package planner

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Solve plans the morning of p. It returns when the search has run
// Options.MaxIterations per worker, when Options.Budget is spent, or when
// ctx is done, whichever comes first, with the best plan found so far; only
// an invalid problem or options make it fail. Students that no car can
// bring in time are listed in Plan.Unserved rather than failing the plan.
func Solve(ctx context.Context, p *Problem, opts Options) (*Plan, error) {
	begin := time.Now()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("problem: %w", err)
	}
	o, err := opts.withDefaults(len(p.Students))
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	m := compile(p, o)
	deadline := begin.Add(o.Budget)

	workers := make([]*worker, o.Workers)
	var wg sync.WaitGroup
	for i := range workers {
		// Seeds are spread by a large odd constant so workers' streams differ.
		workers[i] = newWorker(m, uint64(o.Seed)+uint64(i)*0x9e3779b97f4a7c15)
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			w.run(ctx, begin, deadline, o.MaxIterations)
		}(workers[i])
	}
	wg.Wait()

	bi := 0
	iters := 0
	for i, w := range workers {
		iters += w.iters
		if w.best.cost() < workers[bi].best.cost() {
			bi = i
		}
	}
	plan, err := workers[bi].m.plan(p, workers[bi].best, o.Margin)
	if err != nil {
		return nil, err
	}
	plan.Stats = Stats{Iterations: iters, Workers: o.Workers, BestWorker: bi}
	if err := Check(p, o, plan); err != nil {
		return nil, fmt.Errorf("internal error: planned morning breaks a rule: %w", err)
	}
	return plan, nil
}

// plan turns a search solution into the public Plan, re-checking every
// route on the way out so that a bug shows up as an error, never as a car
// sent to be late.
func (m *model) plan(p *Problem, s *solution, margin Seconds) (*Plan, error) {
	out := &Plan{}
	for ri := range s.routes {
		r := &s.routes[ri]
		if len(r.stops) == 0 {
			continue
		}
		if !m.refresh(r) {
			return nil, fmt.Errorf("internal error: route of car %d breaks a rule", p.Cars[r.car].ID)
		}
		route := Route{Car: p.Cars[r.car].ID, Start: Seconds(m.start(r)), Meters: int(r.dist)}
		for _, st := range r.stops {
			stu := &p.Students[st.task()]
			stop := Stop{Kind: Pickup, Student: stu.ID, Time: Seconds(st.t)}
			if st.isDrop() {
				stop.Kind, stop.Site = Dropoff, stu.Site
			}
			route.Stops = append(route.Stops, stop)
		}
		out.Routes = append(out.Routes, route)
		out.Meters += route.Meters
	}
	for t, ri := range s.where {
		if ri < 0 {
			out.Unserved = append(out.Unserved, p.Students[t].ID)
		}
	}
	for ri := range s.routes {
		for _, st := range s.routes[ri].stops {
			if tk := &m.tasks[st.task()]; st.isDrop() && st.t > tk.gate-int32(margin) {
				out.MarginWaived = append(out.MarginWaived, p.Students[st.task()].ID)
			}
		}
	}
	slices.Sort(out.MarginWaived)
	return out, nil
}
