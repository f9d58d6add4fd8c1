package fleet

import (
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
}

// PlaceDraft is what a coordinator supplies to add a place.
type PlaceDraft struct {
	Name    string    `json:"name"`
	Kind    PlaceKind `json:"kind"`
	Lat     *float64  `json:"lat"`
	Lng     *float64  `json:"lng"`
	Address string    `json:"address"`
}

// Validate reports every problem with d, each naming its field.
func (d *PlaceDraft) Validate() error {
	errs := []error{heartlink.ValidName("name", d.Name)}
	switch d.Kind {
	case ExamSite, HospitalPlace, Station, ServiceCentre, CommunityArea:
	default:
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "kind", "kind must be exam_site, hospital, station, service_centre or community"))
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
	return heartlink.Join(errs...)
}
