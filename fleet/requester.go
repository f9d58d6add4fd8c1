package fleet

import (
	"time"

	"github.com/heartlink/heartlink"
)

// RequesterKind is the kind of organisation that requests rides.
type RequesterKind string

const (
	School      RequesterKind = "school"
	Community   RequesterKind = "community"
	CareStation RequesterKind = "care_station"
)

// Requester is a school, residents' community or elder-care station.
type Requester struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Kind      RequesterKind `json:"kind"`
	Phone     string        `json:"phone"`
	CreatedAt time.Time     `json:"created_at"`
}

// RequesterRegistration is what a coordinator supplies to register one.
type RequesterRegistration struct {
	Name  string        `json:"name"`
	Kind  RequesterKind `json:"kind"`
	Phone string        `json:"phone"`
}

// Validate reports the first problem with r, naming the field.
func (r *RequesterRegistration) Validate() error {
	if err := heartlink.ValidName("name", r.Name); err != nil {
		return err
	}
	switch r.Kind {
	case School, Community, CareStation:
	default:
		return heartlink.FieldError(heartlink.EInvalid, "kind", "kind must be school, community or care_station")
	}
	return ValidPhone("phone", r.Phone)
}
