package demo

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testAdminToken = "demo-test-coordinator-token-0001"

// TestRunBringsTheCityToLife plays a small city fast against the real
// server, with its default rate limits, and checks what a person watching
// the board would notice: drivers online, trips requested and offered,
// some carried to the end, and no error a healthy server should not give.
func TestRunBringsTheCityToLife(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: builds and starts the heartlink server and plays a city for about 15s")
	}
	base := startServer(t)

	goroutines := runtime.NumGoroutine()
	stats := NewStats()
	ctx, cancel := context.WithTimeout(context.Background(), 14*time.Second)
	defer cancel()
	var tokens Tokens
	readyAfter := time.Duration(0)
	start := time.Now()
	err := Run(ctx, Config{
		BaseURL: base, AdminToken: testAdminToken, Drivers: 30, Pace: 20, Seed: 1,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)), Stats: stats,
	}, func(tk Tokens) {
		tokens, readyAfter = tk, time.Since(start)
	})
	require.NoError(t, err, "Run should return nil when its context ends")
	c := stats.Counts()
	t.Logf("after %s: %s", time.Since(start).Round(time.Millisecond), c)

	assert.NotZero(t, readyAfter, "ready was never called")
	assert.Less(t, readyAfter, 3*time.Second, "the tokens for a person should be ready at once")
	for name, tok := range map[string]string{"coordinator": tokens.Coordinator, "driver": tokens.Driver, "requester": tokens.Requester} {
		assert.NotEmpty(t, tok, "no %s token for a person", name)
		assert.NotEqual(t, testAdminToken, tok, "the %s token should be one of its own", name)
	}
	assertWorks(t, base, tokens.Driver, "/api/v1/drivers/me")
	assertWorks(t, base, tokens.Requester, "/api/v1/requesters/me")
	assertWorks(t, base, tokens.Coordinator, "/api/v1/drivers")

	assert.EqualValues(t, 30, c.Drivers, "drivers registered")
	assert.NotZero(t, c.FirstBoardDriver, "the board never showed an online driver")
	assert.Less(t, c.FirstBoardDriver, 10*time.Second, "the board should show drivers within 10s")
	assert.NotZero(t, c.FirstBoardTrip, "the board never showed a trip")
	assert.NotZero(t, c.Requested, "no trip was requested")
	assert.NotZero(t, c.Offers, "no offer reached a driver")
	assert.NotZero(t, c.Accepted, "no driver accepted an offer")
	assert.NotZero(t, c.Completed, "no trip was completed")
	assert.NotZero(t, c.Locations, "no location update was acknowledged")
	assert.NotZero(t, c.Confirmed+c.Waiting, "nobody signed up for a campaign shift")
	assert.NotZero(t, c.RequesterFrames, "the requesters' pages got nothing live")
	assert.Zero(t, c.Online, "drivers still counted online after the end")
	for k, n := range c.Errors {
		assert.False(t, strings.HasSuffix(k, " internal") || strings.Contains(k, "http_5") || strings.HasSuffix(k, " bad_request"),
			"server error %q seen %d times", k, n)
	}
	assert.Zero(t, c.Unexpected, "unexpected errors: %v", c.Errors)

	// Everything stopped: no actor, socket or timer goroutine left.
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Run returned, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
}

func TestRunRefusesAWrongToken(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: builds and starts the heartlink server")
	}
	base := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Run(ctx, Config{BaseURL: base, AdminToken: "not-a-token-of-this-server", Drivers: 3}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AdminToken", "the error should say which setting is wrong")
}

func assertWorks(t *testing.T, base, token, path string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "GET %s with the token for a person", path)
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	buildOut  []byte
)

// startServer builds heartlink once per test binary, starts it on a free
// port with the embedded store and default limits, and stops it with
// SIGTERM when the test ends.
func startServer(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		var mod []byte
		mod, buildErr = exec.Command("go", "env", "GOMOD").Output()
		if buildErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "heartlink-demo-test")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "heartlink")
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/heartlink")
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
		buildOut, buildErr = cmd.CombinedOutput()
	})
	require.NoError(t, buildErr, "go build ./cmd/heartlink:\n%s", buildOut)

	stderr := &syncBuffer{}
	cmd := exec.Command(binary, "-addr", "127.0.0.1:0")
	// A clean environment: no REDIS_URL from the shell, so the embedded
	// store; every limit at its default.
	cmd.Env = []string{"HEARTLINK_ADMIN_TOKEN=" + testAdminToken}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			assert.NoError(t, err, "heartlink should exit cleanly on SIGTERM")
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Error("heartlink did not stop within 15s of SIGTERM")
		}
		if t.Failed() {
			t.Logf("heartlink log:\n%s", stderr)
		}
	})

	listening := regexp.MustCompile(`msg=listening addr=(\S+)`)
	var base string
	for deadline := time.Now().Add(15 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
		select {
		case err := <-exited:
			t.Fatalf("heartlink exited before listening: %v\n%s", err, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("heartlink did not listen within 15s:\n%s", stderr)
		}
	}
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz did not answer 200 within 10s:\n%s", stderr)
		}
	}
}

// syncBuffer is a bytes.Buffer a process writes to while the test reads.
type syncBuffer struct {
	mu sync.Mutex // mu guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testWriter sends the demo's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
