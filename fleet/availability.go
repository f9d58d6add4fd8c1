package fleet

import (
	"slices"
	"strconv"
	"time"

	"github.com/heartlink/heartlink"
)

// Availability is when a volunteer can drive: a weekly pattern and one-off
// days, in the city's time zone. A volunteer is not online days ahead;
// advance trips are planned over the drivers available then. The zero
// Availability says nothing: such a driver is offered trips as they come,
// but not planned ahead.
type Availability struct {
	Weekly []WeeklySlot `json:"weekly"`
	Dates  []DateSlot   `json:"dates"`
}

// WeeklySlot is a time of day on some weekdays, e.g. Monday, Wednesday and
// Friday from 06:00 to 12:00.
type WeeklySlot struct {
	Days []string `json:"days"` // mon … sun
	From string   `json:"from"` // HH:MM
	To   string   `json:"to"`   // HH:MM, after From
}

// DateSlot is a time on one day, e.g. the morning of an exam.
type DateSlot struct {
	Date string `json:"date"` // YYYY-MM-DD
	From string `json:"from"`
	To   string `json:"to"`
}

// Window is a span of time a driver is available.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// MaxSlots bounds how many slots one availability holds.
const MaxSlots = 100

// Validate reports the first problem, naming the field.
func (a *Availability) Validate() error {
	if len(a.Weekly)+len(a.Dates) > MaxSlots {
		return heartlink.FieldError(heartlink.EInvalid, "weekly", "at most %d slots", MaxSlots)
	}
	for i, w := range a.Weekly {
		f := "weekly[" + strconv.Itoa(i) + "]"
		if len(w.Days) == 0 {
			return heartlink.FieldError(heartlink.EInvalid, f+".days", "name at least one day: mon, tue, wed, thu, fri, sat or sun")
		}
		for j, d := range w.Days {
			if _, ok := weekdays[d]; !ok {
				return heartlink.FieldError(heartlink.EInvalid, f+".days["+strconv.Itoa(j)+"]", "%q is not mon, tue, wed, thu, fri, sat or sun", d)
			}
		}
		if err := validSlot(f, w.From, w.To); err != nil {
			return err
		}
	}
	for i, d := range a.Dates {
		f := "dates[" + strconv.Itoa(i) + "]"
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			return heartlink.FieldError(heartlink.EInvalid, f+".date", "date must be YYYY-MM-DD")
		}
		if err := validSlot(f, d.From, d.To); err != nil {
			return err
		}
	}
	return nil
}

func validSlot(f, from, to string) error {
	a, err := time.Parse("15:04", from)
	if err != nil {
		return heartlink.FieldError(heartlink.EInvalid, f+".from", "from must be HH:MM")
	}
	b, err := time.Parse("15:04", to)
	if err != nil && to != "24:00" {
		return heartlink.FieldError(heartlink.EInvalid, f+".to", "to must be HH:MM")
	}
	if to != "24:00" && !b.After(a) {
		return heartlink.FieldError(heartlink.EInvalid, f+".to", "to must be after from")
	}
	return nil
}

// Listed is a with both lists present, empty rather than nil, as the
// API shows them.
func (a Availability) Listed() Availability {
	if a.Weekly == nil {
		a.Weekly = []WeeklySlot{}
	}
	if a.Dates == nil {
		a.Dates = []DateSlot{}
	}
	return a
}

// Empty reports whether a says nothing.
func (a *Availability) Empty() bool { return len(a.Weekly) == 0 && len(a.Dates) == 0 }

// On returns the windows of a on the day of day in loc, merged and in
// order; more windows come from extra (campaign shifts signed up for).
func (a *Availability) On(day time.Time, loc *time.Location, extra ...Window) []Window {
	y, m, d := day.In(loc).Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	at := func(hhmm string) time.Time {
		if hhmm == "24:00" {
			return midnight.AddDate(0, 0, 1)
		}
		t, _ := time.Parse("15:04", hhmm)
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc)
	}
	var out []Window
	for _, w := range a.Weekly {
		for _, name := range w.Days {
			if weekdays[name] == midnight.Weekday() {
				out = append(out, Window{at(w.From), at(w.To)})
				break
			}
		}
	}
	date := midnight.Format(time.DateOnly)
	for _, s := range a.Dates {
		if s.Date == date {
			out = append(out, Window{at(s.From), at(s.To)})
		}
	}
	for _, w := range extra {
		if w.To.After(midnight) && w.From.Before(midnight.AddDate(0, 0, 1)) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b Window) int { return a.From.Compare(b.From) })
	merged := out[:0]
	for _, w := range out {
		if n := len(merged); n > 0 && !w.From.After(merged[n-1].To) {
			if w.To.After(merged[n-1].To) {
				merged[n-1].To = w.To
			}
			continue
		}
		merged = append(merged, w)
	}
	return merged
}

// Covers returns the window of ws that holds [from, to], if any.
func Covers(ws []Window, from, to time.Time) (Window, bool) {
	for _, w := range ws {
		if !from.Before(w.From) && !to.After(w.To) {
			return w, true
		}
	}
	return Window{}, false
}
