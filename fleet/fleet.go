// Package fleet holds the people of the fleet: volunteer drivers with their
// vehicles, presence and location, requesters (schools, communities, care
// stations) and coordinators, and the rules for registering them. It imports
// no database or transport; the Redis store and the HTTP API speak its types.
package fleet

import (
	"context"
	"time"

	"github.com/heartlink/heartlink"
)

// Service is what the HTTP API needs of the store for people and tokens.
type Service interface {
	// CreateDriver registers a driver and returns it with its one-time token.
	CreateDriver(ctx context.Context, by heartlink.Principal, r DriverRegistration) (*Driver, string, error)
	Driver(ctx context.Context, id string) (*Driver, error)
	Drivers(ctx context.Context) ([]*Driver, error)
	// DriverPage is limit drivers (0: every one left) after the cursor,
	// oldest first, with the cursor of the next page ("" on the last).
	DriverPage(ctx context.Context, limit int, cursor string) ([]*Driver, string, error)
	// SetPresence puts a driver online at a location or takes them offline.
	SetPresence(ctx context.Context, driverID string, p PresenceUpdate) (*Driver, error)

	CreateRequester(ctx context.Context, by heartlink.Principal, r RequesterRegistration) (*Requester, string, error)
	Requester(ctx context.Context, id string) (*Requester, error)
	Requesters(ctx context.Context) ([]*Requester, error)
	// RequesterPage pages requesters as DriverPage does drivers.
	RequesterPage(ctx context.Context, limit int, cursor string) ([]*Requester, string, error)

	// UpdateDriver and UpdateRequester change an account, by a
	// coordinator; DriverChanges and RequesterChanges read back who
	// changed which fields of it, when (coordinators only).
	UpdateDriver(ctx context.Context, by heartlink.Principal, id string, u DriverUpdate) (*Driver, error)
	UpdateRequester(ctx context.Context, by heartlink.Principal, id string, u RequesterUpdate) (*Requester, error)
	DriverChanges(ctx context.Context, by heartlink.Principal, id string) ([]Change, error)
	RequesterChanges(ctx context.Context, by heartlink.Principal, id string) ([]Change, error)

	// CreateCoordinator registers another coordinator and returns its token.
	CreateCoordinator(ctx context.Context, by heartlink.Principal, name string) (*Coordinator, string, error)

	// RotateToken gives a driver, requester or coordinator a new token,
	// revoking the old.
	RotateToken(ctx context.Context, by heartlink.Principal, role heartlink.Role, id string) (string, error)

	// Authenticate returns the caller behind a bearer token.
	Authenticate(ctx context.Context, token string) (heartlink.Principal, error)

	// DriversByID reads drivers in one round trip, skipping missing ones.
	DriversByID(ctx context.Context, ids []string) (map[string]*Driver, error)

	CreatePlace(ctx context.Context, by heartlink.Principal, d PlaceDraft) (*Place, error)
	Places(ctx context.Context) ([]*Place, error)
}

// Coordinator is a member of the fleet office.
type Coordinator struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}
