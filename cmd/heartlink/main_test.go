package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

// TestMain stops the Redis Cluster the store tests share once they ran.
func TestMain(m *testing.M) { os.Exit(redistest.Run(m)) }

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{name: "defaults", check: func(t *testing.T, c config) {
			assert.Equal(t, ":8080", c.Addr)
			assert.Empty(t, c.RedisURL, "no Redis: embedded store")
			assert.Equal(t, 30*time.Second, c.Policy.OfferTTL)
			assert.Equal(t, 1, c.Policy.OffersAtOnce)
		}},
		{name: "environment", env: map[string]string{"HEARTLINK_ADDR": ":9000", "REDIS_URL": "redis://r:6379/1", "HEARTLINK_OFFER_TTL": "10s"},
			check: func(t *testing.T, c config) {
				assert.Equal(t, ":9000", c.Addr)
				assert.Equal(t, "redis://r:6379/1", c.RedisURL)
				assert.Equal(t, 10*time.Second, c.Policy.OfferTTL)
			}},
		{name: "flag beats environment", args: []string{"-addr", ":7000"}, env: map[string]string{"HEARTLINK_ADDR": ":9000"},
			check: func(t *testing.T, c config) { assert.Equal(t, ":7000", c.Addr) }},
		{name: "bad duration", env: map[string]string{"HEARTLINK_OFFER_TTL": "soon"}, wantErr: "HEARTLINK_OFFER_TTL"},
		{name: "short admin token", env: map[string]string{"HEARTLINK_ADMIN_TOKEN": "short"}, wantErr: "at least 16"},
		{name: "radius upside down", args: []string{"-radius-start-km", "30"}, wantErr: "radius"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected argument"},
		{name: "trusted proxies", env: map[string]string{"HEARTLINK_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,2001:db8::/32"},
			check: func(t *testing.T, c config) {
				assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}, c.TrustedProxies)
			}},
		{name: "no trusted proxies by default", check: func(t *testing.T, c config) { assert.Empty(t, c.TrustedProxies) }},
		{name: "a bad trusted proxy", args: []string{"-trusted-proxies", "the load balancer"}, wantErr: "-trusted-proxies"},
		{name: "handover checks by default", check: func(t *testing.T, c config) {
			assert.True(t, c.Policy.Handover.PIN, "picked_up needs the rider's PIN unless switched off")
			assert.Equal(t, 0.5, c.Policy.Handover.ArriveWithinKm)
		}},
		{name: "handover PIN switched off", env: map[string]string{"HEARTLINK_HANDOVER_PIN": "false", "HEARTLINK_ARRIVE_WITHIN_M": "0"},
			check: func(t *testing.T, c config) {
				assert.False(t, c.Policy.Handover.PIN)
				assert.Zero(t, c.Policy.Handover.ArriveWithinKm)
			}},
		{name: "handover flag beats environment", args: []string{"-handover-pin=true", "-arrive-within-m", "300"}, env: map[string]string{"HEARTLINK_HANDOVER_PIN": "false"},
			check: func(t *testing.T, c config) {
				assert.True(t, c.Policy.Handover.PIN)
				assert.InDelta(t, 0.3, c.Policy.Handover.ArriveWithinKm, 1e-9)
			}},
		{name: "a bad handover setting", env: map[string]string{"HEARTLINK_HANDOVER_PIN": "perhaps"}, wantErr: "HEARTLINK_HANDOVER_PIN"},
		{name: "store waits and checks by default", check: func(t *testing.T, c config) {
			assert.Equal(t, time.Minute, c.RedisWait)
			assert.Equal(t, 2*time.Second, c.RedisCheck)
		}},
		{name: "a store tried once", env: map[string]string{"HEARTLINK_REDIS_WAIT": "0", "HEARTLINK_REDIS_CHECK": "500ms"},
			check: func(t *testing.T, c config) {
				assert.Zero(t, c.RedisWait)
				assert.Equal(t, 500*time.Millisecond, c.RedisCheck)
			}},
		{name: "a negative store wait", args: []string{"-redis-wait", "-1s"}, wantErr: "-redis-wait"},
		{name: "no store checks", args: []string{"-redis-check", "0s"}, wantErr: "-redis-check"},
		{name: "a cluster", env: map[string]string{"HEARTLINK_REDIS_CLUSTER": "10.0.0.1:7000, 10.0.0.2:7000,"},
			check: func(t *testing.T, c config) {
				assert.Equal(t, []string{"10.0.0.1:7000", "10.0.0.2:7000"}, c.RedisCluster)
				assert.False(t, c.embedded(), "a cluster is not the embedded store")
			}},
		{name: "a cluster and a Redis", args: []string{"-redis-cluster", "10.0.0.1:7000"}, env: map[string]string{"REDIS_URL": "redis://r:6379/0"},
			wantErr: "choose one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

// start runs the service with args and returns its base URL, what it
// printed to stdout, and a stop function that returns run's error.
func start(t *testing.T, args []string, env map[string]string) (string, *strings.Builder, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logR, logW := io.Pipe()
	stdout := &strings.Builder{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"heartlink", "-addr", "127.0.0.1:0"}, args...),
			func(k string) string { return env[k] }, stdout, logW)
		logW.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`msg=listening addr=(\S+)`)
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("run ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not listen within 10s")
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return context.DeadlineExceeded
		}
	}
	return base, stdout, stop
}

