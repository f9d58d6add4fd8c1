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
	Name           string `json:"name"`     // optional
	PlaceID        string `json:"place_id"` // optional: the exam site, a place that must exist
}

// MaxWindow is the longest a sign-up window may stay open: a year, leap
// day included, for a season's recruitment.
const MaxWindow = 366 * 24 * time.Hour

// MaxHeadStart is how long before a campaign existed its window may have
// opened, for a campaign created (or rescheduled) while its window is
// open. Found open since longer ago, the window is far likelier to be a
// closing schedule written before its opening (close 19 May, open 20 May)
// than a window meant to have run for months before anyone could sign up.
const MaxHeadStart = 31 * 24 * time.Hour

// MaxShifts and MaxCars bound one campaign.
const (
	MaxShifts = 200
	MaxCars   = 5000
)

// Validate reports every problem with d at time now, each naming its
// field. Schedules and shifts are read in the campaign's time zone, so
// they are checked once it is known.
func (d *Draft) Validate(now time.Time) error {
	errs := []error{heartlink.ValidName("name", d.Name)}
	if d.TimeZone == "" {
		d.TimeZone = DefaultTimeZone
	}
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil || d.TimeZone == "Local" {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "timezone", "unknown time zone %q (e.g. Asia/Shanghai)", d.TimeZone))
		return heartlink.Join(errs...)
	}
	errs = append(errs, validSchedules(d.SignupOpens, d.SignupCloses, now.In(loc), now))
	if len(d.Shifts) == 0 || len(d.Shifts) > MaxShifts {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, "shifts", "a campaign has 1 to %d shifts", MaxShifts))
		return heartlink.Join(errs...)
	}
	for i, s := range d.Shifts {
		errs = append(errs, s.validate("shifts["+strconv.Itoa(i)+"]", loc, now))
	}
	return heartlink.Join(errs...)
}

