package fleet

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heartlink/heartlink"
)

// PlaceKind is what a landmark is.
type PlaceKind string

const (
	ExamSite      PlaceKind = "exam_site"
	HospitalPlace PlaceKind = "hospital"
	Station       PlaceKind = "station"        // a driver station: rest, charge, wait
	ServiceCentre PlaceKind = "service_centre" // the drivers' service centre
	CommunityArea PlaceKind = "community"      // a residents' community
)

// Valid reports whether k is one of the kinds above.
func (k PlaceKind) Valid() bool {
	switch k {
	case ExamSite, HospitalPlace, Station, ServiceCentre, CommunityArea:
		return true
	}
	return false
}

// placeKinds is how a message lists the kinds.
const placeKinds = "exam_site, hospital, station, service_centre or community"

// Place is a landmark of the city: where students sit exams, patients are
// treated, and drivers rest. Requests may name one as a dropoff; the board
// draws them.
type Place struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Kind    PlaceKind `json:"kind"`
	Lat     float64   `json:"lat"`
	Lng     float64   `json:"lng"`
	Address string    `json:"address,omitempty"`
	// Aliases are the other names people know the place by (鹰潭市第二中学
	// and "Yingtan No.2 Middle School" for 鹰潭二中); a search finds it by
	// any of them.
	Aliases []string `json:"aliases,omitempty"`
	// Hours is when the place is open, in the city's time zone, written as
	// a driver's availability is; nil when nobody said (see OpenAt).
	Hours *Availability `json:"hours,omitempty"`
	// Services is what a driver finds there: of placeServices.
	Services []string `json:"services,omitempty"`
}

// placeServices is what a place may offer a driver (README and OpenAPI
// list the same).
var placeServices = []string{"charging", "food", "rest", "toilet", "water"}

// OpenAt says whether p is open at t, its hours read in loc; known is
// false when p has no hours.
func (p *Place) OpenAt(t time.Time, loc *time.Location) (open, known bool) {
	if p.Hours == nil || p.Hours.Empty() {
		return false, false
	}
	for _, w := range p.Hours.On(t, loc) {
		if !t.Before(w.From) && t.Before(w.To) {
			return true, true
		}
	}
	return false, true
}

// Point is where p stands.
func (p *Place) Point() heartlink.Point { return heartlink.Point{Lat: p.Lat, Lng: p.Lng} }

// PlaceDraft is what a coordinator supplies to add a place.
type PlaceDraft struct {
	Name    string    `json:"name"`
	Kind    PlaceKind `json:"kind"`
	Lat     *float64  `json:"lat"`
	Lng     *float64  `json:"lng"`
	Address string    `json:"address"`
	Aliases []string  `json:"aliases"` // optional
	// Hours and Services are optional: see Place.
	Hours    *Availability `json:"hours"`
	Services []string      `json:"services"`
}

// MaxAliases is the most other names one place may have.
const MaxAliases = 10

// Validate reports every problem with d, each naming its field.
func (d *PlaceDraft) Validate() error {
	errs := []error{heartlink.ValidName("name", d.Name)}
	if !d.Kind.Valid() {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "kind", "kind must be %s", placeKinds))
	}
	if d.Lat == nil {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "lat", "lat is required"))
	}
	if d.Lng == nil {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "lng", "lng is required"))
	}
	if d.Lat != nil && d.Lng != nil {
		errs = append(errs, validCoords("lat", "lng", *d.Lat, *d.Lng))
	}
	if len([]rune(d.Address)) > 200 {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "address", "address must be at most 200 characters"))
	}
	if len(d.Aliases) > MaxAliases {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "aliases", "a place has at most %d aliases", MaxAliases))
	} else {
		for i, a := range d.Aliases {
			errs = append(errs, heartlink.ValidName("aliases["+strconv.Itoa(i)+"]", a))
		}
	}
	if d.Hours != nil {
		if err := d.Hours.Validate(); err != nil {
			errs = append(errs, heartlink.Under("hours", err))
		}
	}
	for i, sv := range d.Services {
		if !slices.Contains(placeServices, sv) {
			errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "services["+strconv.Itoa(i)+"]",
				"%q is not a service: name %s", sv, strings.Join(placeServices, ", ")))
		}
	}
	return heartlink.Join(errs...)
}

// Place is the place d adds, under id: names trimmed, an alias that
// repeats the name or another alias kept once.
func (d *PlaceDraft) Place(id string) *Place {
	p := &Place{ID: id, Name: strings.TrimSpace(d.Name), Kind: d.Kind, Lat: *d.Lat, Lng: *d.Lng,
		Address: strings.TrimSpace(d.Address)}
	seen := map[string]bool{p.Name: true}
	for _, a := range d.Aliases {
		if a = strings.TrimSpace(a); !seen[a] {
			seen[a] = true
			p.Aliases = append(p.Aliases, a)
		}
	}
	if d.Hours != nil && !d.Hours.Empty() {
		h := d.Hours.Listed()
		p.Hours = &h
	}
	for _, sv := range d.Services {
		if !slices.Contains(p.Services, sv) {
			p.Services = append(p.Services, sv)
		}
	}
	return p
}
