// Package redistest gives tests a real Redis: the one at REDIS_URL when it
// is set, else a redis-server it starts on a free port (once per test
// binary), and each test a unique key prefix so tests never see each
// other's keys. Without either, tests that need Redis are skipped with a
// message saying how to provide one, unless HEARTLINK_REQUIRE_REDIS is set
// (as CI sets it), when they fail.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

var (
	once    sync.Once
	url     string
	missing string
)

// URL returns the URL of a real Redis for tests, or skips tb.
func URL(tb testing.TB) string {
	tb.Helper()
	once.Do(func() { url, missing = find() })
	if url == "" {
		msg := "no Redis for this test: " + missing +
			"; set REDIS_URL=redis://127.0.0.1:6379/0 or install redis-server (apt-get install redis-server)"
		if os.Getenv("HEARTLINK_REQUIRE_REDIS") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return url
}

func find() (string, string) {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u, ""
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return "", "REDIS_URL is not set and redis-server is not installed"
	}
	port, err := freePort()
	if err != nil {
		return "", err.Error()
	}
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	setDeathSignal(cmd) // the server dies with the test binary
	if err := cmd.Start(); err != nil {
		return "", "redis-server would not start: " + err.Error()
	}
	u := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	opt, _ := redis.ParseURL(u)
	c := redis.NewClient(opt)
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return u, ""
		}
	}
	cmd.Process.Kill()
	return "", "redis-server did not answer within 10s"
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Prefix returns a key prefix unique to this test.
func Prefix(tb testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	return "test-" + hex.EncodeToString(b[:])
}

// Client returns a client of the real Redis and a fresh key prefix; the
// prefix's keys are deleted when the test ends.
func Client(tb testing.TB) (*redis.Client, string) {
	tb.Helper()
	opt, err := redis.ParseURL(URL(tb))
	if err != nil {
		tb.Fatalf("REDIS_URL: %v", err)
	}
	opt.PoolSize = 64
	c := redis.NewClient(opt)
	prefix := Prefix(tb)
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, "*{"+prefix+"[}:]*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		c.Close()
	})
	return c, prefix
}

// Embedded returns a client of a fresh in-process miniredis, the embedded
// store of `go run ./cmd/heartlink`, and the server to control its clock.
func Embedded(tb testing.TB) (*redis.Client, *miniredis.Miniredis) {
	tb.Helper()
	m := miniredis.RunT(tb)
	c := redis.NewClient(&redis.Options{Addr: m.Addr(), DisableIdentity: true})
	tb.Cleanup(func() { c.Close() })
	return c, m
}

// Backend is one store the behaviour suites run against.
type Backend struct {
	Name string
	// New returns a client and a key prefix for one test.
	New func(tb testing.TB) (redis.UniversalClient, string)
}

// Backends are real Redis, a Redis Cluster of three primaries and the
// embedded store: every behaviour suite runs on all three.
func Backends() []Backend {
	return []Backend{
		{Name: "redis", New: func(tb testing.TB) (redis.UniversalClient, string) { return Client(tb) }},
		{Name: "cluster", New: func(tb testing.TB) (redis.UniversalClient, string) { return ClusterClient(tb) }},
		{Name: "embedded", New: func(tb testing.TB) (redis.UniversalClient, string) {
			c, _ := Embedded(tb)
			return c, Prefix(tb)
		}},
	}
}

// String names the backend in subtest names.
func (b Backend) String() string { return fmt.Sprint(b.Name) }
