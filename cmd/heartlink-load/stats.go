package main

import (
	"encoding/json"
	"math"
	"slices"
	"sync"
	"time"
)

// sample collects durations from many goroutines. The zero value is empty
// and ready to use.
type sample struct {
	mu sync.Mutex // mu guards d
	d  []time.Duration
}

func (s *sample) add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

// summary is what the report shows of a sample.
func (s *sample) summary() summary {
	s.mu.Lock()
	d := slices.Clone(s.d)
	s.mu.Unlock()
	return summarize(d)
}

// summary is the count, median, 99th percentile and maximum of a sample.
type summary struct {
	Count int
	P50   time.Duration
	P99   time.Duration
	Max   time.Duration
}

func summarize(d []time.Duration) summary {
	slices.Sort(d)
	s := summary{Count: len(d), P50: percentile(d, 50), P99: percentile(d, 99)}
	if len(d) > 0 {
		s.Max = d[len(d)-1]
	}
	return s
}

// percentile is the nearest-rank p-th percentile of sorted: the smallest
// value that at least p% of the values are at or below. An empty sample
// has none and gives 0.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// MarshalJSON writes durations as milliseconds, which is what a reader
// of load figures compares.
func (s summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Count int     `json:"count"`
		P50   float64 `json:"p50_ms"`
		P99   float64 `json:"p99_ms"`
		Max   float64 `json:"max_ms"`
	}{s.Count, ms(s.P50), ms(s.P99), ms(s.Max)})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// tally counts occurrences by name from many goroutines. The zero value is
// empty and ready to use.
type tally struct {
	mu sync.Mutex // mu guards m
	m  map[string]int
}

func (t *tally) add(name string) {
	t.mu.Lock()
	if t.m == nil {
		t.m = make(map[string]int)
	}
	t.m[name]++
	t.mu.Unlock()
}

func (t *tally) snapshot() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.m))
	for k, v := range t.m {
		out[k] = v
	}
	return out
}
