package scheduler

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sh is a wall time in Shanghai.
func sh(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, shanghai)
}

func mustParse(tb testing.TB, spec string) cron.Schedule {
	tb.Helper()
	s, err := Parse(spec)
	require.NoError(tb, err, "Parse(%q)", spec)
	return s
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, spec, want string
	}{
		{"empty", "", "empty"},
		{"four fields", "0 9 * *", "has 4 fields; want 5"},
		{"six fields", "0 0 9 * * *", "has 6 fields; want 5"},
		{"minute out of range", "60 9 * * *", `minute field "60"`},
		{"hour out of range", "0 24 * * *", `hour field "24"`},
		{"day 32", "0 9 32 * *", `day of month field "32"`},
		{"day 0", "0 9 0 * *", `day of month field "0"`},
		{"month 13", "0 9 1 13 *", `month field "13"`},
		{"bad month name", "0 9 1 foo *", `month field "foo"`},
		{"weekday 8", "0 9 * * 8", `day of week field "8"`},
		{"backwards range", "0 17-9 * * *", `hour field "17-9"`},
		{"not a number", "x 9 * * *", `minute field "x"`},
		{"unknown descriptor", "@fortnightly", "unknown descriptor"},
		{"every", "@every 5m", "@every is not supported"},
		{"time zone", "TZ=Asia/Shanghai 0 9 * * *", "set the job's Location"},
		{"cron time zone", "CRON_TZ=UTC 0 9 * * *", "set the job's Location"},
		{"never", "0 9 30 2 *", "never fires"},
		{"31 April", "0 9 31 4 *", "never fires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.spec)
			require.Error(t, err, "Parse(%q) = %v; want an error", tt.spec, s)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), tt.spec, "the error quotes the expression")
		})
	}
}

func TestParseAccepts(t *testing.T) {
	for _, spec := range []string{
		"* * * * *", "0 9 * * 1-5", "*/15 8-18 * * *", "0 9 31 * *", "0 0 29 2 *", "0 20 * * SUN",
		"0 9 1 JAN,JUL *", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
	} {
		_, err := Parse(spec)
		assert.NoError(t, err, "Parse(%q)", spec)
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name, spec string
		from, want time.Time
	}{
		{"same day", "0 9 * * *", sh(2028, 3, 1, 8, 59), sh(2028, 3, 1, 9, 0)},
		{"strictly after", "0 9 * * *", sh(2028, 3, 1, 9, 0), sh(2028, 3, 2, 9, 0)},
		{"across midnight", "30 0 * * *", sh(2028, 3, 1, 23, 50), sh(2028, 3, 2, 0, 30)},
		{"31st skips short months", "0 9 31 * *", sh(2028, 1, 31, 10, 0), sh(2028, 3, 31, 9, 0)},
		{"first of month after leap day", "0 0 1 * *", sh(2028, 2, 29, 23, 59), sh(2028, 3, 1, 0, 0)},
		{"leap day", "0 8 29 2 *", sh(2027, 3, 1, 0, 0), sh(2028, 2, 29, 8, 0)},
		{"28 Feb", "0 8 28 2 *", sh(2028, 2, 28, 8, 0), sh(2029, 2, 28, 8, 0)},
		{"yearly", "@yearly", sh(2028, 6, 1, 0, 0), sh(2029, 1, 1, 0, 0)},
		{"every minute", "* * * * *", sh(2028, 12, 31, 23, 59).Add(30 * time.Second), sh(2029, 1, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// From a UTC instant: the schedule is read in Shanghai all the same.
			got := Next(mustParse(t, tt.spec), tt.from.UTC(), shanghai)
			assert.True(t, got.Equal(tt.want), "Next(%q, %v) = %v; want %v", tt.spec, tt.from, got, tt.want)
			assert.Equal(t, shanghai, got.Location())
		})
	}
	// The same schedule in UTC fires eight hours later.
	got := Next(mustParse(t, "0 9 * * *"), sh(2028, 3, 1, 8, 0), nil)
	assert.Equal(t, time.Date(2028, 3, 1, 9, 0, 0, 0, time.UTC), got)
}

