package campaign

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads the standard five cron fields and descriptors (@daily ...).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a cron expression, refusing what the scheduler
// refuses too: a time zone inside the expression (the campaign has one),
// @every (it counts from whenever it is asked, so instances would not agree
// on its firings) and expressions that never fire (30 February).
func ParseSchedule(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return nil, fmt.Errorf("%q: give the time zone in timezone, not in the expression", spec)
	case strings.HasPrefix(spec, "@every"):
		return nil, fmt.Errorf("%q: @every has no fixed times; use five fields such as \"0 9 * * *\"", spec)
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron expression (minute hour day month weekday, or @daily): %v", spec, err)
	}
	if s.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("%q never fires", spec)
	}
	return s, nil
}

// maxLookBack bounds how far back a schedule's last firing is looked for.
const maxLookBack = 400 * 24 * time.Hour

// Prev returns the latest firing of s at or before t, or false when there
// is none within 400 days. It looks back in doubling steps until a step
// holds a firing, then walks forward, so it stays quick for schedules
// that fire every minute and for those that fire once a year.
func Prev(s cron.Schedule, t time.Time) (time.Time, bool) {
	for d := time.Minute; d <= 2*maxLookBack; d *= 2 {
		f := s.Next(t.Add(-d))
		if f.IsZero() || f.After(t) {
			continue
		}
		for {
			n := s.Next(f)
			if n.IsZero() || n.After(t) {
				return f, true
			}
			f = n
		}
	}
	return time.Time{}, false
}

// Window is the state of a campaign's sign-up window.
type Window struct {
	Open      bool       `json:"open"`
	NextOpen  *time.Time `json:"next_open"`
	NextClose *time.Time `json:"next_close"`
}

// WindowAt derives the window's state at now from the schedules alone, so
// that it is right after a restart or a missed firing: the window is open
// when the latest of its openings and closings was an opening.
func (c *Campaign) WindowAt(now time.Time) Window {
	loc := c.Location()
	opens, err1 := ParseSchedule(c.SignupOpens)
	closes, err2 := ParseSchedule(c.SignupCloses)
	if err1 != nil || err2 != nil {
		return Window{}
	}
	local := now.In(loc)
	lastOpen, opened := Prev(opens, local)
	lastClose, closed := Prev(closes, local)
	w := Window{Open: opened && (!closed || lastOpen.After(lastClose))}
	if n := opens.Next(local); !n.IsZero() {
		n = n.UTC()
		w.NextOpen = &n
	}
	if n := closes.Next(local); !n.IsZero() {
		n = n.UTC()
		w.NextClose = &n
	}
	return w
}
