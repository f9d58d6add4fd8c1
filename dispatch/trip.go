// Package dispatch holds trips and the rules for giving each to exactly one
// volunteer: the trip state machine, request validation, the travel model,
// driver eligibility and ranking, offers, and what each caller may see of a
// trip. It is plain Go with no I/O; the Redis store carries these rules out
// atomically and the HTTP and live APIs speak its types.
package dispatch

import (
	"slices"
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
	CampaignID  string // the campaign whose drivers come first, if any
	// PIN is the handover PIN the rider gives the driver at the pick-up
	// (and, for minors, the drop-off): shown to the requester and
	// coordinators only (see Owner). "" for trips booked before PINs.
	PIN string
	// ReturnTripID is the way back booked with this trip; ReturnOf, on the
	// way back, the trip there.
	ReturnTripID, ReturnOf string
	PickupAfter            time.Time // zero: as soon as needed to arrive by ArriveBy
	ArriveBy               time.Time
	// Earliest and DropBy bound the trip's time: no pick-up before
	// Earliest, no drop-off after DropBy (ArriveBy less the margin, or
	// ArriveBy itself when the trip was booked too late for the margin).
	// Both are fixed at request time.
	Earliest time.Time
	DropBy   time.Time
	// PickupAt and DropoffAt are the planned times: the trip alone at
	// request time, then as its driver's route times it.
	PickupAt  time.Time
	DropoffAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// EndedAt is when the trip was completed or cancelled; rider contact
	// stays visible to its driver for a grace period after it.
	EndedAt time.Time
	// CheckedInAt is when staff at the drop-off's gate saw the riders
	// arrive (see TCheckedIn), CheckedInBy who; zero until.
	CheckedInAt time.Time
	CheckedInBy string
	// PurgedAt is when its riders' names and phones and its addresses
	// were removed, RiderRetention after the trip (see Purge); zero until.
	PurgedAt time.Time
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
	// Km is the road distance driven from each run's first pick-up to its
	// last drop-off, stop to stop, as the stops were served.
	Km float64 `json:"km"`
}

// Tally counts driverID's completed trips among trips, and their hours:
// the time riders were in the car, from each planned pick-up to the
// drop-off (the planned one when the trip was closed later than it), with
// pooled trips counted once, not once per rider's trip.
func Tally(trips []*Trip, driverID string) Volunteering {
	var v Volunteering
	var spans [][2]time.Time
	for _, t := range trips {
		switch {
		case t.Status == Completed && t.DriverID == driverID:
			v.TripsCompleted++
			end := t.EndedAt
			if !end.After(t.PickupAt) || end.After(t.DropoffAt.Add(time.Hour)) {
				end = t.DropoffAt
			}
			if end.After(t.PickupAt) {
				spans = append(spans, [2]time.Time{t.PickupAt, end})
			}
		case t.Status.Active() && t.DriverID == driverID:
			v.Upcoming++
		}
	}
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var d time.Duration
	var cur [2]time.Time
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s[0].After(cur[1]):
			cur[1] = maxTime(cur[1], s[1])
		default:
			d += cur[1].Sub(cur[0])
			cur = s
		}
	}
	if len(spans) > 0 {
		d += cur[1].Sub(cur[0])
	}
	v.Hours = float64(d.Round(time.Minute)) / float64(time.Hour)
	return v
}

// Purge removes what identifies the trip's riders: their names and
// phones, the handover PIN, the pick-up and drop-off addresses, and the
// places' exact positions (kept to about a kilometre, as drivers see an
// offer). What reports count stays: how many rode, when, how far, who
// drove.
func (t *Trip) Purge(at time.Time) {
	// A fresh slice: whoever holds the trip before keeps its riders.
	t.Riders = make([]Rider, len(t.Riders))
	t.PIN = ""
	t.Pickup, t.Dropoff = area(t.Pickup), area(t.Dropoff)
	t.PurgedAt = at
}
