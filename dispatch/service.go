package dispatch

import (
	"context"
	"time"

	"github.com/heartlink/heartlink"
)

// Service is what the HTTP and live APIs need of the dispatcher. Every
// method checks that by may do what it asks.
type Service interface {
	// Request books a trip and offers it to the best eligible drivers.
	Request(ctx context.Context, by heartlink.Principal, r Request) (*Trip, error)
	// Trip returns a trip that by may see, with how much of it.
	Trip(ctx context.Context, by heartlink.Principal, id string) (*Trip, Access, error)
	// Trips lists the trips by may see that match f.
	Trips(ctx context.Context, by heartlink.Principal, f Filter) ([]*Trip, error)
	// TripPage is one page of Trips, from f.Cursor, with the cursor of the
	// next page ("" on the last).
	TripPage(ctx context.Context, by heartlink.Principal, f Filter) ([]*Trip, string, error)
	// Offers lists the live offers to driver by.
	Offers(ctx context.Context, by heartlink.Principal) ([]Offer, error)

	Accept(ctx context.Context, by heartlink.Principal, tripID string) (*Trip, error)
	Decline(ctx context.Context, by heartlink.Principal, tripID string) error
	// Progress records the next step of a trip: by its driver, with the
	// rider's PIN where the step needs it, or by a coordinator as an
	// override of the PIN (picked_up and completed only).
	Progress(ctx context.Context, by heartlink.Principal, tripID string, r ProgressReport) (*Trip, error)
	Release(ctx context.Context, by heartlink.Principal, tripID string) (*Trip, error)
	Cancel(ctx context.Context, by heartlink.Principal, tripID string) (*Trip, error)
	Assign(ctx context.Context, by heartlink.Principal, tripID, driverID string) (*Trip, error)
	Requeue(ctx context.Context, by heartlink.Principal, tripID string) (*Trip, error)
	// Reassign moves a held trip (assigned, or its driver at the pick-up)
	// from its driver to driverID in one step; coordinators only.
	Reassign(ctx context.Context, by heartlink.Principal, tripID, driverID string) (*Trip, error)
	// Unassign takes a held trip back from its driver and queues it again;
	// coordinators only.
	Unassign(ctx context.Context, by heartlink.Principal, tripID string) (*Trip, error)

	// DriverRoute is the route driverID holds: the stops ahead, timed. The
	// driver themselves and coordinators may read it.
	DriverRoute(ctx context.Context, by heartlink.Principal, driverID string) (*DriverRoute, error)

	// Events returns a trip's audit trail, oldest first; coordinators only.
	Events(ctx context.Context, by heartlink.Principal, tripID string) ([]Event, error)
	// DriverStats is driverID's volunteering. The driver themselves and
	// coordinators may read it.
	DriverStats(ctx context.Context, by heartlink.Principal, driverID string) (Volunteering, error)
}

// Filter selects trips in a listing. The zero Filter selects every trip
// the caller may see.
type Filter struct {
	Status Status
	// Open selects trips a driver may still take (queued, offered or
	// unassigned); for a driver, only those they are eligible for.
	Open  bool
	Limit int
	// Cursor is where the page starts: "" for the first, else the cursor
	// the page before it ended with.
	Cursor string
}

// Event is one entry of a trip's audit trail.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"` // heartlink.Principal.String(), or "system"
	Action Action    `json:"action"`
	From   Status    `json:"from,omitempty"`
	To     Status    `json:"to"`
	Driver string    `json:"driver_id,omitempty"`
	// PreviousDriver is, for a reassignment, the driver the trip was taken
	// from.
	PreviousDriver string `json:"previous_driver_id,omitempty"`
	// Override: a coordinator recorded the step for the driver, without
	// the rider's PIN.
	Override bool `json:"override,omitempty"`
}
