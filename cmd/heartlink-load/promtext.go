package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// parseMetrics reads the Prometheus text exposition format into a map from
// series to value. A series is its name with its labels as the server wrote
// them ("go_goroutines", `heartlink_http_requests_total{route="GET /healthz",status="200"}`).
// Comments, blank lines and timestamps are skipped.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := make(map[string]float64)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		series, rest, err := splitSeries(line)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", n, err)
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, fmt.Errorf("metrics line %d: want a value and at most a timestamp after %s", n, series)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", n, err)
		}
		out[series] = v
	}
	return out, sc.Err()
}

// splitSeries cuts a sample line after its series: the name, and the label
// set when there is one, whose quoted values may hold spaces, braces and
// escaped quotes.
func splitSeries(line string) (series, rest string, err error) {
	end := strings.IndexAny(line, "{ \t")
	if end <= 0 {
		return "", "", fmt.Errorf("no value in %q", line)
	}
	if line[end] != '{' {
		return line[:end], line[end:], nil
	}
	quoted := false
	for i := end + 1; i < len(line); i++ {
		switch c := line[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '}':
			return line[:i+1], line[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("unterminated labels in %q", line)
}

// serverStats are the figures of one /metrics scrape that the report uses.
type serverStats struct {
	RSS        float64 `json:"rss_bytes"`        // process_resident_memory_bytes
	HeapInuse  float64 `json:"heap_inuse_bytes"` // go_memstats_heap_inuse_bytes
	Sys        float64 `json:"go_sys_bytes"`     // go_memstats_sys_bytes
	Goroutines float64 `json:"goroutines"`       // go_goroutines
	Conns      float64 `json:"live_connections"` // heartlink_live_connections
	CPUSeconds float64 `json:"cpu_seconds"`      // process_cpu_seconds_total

	RedisCommands   float64 `json:"redis_commands"`    // heartlink_redis_commands_total
	RedisRoundTrips float64 `json:"redis_round_trips"` // heartlink_redis_round_trips_total
}

func statsOf(m map[string]float64) serverStats {
	return serverStats{
		RSS:        m["process_resident_memory_bytes"],
		HeapInuse:  m["go_memstats_heap_inuse_bytes"],
		Sys:        m["go_memstats_sys_bytes"],
		Goroutines: m["go_goroutines"],
		Conns:      m["heartlink_live_connections"],
		CPUSeconds: m["process_cpu_seconds_total"],

		RedisCommands:   m["heartlink_redis_commands_total"],
		RedisRoundTrips: m["heartlink_redis_round_trips_total"],
	}
}
