// Package lost holds the lost-property log (失物归还): an item found in a
// car, with the trip it was found after and a photo, and its hand-back to
// the owner, confirmed by the owner's phone or by the trip's requester. It
// is plain Go with no I/O; the Redis store keeps items atomically and the
// HTTP and live APIs speak its types.
package lost

import (
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/report"
)

// Status is where an item stands.
type Status string

const (
	Unclaimed Status = "unclaimed" // logged, not yet back with its owner
	Returned  Status = "returned"  // handed back
)

// How a hand-back was confirmed.
const (
	ByOwnerPhone = "owner_phone" // the owner gave a phone of the trip's riders or requester
	ByRequester  = "requester"   // the trip's requester (the school, the community) confirmed it
	ByHand       = "coordinator" // a coordinator recorded it, for an item that names no trip
)

// Limits of an item's text.
const (
	MaxDescription = 500
	MaxPlace       = 200
	MaxName        = 100
)

// Draft is an item as a driver or coordinator logs it; a photo may come
// beside it.
type Draft struct {
	TripID      string `json:"trip_id"`
	Description string `json:"description"`
	// Where it is kept now (the service centre, the driver's car).
	KeptAt string `json:"kept_at"`
}

// Validate reports every problem with d, each naming its field.
func (d *Draft) Validate() error {
	var errs []error
	switch n := len([]rune(d.Description)); {
	case n == 0:
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "description", "description is required: what was found, and where in the car"))
	case n > MaxDescription:
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "description", "description may have at most %d characters", MaxDescription))
	}
	if len([]rune(d.KeptAt)) > MaxPlace {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "kept_at", "kept_at may have at most %d characters", MaxPlace))
	}
	if len(d.TripID) > 64 {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "trip_id", "trip_id must be a trip's id"))
	}
	return heartlink.Join(errs...)
}

// Item is one found item, as coordinators, the one who logged it and the
// trip's requester see it.
type Item struct {
	ID          string        `json:"id"`
	TripID      string        `json:"trip_id,omitempty"`
	Description string        `json:"description"`
	KeptAt      string        `json:"kept_at,omitempty"`
	Status      Status        `json:"status"`
	FoundBy     string        `json:"found_by"` // e.g. driver:drv_x
	Photo       *report.Photo `json:"photo,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Return      *Return       `json:"return,omitempty"`
}

// PhotoURL is where item id's photo is served.
func PhotoURL(id string) string { return "/api/v1/lost-items/" + id + "/photo" }

// Return is an item's hand-back.
type Return struct {
	To          string    `json:"to"`
	Where       string    `json:"where,omitempty"`
	At          time.Time `json:"at"`
	By          string    `json:"by"`
	ConfirmedBy string    `json:"confirmed_by"`
}

// Handback is the hand-back as its caller tells it: to whom, where, and
// the owner's phone, the proof an item went to the right person.
type Handback struct {
	To    string `json:"to"`
	Where string `json:"where"`
	Phone string `json:"phone"`
}

// Validate reports every problem with h, each naming its field. Whether
// the phone is needed and matches is the store's to say: it knows the trip.
func (h *Handback) Validate() error {
	var errs []error
	switch n := len([]rune(h.To)); {
	case n == 0:
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "to", "to is required: who took it back"))
	case n > MaxName:
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "to", "to may have at most %d characters", MaxName))
	}
	if len([]rune(h.Where)) > MaxPlace {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "where", "where may have at most %d characters", MaxPlace))
	}
	if len(h.Phone) > 32 {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "phone", "phone must be a phone number"))
	}
	return heartlink.Join(errs...)
}

// Filter says which items a list holds: those standing at Status (all
// when empty), a page of Limit (0: 100) after Cursor.
type Filter struct {
	Status Status
	Limit  int
	Cursor string
}