func TestRunServesAndStopsCleanly(t *testing.T) {
	for _, tt := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"embedded", func(*testing.T) []string { return nil }},
		{"redis", func(t *testing.T) []string {
			return []string{"-redis", redistest.URL(t), "-redis-prefix", redistest.Prefix(t)}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base, stdout, stop := start(t, tt.args(t), nil)
			for _, path := range []string{"/healthz", "/readyz", "/api/v1/openapi.json", "/metrics"} {
				res, err := http.Get(base + path)
				require.NoError(t, err)
				res.Body.Close()
				assert.Equal(t, http.StatusOK, res.StatusCode, path)
			}
			assert.Regexp(t, `token \(shown once.*\n\n    hl_[a-z0-9]{52}\n`, stdout.String(),
				"the first start prints the first coordinator's token")
			assert.NoError(t, stop(), "a cancelled run stops cleanly")
		})
	}
}

func TestAdminTokenFromEnvironment(t *testing.T) {
	const token = "admin-token-for-tests-0123"
	base, stdout, stop := start(t, nil, map[string]string{"HEARTLINK_ADMIN_TOKEN": token})
	defer stop()
	assert.NotContains(t, stdout.String(), "shown once", "a configured token is never printed")
	for tok, want := range map[string]int{token: http.StatusOK, "wrong-token-0123456789": http.StatusUnauthorized} {
		req, _ := http.NewRequest("GET", base+"/api/v1/drivers", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, want, res.StatusCode)
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			var stderr strings.Builder
			err := run(context.Background(), []string{"heartlink", arg}, func(string) string { return "" }, io.Discard, &stderr)
			assert.NoError(t, err, "heartlink %s: asking for help is no failure (exit status 0)", arg)
			for _, want := range []string{"heartlink plan", "-addr", "-redis", "-demo"} {
				assert.Contains(t, stderr.String(), want, "heartlink %s lists %q", arg, want)
			}
		})
	}
}

// lockedBuffer is a strings.Builder that run writes to while the test reads.
type lockedBuffer struct {
	mu sync.Mutex // mu guards b
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoStopsQuietly runs the demo as a newcomer would, signs in to the
// board's API with the coordinator token it names, and stops it: the stop
// is clean and logs no ERROR line (the simulated drivers' last requests
// cut short by the shutdown are no failure).
func TestDemoStopsQuietly(t *testing.T) {
	if testing.Short() {
		t.Skip("plays ~200 simulated volunteers")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"heartlink", "-addr", "127.0.0.1:0", "-demo"}, func(string) string { return "" }, stdout, stderr)
	}()
	board := regexp.MustCompile(`board +(http://\S+)/board +(hl_[a-z0-9]+)`)
	var m []string
	for deadline := time.Now().Add(60 * time.Second); m == nil; {
		m = board.FindStringSubmatch(stdout.String())
		select {
		case err := <-done:
			t.Fatalf("the demo ended before printing its pages: %v\n%s", err, stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo printed no board line within 60s:\n%s\n%s", stdout, stderr)
		}
	}
	assert.Contains(t, stdout.String(), "on the board, the demo coordinator's token below", "the demo says which coordinator token to use")
	// Stop it once it is busy, as a person who watched it a while would:
	// dozens of volunteers online, each with requests in flight.
	online := func() int {
		req, _ := http.NewRequest("GET", m[1]+"/api/v1/drivers", nil)
		req.Header.Set("Authorization", "Bearer "+m[2])
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, "the board's token is a coordinator's")
		var body struct{ Drivers []struct{ Status string } }
		require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
		n := 0
		for _, d := range body.Drivers {
			if d.Status == "online" {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(60 * time.Second); online() < 50; {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 50 simulated volunteers online after 60s:\n%s", stderr)
		}
		select {
		case err := <-done:
			t.Fatalf("the demo ended early: %v\n%s", err, stderr)
		case <-time.After(100 * time.Millisecond):
		}
	}

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "a stopped demo ends cleanly")
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop within 30s")
	}
	var errors []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			errors = append(errors, line)
		}
	}
	assert.Empty(t, errors, "stopping the demo logs no ERROR line")
}

// TestPlanShippedMorning plans the small exam morning the README points a
// newcomer at: every student is carried, and the plan is written.
func TestPlanShippedMorning(t *testing.T) {
	out := t.TempDir() + "/plan.json"
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"heartlink", "plan",
		"-in", "../../planner/examday/testdata/yingtan-s1-n40.instance.json", "-out", out, "-iterations", "500", "-workers", "1"},
		func(string) string { return "" }, &stdout, &stderr)
	require.NoError(t, err, "%s", stderr.String())
	assert.Contains(t, stdout.String(), "40/40 students", "every student of the shipped morning is carried")
	plan, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(plan), `"heartlink-examday-plan/1"`)
}
