package campaign

import (
	"time"

	"github.com/heartlink/heartlink"
)

// A campaign's shifts change one at a time, after drivers have signed up
// for them, and their sign-ups stay honest: the store applies each change
// and its sign-ups in one atomic step.
//
//   - A shift with fewer cars moves its last confirmed drivers (the latest
//     to sign up) to the head of its waiting list, in sign-up order, and
//     tells each of them.
//   - A shift with more cars confirms the first on its waiting list, in
//     order, and tells each of them.
//   - A removed shift releases every sign-up, confirmed and waiting, and
//     tells each driver. A shift whose plan has routes out to drivers
//     (offered or confirmed) cannot be removed, nor moved to another
//     date, time or area: those drivers were planned for it as it is.

// The reasons a driver's place on a shift changed, in "signup" frames.
const (
	PlaceFreed   = "place_freed"   // a confirmed driver withdrew: first waiting is in
	ShiftGrown   = "shift_grown"   // the shift needs more cars: first waiting are in
	ShiftShrunk  = "shift_shrunk"  // the shift needs fewer cars: the last confirmed wait
	ShiftRemoved = "shift_removed" // the shift is gone: every sign-up released
)

// Released is the status of a sign-up whose shift was removed.
const Released SignupStatus = "released"

// ShiftUpdate changes a shift; fields left out stay as they are. The shift
// that results is checked by the rules a new shift is. Version, when
// given, must be the shift's version: an edit made from a stale read is a
// conflict rather than one that undoes another coordinator's.
type ShiftUpdate struct {
	Date           *string `json:"date"`
	Start          *string `json:"start"`
	End            *string `json:"end"`
	Area           *Area   `json:"area"`
	CarsNeeded     *int    `json:"cars_needed"`
	VerifiedMinors *bool   `json:"verified_minors"`
	Name           *string `json:"name"`     // "" removes the name
	PlaceID        *string `json:"place_id"` // "" removes the exam site
	Version        *int    `json:"version"`
}

// Draft is sh with u applied, as a draft to validate.
func (u *ShiftUpdate) Draft(sh Shift) ShiftDraft {
	area := sh.Area
	d := ShiftDraft{
		Date: sh.Date, Start: sh.Start, End: sh.End, Area: &area, CarsNeeded: sh.CarsNeeded,
		VerifiedMinors: sh.VerifiedMinors, Name: sh.Name, PlaceID: sh.PlaceID,
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Date, u.Date)
	set(&d.Start, u.Start)
	set(&d.End, u.End)
	set(&d.Name, u.Name)
	set(&d.PlaceID, u.PlaceID)
	if u.Area != nil {
		a := *u.Area
		d.Area = &a
	}
	if u.CarsNeeded != nil {
		d.CarsNeeded = *u.CarsNeeded
	}
	if u.VerifiedMinors != nil {
		d.VerifiedMinors = *u.VerifiedMinors
	}
	return d
}

// Apply returns sh changed by u at time now in the campaign's time zone
// loc, or every problem with the result; places names the places that
// exist, by id (only the one the result names need be in it).
func (u *ShiftUpdate) Apply(sh Shift, loc *time.Location, now time.Time, places map[string]string) (Shift, error) {
	if u.Version != nil && *u.Version != sh.Version {
		return Shift{}, heartlink.Errorf(heartlink.EConflict,
			"shift %s is at version %d, not %d: it changed since you read it; read it again", sh.ID, sh.Version, *u.Version)
	}
	d := u.Draft(sh)
	if err := heartlink.Join(d.Validate("", loc, now), d.PlaceProblem("", places)); err != nil {
		return Shift{}, err
	}
	next := d.Shift(sh.ID, places[d.PlaceID])
	next.Version = sh.Version + 1
	return next, nil
}

// Moved reports whether next runs at another date, time or area than sh.
func (sh Shift) Moved(next Shift) bool {
	return sh.Date != next.Date || sh.Start != next.Start || sh.End != next.End || sh.Area != next.Area
}

// WithShift returns a copy of c with sh added, or in place of the shift
// with its id, at time now. A campaign has at most MaxShifts.
func (c *Campaign) WithShift(sh Shift, now time.Time) (*Campaign, error) {
	next := *c
	next.Shifts = make([]Shift, 0, len(c.Shifts)+1)
	found := false
	for _, s := range c.Shifts {
		if s.ID == sh.ID {
			s, found = sh, true
		}
		next.Shifts = append(next.Shifts, s)
	}
	if !found {
		if len(c.Shifts) >= MaxShifts {
			return nil, heartlink.Errorf(heartlink.EConflict, "campaign %s already has %d shifts, the most a campaign may have", c.ID, MaxShifts)
		}
		next.Shifts = append(next.Shifts, sh)
	}
	next.UpdatedAt = now.UTC()
	return &next, nil
}

// WithoutShift returns a copy of c without the shift id, at time now. A
// campaign keeps at least one shift.
func (c *Campaign) WithoutShift(id string, now time.Time) (*Campaign, error) {
	next := *c
	next.Shifts = make([]Shift, 0, len(c.Shifts))
	for _, s := range c.Shifts {
		if s.ID != id {
			next.Shifts = append(next.Shifts, s)
		}
	}
	if len(next.Shifts) == len(c.Shifts) {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no shift %q in campaign %q", id, c.ID)
	}
	if len(next.Shifts) == 0 {
		return nil, heartlink.Errorf(heartlink.EConflict,
			"shift %s is the only shift of campaign %s: a campaign has at least one; add another first", id, c.ID)
	}
	next.UpdatedAt = now.UTC()
	return &next, nil
}

// Removal is what removing a shift released: the drivers who were
// confirmed and those who were waiting, in order.
type Removal struct {
	CampaignID string   `json:"campaign_id"`
	ShiftID    string   `json:"shift_id"`
	Removed    bool     `json:"removed"`
	Confirmed  []string `json:"released_confirmed"`
	Waiting    []string `json:"released_waiting"`
}
