// Package safety holds the rules of a driver's emergency (SOS): what
// raising one asks, and what the board is shown of it. It is plain Go with
// no I/O; the Redis store keeps SOS atomically and the HTTP and live APIs
// speak its types. It must not import a store or a transport.
package safety

import (
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// Status is where an SOS stands.
type Status string

const (
	Open     Status = "open"     // raised, nobody has dealt with it yet
	Resolved Status = "resolved" // a coordinator dealt with it
)

// Raise is a driver's emergency call: where they are and, optionally, the
// trip they are driving.
type Raise struct {
	Location *heartlink.Point `json:"location"`
	TripID   string           `json:"trip_id"`
}

// Validate reports every problem with r, each naming its field.
func (r *Raise) Validate() error {
	errs := []error{fleet.ValidPoint("location", r.Location)}
	if len(r.TripID) > 64 {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "trip_id", "trip_id must be a trip's id"))
	}
	return heartlink.Join(errs...)
}

// MayRaiseOn says whether driver by may raise an SOS naming trip t: only a
// trip they hold (or held until it ended, within ContactGrace), as the
// SOS shows its riders' contact to the board.
func MayRaiseOn(p dispatch.Policy, t *dispatch.Trip, by heartlink.Principal, now time.Time) error {
	if p.AccessFor(t, by, false, now) < dispatch.Full {
		return heartlink.FieldError(heartlink.EForbidden, "trip_id", "trip %q is not yours: raise the SOS without trip_id, or with the trip you are driving", t.ID)
	}
	return nil
}

// SOS is one driver's emergency as stored: who raised it, where they last
// were, the trip it names, and what became of it.
type SOS struct {
	ID         string          `json:"id"`
	DriverID   string          `json:"driver_id"`
	TripID     string          `json:"trip_id,omitempty"`
	Status     Status          `json:"status"`
	Location   heartlink.Point `json:"location"`
	RaisedAt   time.Time       `json:"raised_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	ResolvedBy string          `json:"resolved_by,omitempty"`
	ResolvedAt time.Time       `json:"resolved_at,omitzero"`
	Note       string          `json:"note,omitempty"`
}

// Alarm is an SOS as the board shows it: with the driver to call, the
// trip, and its riders and requester to call. Coordinators only.
type Alarm struct {
	SOS
	Driver    *Contact         `json:"driver,omitempty"`
	Trip      *AlarmTrip       `json:"trip,omitempty"`
	Requester *Contact         `json:"requester,omitempty"`
	Riders    []dispatch.Rider `json:"riders,omitempty"`
}

// Contact is someone to call.
type Contact struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	Plate string `json:"plate,omitempty"`
}

// AlarmTrip is the trip an SOS names, as the board needs it.
type AlarmTrip struct {
	ID      string          `json:"id"`
	Kind    dispatch.Kind   `json:"kind"`
	Status  dispatch.Status `json:"status"`
	Pickup  dispatch.Place  `json:"pickup"`
	Dropoff dispatch.Place  `json:"dropoff"`
}

// AlarmOf renders s for the board with the driver d, the trip t and its
// requester r, any of which may be nil.
func AlarmOf(s SOS, d *fleet.Driver, t *dispatch.Trip, r *fleet.Requester) Alarm {
	a := Alarm{SOS: s}
	if d != nil {
		a.Driver = &Contact{ID: d.ID, Name: d.Name, Phone: d.Phone, Plate: d.Vehicle.Plate}
	}
	if t != nil {
		a.Trip = &AlarmTrip{ID: t.ID, Kind: t.Kind, Status: t.Status, Pickup: t.Pickup, Dropoff: t.Dropoff}
		a.Riders = t.Riders
	}
	if r != nil {
		a.Requester = &Contact{ID: r.ID, Name: r.Name, Phone: r.Phone}
	}
	return a
}

// Resolution is a coordinator's word on an SOS.
type Resolution struct {
	Note string `json:"note"`
}

// Validate checks the note's length.
func (r *Resolution) Validate() error {
	if len([]rune(r.Note)) > 500 {
		return heartlink.FieldError(heartlink.EInvalid, "note", "note may have at most 500 characters")
	}
	return nil
}
