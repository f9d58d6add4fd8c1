package main

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMetrics(t *testing.T) {
	tests := []struct {
		name string
		text string
		want map[string]float64
	}{
		{
			name: "plain samples, comments and blank lines",
			text: "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 20021\n\nheartlink_live_connections 10010\n",
			want: map[string]float64{"go_goroutines": 20021, "heartlink_live_connections": 10010},
		},
		{
			name: "exponent notation as client_golang writes it",
			text: "process_resident_memory_bytes 3.3554432e+08\ngo_memstats_heap_inuse_bytes 1.2345e+07\n",
			want: map[string]float64{"process_resident_memory_bytes": 335544320, "go_memstats_heap_inuse_bytes": 12345000},
		},
		{
			name: "labels with spaces, braces and escaped quotes stay in the series",
			text: `heartlink_http_requests_total{route="POST /api/v1/trips",status="201"} 3000` + "\n" +
				`weird{a="x} y",b="say \"hi\""} 2` + "\n",
			want: map[string]float64{
				`heartlink_http_requests_total{route="POST /api/v1/trips",status="201"}`: 3000,
				`weird{a="x} y",b="say \"hi\""}`:                                         2,
			},
		},
		{
			name: "a timestamp after the value is ignored",
			text: "process_cpu_seconds_total 12.5 1764345600123\n",
			want: map[string]float64{"process_cpu_seconds_total": 12.5},
		},
		{
			name: "histogram buckets with +Inf",
			text: `heartlink_http_request_seconds_bucket{route="GET /healthz",le="+Inf"} 7` + "\n" +
				`heartlink_http_request_seconds_sum{route="GET /healthz"} 0.0042` + "\n",
			want: map[string]float64{
				`heartlink_http_request_seconds_bucket{route="GET /healthz",le="+Inf"}`: 7,
				`heartlink_http_request_seconds_sum{route="GET /healthz"}`:              0.0042,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMetrics(strings.NewReader(tt.text))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got, "parseMetrics(%q)", tt.text)
		})
	}
}

func TestParseMetricsSpecialValues(t *testing.T) {
	got, err := parseMetrics(strings.NewReader("a NaN\nb +Inf\nc -Inf\n"))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(got["a"]))
	assert.True(t, math.IsInf(got["b"], 1))
	assert.True(t, math.IsInf(got["c"], -1))
}

func TestParseMetricsRefusesBrokenLines(t *testing.T) {
	tests := []struct{ name, text string }{
		{"no value", "go_goroutines\n"},
		{"value not a number", "go_goroutines many\n"},
		{"unterminated labels", `x{a="b" 1` + "\n"},
		{"too many fields", "x 1 2 3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMetrics(strings.NewReader(tt.text))
			assert.Error(t, err, "parseMetrics(%q)", tt.text)
		})
	}
}

func TestStatsOf(t *testing.T) {
	text := "process_resident_memory_bytes 4.194304e+08\ngo_memstats_heap_inuse_bytes 2.097152e+08\n" +
		"go_memstats_sys_bytes 3e+08\ngo_goroutines 20010\nheartlink_live_connections 10000\nprocess_cpu_seconds_total 42.5\n"
	m, err := parseMetrics(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, serverStats{RSS: 400 << 20, HeapInuse: 200 << 20, Sys: 3e8, Goroutines: 20010, Conns: 10000, CPUSeconds: 42.5}, statsOf(m))
}

func TestMemoryOf(t *testing.T) {
	before := serverStats{RSS: 20 << 20, HeapInuse: 4 << 20, Goroutines: 10}
	after := serverStats{RSS: 20<<20 + 10000*30<<10, HeapInuse: 4<<20 + 10000*10<<10, Goroutines: 20010, Conns: 10000}
	m := memoryOf(before, after)
	assert.Equal(t, 10000.0, m.Conns)
	assert.Equal(t, float64(30<<10), m.RSSPerConn)
	assert.Equal(t, float64(10<<10), m.HeapDeltPerConn)
	assert.Equal(t, 2.0, m.GoroutinesPer)
}

func TestEventMillis(t *testing.T) {
	tests := []struct {
		id     string
		wantMs int64
		ok     bool
	}{
		{"1764345600123-0", 1764345600123, true},
		{"1764345600123-17", 1764345600123, true},
		{"", 0, false},
		{"1764345600123", 0, false},
		{"abc-0", 0, false},
	}
	for _, tt := range tests {
		got, ok := eventMillis(tt.id)
		assert.Equal(t, tt.ok, ok, "eventMillis(%q) ok", tt.id)
		if ok {
			assert.Equal(t, tt.wantMs, got.UnixMilli(), "eventMillis(%q)", tt.id)
		}
	}
}
