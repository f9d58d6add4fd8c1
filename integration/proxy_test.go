package integration

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrustedProxy puts the server behind a reverse proxy (the test, on
// 127.0.0.1) that names each client in X-Forwarded-For. One client floods
// it with bad tokens until it is refused; with the proxy trusted, another
// client behind it is not locked out, and without, the header lets nobody
// out of the proxy's one bucket.
func TestTrustedProxy(t *testing.T) {
	get := func(t *testing.T, base, token, forwardedFor string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+"/api/v1/drivers", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", forwardedFor)
		resp, err := httpClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	flood := func(t *testing.T, base, forwardedFor string) {
		t.Helper()
		for range 50 {
			if get(t, base, "hl_guessed_token_000000000000000", forwardedFor) == http.StatusTooManyRequests {
				return
			}
		}
		t.Fatalf("50 bad tokens from %s were never refused with 429", forwardedFor)
	}
	for _, c := range []struct {
		name    string
		flags   []string
		trusted bool
	}{
		{"trusted", []string{"-trusted-proxies", "127.0.0.1/32,::1"}, true},
		{"not trusted (the default)", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startServer(t, embedded(), append([]string{"-rate-per-address", "2"}, c.flags...)...)
			flood(t, srv.URL, "203.0.113.66")
			if c.trusted {
				assert.Equal(t, http.StatusOK, get(t, srv.URL, adminToken, "203.0.113.7"), "another client behind the proxy")
				// What a client writes left of the proxy's entry is not believed.
				assert.Equal(t, http.StatusTooManyRequests, get(t, srv.URL, adminToken, "203.0.113.7, 203.0.113.66"), "the flooding client, claiming to be another")
			} else {
				assert.Equal(t, http.StatusTooManyRequests, get(t, srv.URL, adminToken, "203.0.113.7"), "a header from an untrusted peer is not believed")
			}
		})
	}
}