func TestPrev(t *testing.T) {
	tests := []struct {
		name, spec string
		at, want   time.Time
		ok         bool
	}{
		{"at the firing", "0 9 * * *", sh(2028, 3, 1, 9, 0), sh(2028, 3, 1, 9, 0), true},
		{"just before the firing", "0 9 * * *", sh(2028, 3, 1, 9, 0).Add(-time.Nanosecond), sh(2028, 2, 29, 9, 0), true},
		{"across midnight", "30 23 * * *", sh(2028, 3, 1, 0, 10), sh(2028, 2, 29, 23, 30), true},
		{"31st skips February", "0 9 31 * *", sh(2028, 3, 15, 12, 0), sh(2028, 1, 31, 9, 0), true},
		{"31st of March", "0 9 31 * *", sh(2028, 5, 1, 0, 0), sh(2028, 3, 31, 9, 0), true},
		{"first of month at midnight", "0 0 1 * *", sh(2028, 3, 1, 0, 0), sh(2028, 3, 1, 0, 0), true},
		{"first of month before midnight", "0 0 1 * *", sh(2028, 2, 29, 23, 59), sh(2028, 2, 1, 0, 0), true},
		{"leap day", "0 8 29 2 *", sh(2028, 12, 1, 0, 0), sh(2028, 2, 29, 8, 0), true},
		{"28 Feb in a leap year", "0 8 28 2 *", sh(2028, 2, 29, 0, 0), sh(2028, 2, 28, 8, 0), true},
		{"yearly", "@yearly", sh(2028, 12, 31, 23, 59), sh(2028, 1, 1, 0, 0), true},
		{"yearly in May", "0 9 1 5 *", sh(2028, 4, 30, 9, 0), sh(2027, 5, 1, 9, 0), true},
		{"every minute", "* * * * *", sh(2028, 3, 1, 0, 0).Add(59 * time.Second), sh(2028, 3, 1, 0, 0), true},
		{"every minute of the 1st, from the 31st", "* * 1 * *", sh(2028, 3, 31, 12, 0), sh(2028, 3, 1, 23, 59), true},
		{"weekdays only", "0 9 * * 1-5", sh(2028, 3, 5, 12, 0), sh(2028, 3, 3, 9, 0), true}, // Sunday → Friday
		{"leap day 3 years back", "0 8 29 2 *", sh(2027, 6, 1, 0, 0), time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &countingSchedule{Schedule: mustParse(t, tt.spec)}
			got, ok := Prev(s, tt.at.UTC(), shanghai)
			require.Equal(t, tt.ok, ok, "Prev(%q, %v) = %v, %v; want %v, %v", tt.spec, tt.at, got, ok, tt.want, tt.ok)
			assert.True(t, got.Equal(tt.want), "Prev(%q, %v) = %v; want %v", tt.spec, tt.at, got, tt.want)
			assert.LessOrEqual(t, s.calls, 50, "Prev(%q) called Next %d times", tt.spec, s.calls)
		})
	}
}

func TestPrevNothingWithin400Days(t *testing.T) {
	s := mustParse(t, "0 8 29 2 *") // next after 29 Feb 2028 is 29 Feb 2032
	leap := sh(2028, 2, 29, 8, 0)
	limit := leap.Add(400 * 24 * time.Hour)
	tests := []struct {
		at time.Time
		ok bool
	}{
		{leap, true},
		{limit.Add(-time.Second), true},
		{limit, false}, // 400 days back is excluded
		{sh(2031, 12, 31, 0, 0), false},
	}
	for _, tt := range tests {
		got, ok := Prev(s, tt.at, shanghai)
		assert.Equal(t, tt.ok, ok, "Prev(%v) = %v, %v; want ok %v", tt.at, got, ok, tt.ok)
		if tt.ok {
			assert.True(t, got.Equal(leap), "Prev(%v) = %v; want %v", tt.at, got, leap)
		}
	}
}

// TestPrevAgreesWithNext checks Prev against walking forward with Next.
func TestPrevAgreesWithNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := sh(2028, 1, 1, 0, 0)
	for _, spec := range []string{"*/7 3-5 * * 1,3", "15 */5 * * *", "0 0 * * 0", "45 23 * * *", "0 9 31 * *"} {
		s := mustParse(t, spec)
		for range 20 {
			at := base.Add(time.Duration(rng.Int64N(int64(366 * 24 * time.Hour))))
			var want time.Time // every schedule here fires at least every 62 days
			for n := Next(s, at.AddDate(0, 0, -70), shanghai); !n.After(at); n = Next(s, n, shanghai) {
				want = n
			}
			got, ok := Prev(s, at, shanghai)
			require.True(t, ok)
			require.True(t, got.Equal(want), "Prev(%q, %v) = %v; want %v", spec, at, got, want)
		}
	}
}

// countingSchedule counts calls of Next, to show Prev stays fast.
type countingSchedule struct {
	cron.Schedule
	calls int
}

func (s *countingSchedule) Next(t time.Time) time.Time {
	s.calls++
	return s.Schedule.Next(t)
}
