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
	// flood sends bad tokens until refused and says how many it took.
	flood := func(t *testing.T, base, forwardedFor string) int {
		t.Helper()
		for n := 1; n <= 50; n++ {
			if get(t, base, "hl_guessed_token_000000000000000", forwardedFor) == http.StatusTooManyRequests {
				return n
			}
		}
		t.Fatalf("50 bad tokens from %s were never refused with 429", forwardedFor)
		return 0
	}
	// -rate-per-address 2 allows a burst of 4: a fresh bucket refuses the
	// 5th request at the earliest.
	const burst = 4
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
			// The client claims to be 203.0.113.9; the proxy appends whom
			// it heard from.
			flood(t, srv.URL, "203.0.113.9, 203.0.113.66")
			if c.trusted {
				assert.Equal(t, http.StatusOK, get(t, srv.URL, adminToken, "203.0.113.7"), "another client behind the proxy")
				assert.Equal(t, http.StatusOK, get(t, srv.URL, adminToken, "203.0.113.9"), "the client the flood claimed to be: what a client writes left of the proxy's entry is not believed")
			} else {
				// All share the proxy's bucket, emptied: refused at once
				// (give or take what refilled meanwhile), not after a burst.
				assert.Less(t, flood(t, srv.URL, "203.0.113.7"), burst, "a header from an untrusted peer is not believed")
			}
		})
	}
}
