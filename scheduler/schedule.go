package scheduler

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads standard five-field expressions and descriptors (@daily).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// fields names the five fields in order with a parser for each alone, so
// that an error can say which field is wrong; robfig's messages do not.
var fields = []struct {
	name   string
	parser cron.Parser
}{
	{"minute", cron.NewParser(cron.Minute)},
	{"hour", cron.NewParser(cron.Hour)},
	{"day of month", cron.NewParser(cron.Dom)},
	{"month", cron.NewParser(cron.Month)},
	{"day of week", cron.NewParser(cron.Dow)},
}

// neverFrom is the fixed instant from which Parse checks that a schedule
// fires at all: robfig searches five years ahead, which covers 29 February.
var neverFrom = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Parse checks a cron expression — five fields (minute hour day-of-month
// month day-of-week) or a descriptor such as @daily — and returns its
// schedule, to be computed in a Job's Location. The error names what is
// wrong. It refuses a TZ= prefix (the zone belongs in Job.Location, so that
// there is one), @every (it counts from whenever it is asked, so instances
// would not agree on firings) and expressions that never fire (31 February).
func Parse(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("scheduler: cron expression %q: %s", spec, fmt.Sprintf(format, args...))
	}
	switch {
	case spec == "":
		return nil, bad("empty; want five fields (minute hour day-of-month month day-of-week) or a descriptor like @daily")
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return nil, bad("has a time zone; set the job's Location instead")
	case strings.HasPrefix(spec, "@every"):
		return nil, bad("@every is not supported: it has no fixed instants that instances could agree on")
	}
	s, err := parser.Parse(spec)
	if err != nil {
		if strings.HasPrefix(spec, "@") {
			return nil, bad("unknown descriptor; want @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly")
		}
		f := strings.Fields(spec)
		if len(f) != len(fields) {
			return nil, bad("has %d fields; want 5 (minute hour day-of-month month day-of-week)", len(f))
		}
		for i, field := range fields {
			if _, ferr := field.parser.Parse(f[i]); ferr != nil {
				return nil, bad("%s field %q: %v", field.name, f[i], ferr)
			}
		}
		return nil, bad("%v", err)
	}
	if s.Next(neverFrom).IsZero() {
		return nil, bad("never fires (no such date)")
	}
	return s, nil
}

// Next is s.Next computed in loc (UTC if nil): the first firing after t, or
// the zero time if there is none within five years.
func Next(s cron.Schedule, t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return s.Next(t.In(loc))
}

// prevLimit is how far back Prev looks.
const prevLimit = 400 * 24 * time.Hour

// Prev returns the latest firing of s at or before t, computed in loc (UTC if
// nil), and false if there is none within the last 400 days.
//
// robfig has no Prev. It looks back from t in doubling steps until Next from
// the step's start lands at or before t, then narrows that window by
// bisection: "the firing after a is at or before t" holds exactly for a
// before the firing sought. That costs at most about 45 calls of Next whatever the
// schedule, where walking forward with Next could take thousands (every
// minute of the first of the month, seen from the 31st).
func Prev(s cron.Schedule, t time.Time, loc *time.Location) (time.Time, bool) {
	hit := func(a time.Time) bool {
		n := Next(s, a, loc)
		return !n.IsZero() && !n.After(t)
	}
	// Firings fall on whole seconds, so the search works in whole seconds.
	top := t.Truncate(time.Second)
	hi := top // !hit(hi): Next(hi) is after t
	var lo time.Time
	for step := time.Minute; ; step *= 2 {
		if step > prevLimit {
			step = prevLimit
		}
		a := top.Add(-step)
		if hit(a) {
			lo = a
			break
		}
		if step == prevLimit {
			return time.Time{}, false
		}
		hi = a
	}
	// Invariant: hit(lo) && !hit(hi); find the last second a with hit(a).
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if hit(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return Next(s, lo, loc), true
}
