package dispatch

import (
	"fmt"
	"time"

	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/planner"
)

// RouteStatus is where a planned route stands with its driver.
type RouteStatus string

const (
	RouteDraft     RouteStatus = "draft"     // planned, not yet sent
	RouteOffered   RouteStatus = "offered"   // sent to its driver as one offer
	RouteConfirmed RouteStatus = "confirmed" // the driver took every trip of it
	RouteDeclined  RouteStatus = "declined"  // turned down or let expire: repaired
)

// RouteStop is one trip's riders getting in or out, with the rules the
// stop must keep. Only kind, trip, time, place and seats are shown; the
// rules are the store's to keep.
type RouteStop struct {
	Kind       string    `json:"kind"` // pickup or dropoff
	TripID     string    `json:"trip_id"`
	At         time.Time `json:"at"` // planned: when the car is there
	Place      Place     `json:"place"`
	Seats      int       `json:"seats,omitempty"`
	Wheelchair bool      `json:"wheelchair,omitempty"`
	// Done marks a pick-up made: the riders are aboard.
	Done bool `json:"done,omitempty"`

	NotBefore time.Time     `json:"-"` // pick-up: not earlier than this
	Due       time.Time     `json:"-"` // drop-off: not later than this
	MaxRide   time.Duration `json:"-"` // drop-off: the longest ride since the pick-up
}

// Route is one driver's morning: the trips they would carry, pooled, with
// every stop and its time.
type Route struct {
	ID        string      `json:"id"`
	DriverID  string      `json:"driver_id"`
	Status    RouteStatus `json:"status"`
	Start     time.Time   `json:"start"` // when the driver sets out
	Stops     []RouteStop `json:"stops"`
	Km        float64     `json:"km"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
}

// Trips lists the route's trips, each once, in pickup order.
func (r *Route) Trips() []string {
	var out []string
	for _, s := range r.Stops {
		if s.Kind == "pickup" {
			out = append(out, s.TripID)
		}
	}
	return out
}

// RoutePlan is a shift's plan: routes for its confirmed drivers, and the
// trips no route takes.
type RoutePlan struct {
	CampaignID string `json:"campaign_id,omitempty"`
	ShiftID    string `json:"shift_id,omitempty"`
	// Date is the day (YYYY-MM-DD, in the city) of a rolling plan of
	// advance trips, which has no campaign.
	Date      string    `json:"date,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Routes    []Route   `json:"routes"`
	Unserved  []string  `json:"unserved"`
	Km        float64   `json:"km"`
}

// Pooling turns a shift's exam escorts and its drivers into a planner
// problem, and the planner's answer back into routes. Times in the problem
// count seconds from Midnight.
type Pooling struct {
	Midnight time.Time
	Trips    []*Trip
	Drivers  []*fleet.Driver
	// Ready, when set, is when each driver can set out (the start of
	// their availability); by default an hour before the earliest pick-up.
	Ready []time.Time
	// OwnWindows plans each trip no earlier than its own Earliest, rather
	// than its PickupAfter: for trips booked ahead without a pick-up time.
	OwnWindows bool
}

// Problem is the planner's view: one student per trip, taking as many
// seats as the trip has riders, one car per driver, from where the driver
// is now when online, else from home.
func (p *Pooling) Problem(earliest time.Time) *planner.Problem {
	sec := func(t time.Time) planner.Seconds { return planner.Seconds(t.Sub(p.Midnight) / time.Second) }
	pr := &planner.Problem{}
	for i, t := range p.Trips {
		from := earliest
		if t.PickupAfter.After(from) {
			from = t.PickupAfter
		}
		if p.OwnWindows && t.Earliest.After(from) {
			from = t.Earliest
		}
		pr.Students = append(pr.Students, planner.Student{
			ID:         planner.StudentID(i),
			Pickup:     planner.Point{Lat: t.Pickup.Lat, Lng: t.Pickup.Lng},
			Site:       planner.SiteID(fmt.Sprintf("%.5f,%.5f", t.Dropoff.Lat, t.Dropoff.Lng)),
			SitePos:    planner.Point{Lat: t.Dropoff.Lat, Lng: t.Dropoff.Lng},
			Earliest:   sec(from),
			ArriveBy:   sec(t.ArriveBy),
			Wheelchair: t.Wheelchair,
			Seats:      t.Seats(),
		})
	}
	for i, d := range p.Drivers {
		at := d.Home
		if p.Ready == nil && d.Status == fleet.Online && d.Location != nil {
			at = *d.Location // planning now: from where they are
		}
		wc := 0
		if d.Vehicle.Wheelchair {
			wc = 1
		}
		ready := earliest.Add(-time.Hour)
		if p.Ready != nil {
			ready = p.Ready[i]
		}
		pr.Cars = append(pr.Cars, planner.Car{
			ID: planner.CarID(i), Home: planner.Point{Lat: at.Lat, Lng: at.Lng},
			Seats: d.Vehicle.Seats, WheelchairSlots: wc, Departure: sec(ready),
		})
	}
	return pr
}

// Routes turns the planner's plan into routes, with ids from newID.
func (p *Pooling) Routes(plan *planner.Plan, newID func(string) string) (routes []Route, unserved []string) {
	at := func(s planner.Seconds) time.Time { return p.Midnight.Add(time.Duration(s) * time.Second).UTC() }
	for _, r := range plan.Routes {
		route := Route{ID: newID("rte"), DriverID: p.Drivers[r.Car].ID, Status: RouteDraft,
			Start: at(r.Start), Km: float64(r.Meters) / 1000}
		for _, s := range r.Stops {
			t := p.Trips[s.Student]
			stop := RouteStop{Kind: s.Kind.String(), TripID: t.ID, At: at(s.Time), Place: t.Pickup,
				Seats: t.Seats(), Wheelchair: t.Wheelchair}
			if s.Kind == planner.Dropoff {
				stop.Place = t.Dropoff
			}
			route.Stops = append(route.Stops, stop)
		}
		routes = append(routes, route)
	}
	for _, id := range plan.Unserved {
		unserved = append(unserved, p.Trips[id].ID)
	}
	return routes, unserved
}

// RouteOffer is a route as its driver sees it before confirming: every
// stop and time, areas rather than addresses, no rider's name or phone.
func RouteOffer(r Route) Route {
	out := r
	out.Stops = make([]RouteStop, len(r.Stops))
	for i, s := range r.Stops {
		s.Place = area(s.Place)
		out.Stops[i] = s
	}
	return out
}
