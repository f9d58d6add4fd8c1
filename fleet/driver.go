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
	// Active is false once a coordinator deactivated the driver: no
	// offers, no going online.
	Active bool `json:"active"`
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

// Validate reports every problem with r, each naming its field.
func (r *DriverRegistration) Validate() error {
	errs := []error{heartlink.ValidName("name", r.Name), ValidPhone("phone", r.Phone)}
	if r.Vehicle == nil {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "vehicle", "vehicle is required"))
	} else {
		if p := strings.TrimSpace(r.Vehicle.Plate); p == "" || utf8.RuneCountInString(p) > 16 {
			errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "vehicle.plate", "plate must be 1 to 16 characters"))
		}
		if r.Vehicle.Seats < 1 || r.Vehicle.Seats > MaxSeats {
			errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "vehicle.seats", "seats must be between 1 and %d", MaxSeats))
		}
	}
	errs = append(errs, ValidPoint("home", r.Home))
	return heartlink.Join(errs...)
}

// PresenceUpdate is a driver going online, at a location or where Locate
// places them, or offline.
type PresenceUpdate struct {
	Status   Presence         `json:"status"`
	Location *heartlink.Point `json:"location"`
}

// Validate reports the first problem with u, naming the field. A driver
// may go online without a location: Locate gives them one.
func (u *PresenceUpdate) Validate() error {
	switch u.Status {
	case Online:
		if u.Location == nil {
			return nil
		}
		return ValidPoint("location", u.Location)
	case Offline:
		u.Location = nil // where an offline driver is, nobody needs to know
		return nil
	}
	return heartlink.FieldError(heartlink.EInvalid, "status", "status must be online or offline")
}

// LocationSource is where a driver going online was placed.
type LocationSource string

const (
	LocationGiven LocationSource = "given" // the location the driver sent
	LocationLive  LocationSource = "live"  // where they were last seen online
	LocationHome  LocationSource = "home"  // their registered home
)

// Locate places a driver going online without a location: at the position
// they last shared while online, if they are still online and were heard
// from within fresh of now, else at their home, which is always known. A
// position kept from before going offline, or gone stale, is not used: a
// driver is more likely to start from home than from where they stopped.
// Other updates keep what they hold. d is the driver as stored.
func (u *PresenceUpdate) Locate(d *Driver, now time.Time, fresh time.Duration) LocationSource {
	switch {
	case u.Status != Online:
		return ""
	case u.Location != nil:
		return LocationGiven
	case d.Status == Online && d.Location != nil && now.Sub(d.SeenAt) <= fresh:
		p := *d.Location
		u.Location = &p
		return LocationLive
	}
	h := d.Home
	u.Location = &h
	return LocationHome
}

// ValidPoint checks a required coordinate.
func ValidPoint(field string, p *heartlink.Point) error {
	if p == nil {
		return heartlink.FieldError(heartlink.EInvalid, field, "%s is required", field)
	}
	return validCoords(field+".lat", field+".lng", p.Lat, p.Lng)
}

// validCoords checks a latitude and longitude, naming each at fault.
// Latitudes stop at heartlink.MaxLat, where Redis's geo index does.
func validCoords(latField, lngField string, lat, lng float64) error {
	var errs []error
	if lat < -heartlink.MaxLat || lat > heartlink.MaxLat || lat != lat {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, latField, "lat must be between -85.05 and 85.05"))
	}
	if lng < -180 || lng > 180 || lng != lng {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, lngField, "lng must be between -180 and 180"))
	}
	return heartlink.Join(errs...)
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