// validSchedules checks both expressions and that each window closes
// before the next one opens: a close that comes before its open is a
// mistake, not a window that lasts a year. created is when the campaign
// was (or is being) created.
func validSchedules(opens, closes string, now, created time.Time) error {
	o, oerr := ParseSchedule(opens)
	if oerr != nil {
		oerr = heartlink.FieldError(heartlink.EInvalid, "signup_opens", "%v", oerr)
	}
	c, cerr := ParseSchedule(closes)
	if cerr != nil {
		cerr = heartlink.FieldError(heartlink.EInvalid, "signup_closes", "%v", cerr)
	}
	if oerr != nil || cerr != nil {
		return heartlink.Join(oerr, cerr)
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
	next := c.Next(now)
	if shut && next.Before(first) {
		return heartlink.FieldError(heartlink.EInvalid, "signup_closes",
			"signup_closes (next %s) comes before signup_opens (next %s)", next.Format(time.RFC3339), first.Format(time.RFC3339))
	}
	if !shut {
		// Open now: the window in progress opened at lastOpen.
		if lastOpen.Before(created.Add(-MaxHeadStart)) {
			return heartlink.FieldError(heartlink.EInvalid, "signup_closes",
				"signup_closes (next %s) comes before signup_opens (next %s): the window would be open now, since %s, before the campaign existed",
				next.Format(time.RFC3339), first.Format(time.RFC3339), lastOpen.Format(time.RFC3339))
		}
		if next.Sub(lastOpen) > MaxWindow {
			return heartlink.FieldError(heartlink.EInvalid, "signup_closes",
				"the window open since %s would close only %s, more than %d days later: does signup_closes come before signup_opens?",
				lastOpen.Format(time.RFC3339), next.Format(time.RFC3339), int(MaxWindow.Hours()/24))
		}
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

// Validate reports every problem with s, a shift of a campaign in loc,
// at time now, each naming its field; prefix ("shifts[2]", or "" for a
// shift on its own) comes before each field's name.
func (s ShiftDraft) Validate(prefix string, loc *time.Location, now time.Time) error {
	return s.validate(prefix, loc, now)
}

func (s ShiftDraft) validate(field string, loc *time.Location, now time.Time) error {
	var errs []error
	path := func(sub string) string {
		if field == "" {
			return sub
		}
		return field + "." + sub
	}
	problem := func(sub, format string, args ...any) {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, path(sub), format, args...))
	}
	if s.Name != "" {
		errs = append(errs, heartlink.ValidName(path("name"), s.Name))
	}
	if s.PlaceID != "" && strings.TrimSpace(s.PlaceID) != s.PlaceID {
		problem("place_id", "place_id %q has spaces around it", s.PlaceID)
	}
	day, derr := time.ParseInLocation("2006-01-02", s.Date, loc)
	if derr != nil {
		problem("date", "date must be YYYY-MM-DD")
	}
	start, serr := time.ParseInLocation("2006-01-02 15:04", s.Date+" "+s.Start, loc)
	if serr != nil && derr == nil {
		problem("start", "start must be HH:MM")
	}
	end, eerr := time.ParseInLocation("2006-01-02 15:04", s.Date+" "+s.End, loc)
	if eerr != nil && derr == nil {
		problem("end", "end must be HH:MM")
	}
	if derr == nil && serr == nil && eerr == nil {
		switch {
		case !end.After(start):
			problem("end", "end must be after start")
		case !start.After(now):
			problem("date", "the shift on %s is in the past", day.Format("2006-01-02"))
		}
	}
	switch {
	case s.Area == nil:
		problem("area", "area is required")
	default:
		if s.Area.Lat < -90 || s.Area.Lat > 90 {
			problem("area.lat", "lat must be between -90 and 90")
		}
		if s.Area.Lng < -180 || s.Area.Lng > 180 {
			problem("area.lng", "lng must be between -180 and 180")
		}
		if s.Area.RadiusKm <= 0 || s.Area.RadiusKm > 100 {
			problem("area.radius_km", "radius_km must be above 0 and at most 100")
		}
	}
	if s.CarsNeeded < 1 || s.CarsNeeded > MaxCars {
		problem("cars_needed", "cars_needed must be 1 to %d", MaxCars)
	}
	return heartlink.Join(errs...)
}

// Shift is the shift s defines, with the id; placeName is the name of the
// place it names (if it names one).
func (s ShiftDraft) Shift(id, placeName string) Shift {
	sh := Shift{
		ID: id, Date: s.Date, Start: s.Start, End: s.End, CarsNeeded: s.CarsNeeded,
		VerifiedMinors: s.VerifiedMinors, Name: strings.TrimSpace(s.Name), PlaceID: s.PlaceID, Version: 1,
	}
	if s.Area != nil {
		sh.Area = *s.Area
	}
	if s.PlaceID != "" {
		sh.PlaceName = placeName
	}
	return sh
}

// PlaceIDs lists the places d's shifts name, each once.
func (d *Draft) PlaceIDs() []string {
	var ids []string
	seen := map[string]bool{}
	for _, s := range d.Shifts {
		if s.PlaceID != "" && !seen[s.PlaceID] {
			seen[s.PlaceID] = true
			ids = append(ids, s.PlaceID)
		}
	}
	return ids
}

// PlaceProblems reports each shift of d that names a place not in names
// (place names by id), naming its field.
func (d *Draft) PlaceProblems(names map[string]string) error {
	var errs []error
	for i, s := range d.Shifts {
		errs = append(errs, s.PlaceProblem("shifts["+strconv.Itoa(i)+"]", names))
	}
	return heartlink.Join(errs...)
}

// PlaceProblem reports a place s names that is not in names, naming the
// field after prefix.
func (s ShiftDraft) PlaceProblem(prefix string, names map[string]string) error {
	if s.PlaceID == "" {
		return nil
	}
	if _, ok := names[s.PlaceID]; ok {
		return nil
	}
	field := "place_id"
	if prefix != "" {
		field = prefix + ".place_id"
	}
	return heartlink.FieldError(heartlink.EInvalid, field, "no place %q (add it with POST /api/v1/places, or leave place_id out)", s.PlaceID)
}

// Campaign builds the campaign d defines, with fresh ids from newID;
// places names the places its shifts name, by id.
func (d *Draft) Campaign(id string, newID func(prefix string) string, now time.Time, places map[string]string) *Campaign {
	c := &Campaign{
		ID: id, Name: strings.TrimSpace(d.Name), TimeZone: d.TimeZone,
		SignupOpens: strings.TrimSpace(d.SignupOpens), SignupCloses: strings.TrimSpace(d.SignupCloses),
		OpenToAll: d.OpenToAll, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}
	for _, s := range d.Shifts {
		c.Shifts = append(c.Shifts, s.Shift(newID("shf"), places[s.PlaceID]))
	}
	return c
}

// Update changes a campaign's name, schedules or openness; fields left
// out stay as they are. Shifts change one at a time (see ShiftUpdate).
type Update struct {
	Name         *string `json:"name"`
	SignupOpens  *string `json:"signup_opens"`
	SignupCloses *string `json:"signup_closes"`
	OpenToAll    *bool   `json:"open_to_all"`
}

// Apply applies u to c at time now, or reports every problem.
func (u *Update) Apply(c *Campaign, now time.Time) error {
	next := *c
	var name error
	if u.Name != nil {
		name = heartlink.ValidName("name", *u.Name)
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
	if err := heartlink.Join(name, validSchedules(next.SignupOpens, next.SignupCloses, now.In(c.Location()), c.CreatedAt)); err != nil {
		return err
	}
	next.UpdatedAt = now.UTC()
	*c = next
	return nil
}
