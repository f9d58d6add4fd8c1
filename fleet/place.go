package fleet

import (
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

// Validate reports the first problem with d, naming the field.
func (d *PlaceDraft) Validate() error {
	if err := validName("name", d.Name); err != nil {
		return err
	}
	switch d.Kind {
	case ExamSite, HospitalPlace, Station, ServiceCentre, CommunityArea:
	default:
		return heartlink.FieldError(heartlink.EInvalid, "kind", "kind must be exam_site, hospital, station, service_centre or community")
	}
	if err := heartlink.RequireCoords(d.Lat, d.Lng); err != nil {
		f := "lat"
		if d.Lat != nil {
			f = "lng"
		}
		return heartlink.FieldError(heartlink.EInvalid, f, "%s is required", f)
	}
	if err := ValidPoint("", &heartlink.Point{Lat: *d.Lat, Lng: *d.Lng}); err != nil {
		e := err.(*heartlink.Error)
		e.Field = strings.TrimPrefix(e.Field, ".")
		return e
	}
	if len([]rune(d.Address)) > 200 {
		return heartlink.FieldError(heartlink.EInvalid, "address", "address must be at most 200 characters")
	}
	return nil
}
