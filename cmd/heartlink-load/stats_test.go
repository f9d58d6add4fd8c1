package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"median of odd count", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"median of even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 1..100 is 99", ms(hundred...), 99, 99 * time.Millisecond},
		{"p50 of 1..100 is 50", ms(hundred...), 50, 50 * time.Millisecond},
		{"p100 is the maximum", ms(hundred...), 100, 100 * time.Millisecond},
		{"p99 of 10 values is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p0 is the minimum", ms(4, 5, 6), 0, 4 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, percentile(tt.sorted, tt.p), "percentile(%v, %v)", tt.sorted, tt.p)
		})
	}
}

func TestSummarySortsAndCounts(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want summary
	}{
		{"empty", nil, summary{}},
		{"unsorted input", []time.Duration{5, 1, 4, 2, 3}, summary{Count: 5, P50: 3, P99: 5, Max: 5}},
		{"one outlier moves p99 and max, not p50",
			append(make([]time.Duration, 99), time.Second),
			summary{Count: 100, P50: 0, P99: 0, Max: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sample
			for _, d := range tt.in {
				s.add(d)
			}
			assert.Equal(t, tt.want, s.summary())
		})
	}
}

func TestSummaryJSONIsMilliseconds(t *testing.T) {
	b, err := summary{Count: 2, P50: 1500 * time.Microsecond, P99: 2 * time.Millisecond, Max: time.Second}.MarshalJSON()
	assert.NoError(t, err)
	assert.JSONEq(t, `{"count": 2, "p50_ms": 1.5, "p99_ms": 2, "max_ms": 1000}`, string(b))
}
