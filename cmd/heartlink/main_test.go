package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

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
