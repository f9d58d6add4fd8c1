package examday

import (
	"encoding/json"
	"io"

	"github.com/heartlink/heartlink/planner"
)

// PlanFormat is the format tag score.py expects.
const PlanFormat = "heartlink-examday-plan/1"

// Solver names this planner in written plans.
const Solver = "heartlink-planner v1"

type planJSON struct {
	Format   string      `json:"format"`
	Instance string      `json:"instance"`
	Solver   string      `json:"solver"`
	Routes   []routeJSON `json:"routes"`
	Unserved []int       `json:"unserved"`
}

type routeJSON struct {
	Car   int        `json:"car"`
	Start int        `json:"start"`
	Stops []stopJSON `json:"stops"`
}

type stopJSON struct {
	Kind    string `json:"kind"`
	Student int    `json:"student"`
	Site    string `json:"site,omitempty"`
	Time    int    `json:"time"`
}

// WritePlan writes plan in the neutral plan format.
func WritePlan(w io.Writer, instance string, plan *planner.Plan) error {
	out := planJSON{Format: PlanFormat, Instance: instance, Solver: Solver,
		Routes: make([]routeJSON, 0, len(plan.Routes)), Unserved: make([]int, 0, len(plan.Unserved))}
	for _, r := range plan.Routes {
		rj := routeJSON{Car: int(r.Car), Start: int(r.Start), Stops: make([]stopJSON, len(r.Stops))}
		for i, s := range r.Stops {
			rj.Stops[i] = stopJSON{Kind: s.Kind.String(), Student: int(s.Student), Site: string(s.Site), Time: int(s.Time)}
		}
		out.Routes = append(out.Routes, rj)
	}
	for _, id := range plan.Unserved {
		out.Unserved = append(out.Unserved, int(id))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}
