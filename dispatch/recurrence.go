package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/heartlink/heartlink"
)

// Recurrence is a ride booked once for many days, e.g. dialysis on Monday,
// Wednesday and Friday mornings: the service books each trip ahead of time.
type Recurrence struct {
	ID          string    `json:"id"`
	RequesterID string    `json:"requester_id,omitempty"`
	CreatedBy   string    `json:"created_by"`
	Trip        Request   `json:"trip"`     // the trip to book; its times are ignored
	Weekdays    []int     `json:"weekdays"` // 1 Monday … 7 Sunday
	ArriveAt    string    `json:"arrive_at"`
	PickupFrom  string    `json:"pickup_from,omitempty"` // optional earliest pickup, HH:MM
	TimeZone    string    `json:"timezone"`
	From        string    `json:"from"`  // first date, YYYY-MM-DD
	Until       string    `json:"until"` // last date, YYYY-MM-DD
	CreatedAt   time.Time `json:"created_at"`
}

// RecurrenceDraft is what a requester or coordinator supplies.
type RecurrenceDraft struct {
	Trip       Request `json:"trip"`
	Weekdays   []int   `json:"weekdays"`
	ArriveAt   string  `json:"arrive_at"`
	PickupFrom string  `json:"pickup_from"`
	TimeZone   string  `json:"timezone"`
	From       string  `json:"from"`
	Until      string  `json:"until"`
}

// MaxRecurrence bounds how long a recurring booking may run.
const MaxRecurrence = 366 * 24 * time.Hour

// Validate reports the first problem with d at time now, naming the field,
// and fills in defaults (time zone, first date).
func (d *RecurrenceDraft) Validate(now time.Time) error {
	if d.TimeZone == "" {
		d.TimeZone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil || d.TimeZone == "Local" {
		return heartlink.FieldError(heartlink.EInvalid, "timezone", "unknown time zone %q", d.TimeZone)
	}
	if len(d.Weekdays) == 0 || len(d.Weekdays) > 7 {
		return heartlink.FieldError(heartlink.EInvalid, "weekdays", "weekdays lists 1 (Monday) to 7 (Sunday)")
	}
	for i, w := range d.Weekdays {
		if w < 1 || w > 7 {
			return heartlink.FieldError(heartlink.EInvalid, "weekdays["+strconv.Itoa(i)+"]", "a weekday is 1 (Monday) to 7 (Sunday)")
		}
	}
	if _, err := time.Parse("15:04", d.ArriveAt); err != nil {
		return heartlink.FieldError(heartlink.EInvalid, "arrive_at", "arrive_at must be HH:MM")
	}
	if d.PickupFrom != "" {
		p, err := time.Parse("15:04", d.PickupFrom)
		a, _ := time.Parse("15:04", d.ArriveAt)
		if err != nil || !p.Before(a) {
			return heartlink.FieldError(heartlink.EInvalid, "pickup_from", "pickup_from must be HH:MM, before arrive_at")
		}
	}
	today := now.In(loc).Format("2006-01-02")
	if d.From == "" {
		d.From = today
	}
	from, err := time.ParseInLocation("2006-01-02", d.From, loc)
	if err != nil || d.From < today {
		return heartlink.FieldError(heartlink.EInvalid, "from", "from must be a date (YYYY-MM-DD), today or later")
	}
	until, err := time.ParseInLocation("2006-01-02", d.Until, loc)
	if err != nil || until.Before(from) || until.Sub(from) > MaxRecurrence {
		return heartlink.FieldError(heartlink.EInvalid, "until", "until must be a date (YYYY-MM-DD) on or after from, within a year")
	}
	// The trip itself, as on its first occurrence.
	t := d.Trip
	first := now.Add(time.Hour)
	t.ArriveBy = &heartlink.Timestamp{Time: first}
	t.PickupAfter = nil
	if err := t.Validate(now); err != nil {
		return heartlink.Under("trip", err)
	}
	if d.Trip.ArriveBy != nil || d.Trip.PickupAfter != nil {
		return heartlink.FieldError(heartlink.EInvalid, "trip.arrive_by", "a recurring trip's times come from arrive_at and pickup_from")
	}
	return nil
}

// Recurrence builds the booking d defines.
func (d *RecurrenceDraft) Recurrence(id string, by heartlink.Principal, requesterID string, now time.Time) *Recurrence {
	return &Recurrence{
		ID: id, RequesterID: requesterID, CreatedBy: by.String(), Trip: d.Trip,
		Weekdays: d.Weekdays, ArriveAt: d.ArriveAt, PickupFrom: d.PickupFrom,
		TimeZone: d.TimeZone, From: d.From, Until: d.Until, CreatedAt: now.UTC(),
	}
}

// Occurrence is one trip of a recurring booking: its date and times.
type Occurrence struct {
	Date        string
	ArriveBy    time.Time
	PickupAfter time.Time // zero when the booking gives none
}

// Occurrences lists the trips due to arrive after from and no later than
// to, in order.
func (r *Recurrence) Occurrences(from, to time.Time) []Occurrence {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		return nil
	}
	days := map[time.Weekday]bool{}
	for _, w := range r.Weekdays {
		days[time.Weekday(w%7)] = true
	}
	var out []Occurrence
	start := from.In(loc)
	for d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc); !d.After(to); d = d.AddDate(0, 0, 1) {
		date := d.Format("2006-01-02")
		if date < r.From || date > r.Until || !days[d.Weekday()] {
			continue
		}
		arrive := clockOn(d, r.ArriveAt, loc)
		if !arrive.After(from) || arrive.After(to) {
			continue
		}
		o := Occurrence{Date: date, ArriveBy: arrive.UTC()}
		if r.PickupFrom != "" {
			o.PickupAfter = clockOn(d, r.PickupFrom, loc).UTC()
		}
		out = append(out, o)
	}
	return out
}

// clockOn is the time hh:mm on day d in loc.
func clockOn(d time.Time, hhmm string, loc *time.Location) time.Time {
	h, m, _ := strings.Cut(hhmm, ":")
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, loc)
}
