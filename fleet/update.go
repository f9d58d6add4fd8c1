package fleet

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heartlink/heartlink"
)

// VehicleUpdate changes some of a car's details; nil fields stay as they are.
type VehicleUpdate struct {
	Plate      *string `json:"plate"`
	Seats      *int    `json:"seats"`
	Wheelchair *bool   `json:"wheelchair"`
}

// DriverUpdate is a coordinator's change of a registered driver; nil
// fields stay as they are. Active false deactivates the driver: no more
// offers, no going online, their live sockets closed.
type DriverUpdate struct {
	Name           *string        `json:"name"`
	Phone          *string        `json:"phone"`
	Vehicle        *VehicleUpdate `json:"vehicle"`
	VerifiedMinors *bool          `json:"verified_minors"`
	Active         *bool          `json:"active"`
}

// Validate reports every problem with u at once, each naming its field.
func (u *DriverUpdate) Validate() error {
	var errs []error
	if u.Name != nil {
		errs = append(errs, heartlink.ValidName("name", *u.Name))
	}
	if u.Phone != nil {
		errs = append(errs, ValidPhone("phone", *u.Phone))
	}
	if v := u.Vehicle; v != nil {
		if v.Plate != nil {
			if p := strings.TrimSpace(*v.Plate); p == "" || utf8.RuneCountInString(p) > 16 {
				errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "vehicle.plate", "plate must be 1 to 16 characters"))
			}
		}
		if v.Seats != nil && (*v.Seats < 1 || *v.Seats > MaxSeats) {
			errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "vehicle.seats", "seats must be between 1 and %d", MaxSeats))
		}
		if v.Plate == nil && v.Seats == nil && v.Wheelchair == nil {
			errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "vehicle", "vehicle must change plate, seats or wheelchair"))
		}
	}
	if u.Name == nil && u.Phone == nil && u.Vehicle == nil && u.VerifiedMinors == nil && u.Active == nil {
		errs = append(errs, heartlink.Errorf(heartlink.EInvalid, "nothing to change: send name, phone, vehicle, verified_minors or active"))
	}
	return heartlink.Join(errs...)
}

// Apply changes d as u says and returns the names of the fields that
// changed value, in the order of the request's fields.
func (u *DriverUpdate) Apply(d *Driver) []string {
	var changed []string
	set := func(field string, differs bool, do func()) {
		if differs {
			do()
			changed = append(changed, field)
		}
	}
	if u.Name != nil {
		n := strings.TrimSpace(*u.Name)
		set("name", n != d.Name, func() { d.Name = n })
	}
	if u.Phone != nil {
		p := strings.TrimSpace(*u.Phone)
		set("phone", p != d.Phone, func() { d.Phone = p })
	}
	if v := u.Vehicle; v != nil {
		if v.Plate != nil {
			p := strings.TrimSpace(*v.Plate)
			set("vehicle.plate", p != d.Vehicle.Plate, func() { d.Vehicle.Plate = p })
		}
		if v.Seats != nil {
			set("vehicle.seats", *v.Seats != d.Vehicle.Seats, func() { d.Vehicle.Seats = *v.Seats })
		}
		if v.Wheelchair != nil {
			set("vehicle.wheelchair", *v.Wheelchair != d.Vehicle.Wheelchair, func() { d.Vehicle.Wheelchair = *v.Wheelchair })
		}
	}
	if u.VerifiedMinors != nil {
		set("verified_minors", *u.VerifiedMinors != d.VerifiedMinors, func() { d.VerifiedMinors = *u.VerifiedMinors })
	}
	if u.Active != nil {
		set("active", *u.Active != d.Active, func() { d.Active = *u.Active })
	}
	return changed
}

// RequesterUpdate is a coordinator's change of a registered requester; nil
// fields stay as they are. Active false stops it booking trips.
type RequesterUpdate struct {
	Name   *string        `json:"name"`
	Kind   *RequesterKind `json:"kind"`
	Phone  *string        `json:"phone"`
	Active *bool          `json:"active"`
}

// Validate reports every problem with u at once, each naming its field.
func (u *RequesterUpdate) Validate() error {
	var errs []error
	if u.Name != nil {
		errs = append(errs, heartlink.ValidName("name", *u.Name))
	}
	if u.Kind != nil {
		switch *u.Kind {
		case School, Community, CareStation:
		default:
			errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "kind", "kind must be school, community or care_station"))
		}
	}
	if u.Phone != nil {
		errs = append(errs, ValidPhone("phone", *u.Phone))
	}
	if u.Name == nil && u.Kind == nil && u.Phone == nil && u.Active == nil {
		errs = append(errs, heartlink.Errorf(heartlink.EInvalid, "nothing to change: send name, kind, phone or active"))
	}
	return heartlink.Join(errs...)
}

// Apply changes q as u says and returns the names of the fields that
// changed value.
func (u *RequesterUpdate) Apply(q *Requester) []string {
	var changed []string
	if u.Name != nil {
		if n := strings.TrimSpace(*u.Name); n != q.Name {
			q.Name, changed = n, append(changed, "name")
		}
	}
	if u.Kind != nil && *u.Kind != q.Kind {
		q.Kind, changed = *u.Kind, append(changed, "kind")
	}
	if u.Phone != nil {
		if p := strings.TrimSpace(*u.Phone); p != q.Phone {
			q.Phone, changed = p, append(changed, "phone")
		}
	}
	if u.Active != nil && *u.Active != q.Active {
		q.Active, changed = *u.Active, append(changed, "active")
	}
	return changed
}

// Change is one entry of a driver's or requester's record of changes:
// who changed which fields, when. Values are not kept: a phone number
// changed is not copied into the record.
type Change struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"` // heartlink.Principal.String()
	Fields []string  `json:"fields"`
}
