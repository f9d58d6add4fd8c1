package integration

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

// healthCheck is how often the servers of these tests check their store:
// often, so that a test awaits a change for a fraction of a second.
var healthCheck = []string{"-redis-check", "100ms"}

// ready is /readyz's body.
type ready struct {
	Status     string `json:"status"`
	Durability *struct {
		AOF     bool   `json:"aof"`
		Fsync   string `json:"fsync"`
		Warning string `json:"warning"`
	} `json:"durability"`
}

// awaitNotReady waits for /readyz to answer 503 with a message that holds
// want, and returns the message.
func awaitNotReady(t *testing.T, anon *client, want string) string {
	t.Helper()
	var last *response
	eventually(t, 10*time.Second, "/readyz to say "+want, func() bool {
		r, err := anon.send(http.MethodGet, "/readyz", nil)
		if err != nil {
			return false
		}
		last = r
		return r.Status == http.StatusServiceUnavailable && strings.Contains(string(r.Body), want)
	})
	require.Empty(t, last.Mismatch)
	return last.fails(t, http.StatusServiceUnavailable, "unavailable").Message
}

// awaitReady waits for /readyz to answer 200 with a body that match
// accepts, and returns it.
func awaitReady(t *testing.T, anon *client, what string, match func(ready) bool) ready {
	t.Helper()
	var body ready
	eventually(t, 10*time.Second, "/readyz to be ready with "+what, func() bool {
		r, err := anon.send(http.MethodGet, "/readyz", nil)
		if err != nil || r.Status != http.StatusOK || r.Mismatch != "" {
			return false
		}
		body = ready{}
		return json.Unmarshal(r.Body, &body) == nil && match(body)
	})
	return body
}

// retryable checks an answer is 503 unavailable with Retry-After, saying
// why, and returns its message.
func retryable(t *testing.T, r *response) string {
	t.Helper()
	e := r.fails(t, http.StatusServiceUnavailable, "unavailable")
	after, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", r.Header.Get("Retry-After"))
	assert.GreaterOrEqual(t, after, 1)
	return e.Message
}

// TestStoreBecomesReplica demotes the server's Redis (one of the test's
// own) to a replica mid-run, as a failover elsewhere would: /readyz says
// so, writes over HTTP and the socket are 503 unavailable, reads still
// answer; promoted again, it serves writes again.
func TestStoreBecomesReplica(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	srv := startServer(t, backend{name: "redis", redisURL: rs.URL, prefix: redistest.Prefix(t)}, healthCheck...)
	f := newFixture(t, srv)
	school := f.addRequester("school")
	drv := f.addDriver(north(home, 1))
	drv.online(north(home, 1))
	live := drv.live(t)
	anon := srv.client("")

	// Its primary is nowhere: the replica keeps its data, as a demoted
	// primary does until it has synced with the new one.
	rs.Do("REPLICAOF", "127.0.0.1", strconv.Itoa(redistest.FreePort(t)))
	msg := awaitNotReady(t, anon, "is a replica")
	assert.Regexp(t, `^redis at 127\.0\.0\.1:\d+ \(of 127\.0\.0\.1:\d+\) is a replica and refuses writes`, msg)

	assert.Contains(t, retryable(t, school.post("/api/v1/trips", examTrip(3*time.Hour))), "replica")
	assert.Contains(t, retryable(t, f.admin.post("/api/v1/drivers", verifiedDriver(north(home, 2)))), "replica")
	r := live.fails("presence", map[string]any{"status": "online"}, "unavailable")
	assert.Contains(t, r.Message, "replica")
	school.get("/api/v1/trips").must(t, http.StatusOK, nil)

	rs.Do("REPLICAOF", "NO", "ONE")
	awaitReady(t, anon, "Redis a primary again", func(ready) bool { return true })
	school.request(examTrip(3 * time.Hour))
	live.ack("presence", map[string]any{"status": "online"})
	require.NotContains(t, srv.Log(), "level=ERROR msg=\"request failed", "a replica is no internal error")
}

