package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPresets: a preset sets what it names, a flag given beside it wins,
// and an unknown preset is refused.
func TestPresets(t *testing.T) {
	env := func(string) string { return "load-admin-token-0123456789" }
	c, err := parseConfig([]string{"-preset", "saturation", "-think", "0s"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 1.0, c.AcceptFraction)
	assert.Equal(t, time.Duration(0), c.CancelAfter)
	assert.Equal(t, 100*time.Millisecond, c.FreeEvery)
	assert.Equal(t, time.Duration(0), c.Think, "the flag given wins over the preset")

	c, err = parseConfig([]string{"-preset", "steady", "-drivers", "10000"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, c.CancelAfter)
	assert.Equal(t, time.Duration(0), c.LocationEvery)
	assert.Equal(t, 10000, c.Drivers)

	_, err = parseConfig([]string{"-preset", "busy"}, env, io.Discard)
	assert.ErrorContains(t, err, "saturation, steady")
}

func TestLoopbackURL(t *testing.T) {
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"http://localhost:18090/", "http://localhost:18090", true},
		{"http://[::1]:8080", "http://[::1]:8080", true},
		{"http://10.0.0.5:8080", "", false},
		{"http://example.org", "", false},
		{"ws://127.0.0.1:8080", "", false},
	}
	for _, tt := range tests {
		u, err := loopbackURL(tt.raw)
		if !tt.ok {
			assert.Error(t, err, "loopbackURL(%q)", tt.raw)
			continue
		}
		if assert.NoError(t, err, "loopbackURL(%q)", tt.raw) {
			assert.Equal(t, tt.want, u.String(), "loopbackURL(%q)", tt.raw)
		}
	}
}
