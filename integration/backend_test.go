package integration

import (
	"strings"
	"testing"

	"github.com/heartlink/heartlink/internal/redistest"
)

// backend is the store a server runs on: real Redis or a Redis Cluster
// under a key prefix of its own, or the embedded in-memory store inside
// the process.
type backend struct {
	name     string
	redisURL string   // "" for the embedded store and a cluster
	cluster  []string // a cluster's nodes
	prefix   string
}

func (b backend) flags() []string {
	switch {
	case len(b.cluster) > 0:
		return []string{"-redis-cluster", strings.Join(b.cluster, ","), "-redis-prefix", b.prefix}
	case b.redisURL != "":
		return []string{"-redis", b.redisURL, "-redis-prefix", b.prefix}
	}
	return nil
}

// realRedis returns a backend on the Redis redistest finds or starts, with
// a key prefix no other test uses; the prefix's keys are deleted when the
// test ends. It skips the test when there is no Redis (or fails it, with
// HEARTLINK_REQUIRE_REDIS set).
func realRedis(tb testing.TB) backend {
	tb.Helper()
	url := redistest.URL(tb)
	// Client gives a fresh prefix as redistest.Prefix does, and deletes its
	// keys once the servers using it have stopped.
	_, prefix := redistest.Client(tb)
	return backend{name: "redis", redisURL: url, prefix: prefix}
}

// clusterRedis is realRedis on the Redis Cluster redistest starts for the
// test binary (three primaries).
func clusterRedis(tb testing.TB) backend {
	tb.Helper()
	_, prefix := redistest.ClusterClient(tb)
	return backend{name: "cluster", cluster: redistest.ClusterAddrs(tb), prefix: prefix}
}

// fresh returns the backend with a key prefix of its own, for a subtest
// that must not see the data of the subtests before it. The embedded store
// is fresh with every process.
func (b backend) fresh(tb testing.TB) backend {
	tb.Helper()
	switch {
	case len(b.cluster) > 0:
		return backend{name: b.name, cluster: b.cluster, prefix: redistest.Prefix(tb)}
	case b.redisURL == "":
		return b
	}
	return realRedis(tb)
}

// embedded is the in-process store a server runs on without -redis.
func embedded() backend { return backend{name: "embedded"} }

// eachBackend runs f as parallel subtests, on real Redis and on the
// embedded store: users get either, and both must behave the same.
func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		f(t, realRedis(t))
	})
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		f(t, embedded())
	})
}
