// Package campaign holds volunteer drives: campaigns with shifts and a
// sign-up window that opens and closes on cron schedules in the city's
// time zone, the rules for defining them, and how a window's state follows
// from its schedules. It is plain Go with no I/O; the Redis store makes
// sign-ups atomic and the scheduler fires the announcements.
package campaign

import (
	"context"
	"time"

	"github.com/heartlink/heartlink"
)

// DefaultTimeZone is the city's time zone.
const DefaultTimeZone = "Asia/Shanghai"

// Campaign is a volunteer drive such as "2027 Gaokao Escort".
type Campaign struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"timezone"`
	// SignupOpens and SignupCloses are cron expressions (minute hour
	// day-of-month month day-of-week, or @daily and the like) in TimeZone.
	SignupOpens  string `json:"signup_opens"`
	SignupCloses string `json:"signup_closes"`
	// OpenToAll lets the campaign's trips go to drivers who did not sign
	// up, once its signed-up drivers cannot take them.
	OpenToAll bool      `json:"open_to_all"`
	Shifts    []Shift   `json:"shifts"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Shift is a date and time slot with an area and a number of cars.
type Shift struct {
	ID             string `json:"id"`
	Date           string `json:"date"`  // YYYY-MM-DD in the campaign's time zone
	Start          string `json:"start"` // HH:MM
	End            string `json:"end"`   // HH:MM, after Start
	Area           Area   `json:"area"`
	CarsNeeded     int    `json:"cars_needed"`
	VerifiedMinors bool   `json:"verified_minors"`
	// Name, PlaceID and PlaceName tell a campaign's shifts apart: a name a
	// coordinator chose, and the exam site (a place) the shift serves with
	// that place's name as it was when the shift named it. All optional.
	Name      string `json:"name,omitempty"`
	PlaceID   string `json:"place_id,omitempty"`
	PlaceName string `json:"place_name,omitempty"`
	// Version counts the shift's edits: 1 when added. Shifts stored before
	// shifts could change read 0.
	Version int `json:"version,omitempty"`
}

// Area is a circle around an exam site or a district.
type Area struct {
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	RadiusKm float64 `json:"radius_km"`
}

// Contains reports whether p lies in the area.
func (a Area) Contains(p heartlink.Point) bool {
	return heartlink.DistanceKm(heartlink.Point{Lat: a.Lat, Lng: a.Lng}, p) <= a.RadiusKm
}

// Location is the campaign's time zone; it has been validated.
func (c *Campaign) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Span is when the shift runs.
func (s Shift) Span(loc *time.Location) (start, end time.Time) {
	start, _ = time.ParseInLocation("2006-01-02 15:04", s.Date+" "+s.Start, loc)
	end, _ = time.ParseInLocation("2006-01-02 15:04", s.Date+" "+s.End, loc)
	return start, end
}

// ShiftAt returns the shift that covers a pickup at p some time from from
// to to (a trip's window: its earliest pick-up to its arrive-by), if any:
// the first whose slot overlaps the window, in its area.
func (c *Campaign) ShiftAt(p heartlink.Point, from, to time.Time) (Shift, bool) {
	loc := c.Location()
	for _, s := range c.Shifts {
		start, end := s.Span(loc)
		if from.Before(end) && to.After(start) && s.Area.Contains(p) {
			return s, true
		}
	}
	return Shift{}, false
}

// Shift returns the shift with the id.
func (c *Campaign) Shift(id string) (Shift, bool) {
	for _, s := range c.Shifts {
		if s.ID == id {
			return s, true
		}
	}
	return Shift{}, false
}

// SignupStatus is where a driver stands on a shift.
type SignupStatus string

const (
	Confirmed SignupStatus = "confirmed"
	Waiting   SignupStatus = "waiting" // on the ordered waiting list
)

// Signup is a driver's place on a shift. Position counts from 1 on the
// waiting list; it is 0 when confirmed. The shift's slot, name and exam
// site come with it, so that a driver signed up for several can tell them
// apart.
type Signup struct {
	CampaignID string       `json:"campaign_id"`
	ShiftID    string       `json:"shift_id"`
	Status     SignupStatus `json:"status"`
	Position   int          `json:"position,omitempty"`
	Date       string       `json:"date,omitempty"`
	Start      string       `json:"start,omitempty"`
	End        string       `json:"end,omitempty"`
	ShiftName  string       `json:"shift_name,omitempty"`
	PlaceID    string       `json:"place_id,omitempty"`
	PlaceName  string       `json:"place_name,omitempty"`
}

// Of is the sign-up with the slot, name and exam site of sh.
func (su Signup) Of(sh Shift) Signup {
	su.Date, su.Start, su.End = sh.Date, sh.Start, sh.End
	su.ShiftName, su.PlaceID, su.PlaceName = sh.Name, sh.PlaceID, sh.PlaceName
	return su
}

// Fill is how full a shift is.
type Fill struct {
	Confirmed int `json:"confirmed"`
	Waiting   int `json:"waiting"`
}

// Service is what the HTTP API needs of the campaign store.
type Service interface {
	CreateCampaign(ctx context.Context, by heartlink.Principal, d Draft) (*Campaign, error)
	UpdateCampaign(ctx context.Context, by heartlink.Principal, id string, u Update) (*Campaign, error)
	// Campaign and Campaigns return campaigns with the fill of each of
	// their shifts, by shift id.
	Campaign(ctx context.Context, id string) (*Campaign, map[string]Fill, error)
	Campaigns(ctx context.Context) ([]*Campaign, map[string]Fill, error)
	// CampaignPage is limit campaigns (0: every one left) after the
	// cursor, newest first, with the cursor of the next page ("" on the
	// last).
	CampaignPage(ctx context.Context, limit int, cursor string) ([]*Campaign, map[string]Fill, string, error)
	SignUp(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (Signup, error)
	Withdraw(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) error
	Signups(ctx context.Context, by heartlink.Principal) ([]Signup, error)
	// AddShift, EditShift and RemoveShift change a campaign's shifts
	// while keeping their sign-ups honest (see ShiftChange).
	AddShift(ctx context.Context, by heartlink.Principal, campaignID string, d ShiftDraft) (Shift, Fill, error)
	EditShift(ctx context.Context, by heartlink.Principal, campaignID, shiftID string, u ShiftUpdate) (Shift, Fill, error)
	RemoveShift(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (Removal, error)
}

// Announcement is news of a campaign for drivers, as their apps receive it
// in "announcement" frames.
type Announcement struct {
	Kind       string     `json:"kind"` // SignupOpen, SignupClosed, ShiftReminder
	CampaignID string     `json:"campaign_id"`
	Campaign   string     `json:"campaign"`
	ShiftID    string     `json:"shift_id,omitempty"`
	ShiftStart *time.Time `json:"shift_start,omitempty"`
	ClosesAt   *time.Time `json:"closes_at,omitempty"`
	OpensAt    *time.Time `json:"opens_at,omitempty"`
}

// The kinds of announcement.
const (
	SignupOpen    = "signup_open"
	SignupClosed  = "signup_closed"
	ShiftReminder = "shift_reminder"
)

// WindowNews is the announcement of c's window as it stands at now.
func (c *Campaign) WindowNews(kind string, now time.Time) Announcement {
	w := c.WindowAt(now)
	return Announcement{Kind: kind, CampaignID: c.ID, Campaign: c.Name, ClosesAt: w.NextClose, OpensAt: w.NextOpen}
}
