package examday

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/heartlink/heartlink/planner"
)

// InstanceFormat is the format tag gen.py writes.
const InstanceFormat = "heartlink-examday-instance/1"

// Instance is the part of a gen.py instance the planner needs. Fields the
// generator adds for people (area names, notes) are ignored.
type Instance struct {
	Format      string        `json:"format"`
	Name        string        `json:"name"`
	TravelModel travelModel   `json:"travel_model"`
	ServiceS    serviceTimes  `json:"service_s"`
	MaxRide     *maxRide      `json:"max_ride"`
	Sites       []siteJSON    `json:"sites"`
	Students    []studentJSON `json:"students"`
	Cars        []carJSON     `json:"cars"`
}

type travelModel struct {
	Kind     string  `json:"kind"`
	Detour   float64 `json:"detour"`
	SpeedKmh float64 `json:"speed_kmh"`
	EarthKm  float64 `json:"earth_radius_km"`
}

type serviceTimes struct {
	Pickup  int `json:"pickup"`
	Dropoff int `json:"dropoff"`
}

type maxRide struct {
	AbsS   int     `json:"abs_s"`
	Factor float64 `json:"factor"`
	AddS   int     `json:"add_s"`
}

type siteJSON struct {
	ID  string   `json:"id"`
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
}

type studentJSON struct {
	ID             int      `json:"id"`
	Lat            *float64 `json:"lat"`
	Lon            *float64 `json:"lon"`
	Site           string   `json:"site"`
	EarliestPickup *int     `json:"earliest_pickup"`
	ArriveBy       *int     `json:"arrive_by"`
	Wheelchair     bool     `json:"wheelchair"`
}

type carJSON struct {
	ID              int      `json:"id"`
	Lat             *float64 `json:"lat"`
	Lon             *float64 `json:"lon"`
	Seats           *int     `json:"seats"`
	WheelchairSlots int      `json:"wheelchair_slots"`
	AvailableFrom   *int     `json:"available_from"`
}

// ReadInstance decodes an instance and checks that every field the planner
// relies on is present, naming the first record that is not.
func ReadInstance(r io.Reader) (*Instance, error) {
	var in Instance
	dec := json.NewDecoder(r)
	if err := dec.Decode(&in); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("not valid JSON at byte %d: %w", se.Offset, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("field %q has the wrong type: %w", te.Field, err)
		}
		return nil, fmt.Errorf("reading instance: %w", err)
	}
	if in.Format != InstanceFormat {
		return nil, fmt.Errorf("format is %q, want %q", in.Format, InstanceFormat)
	}
	if k := in.TravelModel.Kind; k != "" && k != "haversine_detour" {
		return nil, fmt.Errorf("travel model %q is not supported (only haversine_detour)", k)
	}
	for i, s := range in.Sites {
		if s.ID == "" || s.Lat == nil || s.Lon == nil {
			return nil, fmt.Errorf("site #%d: id, lat and lon are required", i)
		}
	}
	for i, s := range in.Students {
		if s.Lat == nil || s.Lon == nil || s.Site == "" || s.EarliestPickup == nil || s.ArriveBy == nil {
			return nil, fmt.Errorf("student #%d (id %d): lat, lon, site, earliest_pickup and arrive_by are required", i, s.ID)
		}
	}
	for i, c := range in.Cars {
		if c.Lat == nil || c.Lon == nil || c.Seats == nil || c.AvailableFrom == nil {
			return nil, fmt.Errorf("car #%d (id %d): lat, lon, seats and available_from are required", i, c.ID)
		}
	}
	return &in, nil
}

// Problem converts the instance for the planner.
func (in *Instance) Problem() (*planner.Problem, error) {
	sites := make(map[string]planner.Point, len(in.Sites))
	for _, s := range in.Sites {
		sites[s.ID] = planner.Point{Lat: *s.Lat, Lng: *s.Lon}
	}
	p := &planner.Problem{
		Students: make([]planner.Student, len(in.Students)),
		Cars:     make([]planner.Car, len(in.Cars)),
	}
	for i, s := range in.Students {
		pos, ok := sites[s.Site]
		if !ok {
			return nil, fmt.Errorf("student %d: unknown site %q", s.ID, s.Site)
		}
		p.Students[i] = planner.Student{
			ID:         planner.StudentID(s.ID),
			Pickup:     planner.Point{Lat: *s.Lat, Lng: *s.Lon},
			Site:       planner.SiteID(s.Site),
			SitePos:    pos,
			Earliest:   planner.Seconds(*s.EarliestPickup),
			ArriveBy:   planner.Seconds(*s.ArriveBy),
			Wheelchair: s.Wheelchair,
		}
	}
	for i, c := range in.Cars {
		p.Cars[i] = planner.Car{
			ID:              planner.CarID(c.ID),
			Home:            planner.Point{Lat: *c.Lat, Lng: *c.Lon},
			Seats:           *c.Seats,
			WheelchairSlots: c.WheelchairSlots,
			Departure:       planner.Seconds(*c.AvailableFrom),
		}
	}
	return p, nil
}

// Options returns the planner options the instance prescribes (travel
// model, service times, ride rule) on top of base.
func (in *Instance) Options(base planner.Options) planner.Options {
	tm := in.TravelModel
	base.Travel = planner.TravelModel{Detour: tm.Detour, SpeedKmh: tm.SpeedKmh, EarthKm: tm.EarthKm}
	base.Board = planner.Seconds(in.ServiceS.Pickup)
	base.Alight = planner.Seconds(in.ServiceS.Dropoff)
	if mr := in.MaxRide; mr != nil {
		base.MaxRide = planner.RideRule{Min: planner.Seconds(mr.AbsS), Factor: mr.Factor, Add: planner.Seconds(mr.AddS)}
	}
	return base
}
