package integration

import "time"

// The API's JSON as a client written from the contract would declare it.
// Fields the tests do not look at are left out.

type point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

type place struct {
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	Address string  `json:"address,omitempty"`
}

func (p place) point() point { return point{p.Lat, p.Lng} }

type rider struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
}

type vehicle struct {
	Plate      string `json:"plate"`
	Seats      int    `json:"seats"`
	Wheelchair bool   `json:"wheelchair"`
}

type driverRegistration struct {
	Name           string  `json:"name"`
	Phone          string  `json:"phone"`
	Vehicle        vehicle `json:"vehicle"`
	VerifiedMinors bool    `json:"verified_minors"`
	Home           point   `json:"home"`
}

type requesterRegistration struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Phone string `json:"phone"`
}

// account is a newly registered driver or requester with its token.
type account struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

type presence struct {
	Status   string `json:"status"`
	Location *point `json:"location,omitempty"`
}

type tripRequest struct {
	Kind        string  `json:"kind"`
	Pickup      place   `json:"pickup"`
	Dropoff     place   `json:"dropoff"`
	Riders      []rider `json:"riders"`
	PickupAfter string  `json:"pickup_after,omitempty"`
	ArriveBy    string  `json:"arrive_by"`
	Wheelchair  bool    `json:"wheelchair,omitempty"`
}

type trip struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	RequesterID string     `json:"requester_id"`
	DriverID    string     `json:"driver_id"`
	Pickup      place      `json:"pickup"`
	Dropoff     place      `json:"dropoff"`
	Riders      []rider    `json:"riders"`
	PIN         string     `json:"pin"`
	Seats       int        `json:"seats"`
	Wheelchair  bool       `json:"wheelchair"`
	PickupAfter *time.Time `json:"pickup_after"`
	ArriveBy    time.Time  `json:"arrive_by"`
	PickupAt    time.Time  `json:"pickup_at"`
	Version     int64      `json:"version"`
}

type offer struct {
	TripID      string    `json:"trip_id"`
	ExpiresAt   time.Time `json:"expires_at"`
	Kind        string    `json:"kind"`
	PickupArea  place     `json:"pickup_area"`
	DropoffArea place     `json:"dropoff_area"`
	Seats       int       `json:"seats"`
	ArriveBy    time.Time `json:"arrive_by"`
}

type event struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	DriverID string    `json:"driver_id"`
}

// Trip statuses, as the contract names them.
const (
	queued     = "queued"
	offered    = "offered"
	assigned   = "assigned"
	arrived    = "arrived"
	pickedUp   = "picked_up"
	completed  = "completed"
	cancelled  = "cancelled"
	unassigned = "unassigned"
)
