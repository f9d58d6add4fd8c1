package main

import (
	"context"
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

// runAsync runs the service with args in the background, its log in a
// buffer the test reads as it goes; done receives run's error.
func runAsync(t *testing.T, args ...string) (stderr *lockedBuffer, done <-chan error, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &lockedBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"heartlink", "-addr", "127.0.0.1:0", "-redis-prefix", redistest.Prefix(t)}, args...),
			func(string) string { return "" }, &lockedBuffer{}, stderr)
	}()
	t.Cleanup(cancel)
	return stderr, errc, cancel
}

// awaitLog waits for the log to match re, failing if run ends first.
func awaitLog(t *testing.T, stderr *lockedBuffer, done <-chan error, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before its log matched %s: %v\n%s", re, err, stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log did not match %s within %s:\n%s", re, timeout, stderr)
		}
	}
}

// TestStartWaitsForRedis starts the service before its Redis, as a
// machine booting both at once may: it keeps trying, saying why, and
// serves once Redis is up.
func TestStartWaitsForRedis(t *testing.T) {
	port := redistest.FreePort(t)
	stderr, done, stop := runAsync(t, "-redis", "redis://127.0.0.1:"+strconv.Itoa(port)+"/0", "-redis-wait", "30s")
	awaitLog(t, stderr, done, regexp.MustCompile(`msg="store: not ready; trying again" try=1 .*reason=".*connection refused"`), 10*time.Second)

	redistest.StartAt(t, port)
	addr := awaitLog(t, stderr, done, regexp.MustCompile(`msg=listening addr=(\S+)`), 20*time.Second)[1]
	assert.Contains(t, stderr.String(), `msg="store: ready" tries=`)
	res, err := http.Get("http://" + addr + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	stop()
	assert.NoError(t, <-done, "a cancelled run stops cleanly")
}

// TestStartGivesUp: a Redis that never comes, or stays a replica, is given
// up on after -redis-wait, with the reason; with -redis-wait 0, at once.
func TestStartGivesUp(t *testing.T) {
	refused := func(t *testing.T) string { return "redis://127.0.0.1:" + strconv.Itoa(redistest.FreePort(t)) + "/0" }
	replica := func(t *testing.T) string {
		primary := redistest.Start(t)
		return redistest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(primary.Port())).URL
	}
	tests := []struct {
		name   string
		url    func(t *testing.T) string
		wait   time.Duration
		reason string
	}{
		{"refused", refused, time.Second, "connection refused"},
		{"replica", replica, time.Second, "is a replica, which refuses writes"},
		{"tried once", refused, 0, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr, done, _ := runAsync(t, "-redis", tt.url(t), "-redis-wait", tt.wait.String())
			start := time.Now()
			var err error
			select {
			case err = <-done:
			case <-time.After(tt.wait + 20*time.Second):
				t.Fatalf("run still waiting %s after -redis-wait %s:\n%s", time.Since(start), tt.wait, stderr)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.reason)
			tries := strings.Count(stderr.String(), `msg="store: not ready; trying again"`)
			if tt.wait == 0 {
				assert.Zero(t, tries, "-redis-wait 0 tries once:\n%s", stderr)
				return
			}
			m := regexp.MustCompile(`not ready after (\d+) tries in \S+ \(-redis-wait\)`).FindStringSubmatch(err.Error())
			require.NotNil(t, m, "%v", err)
			n, _ := strconv.Atoi(m[1])
			assert.GreaterOrEqual(t, n, 2, "tried again within -redis-wait")
			assert.Equal(t, n-1, tries, "each failed try but the last is logged, with its reason:\n%s", stderr)
			assert.Contains(t, stderr.String(), tt.reason)
			assert.GreaterOrEqual(t, time.Since(start), tt.wait, "gave up before -redis-wait")
		})
	}
}
