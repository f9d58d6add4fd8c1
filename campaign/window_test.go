package campaign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWindowAt(t *testing.T) {
	// Sign-up opens at 23:00 on the 31st and closes at 00:30 on the 1st:
	// across midnight and a month end, and never in 30-day months.
	c := &Campaign{TimeZone: "Asia/Shanghai", SignupOpens: "0 23 31 * *", SignupCloses: "30 0 1 * *"}
	tests := []struct {
		now       string
		open      bool
		nextOpen  string
		nextClose string
	}{
		{"2027-01-31 22:59", false, "2027-01-31 23:00", "2027-02-01 00:30"},
		{"2027-01-31 23:00", true, "2027-03-31 23:00", "2027-02-01 00:30"},
		{"2027-02-01 00:29", true, "2027-03-31 23:00", "2027-02-01 00:30"},
		{"2027-02-01 00:30", false, "2027-03-31 23:00", "2027-03-01 00:30"},
		{"2027-02-28 23:30", false, "2027-03-31 23:00", "2027-03-01 00:30"}, // February has no 31st
		{"2027-04-30 23:30", false, "2027-05-31 23:00", "2027-05-01 00:30"},
	}
	for _, tt := range tests {
		t.Run(tt.now, func(t *testing.T) {
			// Asked in UTC, answered in Shanghai time: the zone is the campaign's.
			w := c.WindowAt(at(tt.now).UTC())
			assert.Equal(t, tt.open, w.Open, "open")
			require.NotNil(t, w.NextOpen)
			require.NotNil(t, w.NextClose)
			assert.Equal(t, at(tt.nextOpen).UTC(), *w.NextOpen, "next open")
			assert.Equal(t, at(tt.nextClose).UTC(), *w.NextClose, "next close")
		})
	}
}

func TestPrev(t *testing.T) {
	tests := []struct {
		spec, now, want string
		ok              bool
	}{
		{"* * * * *", "2027-06-07 08:15", "2027-06-07 08:15", true},
		{"0 9 * * *", "2027-06-07 08:15", "2027-06-06 09:00", true},
		{"0 0 29 2 *", "2027-06-07 08:15", "", false}, // next 29 February is in 2028, last was 2024
		{"0 0 29 2 *", "2028-03-01 00:00", "2028-02-29 00:00", true},
		{"0 9 1 6 *", "2027-06-07 08:15", "2027-06-01 09:00", true}, // yearly
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec)
		require.NoError(t, err)
		got, ok := Prev(s, at(tt.now))
		if ok != tt.ok || ok && !got.Equal(at(tt.want)) {
			t.Errorf("Prev(%q, %s) = %v, %v; want %s, %v", tt.spec, tt.now, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDraftValidate(t *testing.T) {
	now := at("2027-05-01 10:00")
	valid := func() Draft {
		return Draft{
			Name: "2027 Gaokao Escort", SignupOpens: "0 9 20 5 *", SignupCloses: "0 21 25 5 *",
			Shifts: []ShiftDraft{{Date: "2027-06-07", Start: "06:30", End: "09:00",
				Area: &Area{Lat: 28.26, Lng: 117.07, RadiusKm: 5}, CarsNeeded: 100, VerifiedMinors: true}},
		}
	}
	tests := []struct {
		name  string
		edit  func(d *Draft)
		field string
	}{
		{"valid", func(*Draft) {}, ""},
		{"no name", func(d *Draft) { d.Name = "" }, "name"},
		{"unknown zone", func(d *Draft) { d.TimeZone = "Mars/Olympus" }, "timezone"},
		{"bad cron", func(d *Draft) { d.SignupOpens = "every morning" }, "signup_opens"},
		{"six fields", func(d *Draft) { d.SignupCloses = "0 0 21 25 5 *" }, "signup_closes"},
		{"@every", func(d *Draft) { d.SignupOpens = "@every 1h" }, "signup_opens"},
		{"zone in the expression", func(d *Draft) { d.SignupOpens = "CRON_TZ=UTC 0 9 20 5 *" }, "signup_opens"},
		{"never fires", func(d *Draft) { d.SignupOpens = "0 9 30 2 *" }, "signup_opens"},
		{"close before open", func(d *Draft) { d.SignupCloses = "0 21 19 5 *" }, "signup_closes"},
		{"close a day before open, a year later", func(d *Draft) { d.SignupOpens, d.SignupCloses = "0 9 2 5 *", "0 21 1 5 *" }, "signup_closes"},
		{"a 40-day window", func(d *Draft) { d.SignupCloses = "0 21 29 6 *" }, ""},
		{"a season: June to April", func(d *Draft) { d.SignupOpens, d.SignupCloses = "0 9 1 6 *", "0 21 30 4 *" }, ""},
		{"open since last week, for months", func(d *Draft) { d.SignupOpens, d.SignupCloses = "0 9 24 4 *", "0 21 30 9 *" }, ""},
		{"open since two months, before the campaign", func(d *Draft) { d.SignupOpens, d.SignupCloses = "0 9 1 3 *", "0 21 30 9 *" }, "signup_closes"},
		{"no shifts", func(d *Draft) { d.Shifts = nil }, "shifts"},
		{"shift in the past", func(d *Draft) { d.Shifts[0].Date = "2027-04-30" }, "shifts[0].date"},
		{"bad date", func(d *Draft) { d.Shifts[0].Date = "7 June" }, "shifts[0].date"},
		{"end before start", func(d *Draft) { d.Shifts[0].End = "06:00" }, "shifts[0].end"},
		{"no area", func(d *Draft) { d.Shifts[0].Area = nil }, "shifts[0].area"},
		{"no cars", func(d *Draft) { d.Shifts[0].CarsNeeded = 0 }, "shifts[0].cars_needed"},
		{"zero radius", func(d *Draft) { d.Shifts[0].Area.RadiusKm = 0 }, "shifts[0].area.radius_km"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid()
			tt.edit(&d)
			err := d.Validate(now.UTC())
			if tt.field == "" {
				require.NoError(t, err)
				assert.Equal(t, DefaultTimeZone, d.TimeZone)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "field "+tt.field+")")
		})
	}
}

// TestUpdateLongWindow changes a campaign whose season-long window has
// been open for months since it was created: the window stays valid; a
// reschedule that would have it open long before the campaign existed is
// refused.
func TestUpdateLongWindow(t *testing.T) {
	now := at("2027-05-01 10:00")
	c := &Campaign{Name: "2027 Gaokao Escort", TimeZone: DefaultTimeZone,
		SignupOpens: "0 9 10 2 *", SignupCloses: "0 21 31 5 *", CreatedAt: at("2027-02-01 08:00").UTC()}
	rename := "2027 Gaokao and Zhongkao Escort"
	require.NoError(t, (&Update{Name: &rename}).Apply(c, now.UTC()), "renaming a campaign open since February")
	assert.Equal(t, rename, c.Name)

	early := "0 9 1 11 *" // last 1 November: three months before the campaign
	err := (&Update{SignupOpens: &early}).Apply(c, now.UTC())
	require.Error(t, err)
	assert.Equal(t, "signup_closes", heartlink.ErrorField(err), "Apply() = %v", err)
	assert.Equal(t, "0 9 10 2 *", c.SignupOpens, "a refused update changes nothing")
}
