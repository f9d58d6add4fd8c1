package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/heartlink/heartlink/planner"
	"github.com/heartlink/heartlink/planner/examday"
)

// result is the morning's figures, and the offline planner's beside them.
type result struct {
	Students, Carried, Late, InsideMargin, OverRide, OverSeats, Violations int
	SlackP5, SlackP50                                                      float64 // minutes
	Km, OfflineKm                                                          float64
	Cars, OfflineCars, OfflineCarried                                      int
	OfflineSeconds                                                         float64
	BookSeconds, CarrySeconds                                              float64
	RoutesAccepted, RoutesDeclined, OffersAccepted, OffersDeclined         int64
	Refused                                                                int64
	FirstViolations                                                        []string
	// SilentDrivers went silent after accepting Abandoned trips; HeldBySilent
	// of those are still on a silent driver's route at the end (not carried).
	SilentDrivers, Abandoned, HeldBySilent int
}

type routeJSON struct {
	DriverID string `json:"driver_id"`
	Stops    []struct {
		Kind   string    `json:"kind"`
		TripID string    `json:"trip_id"`
		At     time.Time `json:"at"`
	} `json:"stops"`
}

// score reads every volunteer's route back from the service, as the
// morning will be driven, and measures it against the instance's rules.
func (m *morning) score(ctx context.Context) (*result, error) {
	plan := &planner.Plan{}
	res0 := &result{}
	carried := map[planner.StudentID]bool{}
	for _, v := range m.drivers {
		var r routeJSON
		if err := m.admin.do(ctx, http.MethodGet, "/api/v1/drivers/"+v.id+"/route", nil, &r, http.StatusOK); err != nil {
			return nil, fmt.Errorf("route of %s: %w", v.id, err)
		}
		if len(r.Stops) == 0 {
			continue
		}
		if m.isSilent(v.id) {
			// Nobody drives a silent volunteer's route: its riders are not
			// carried unless the service gave them to someone else.
			res0.HeldBySilent += len(r.Stops) / 2
			continue
		}
		pr := planner.Route{Car: v.car.ID}
		for _, s := range r.Stops {
			m.mu.Lock()
			st, ok := m.tripOf[s.TripID]
			m.mu.Unlock()
			if !ok {
				continue // not this morning's
			}
			kind := planner.Pickup
			if s.Kind == "dropoff" {
				kind = planner.Dropoff
			} else {
				carried[st] = true
			}
			pr.Stops = append(pr.Stops, planner.Stop{Kind: kind, Student: st, Site: m.siteOf(st),
				Time: planner.Seconds(math.Round(s.At.Sub(m.day).Seconds()))})
		}
		if len(pr.Stops) == 0 {
			continue
		}
		first := m.student(pr.Stops[0].Student).Pickup
		pr.Start = max(v.car.Departure, pr.Stops[0].Time-m.opts.Travel.Seconds(v.car.Home, first))
		pr.Meters = m.routeMeters(pr)
		plan.Meters += pr.Meters
		plan.Routes = append(plan.Routes, pr)
	}
	for _, s := range m.problem.Students {
		if !carried[s.ID] {
			plan.Unserved = append(plan.Unserved, s.ID)
		}
	}
	res := m.measure(plan)
	res.HeldBySilent = res0.HeldBySilent
	if err := planner.Check(m.problem, m.opts, plan); err != nil {
		lines := strings.Split(err.Error(), "\n")
		res.Violations = len(lines)
		res.FirstViolations = lines[:min(5, len(lines))]
	}
	if m.cfg.LivePlan != "" {
		if err := writePlan(m.cfg.LivePlan, m.in.Name, plan); err != nil {
			return nil, err
		}
	}

	start := time.Now()
	offline, err := planner.Solve(ctx, m.problem, m.opts)
	if err != nil {
		return nil, fmt.Errorf("offline plan: %w", err)
	}
	res.OfflineSeconds = time.Since(start).Seconds()
	res.OfflineKm, res.OfflineCars = float64(offline.Meters)/1000, len(offline.Routes)
	res.OfflineCarried = len(m.problem.Students) - len(offline.Unserved)
	if m.cfg.OfflinePlan != "" {
		if err := writePlan(m.cfg.OfflinePlan, m.in.Name, offline); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func writePlan(path, instance string, plan *planner.Plan) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(examday.WritePlan(f, instance, plan), f.Close())
}

func (m *morning) student(id planner.StudentID) *planner.Student {
	for i := range m.problem.Students {
		if m.problem.Students[i].ID == id {
			return &m.problem.Students[i]
		}
	}
	return nil
}

// routeMeters is the road distance of r, home to last stop.
func (m *morning) routeMeters(r planner.Route) int {
	at := m.problem.Cars[0].Home
	for _, c := range m.problem.Cars {
		if c.ID == r.Car {
			at = c.Home
		}
	}
	meters := 0
	for _, s := range r.Stops {
		st := m.student(s.Student)
		to := st.Pickup
		if s.Kind == planner.Dropoff {
			to = st.SitePos
		}
		meters += m.opts.Travel.Meters(at, to)
		at = to
	}
	return meters
}

func (m *morning) siteOf(id planner.StudentID) planner.SiteID { return m.student(id).Site }

// measure walks plan with the instance's travel model and rules.
func (m *morning) measure(plan *planner.Plan) *result {
	res := &result{Students: len(m.problem.Students), Cars: len(plan.Routes)}
	var slack []float64
	limit := func(direct planner.Seconds) planner.Seconds {
		r := m.opts.MaxRide
		return max(r.Min, planner.Seconds(r.Factor*float64(direct))+r.Add)
	}
	seats := map[planner.CarID]int{}
	for _, c := range m.problem.Cars {
		seats[c.ID] = c.Seats
	}
	meters := 0
	for _, r := range plan.Routes {
		meters += r.Meters
		load, boarded := 0, map[planner.StudentID]planner.Seconds{}
		for _, s := range r.Stops {
			st := m.student(s.Student)
			if s.Kind == planner.Pickup {
				res.Carried++
				load++
				boarded[st.ID] = s.Time
				if load > seats[r.Car] {
					res.OverSeats++
				}
				continue
			}
			load--
			sl := float64(st.ArriveBy-s.Time) / 60
			slack = append(slack, sl)
			switch {
			case s.Time > st.ArriveBy:
				res.Late++
			case s.Time > st.ArriveBy-m.opts.Margin:
				res.InsideMargin++
			}
			direct := m.opts.Travel.Seconds(st.Pickup, st.SitePos)
			if s.Time-(boarded[st.ID]+m.opts.Board) > limit(direct) {
				res.OverRide++
			}
		}
	}
	res.Km = float64(meters) / 1000
	slices.Sort(slack)
	if n := len(slack); n > 0 {
		res.SlackP5, res.SlackP50 = slack[n*5/100], slack[n/2]
	}
	return res
}

func (r *result) print(w io.Writer) {
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	fmt.Fprintf(w, "exam morning through the live service\n")
	fmt.Fprintf(w, "  students carried       %d of %d (%.1f %%)\n", r.Carried, r.Students, pct(r.Carried, r.Students))
	fmt.Fprintf(w, "  late / inside margin   %d / %d\n", r.Late, r.InsideMargin)
	fmt.Fprintf(w, "  slack p5 / p50         %.1f / %.1f min\n", r.SlackP5, r.SlackP50)
	fmt.Fprintf(w, "  over ride limit        %d\n", r.OverRide)
	fmt.Fprintf(w, "  legs over seats        %d\n", r.OverSeats)
	fmt.Fprintf(w, "  rule violations        %d (planner.Check)\n", r.Violations)
	for _, v := range r.FirstViolations {
		fmt.Fprintf(w, "    %s\n", v)
	}
	fmt.Fprintf(w, "  cars used              %d\n", r.Cars)
	fmt.Fprintf(w, "  km                     %.1f (offline planner %.1f in %d cars, %d carried, %.1f s: %+.1f %%)\n",
		r.Km, r.OfflineKm, r.OfflineCars, r.OfflineCarried, r.OfflineSeconds, 100*(r.Km/r.OfflineKm-1))
	fmt.Fprintf(w, "  routes accepted / declined   %d / %d\n", r.RoutesAccepted, r.RoutesDeclined)
	fmt.Fprintf(w, "  offers accepted / declined   %d / %d (%d answers refused)\n", r.OffersAccepted, r.OffersDeclined, r.Refused)
	fmt.Fprintf(w, "  booking took %.1f s; publishing to the last answer %.1f s\n", r.BookSeconds, r.CarrySeconds)
	if r.SilentDrivers > 0 {
		fmt.Fprintf(w, "  silent volunteers       %d, who had accepted %d trips; still on a silent driver's route at the end: %d\n",
			r.SilentDrivers, r.Abandoned, r.HeldBySilent)
	}
}
