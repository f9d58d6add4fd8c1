package integration

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

// fastAnswer is how soon, at most, a request must be answered while the
// store is down or frozen, with -redis-timeout 300ms: a school is told to
// retry in about a second, not left hanging.
const fastAnswer = 1500 * time.Millisecond

// TestStoreOutage freezes, then kills, the server's Redis (one of the
// test's own): every request is a quick 503 unavailable with
// Retry-After, over HTTP and the driver's socket, never a 500, and
// /readyz says not ready within a second. Real Redis only: the embedded
// store lives inside the process.
func TestStoreOutage(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	srv := startServer(t, backend{name: "redis", redisURL: rs.URL, prefix: redistest.Prefix(t)}, "-redis-timeout", "300ms")
	f := newFixture(t, srv)
	school := f.addRequester("school")
	drv := f.addDriver(north(home, 1))
	drv.online(north(home, 1))
	live := drv.live(t)
	anon := srv.client("")

	unavailable := func(t *testing.T, what string, send func() *response) {
		t.Helper()
		start := time.Now()
		r := send()
		took := time.Since(start)
		r.fails(t, http.StatusServiceUnavailable, "unavailable")
		after, err := strconv.Atoi(r.Header.Get("Retry-After"))
		assert.NoError(t, err, "%s: Retry-After %q", what, r.Header.Get("Retry-After"))
		assert.GreaterOrEqual(t, after, 1, what)
		assert.Less(t, took, fastAnswer, "%s answered after %v", what, took)
	}
	checkDown := func(t *testing.T) {
		unavailable(t, "POST /trips", func() *response { return school.post("/api/v1/trips", examTrip(3*time.Hour)) })
		unavailable(t, "GET /trips", func() *response { return school.get("/api/v1/trips") })
		start := time.Now()
		r := anon.get("/readyz")
		assert.Less(t, time.Since(start), time.Second, "/readyz must answer within a second")
		r.fails(t, http.StatusServiceUnavailable, "unavailable")
		assert.NotEmpty(t, r.Header.Get("Retry-After"))
		start = time.Now()
		live.fails("accept", map[string]any{"trip_id": "trp_nowhere"}, "unavailable")
		assert.Less(t, time.Since(start), fastAnswer, "a live request answered after %v", time.Since(start))
	}

	t.Run("frozen", func(t *testing.T) {
		rs.Freeze(6 * time.Second)
		checkDown(t)
		eventually(t, 15*time.Second, "/readyz to be ready again", func() bool {
			r, err := anon.send(http.MethodGet, "/readyz", nil)
			return err == nil && r.Status == http.StatusOK
		})
		school.request(examTrip(4 * time.Hour))
	})

	t.Run("down", func(t *testing.T) {
		rs.Kill()
		checkDown(t)
	})
	require.NotContains(t, srv.Log(), "level=ERROR", "an outage is no internal error")
}
