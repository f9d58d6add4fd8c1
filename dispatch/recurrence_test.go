package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

func dialysis() RecurrenceDraft {
	r := validRequest()
	r.Kind = Hospital
	r.ArriveBy = nil
	return RecurrenceDraft{Trip: r, Weekdays: []int{1, 3, 5}, ArriveAt: "07:30", From: "2027-06-07", Until: "2027-06-18"}
}

func TestRecurrenceOccurrences(t *testing.T) {
	d := dialysis()
	require.NoError(t, d.Validate(now)) // now is Monday 7 June 2027, 14:00 in Shanghai
	r := d.Recurrence("rec_1", heartlink.Principal{Role: heartlink.RoleRequester, ID: "req_1"}, "req_1", now)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	var dates []string
	for _, o := range r.Occurrences(now, now.Add(14*24*time.Hour)) {
		dates = append(dates, o.Date)
		assert.Equal(t, "07:30", o.ArriveBy.In(sh).Format("15:04"))
	}
	// Monday the 7th at 07:30 has passed; the booking ends on Friday the 18th.
	assert.Equal(t, []string{"2027-06-09", "2027-06-11", "2027-06-14", "2027-06-16", "2027-06-18"}, dates)
	assert.Len(t, r.Occurrences(now, now.Add(48*time.Hour)), 1, "only what falls within the horizon")
}

func TestRecurrenceValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(d *RecurrenceDraft)
		field string
	}{
		{"valid", func(*RecurrenceDraft) {}, ""},
		{"no weekdays", func(d *RecurrenceDraft) { d.Weekdays = nil }, "weekdays"},
		{"weekday 8", func(d *RecurrenceDraft) { d.Weekdays = []int{1, 8} }, "weekdays[1]"},
		{"bad time", func(d *RecurrenceDraft) { d.ArriveAt = "7.30am" }, "arrive_at"},
		{"pickup after arrival", func(d *RecurrenceDraft) { d.PickupFrom = "08:00" }, "pickup_from"},
		{"from in the past", func(d *RecurrenceDraft) { d.From = "2027-06-01" }, "from"},
		{"until before from", func(d *RecurrenceDraft) { d.Until = "2027-06-01" }, "until"},
		{"two years", func(d *RecurrenceDraft) { d.Until = "2029-06-01" }, "until"},
		{"bad trip", func(d *RecurrenceDraft) { d.Trip.Riders = nil }, "trip.riders"},
		{"trip with its own time", func(d *RecurrenceDraft) { d.Trip.ArriveBy = ts(now.Add(time.Hour)) }, "trip.arrive_by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dialysis()
			tt.edit(&d)
			err := d.Validate(now)
			assert.Equal(t, tt.field, heartlink.ErrorField(err), "Validate() = %v", err)
		})
	}
}
