package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

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
