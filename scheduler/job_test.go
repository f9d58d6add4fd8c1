package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMissed(t *testing.T) {
	daily9 := "0 9 * * *"
	yesterday9 := sh(2028, 3, 1, 9, 0)
	tests := []struct {
		name       string
		spec       string
		catchUp    time.Duration
		latestOnly bool
		last, now  time.Time
		run        []time.Time
		skipped    time.Time
	}{
		{"nothing missed", daily9, 48 * time.Hour, false, yesterday9, sh(2028, 3, 2, 8, 59), nil, time.Time{}},
		{"no catch-up skips", daily9, 0, false, yesterday9, sh(2028, 3, 2, 10, 0), nil, sh(2028, 3, 2, 9, 0)},
		{"no catch-up still fires in the current second", daily9, 0, false, yesterday9,
			sh(2028, 3, 2, 9, 0).Add(999 * time.Millisecond), []time.Time{sh(2028, 3, 2, 9, 0)}, time.Time{}},
		{"within catch-up", daily9, 2 * time.Hour, false, yesterday9, sh(2028, 3, 2, 10, 0),
			[]time.Time{sh(2028, 3, 2, 9, 0)}, time.Time{}},
		{"catch-up edge is inclusive", daily9, time.Hour, false, yesterday9, sh(2028, 3, 2, 10, 0),
			[]time.Time{sh(2028, 3, 2, 9, 0)}, time.Time{}},
		{"just past catch-up", daily9, time.Hour - time.Second, false, yesterday9, sh(2028, 3, 2, 10, 0),
			nil, sh(2028, 3, 2, 9, 0)},
		{"several, oldest first", daily9, 72 * time.Hour, false, yesterday9, sh(2028, 3, 4, 10, 0),
			[]time.Time{sh(2028, 3, 2, 9, 0), sh(2028, 3, 3, 9, 0), sh(2028, 3, 4, 9, 0)}, time.Time{}},
		{"older ones skipped", daily9, 30 * time.Hour, false, yesterday9, sh(2028, 3, 4, 10, 0),
			[]time.Time{sh(2028, 3, 3, 9, 0), sh(2028, 3, 4, 9, 0)}, sh(2028, 3, 2, 9, 0)},
		{"latest only", daily9, 72 * time.Hour, true, yesterday9, sh(2028, 3, 4, 10, 0),
			[]time.Time{sh(2028, 3, 4, 9, 0)}, sh(2028, 3, 2, 9, 0)},
		{"latest only, one missed", daily9, 72 * time.Hour, true, yesterday9, sh(2028, 3, 2, 10, 0),
			[]time.Time{sh(2028, 3, 2, 9, 0)}, time.Time{}},
		{"latest only, beyond catch-up", daily9, time.Hour, true, yesterday9, sh(2028, 3, 4, 10, 30),
			nil, sh(2028, 3, 2, 9, 0)},
		{"last is not a firing", daily9, 72 * time.Hour, false, sh(2028, 3, 2, 8, 59), sh(2028, 3, 2, 10, 0),
			[]time.Time{sh(2028, 3, 2, 9, 0)}, time.Time{}},
		{"last in the future", daily9, 72 * time.Hour, false, sh(2028, 3, 5, 9, 0), sh(2028, 3, 4, 10, 0),
			nil, time.Time{}},
		{"every minute", "* * * * *", 3 * time.Minute, false, sh(2028, 3, 2, 9, 0), sh(2028, 3, 2, 10, 0).Add(30 * time.Second),
			[]time.Time{sh(2028, 3, 2, 9, 58), sh(2028, 3, 2, 9, 59), sh(2028, 3, 2, 10, 0)}, sh(2028, 3, 2, 9, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Job{Name: "j", Schedule: mustParse(t, tt.spec), Location: shanghai, CatchUp: tt.catchUp, LatestOnly: tt.latestOnly}
			run, skipped := j.missed(tt.last.UTC(), tt.now)
			assert.Equal(t, fmtTimes(tt.run), fmtTimes(run), "missed(%v, %v) ran", tt.last, tt.now)
			assert.True(t, skipped.Equal(tt.skipped), "missed(%v, %v) skipped from %v; want %v", tt.last, tt.now, skipped, tt.skipped)
		})
	}
}

func TestJobValidate(t *testing.T) {
	ok := Job{Name: "j", Schedule: mustParse(t, "@daily"), Run: func(context.Context, time.Time) error { return nil }}
	assert.NoError(t, ok.Validate())
	tests := []struct {
		name string
		edit func(*Job)
		want string
	}{
		{"no name", func(j *Job) { j.Name = "" }, "no name"},
		{"no schedule", func(j *Job) { j.Schedule = nil }, "no schedule"},
		{"no run", func(j *Job) { j.Run = nil }, "no Run"},
		{"negative catch-up", func(j *Job) { j.CatchUp = -time.Hour }, "negative CatchUp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := ok
			tt.edit(&j)
			assert.ErrorContains(t, j.Validate(), tt.want)
		})
	}
}

// fmtTimes shows instants in Shanghai, so that failures read as schedules.
func fmtTimes(ts []time.Time) []string {
	var s []string
	for _, t := range ts {
		s = append(s, t.In(shanghai).Format("2006-01-02 15:04:05"))
	}
	return s
}
