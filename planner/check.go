package planner

import (
	"errors"
	"fmt"
)

// Check re-walks plan against p and opts without trusting anything the
// search computed, and returns every broken rule joined into one error (nil
// when the plan is sound): unknown or repeated students and cars, stops the
// car cannot reach by their time, departures before the car is free,
// pick-ups before the earliest time, seats, wheelchair slots, the per-car
// cap, the ride rule, and drop-offs after ArriveBy - Margin (after ArriveBy
// for students listed in Plan.MarginWaived). Solve runs it on every plan it
// returns; the service can run it on a plan a coordinator edited by hand.
func Check(p *Problem, opts Options, plan *Plan) error {
	o, err := opts.withDefaults(len(p.Students))
	if err != nil {
		return err
	}
	students := make(map[StudentID]*Student, len(p.Students))
	for i := range p.Students {
		students[p.Students[i].ID] = &p.Students[i]
	}
	cars := make(map[CarID]*Car, len(p.Cars))
	for i := range p.Cars {
		cars[p.Cars[i].ID] = &p.Cars[i]
	}
	waived := make(map[StudentID]bool, len(plan.MarginWaived))
	for _, id := range plan.MarginWaived {
		waived[id] = true
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	served := map[StudentID]bool{}
	usedCar := map[CarID]bool{}
	total := 0
	for _, r := range plan.Routes {
		c, ok := cars[r.Car]
		if !ok {
			bad("route of unknown car %d", r.Car)
			continue
		}
		if usedCar[r.Car] {
			bad("car %d has two routes", r.Car)
		}
		usedCar[r.Car] = true
		if r.Start < c.Departure {
			bad("car %d leaves at %d, before it is free at %d", c.ID, r.Start, c.Departure)
		}
		at, free := c.Home, r.Start
		var boardedAt = map[StudentID]Seconds{}
		seats, wc, carried, meters := 0, 0, 0, 0
		for _, st := range r.Stops {
			s, ok := students[st.Student]
			if !ok {
				bad("car %d stops for unknown student %d", c.ID, st.Student)
				continue
			}
			to := s.Pickup
			if st.Kind == Dropoff {
				to = s.SitePos
			}
			if arr := free + o.Travel.Seconds(at, to); st.Time < arr {
				bad("car %d cannot reach student %d's %s at %d (earliest %d)", c.ID, s.ID, st.Kind, st.Time, arr)
			}
			meters += o.Travel.Meters(at, to)
			at = to
			switch st.Kind {
			case Pickup:
				if served[s.ID] {
					bad("student %d is picked up twice", s.ID)
				}
				served[s.ID] = true
				if st.Time < s.Earliest {
					bad("student %d picked up at %d, before %d", s.ID, st.Time, s.Earliest)
				}
				seats += s.seats()
				carried++
				if s.Wheelchair {
					wc++
				}
				if seats > c.Seats || wc > c.WheelchairSlots {
					bad("car %d is over capacity when student %d boards", c.ID, s.ID)
				}
				boardedAt[s.ID] = st.Time
				free = st.Time + o.Board
			case Dropoff:
				t0, on := boardedAt[s.ID]
				if !on {
					bad("car %d drops student %d, who is not on board", c.ID, s.ID)
					free = st.Time + o.Alight
					continue
				}
				delete(boardedAt, s.ID)
				seats -= s.seats()
				if s.Wheelchair {
					wc--
				}
				deadline := s.ArriveBy - o.Margin
				if waived[s.ID] {
					deadline = s.ArriveBy
				}
				if st.Time > deadline {
					bad("student %d dropped at %d, after %d", s.ID, st.Time, deadline)
				}
				direct := o.Travel.Seconds(s.Pickup, s.SitePos)
				if ride := st.Time - t0 - o.Board; ride > o.MaxRide.rideLimit(direct) {
					bad("student %d rides %d s, over the limit of %d s", s.ID, ride, o.MaxRide.rideLimit(direct))
				}
				free = st.Time + o.Alight
			default:
				bad("car %d: stop of unknown kind %d", c.ID, st.Kind)
			}
		}
		if len(boardedAt) > 0 {
			bad("car %d ends its morning with %d students on board", c.ID, len(boardedAt))
		}
		if o.MaxPerCar > 0 && carried > o.MaxPerCar {
			bad("car %d carries %d students, over the cap of %d", c.ID, carried, o.MaxPerCar)
		}
		if meters != r.Meters {
			bad("car %d drives %d m, not the %d m stated", c.ID, meters, r.Meters)
		}
		total += meters
	}
	if total != plan.Meters {
		bad("plan drives %d m, not the %d m stated", total, plan.Meters)
	}
	unserved := map[StudentID]bool{}
	for _, id := range plan.Unserved {
		unserved[id] = true
	}
	for _, s := range p.Students {
		if served[s.ID] == unserved[s.ID] {
			bad("student %d is neither served nor listed unserved, or both", s.ID)
		}
	}
	return errors.Join(errs...)
}
