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
	// Active is false once a coordinator deactivated it: it books no trips.
	Active bool `json:"active"`
}

// RequesterRegistration is what a coordinator supplies to register one.
type RequesterRegistration struct {
	Name  string        `json:"name"`
	Kind  RequesterKind `json:"kind"`
	Phone string        `json:"phone"`
}

// Validate reports every problem with r, each naming its field.
func (r *RequesterRegistration) Validate() error {
	var kind error
	switch r.Kind {
	case School, Community, CareStation:
	default:
		kind = heartlink.FieldError(heartlink.EInvalid, "kind", "kind must be school, community or care_station")
	}
	return heartlink.Join(heartlink.ValidName("name", r.Name), kind, ValidPhone("phone", r.Phone))
}
