package campaign

import (
	"strconv"
	"strings"
	"time"

	"github.com/heartlink/heartlink"
)

// Draft is what a coordinator supplies to create a campaign.
type Draft struct {
	Name         string       `json:"name"`
	TimeZone     string       `json:"timezone"`
	SignupOpens  string       `json:"signup_opens"`
	SignupCloses string       `json:"signup_closes"`
	OpenToAll    bool         `json:"open_to_all"`
	Shifts       []ShiftDraft `json:"shifts"`
}

// ShiftDraft is one shift of a Draft.
type ShiftDraft struct {
	Date           string `json:"date"`
	Start          string `json:"start"`
	End            string `json:"end"`
	Area           *Area  `json:"area"`
	CarsNeeded     int    `json:"cars_needed"`
	VerifiedMinors bool   `json:"verified_minors"`
}

// MaxWindow is the longest a sign-up window may stay open.
const MaxWindow = 31 * 24 * time.Hour

// MaxShifts and MaxCars bound one campaign.
const (
	MaxShifts = 200
	MaxCars   = 5000
)

// Validate reports the first problem with d at time now, naming the field.
func (d *Draft) Validate(now time.Time) error {
	if err := heartlink.ValidName("name", d.Name); err != nil {
		return err
	}
	if d.TimeZone == "" {
		d.TimeZone = DefaultTimeZone
	}
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil || d.TimeZone == "Local" {
		return heartlink.FieldError(heartlink.EInvalid, "timezone", "unknown time zone %q (e.g. Asia/Shanghai)", d.TimeZone)
	}
	if err := validSchedules(d.SignupOpens, d.SignupCloses, now.In(loc)); err != nil {
		return err
	}
	if len(d.Shifts) == 0 || len(d.Shifts) > MaxShifts {
		return heartlink.FieldError(heartlink.EInvalid, "shifts", "a campaign has 1 to %d shifts", MaxShifts)
	}
	for i, s := range d.Shifts {
		if err := s.validate("shifts["+strconv.Itoa(i)+"]", loc, now); err != nil {
			return err
		}
	}
	return nil
}

// validSchedules checks both expressions and that each window closes
// before the next one opens: a close that comes before its open is a
// mistake, not a window that lasts a year.
func validSchedules(opens, closes string, now time.Time) error {
	o, err := ParseSchedule(opens)
	if err != nil {
		return heartlink.FieldError(heartlink.EInvalid, "signup_opens", "%v", err)
	}
	c, err := ParseSchedule(closes)
	if err != nil {
		return heartlink.FieldError(heartlink.EInvalid, "signup_closes", "%v", err)
	}
	first := o.Next(now)
	if first.IsZero() {
		return heartlink.FieldError(heartlink.EInvalid, "signup_opens", "signup_opens never fires")
	}
	close := c.Next(first)
	if close.IsZero() {
		return heartlink.FieldError(heartlink.EInvalid, "signup_closes", "signup_closes never fires")
	}
	// While the window is shut, the next thing to happen must be its opening.
	lastOpen, opened := Prev(o, now)
	lastClose, closed := Prev(c, now)
	shut := !opened || closed && !lastOpen.After(lastClose)
	if next := c.Next(now); shut && next.Before(first) {
		return heartlink.FieldError(heartlink.EInvalid, "signup_closes",
			"signup_closes (next %s) comes before signup_opens (next %s)", next.Format(time.RFC3339), first.Format(time.RFC3339))
	}
	if close.Sub(first) > MaxWindow {
		return heartlink.FieldError(heartlink.EInvalid, "signup_closes",
			"the window opening %s would close only %s, more than %d days later: does signup_closes come before signup_opens?",
			first.Format(time.RFC3339), close.Format(time.RFC3339), int(MaxWindow.Hours()/24))
	}
	if again := o.Next(first); !again.IsZero() && !close.Before(again) {
		return heartlink.FieldError(heartlink.EInvalid, "signup_closes",
			"the window opening %s would not close before it opens again %s: signup_closes comes before signup_opens",
			first.Format(time.RFC3339), again.Format(time.RFC3339))
	}
	return nil
}