// TestStoreDurability reads how durable the server's Redis is as its
// persistence is switched down step by step: /readyz stays 200 and says
// what a crash would lose, the gauge follows, and the log says so once per
// change, not at every check.
func TestStoreDurability(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	srv := startServer(t, backend{name: "redis", redisURL: rs.URL, prefix: redistest.Prefix(t)}, healthCheck...)
	anon := srv.client("")
	gauge := func() string {
		m := regexp.MustCompile(`(?m)^heartlink_store_durable (\S+)$`).FindStringSubmatch(string(anon.get("/metrics").Body))
		require.NotNil(t, m, "/metrics has heartlink_store_durable")
		return m[1]
	}

	var body ready
	anon.get("/readyz").must(t, http.StatusOK, &body)
	require.NotNil(t, body.Durability)
	assert.True(t, body.Durability.AOF)
	assert.Equal(t, "always", body.Durability.Fsync)
	assert.Empty(t, body.Durability.Warning)
	assert.Equal(t, "1", gauge())

	rs.Do("CONFIG", "SET", "appendfsync", "everysec")
	body = awaitReady(t, anon, "appendfsync everysec", func(b ready) bool { return b.Durability != nil && b.Durability.Fsync == "everysec" })
	assert.Contains(t, body.Durability.Warning, "up to ~1 s of acknowledged accepts")
	assert.Equal(t, "0", gauge())

	rs.Do("CONFIG", "SET", "appendonly", "no")
	body = awaitReady(t, anon, "no AOF", func(b ready) bool { return b.Durability != nil && !b.Durability.AOF })
	assert.Empty(t, body.Durability.Fsync)
	assert.Regexp(t, `^redis at 127\.0\.0\.1:\d+: no AOF and no RDB snapshots .*a Redis restart loses everything`, body.Durability.Warning)
	assert.Equal(t, "0", gauge())

	rs.Do("CONFIG", "SET", "save", "3600 1")
	body = awaitReady(t, anon, "RDB snapshots", func(b ready) bool {
		return b.Durability != nil && strings.Contains(b.Durability.Warning, "since the last RDB snapshot")
	})

	srv.Stop()
	log := srv.Log()
	assert.Equal(t, 1, strings.Count(log, "level=INFO msg=\"store: durable"), "%s", log)
	assert.Equal(t, 3, strings.Count(log, "level=WARN msg=\"store: acknowledged accepts could be lost\""), "one warning per change:\n%s", log)
}

// TestStoreLosesData flushes the server's Redis, as a Redis restarted
// without persistence would come back: the server goes not ready saying
// why, and every request — a coordinator's, a school's, a socket — is 503
// unavailable with that reason instead of 401. Another instance restarted
// on the empty store begins a new fleet; the first one, seeing the epoch
// change, asks to be restarted.
func TestStoreLosesData(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	b := backend{name: "redis", redisURL: rs.URL, prefix: redistest.Prefix(t)}
	first := startServer(t, b, healthCheck...)
	second := startServer(t, b, healthCheck...)
	f := newFixture(t, first)
	school := f.addRequester("school")
	drv := f.addDriver(north(home, 1))
	anon := first.client("")

	rs.Do("FLUSHALL")
	const lost = "the store lost its data (fleet epoch missing): restore Redis or restart Heart-Link to start a new fleet"
	assert.Equal(t, lost, awaitNotReady(t, anon, "fleet epoch missing"))
	for _, c := range []*client{f.admin, school.client, drv.client, anon} {
		assert.Equal(t, lost, retryable(t, c.get("/api/v1/trips")))
	}
	assert.Equal(t, lost, retryable(t, school.post("/api/v1/trips", examTrip(3*time.Hour))))
	_, resp, err := dialLive(nil, first.URL, "/ws/driver", drv.token, nil, nil)
	require.Error(t, err, "no socket on a store that lost its data")
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	awaitNotReady(t, second.client(""), "fleet epoch missing")
	second.Stop()
	third := startServer(t, b, healthCheck...)
	assert.Contains(t, third.Log(), `msg="store: empty: a new fleet begins`, "a restart says it begins a new fleet")
	awaitReady(t, third.client(""), "a new fleet", func(ready) bool { return true })
	third.client(adminToken).get("/api/v1/drivers").must(t, http.StatusOK, nil)
	school.at(third).get("/api/v1/trips").fails(t, http.StatusUnauthorized, "unauthorized")

	msg := awaitNotReady(t, anon, "fleet epoch changed")
	assert.Contains(t, msg, "restart this Heart-Link")
	assert.Equal(t, msg, retryable(t, f.admin.get("/api/v1/drivers")))
}
