package fleet

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

func TestAvailabilityValidate(t *testing.T) {
	tests := []struct {
		name  string
		a     Availability
		field string
	}{
		{"weekly and a date", Availability{Weekly: []WeeklySlot{{Days: []string{"mon", "wed"}, From: "06:00", To: "12:00"}},
			Dates: []DateSlot{{Date: "2027-06-07", From: "06:00", To: "24:00"}}}, ""},
		{"nothing", Availability{}, ""},
		{"no day", Availability{Weekly: []WeeklySlot{{From: "06:00", To: "12:00"}}}, "weekly[0].days"},
		{"unknown day", Availability{Weekly: []WeeklySlot{{Days: []string{"monday"}, From: "06:00", To: "12:00"}}}, "weekly[0].days[0]"},
		{"backwards", Availability{Weekly: []WeeklySlot{{Days: []string{"mon"}, From: "12:00", To: "06:00"}}}, "weekly[0].to"},
		{"bad time", Availability{Dates: []DateSlot{{Date: "2027-06-07", From: "6am", To: "12:00"}}}, "dates[0].from"},
		{"bad date", Availability{Dates: []DateSlot{{Date: "07/06/2027", From: "06:00", To: "12:00"}}}, "dates[0].date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Validate()
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.field, heartlink.ErrorField(err))
		})
	}
}

func TestAvailabilityOn(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	a := Availability{
		Weekly: []WeeklySlot{{Days: []string{"mon", "fri"}, From: "06:00", To: "09:00"}},
		Dates:  []DateSlot{{Date: "2027-06-07", From: "08:30", To: "11:00"}},
	}
	monday := time.Date(2027, 6, 7, 12, 0, 0, 0, sh) // 7 June 2027 is a Monday
	at := func(d, h, m int) time.Time { return time.Date(2027, 6, d, h, m, 0, 0, sh) }
	assert.Equal(t, []Window{{at(7, 6, 0), at(7, 11, 0)}}, a.On(monday, sh), "the weekly slot and the date merge")
	assert.Empty(t, a.On(monday.AddDate(0, 0, 1), sh), "nothing on Tuesday")
	shift := Window{at(8, 7, 0), at(8, 8, 30)}
	assert.Equal(t, []Window{shift}, a.On(monday.AddDate(0, 0, 1), sh, shift), "a shift signed up for counts")
	// The day is the city's: 23:30 UTC on Sunday is Monday morning in Shanghai.
	assert.NotEmpty(t, a.On(time.Date(2027, 6, 6, 23, 30, 0, 0, time.UTC), sh))

	w, ok := Covers(a.On(monday, sh), at(7, 6, 30), at(7, 8, 15))
	assert.True(t, ok)
	assert.Equal(t, at(7, 6, 0), w.From)
	_, ok = Covers(a.On(monday, sh), at(7, 5, 30), at(7, 8, 15))
	assert.False(t, ok, "a trip before the slot begins")
}

// A station's hours are read in the city's time: open from its opening
// minute, closed from its closing one, whatever zone the time comes in.
func TestPlaceOpenAt(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	p := &Place{Hours: &Availability{Weekly: []WeeklySlot{{Days: []string{"mon"}, From: "08:00", To: "18:00"}},
		Dates: []DateSlot{{Date: "2027-06-08", From: "06:00", To: "24:00"}}}}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		require.NoError(t, err)
		return tm.UTC() // as a clock gives it
	}
	for when, want := range map[string]bool{
		"2027-06-07 07:59": false, // Monday, before opening
		"2027-06-07 08:00": true,
		"2027-06-07 17:59": true,
		"2027-06-07 18:00": false,
		"2027-06-08 05:59": false, // a Tuesday, open on that date only
		"2027-06-08 23:59": true,
		"2027-06-09 00:00": false,
	} {
		open, known := p.OpenAt(at(when), shanghai)
		assert.True(t, known)
		assert.Equal(t, want, open, "open at %s", when)
	}
	_, known := (&Place{}).OpenAt(at("2027-06-07 09:00"), shanghai)
	assert.False(t, known, "no hours: nobody knows")
}
