package fleet

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heartlink/heartlink"
)

// Presence is whether a driver is taking offers.
type Presence string

const (
	Offline Presence = "offline"
	Online  Presence = "online"
)

// Vehicle is the car a volunteer drives. Seats counts passenger seats.
type Vehicle struct {
	Plate      string `json:"plate"`
	Seats      int    `json:"seats"`
	Wheelchair bool   `json:"wheelchair"`
}

// Driver is a registered volunteer. Location is the last reported position
// and is meaningful only while Status is Online.
type Driver struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Phone          string           `json:"phone"`
	Vehicle        Vehicle          `json:"vehicle"`
	VerifiedMinors bool             `json:"verified_minors"`
	Home           heartlink.Point  `json:"home"`
	Status         Presence         `json:"status"`
	Location       *heartlink.Point `json:"location,omitempty"`
	SeenAt         time.Time        `json:"seen_at,omitzero"`
	CreatedAt      time.Time        `json:"created_at"`
}

// DriverRegistration is what a coordinator supplies to register a driver.
type DriverRegistration struct {
	Name           string           `json:"name"`
	Phone          string           `json:"phone"`
	Vehicle        *Vehicle         `json:"vehicle"`
	VerifiedMinors bool             `json:"verified_minors"`
	Home           *heartlink.Point `json:"home"`
}

// MaxSeats is the most passenger seats a registered car may have.
const MaxSeats = 8

// Validate reports the first problem with r, naming the field.
func (r *DriverRegistration) Validate() error {
	if err := heartlink.ValidName("name", r.Name); err != nil {
		return err
	}
	if err := ValidPhone("phone", r.Phone); err != nil {
		return err
	}
	if r.Vehicle == nil {
		return heartlink.FieldError(heartlink.EInvalid, "vehicle", "vehicle is required")
	}
	if p := strings.TrimSpace(r.Vehicle.Plate); p == "" || utf8.RuneCountInString(p) > 16 {
		return heartlink.FieldError(heartlink.EInvalid, "vehicle.plate", "plate must be 1 to 16 characters")
	}
	if r.Vehicle.Seats < 1 || r.Vehicle.Seats > MaxSeats {
		return heartlink.FieldError(heartlink.EInvalid, "vehicle.seats", "seats must be between 1 and %d", MaxSeats)
	}
	return ValidPoint("home", r.Home)
}

// PresenceUpdate is a driver going online at a location, or offline.
type PresenceUpdate struct {
	Status   Presence         `json:"status"`
	Location *heartlink.Point `json:"location"`
}

// Validate reports the first problem with u, naming the field.
func (u *PresenceUpdate) Validate() error {
	switch u.Status {
	case Online:
		return ValidPoint("location", u.Location)
	case Offline:
		u.Location = nil // where an offline driver is, nobody needs to know
		return nil
	}
	return heartlink.FieldError(heartlink.EInvalid, "status", "status must be online or offline")
}

// ValidPoint checks a required coordinate.
func ValidPoint(field string, p *heartlink.Point) error {
	if p == nil {
		return heartlink.FieldError(heartlink.EInvalid, field, "%s is required", field)
	}
	return validCoords(field+".lat", field+".lng", p.Lat, p.Lng)
}

// validCoords checks a latitude and longitude, naming the one at fault.
// Latitudes stop at heartlink.MaxLat, where Redis's geo index does.
func validCoords(latField, lngField string, lat, lng float64) error {
	if lat < -heartlink.MaxLat || lat > heartlink.MaxLat || lat != lat {
		return heartlink.FieldError(heartlink.EInvalid, latField, "lat must be between -85.05 and 85.05")
	}
	if lng < -180 || lng > 180 || lng != lng {
		return heartlink.FieldError(heartlink.EInvalid, lngField, "lng must be between -180 and 180")
	}
	return nil
}

// ValidPhone accepts what people write: digits with optional leading +,
// spaces and dashes, 5 to 20 digits.
func ValidPhone(field, s string) error {
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-':
		default:
			return heartlink.FieldError(heartlink.EInvalid, field, "%s may hold only digits, spaces, dashes and a leading +", field)
		}
	}
	if digits < 5 || digits > 20 {
		return heartlink.FieldError(heartlink.EInvalid, field, "%s must have 5 to 20 digits", field)
	}
	return nil
}
