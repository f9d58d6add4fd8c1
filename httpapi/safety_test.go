package httpapi

import (
	"net/http/httptest"
	"testing"
)

// A guardian link's token never reaches a log in full.
func TestLogPath(t *testing.T) {
	tok := "gl_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst"
	for _, tc := range []struct{ path, want string }{
		{"/api/v1/shared/" + tok, "/api/v1/shared/gl_abcd…"},
		{"/g/" + tok, "/g/gl_abcd…"},
		{"/api/v1/shared/x", "/api/v1/shared/x"},
		{"/api/v1/trips/trp_x/share", "/api/v1/trips/trp_x/share"},
	} {
		if got := logPath(httptest.NewRequest("GET", tc.path, nil)); got != tc.want {
			t.Errorf("logPath(%q) = %q; want %q", tc.path, got, tc.want)
		}
	}
}