func (s ShiftDraft) validate(field string, loc *time.Location, now time.Time) error {
	day, err := time.ParseInLocation("2006-01-02", s.Date, loc)
	if err != nil {
		return heartlink.FieldError(heartlink.EInvalid, field+".date", "date must be YYYY-MM-DD")
	}
	start, err := time.ParseInLocation("2006-01-02 15:04", s.Date+" "+s.Start, loc)
	if err != nil {
		return heartlink.FieldError(heartlink.EInvalid, field+".start", "start must be HH:MM")
	}
	end, err := time.ParseInLocation("2006-01-02 15:04", s.Date+" "+s.End, loc)
	if err != nil {
		return heartlink.FieldError(heartlink.EInvalid, field+".end", "end must be HH:MM")
	}
	switch {
	case !end.After(start):
		return heartlink.FieldError(heartlink.EInvalid, field+".end", "end must be after start")
	case !start.After(now):
		return heartlink.FieldError(heartlink.EInvalid, field+".date", "the shift on %s is in the past", day.Format("2006-01-02"))
	case s.Area == nil:
		return heartlink.FieldError(heartlink.EInvalid, field+".area", "area is required")
	case s.Area.Lat < -90 || s.Area.Lat > 90:
		return heartlink.FieldError(heartlink.EInvalid, field+".area.lat", "lat must be between -90 and 90")
	case s.Area.Lng < -180 || s.Area.Lng > 180:
		return heartlink.FieldError(heartlink.EInvalid, field+".area.lng", "lng must be between -180 and 180")
	case s.Area.RadiusKm <= 0 || s.Area.RadiusKm > 100:
		return heartlink.FieldError(heartlink.EInvalid, field+".area.radius_km", "radius_km must be above 0 and at most 100")
	case s.CarsNeeded < 1 || s.CarsNeeded > MaxCars:
		return heartlink.FieldError(heartlink.EInvalid, field+".cars_needed", "cars_needed must be 1 to %d", MaxCars)
	}
	return nil
}

// Campaign builds the campaign d defines, with fresh ids from newID.
func (d *Draft) Campaign(id string, newID func(prefix string) string, now time.Time) *Campaign {
	c := &Campaign{
		ID: id, Name: strings.TrimSpace(d.Name), TimeZone: d.TimeZone,
		SignupOpens: strings.TrimSpace(d.SignupOpens), SignupCloses: strings.TrimSpace(d.SignupCloses),
		OpenToAll: d.OpenToAll, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}
	for _, s := range d.Shifts {
		c.Shifts = append(c.Shifts, Shift{
			ID: newID("shf"), Date: s.Date, Start: s.Start, End: s.End, Area: *s.Area,
			CarsNeeded: s.CarsNeeded, VerifiedMinors: s.VerifiedMinors,
		})
	}
	return c
}

// Update changes a campaign's name, schedules or openness; fields left
// out stay as they are. Shifts are fixed once drivers can sign up for them.
type Update struct {
	Name         *string `json:"name"`
	SignupOpens  *string `json:"signup_opens"`
	SignupCloses *string `json:"signup_closes"`
	OpenToAll    *bool   `json:"open_to_all"`
}

// Apply applies u to c at time now, or reports the first problem.
func (u *Update) Apply(c *Campaign, now time.Time) error {
	next := *c
	if u.Name != nil {
		if err := heartlink.ValidName("name", *u.Name); err != nil {
			return err
		}
		next.Name = strings.TrimSpace(*u.Name)
	}
	if u.SignupOpens != nil {
		next.SignupOpens = strings.TrimSpace(*u.SignupOpens)
	}
	if u.SignupCloses != nil {
		next.SignupCloses = strings.TrimSpace(*u.SignupCloses)
	}
	if u.OpenToAll != nil {
		next.OpenToAll = *u.OpenToAll
	}
	if err := validSchedules(next.SignupOpens, next.SignupCloses, now.In(c.Location())); err != nil {
		return err
	}
	next.UpdatedAt = now.UTC()
	*c = next
	return nil
}
