package fleet

import (
	"strconv"
	"strings"

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
	return p
}
