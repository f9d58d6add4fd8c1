// Package dispatch holds trips and the rules for giving each to exactly one
// volunteer: the trip state machine, request validation, the travel model,
// driver eligibility and ranking, offers, and what each caller may see of a
// trip. It is plain Go with no I/O; the Redis store carries these rules out
// atomically and the HTTP and live APIs speak its types.
package dispatch

import (
	"time"

	"github.com/heartlink/heartlink"
)

// Kind is the kind of ride.
type Kind string

const (
	ExamEscort Kind = "exam_escort" // a student to an exam site; riders are minors
	Hospital   Kind = "hospital"    // an elderly or disabled resident to or from hospital
)

// Place is a point with the street address a driver needs once assigned.
type Place struct {
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	Address string  `json:"address,omitempty"`
}

// Point returns the place's coordinate.
func (p Place) Point() heartlink.Point { return heartlink.Point{Lat: p.Lat, Lng: p.Lng} }

// Rider is a person carried. Name and phone are personal data: see View.
type Rider struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
}

// Span is the time a driver is committed to a trip, buffers included.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Overlaps reports whether s and o share any instant.
func (s Span) Overlaps(o Span) bool { return s.Start.Before(o.End) && o.Start.Before(s.End) }

// Trip is one ride request from pickup to drop-off.
type Trip struct {
	ID          string
	Kind        Kind
	Status      Status
	RequesterID string // the requester it belongs to; "" when a coordinator booked it for nobody
	CreatedBy   string // heartlink.Principal.String() of whoever requested it
	DriverID    string // the assigned driver, from acceptance to completion
	Pickup      Place
	Dropoff     Place
	Riders      []Rider
	Wheelchair  bool
	CampaignID  string    // the campaign whose drivers come first, if any
	PickupAfter time.Time // zero: as soon as needed to arrive by ArriveBy
	ArriveBy    time.Time
	// PickupAt is the planned pickup and Span the driver's commitment, both
	// fixed at request time from the travel model.
	PickupAt  time.Time
	Span      Span
	CreatedAt time.Time
	UpdatedAt time.Time
	// EndedAt is when the trip was completed or cancelled; rider contact
	// stays visible to its driver for a grace period after it.
	EndedAt time.Time
	// Version increases with every change; a dispatcher offers a trip only
	// at the version it ranked candidates for.
	Version int64
}

// Seats is how many seats the trip needs.
func (t *Trip) Seats() int { return len(t.Riders) }

// MinorsRide reports whether the riders are minors, so only drivers verified
// for minors may carry them.
func (t *Trip) MinorsRide() bool { return t.Kind == ExamEscort }

// Open reports whether a driver may still take the trip.
func (t *Trip) Open() bool { return t.Status.Open() }

// UnmarshalJSON reads a place; lat and lng are required.
func (p *Place) UnmarshalJSON(b []byte) error {
	var v struct {
		Lat     *float64 `json:"lat"`
		Lng     *float64 `json:"lng"`
		Address string   `json:"address"`
	}
	if err := heartlink.StrictJSON(b, &v); err != nil {
		return err
	}
	if err := heartlink.RequireCoords(v.Lat, v.Lng); err != nil {
		return err
	}
	*p = Place{Lat: *v.Lat, Lng: *v.Lng, Address: v.Address}
	return nil
}

// Volunteering is what a driver has given: trips completed and hours.
type Volunteering struct {
	TripsCompleted int     `json:"trips_completed"`
	Hours          float64 `json:"hours"`
	Upcoming       int     `json:"upcoming"`
}

// Tally counts driverID's completed trips among trips, and their hours:
// from the planned pickup to the end, or the planned ride when it ended
// sooner than planned.
func Tally(trips []*Trip, driverID string) Volunteering {
	var v Volunteering
	var d time.Duration
	for _, t := range trips {
		switch {
		case t.Status == Completed && t.DriverID == driverID:
			v.TripsCompleted++
			if took := t.EndedAt.Sub(t.PickupAt); took > 0 {
				d += took
			} else {
				d += t.Span.End.Sub(t.Span.Start)
			}
		case t.Status.Active() && t.DriverID == driverID:
			v.Upcoming++
		}
	}
	v.Hours = float64(d.Round(time.Minute)) / float64(time.Hour)
	return v
}
