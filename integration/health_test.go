package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOperations checks what an operator's probes and dashboards read,
// without a token: liveness, readiness and Prometheus metrics.
func TestOperations(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		anon := srv.client("")
		var health struct{ Status string }
		anon.get("/healthz").must(t, http.StatusOK, &health)
		assert.Equal(t, "ok", health.Status)
		var ready ready
		anon.get("/readyz").must(t, http.StatusOK, &ready)
		assert.Equal(t, "ready", ready.Status)
		require.NotNil(t, ready.Durability, "/readyz says how durable the store is")
		if b.redisURL == "" {
			assert.False(t, ready.Durability.AOF)
			assert.Contains(t, ready.Durability.Warning, "embedded store: nothing persists")
		}

		anon.get("/api/v1/trips").fails(t, http.StatusUnauthorized, "unauthorized") // counted below
		m := anon.get("/metrics").must(t, http.StatusOK, nil)
		assert.Contains(t, m.Header.Get("Content-Type"), "text/plain")
		text := string(m.Body)
		for _, name := range []string{
			"heartlink_http_requests_total", "heartlink_http_request_seconds",
			"heartlink_offers_total", "heartlink_accepts_total", "heartlink_expiries_total",
			"heartlink_store_durable",
		} {
			assert.Contains(t, text, "# TYPE "+name+" ", "metric %s", name)
		}
		assert.True(t, strings.Contains(text, `route="/api/v1/trips",status="401"`),
			"requests are counted by route and status")

		anon.do(http.MethodDelete, "/healthz", nil).fails(t, http.StatusMethodNotAllowed, "method_not_allowed")
	})
}
