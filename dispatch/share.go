package dispatch

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heartlink/heartlink"
)

// Share holds the rules of guardian links: read-only links to one trip
// that a requester (or a coordinator) gives a rider's family, who never
// sign in. The zero Share makes links that end with their trip.
type Share struct {
	// Grace is how long after its trip ends (completed, cancelled, no
	// show) a link still answers, so that a family sees the drop-off.
	Grace time.Duration
	// MaxAge is the longest a link lives from its making, whatever its
	// trip does.
	MaxAge time.Duration
}

// DefaultShare is what the README documents.
func DefaultShare() Share { return Share{Grace: time.Hour, MaxAge: 7 * 24 * time.Hour} }

// shareLate bounds a link by its trip's deadline too: a trip is over half
// a day after its arrive_by, whatever became of it.
const shareLate = 12 * time.Hour

// ShareLink is one guardian link of a trip. Its token is never kept: the
// store keys the link by the token's hash.
type ShareLink struct {
	ID        string    `json:"id"`
	TripID    string    `json:"trip_id"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is the latest the link works; it stops sooner, Grace after
	// its trip ends.
	ExpiresAt time.Time `json:"expires_at"`
}

// Expiry is when a link to t made at now stops working at the latest.
func (s Share) Expiry(t *Trip, now time.Time) time.Time {
	exp := t.ArriveBy.Add(shareLate)
	if s.MaxAge > 0 && now.Add(s.MaxAge).Before(exp) {
		exp = now.Add(s.MaxAge)
	}
	return exp.UTC()
}

// Until is when link l to t stops working, as t now stands.
func (s Share) Until(l ShareLink, t *Trip) time.Time {
	if t.Status.Ended() && !t.EndedAt.IsZero() {
		if end := t.EndedAt.Add(s.Grace); end.Before(l.ExpiresAt) {
			return end.UTC()
		}
	}
	return l.ExpiresAt
}

// CanShare says whether a new link to t may be made at now: not for a
// trip whose links would already have stopped.
func (s Share) CanShare(t *Trip, now time.Time) error {
	l := ShareLink{ExpiresAt: s.Expiry(t, now)}
	if !now.Before(s.Until(l, t)) {
		return heartlink.Errorf(heartlink.EConflict, "trip %q is over: a guardian link to it would show nothing", t.ID)
	}
	return nil
}

// MayShare says whether by may make or revoke guardian links to t: its
// requester and coordinators, never a driver.
func MayShare(t *Trip, by heartlink.Principal) error {
	switch {
	case by.Is(heartlink.RoleCoordinator):
		return nil
	case by.Is(heartlink.RoleRequester) && t.RequesterID == by.ID:
		return nil
	case by.Is(heartlink.RoleRequester):
		return heartlink.Errorf(heartlink.EForbidden, "this trip is not yours")
	}
	return heartlink.Errorf(heartlink.EForbidden, "only the trip's requester and coordinators share a trip")
}

// GuardianView is a trip as a rider's family sees it through a guardian
// link: where it stands, who drives and in which car, when, the handover
// PIN the rider gives the driver, and the car's position while the rider
// is aboard. Never the riders' names or phones, the driver's full name or
// phone, or the trip's coordinates: the places are the names they were
// booked with.
type GuardianView struct {
	Status    Status        `json:"status"`
	Kind      Kind          `json:"kind"`
	Pickup    GuardianPlace `json:"pickup"`
	Dropoff   GuardianPlace `json:"dropoff"`
	PickupAt  time.Time     `json:"pickup_at"`
	DropoffAt time.Time     `json:"dropoff_at,omitzero"`
	ArriveBy  time.Time     `json:"arrive_by"`
	UpdatedAt time.Time     `json:"updated_at"`
	PIN       string        `json:"pin,omitempty"`
	Driver    *GuardianCar  `json:"driver,omitempty"`
	// Position is the car's last live position, only while the rider is
	// aboard (picked_up): none before the pick-up, none after the drop-off.
	Position  *GuardianPosition `json:"position,omitempty"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// GuardianPlace names a stop of the trip, as booked.
type GuardianPlace struct {
	Name string `json:"name"`
}

// GuardianCar is who is coming: the driver's first name and the plate.
type GuardianCar struct {
	FirstName string `json:"first_name"`
	Plate     string `json:"plate"`
}

// GuardianPosition is where the car was, and when.
type GuardianPosition struct {
	Lat float64   `json:"lat"`
	Lng float64   `json:"lng"`
	At  time.Time `json:"at"`
}

// Driving is what a guardian view shows of the trip's driver: their name
// (of which only the first word is shown), plate and, if they share it,
// their live position and when it was heard.
type Driving struct {
	Name     string
	Plate    string
	Location *heartlink.Point
	SeenAt   time.Time
}

// GuardianViewOf renders t, driven as d (nil: no driver yet), for a link
// that works until until.
func GuardianViewOf(t *Trip, d *Driving, until time.Time) GuardianView {
	v := GuardianView{
		Status: t.Status, Kind: t.Kind,
		Pickup: GuardianPlace{Name: t.Pickup.Address}, Dropoff: GuardianPlace{Name: t.Dropoff.Address},
		PickupAt: t.PickupAt, DropoffAt: t.DropoffAt, ArriveBy: t.ArriveBy, UpdatedAt: t.UpdatedAt,
		PIN: t.PIN, ExpiresAt: until,
	}
	if t.Status.Ended() {
		// The rider is off the trip: the PIN proves nothing more.
		v.PIN = ""
	}
	if d != nil && t.DriverID != "" && !t.Status.Open() {
		v.Driver = &GuardianCar{FirstName: FirstName(d.Name), Plate: d.Plate}
		if t.Status == PickedUp && d.Location != nil {
			v.Position = &GuardianPosition{Lat: d.Location.Lat, Lng: d.Location.Lng, At: d.SeenAt.UTC()}
		}
	}
	return v
}

// FirstName is the part of a driver's name a family is shown: the first
// word of a name written with spaces ("Wang" of "Wang Wei"), or the first
// character of one written without (王 of 王伟, the family name, as a
// driver is called 王师傅).
func FirstName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.IndexFunc(name, unicode.IsSpace); i > 0 {
		return name[:i]
	}
	if r, size := utf8.DecodeRuneInString(name); unicode.Is(unicode.Han, r) {
		return name[:size]
	}
	return name
}
