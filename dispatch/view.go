package dispatch

import (
	"math"
	"time"

	"github.com/heartlink/heartlink"
)

// View is a trip as one caller may see it. Riders and exact places are
// present only for those PRODUCT.md allows: the requester, coordinators,
// and the assigned driver from acceptance until ContactGrace after the end.
// Everyone else who may see the trip at all sees approximate areas.
type View struct {
	ID          string  `json:"id"`
	Kind        Kind    `json:"kind"`
	Status      Status  `json:"status"`
	RequesterID string  `json:"requester_id,omitempty"`
	DriverID    string  `json:"driver_id,omitempty"`
	Pickup      Place   `json:"pickup"`
	Dropoff     Place   `json:"dropoff"`
	Approximate bool    `json:"approximate,omitempty"` // pickup and dropoff are areas of about 1 km, not addresses
	Riders      []Rider `json:"riders,omitempty"`
	// PIN is the handover PIN, for the requester and coordinators only.
	PIN string `json:"pin,omitempty"`
	// Driver names the assigned driver and their car, for those who see
	// the whole trip; it is filled in by whoever renders the view.
	Driver     *DriverBrief `json:"driver,omitempty"`
	Seats      int          `json:"seats"`
	Wheelchair bool         `json:"wheelchair"`
	CampaignID string       `json:"campaign_id,omitempty"`
	// ReturnTripID names the way back booked with this trip; ReturnOf, on
	// the way back, the trip there.
	ReturnTripID string     `json:"return_trip_id,omitempty"`
	ReturnOf     string     `json:"return_of,omitempty"`
	PickupAfter  *time.Time `json:"pickup_after,omitempty"`
	ArriveBy     time.Time  `json:"arrive_by"`
	PickupAt     time.Time  `json:"pickup_at"`
	DropoffAt    time.Time  `json:"dropoff_at,omitzero"`
	// CheckedInAt is when staff at the drop-off's gate checked the riders
	// in; absent until.
	CheckedInAt time.Time `json:"checked_in_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// PurgedAt says when the riders' names, phones and addresses were
	// removed (rider retention); the riders are then listed without them.
	PurgedAt *time.Time `json:"purged_at,omitempty"`
	Version  int64      `json:"version"`
}

// DriverBrief is who is coming: the assigned driver's name and car.
type DriverBrief struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Plate string `json:"plate"`
	Seats int    `json:"seats"`
}

// Access is how much of a trip a caller may see.
type Access int

const (
	NoAccess Access = iota
	Redacted        // a driver weighing an offer or an open trip
	Full            // the trip's driver: riders and addresses
	// Owner is Full and the handover PIN: the trip's requester and
	// coordinators. A driver never has it, or the PIN would prove nothing.
	Owner
)

// AccessFor says how much of t the caller by may see at time now.
// mayTake tells whether by, a driver, holds a live offer of t or may claim
// it (it is open and they are eligible): the caller must work that out.
func (p Policy) AccessFor(t *Trip, by heartlink.Principal, mayTake bool, now time.Time) Access {
	switch by.Role {
	case heartlink.RoleCoordinator:
		return Owner
	case heartlink.RoleRequester:
		if t.RequesterID == by.ID {
			return Owner
		}
	case heartlink.RoleDriver:
		if t.DriverID == by.ID {
			if t.Status.Ended() && now.Sub(t.EndedAt) > p.ContactGrace {
				return Redacted
			}
			return Full
		}
		if mayTake && t.Open() {
			return Redacted
		}
	}
	return NoAccess
}

// ViewOf renders t at the given access. It must not be called with NoAccess.
func ViewOf(t *Trip, a Access) View {
	v := View{
		ID: t.ID, Kind: t.Kind, Status: t.Status, RequesterID: t.RequesterID,
		DriverID: t.DriverID, Pickup: t.Pickup, Dropoff: t.Dropoff,
		Seats: t.Seats(), Wheelchair: t.Wheelchair, CampaignID: t.CampaignID, ArriveBy: t.ArriveBy,
		ReturnTripID: t.ReturnTripID, ReturnOf: t.ReturnOf,
		PickupAt: t.PickupAt, DropoffAt: t.DropoffAt, CheckedInAt: t.CheckedInAt, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Version: t.Version,
	}
	if !t.PickupAfter.IsZero() {
		pa := t.PickupAfter
		v.PickupAfter = &pa
	}
	if !t.PurgedAt.IsZero() {
		pa := t.PurgedAt
		v.PurgedAt = &pa
	}
	if a >= Full {
		v.Riders = t.Riders
		if a == Owner {
			v.PIN = t.PIN
		}
		return v
	}
	v.Approximate = true
	v.RequesterID = ""
	v.Pickup = area(t.Pickup)
	v.Dropoff = area(t.Dropoff)
	v.PickupAt, v.DropoffAt = coarse(t.PickupAt), coarse(t.DropoffAt)
	return v
}

// coarse rounds a planned time shown with an area: to the second, the
// planned pick-up less the known arrive-by is the ride, which would narrow
// a kilometre's area to an arc of metres around a known exam site.
func coarse(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Round(5 * time.Minute)
}

func area(p Place) Place {
	pt := p.Point().Approximate()
	return Place{Lat: pt.Lat, Lng: pt.Lng}
}

// Offer is a time-limited proposal of a trip to one driver, as the driver
// sees it: never a rider's name, phone or exact address.
type Offer struct {
	TripID      string     `json:"trip_id"`
	ExpiresAt   time.Time  `json:"expires_at"`
	Kind        Kind       `json:"kind"`
	PickupArea  Place      `json:"pickup_area"`
	DropoffArea Place      `json:"dropoff_area"`
	Seats       int        `json:"seats"`
	Wheelchair  bool       `json:"wheelchair"`
	PickupAfter *time.Time `json:"pickup_after,omitempty"`
	// PickupAt and DropoffAt are when the driver would be at the pick-up
	// and the drop-off, on their route as it would be.
	PickupAt  time.Time `json:"pickup_at"`
	DropoffAt time.Time `json:"dropoff_at,omitzero"`
	ArriveBy  time.Time `json:"arrive_by"`
	// Route is what taking the trip changes on the driver's route.
	Route *RouteChange `json:"route,omitempty"`
}

// RouteChange is an insertion as the driver weighing it sees it: the whole
// route as it would be (areas, not addresses), the road distance and
// minutes it adds, and the riders already on it whose pick-up would move.
type RouteChange struct {
	Version      int64       `json:"version"` // of the route it applies to
	Stops        []RouteStop `json:"stops"`
	AddedKm      float64     `json:"added_km"`
	AddedMinutes float64     `json:"added_minutes"`
	SlackMinutes float64     `json:"slack_minutes"`
	Moved        []Move      `json:"moved,omitempty"`
}

// OfferOf renders the offer of t expiring at exp, as insertion ins into
// the driver's route.
func (p Policy) OfferOf(t *Trip, exp time.Time, ins *Insertion) Offer {
	v := ViewOf(t, Redacted)
	o := Offer{
		TripID: t.ID, ExpiresAt: exp.UTC(), Kind: t.Kind, PickupArea: v.Pickup, DropoffArea: v.Dropoff,
		Seats: v.Seats, Wheelchair: t.Wheelchair, PickupAfter: v.PickupAfter, PickupAt: v.PickupAt,
		DropoffAt: v.DropoffAt, ArriveBy: t.ArriveBy,
	}
	if ins != nil && len(ins.Stops) > ins.Dropoff {
		o.PickupAt, o.DropoffAt = coarse(ins.Stops[ins.Pickup].At).UTC(), coarse(ins.Stops[ins.Dropoff].At).UTC()
		rc := &RouteChange{Version: ins.Base, Stops: make([]RouteStop, len(ins.Stops)),
			AddedKm: round1(ins.AddedKm), AddedMinutes: round1(ins.AddedKm / p.Travel.SpeedKmh * 60),
			SlackMinutes: round1(ins.Slack.Minutes()), Moved: ins.Moved}
		for i, s := range ins.Stops {
			s.Place, s.At = area(s.Place), coarse(s.At).UTC()
			rc.Stops[i] = s
		}
		rc.Moved = nil
		for _, m := range ins.Moved {
			rc.Moved = append(rc.Moved, Move{TripID: m.TripID, From: coarse(m.From).UTC(), To: coarse(m.To).UTC()})
		}
		o.Route = rc
	}
	return o
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// ContactRead is one read of a trip's riders' contact: who, when, and
// through what ("trip", "list", "accept").
type ContactRead struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Via   string    `json:"via"`
}

// Erasure is what erasing a rider's data did: the trips their name and
// phone were removed from, and those kept because they are still to be
// driven (or changed meanwhile: ask again).
type Erasure struct {
	Erased []string `json:"erased"`
	Kept   []string `json:"kept"`
}
