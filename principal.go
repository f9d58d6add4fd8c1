package heartlink

// Role is what a caller may do. Every request is made by exactly one role.
type Role string

const (
	RoleCoordinator Role = "coordinator"
	RoleRequester   Role = "requester"
	RoleDriver      Role = "driver"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleCoordinator, RoleRequester, RoleDriver:
		return true
	}
	return false
}

// Principal is an authenticated caller: a role and the id of the coordinator,
// requester or driver behind the token.
type Principal struct {
	Role Role
	ID   string
	// Inactive: a coordinator deactivated the account. It may still read
	// what it booked or drove, but books no trips and does not go online.
	// The token says so, so that no request needs another read to know.
	Inactive bool
}

// Is reports whether p is the given role.
func (p Principal) Is(r Role) bool { return p.Role == r }

// String names the caller in audit trails and logs, e.g. "driver:drv_x".
func (p Principal) String() string { return string(p.Role) + ":" + p.ID }
