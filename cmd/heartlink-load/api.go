package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// point is a coordinate, as the API writes it.
type point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// around returns a random point within radiusKm of p, uniform over the disc.
func around(p point, radiusKm float64) point {
	r := radiusKm * math.Sqrt(rand.Float64())
	a := 2 * math.Pi * rand.Float64()
	const kmPerDegree = 111.32
	return point{
		Lat: p.Lat + r*math.Sin(a)/kmPerDegree,
		Lng: p.Lng + r*math.Cos(a)/(kmPerDegree*math.Cos(p.Lat*math.Pi/180)),
	}
}

// apiClient calls the HTTP API of the server under load.
type apiClient struct {
	cfg     config
	http    *http.Client
	limited atomic.Int64 // 429 answers seen: the server's rate limits are on
}

func newAPIClient(cfg config) *apiClient {
	tr := &http.Transport{
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     30 * time.Second,
	}
	return &apiClient{cfg: cfg, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (a *apiClient) close() { a.http.CloseIdleConnections() }

// statusError is an answer other than the one expected.
type statusError struct {
	Status int
	Code   string // the error body's code, when there is one
}

func (e *statusError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("HTTP %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// call sends one request and decodes a JSON answer with status want into
// out. It does not retry.
func (a *apiClient) call(ctx context.Context, method, path, token string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.cfg.Base.String()+path, rd)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal(b, &e)
		if resp.StatusCode == http.StatusTooManyRequests {
			a.limited.Add(1)
		}
		return &statusError{Status: resp.StatusCode, Code: e.Error.Code}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// callRetry is call with a few retries for answers that may pass: network
// errors, 429 and 5xx. Setup uses it; trip requests never retry, since an
// open-loop load must not hide failures.
func (a *apiClient) callRetry(ctx context.Context, method, path, token string, body, out any, want int) error {
	const attempts = 4
	var err error
	for i := range attempts {
		err = a.call(ctx, method, path, token, body, out, want)
		var se *statusError
		if err == nil || ctx.Err() != nil ||
			errors.As(err, &se) && se.Status != http.StatusTooManyRequests && se.Status < 500 {
			return err
		}
		if i == attempts-1 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(250<<i) * time.Millisecond):
		}
	}
	return err
}

// account is a registered caller.
type account struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	Home  point  `json:"-"`
}

// registerDriver registers the i-th simulated driver of run tag, living at home.
func (a *apiClient) registerDriver(ctx context.Context, tag string, i int, home point) (account, error) {
	var acc account
	err := a.callRetry(ctx, "POST", "/api/v1/drivers", a.cfg.AdminToken, map[string]any{
		"name":            "Load Driver " + tag + "-" + strconv.Itoa(i),
		"phone":           fmt.Sprintf("139%s%06d", tag, i),
		"vehicle":         map[string]any{"plate": fmt.Sprintf("L%s%06d", tag, i), "seats": 4, "wheelchair": false},
		"verified_minors": true,
		"home":            home,
	}, &acc, http.StatusCreated)
	acc.Home = home
	return acc, err
}

// registerRequester registers the i-th requester of run tag.
func (a *apiClient) registerRequester(ctx context.Context, tag string, i int) (account, error) {
	var acc account
	err := a.callRetry(ctx, "POST", "/api/v1/requesters", a.cfg.AdminToken, map[string]any{
		"name": "Load Requester " + tag + "-" + strconv.Itoa(i), "kind": "community",
		"phone": fmt.Sprintf("0701%s%04d", tag, i),
	}, &acc, http.StatusCreated)
	return acc, err
}

// tripBody is a ride request: a pickup somewhere in the city, to arrive
// about an hour ahead, so that dispatch searches live positions.
func tripBody(cfg config, now time.Time) map[string]any {
	pickup, dropoff := around(centre, cfg.RadiusKm), around(centre, cfg.RadiusKm)
	kind := "hospital"
	if rand.IntN(2) == 0 {
		kind = "exam_escort"
	}
	arrive := now.Add(time.Hour + time.Duration(rand.Int64N(int64(20*time.Minute))) - 10*time.Minute)
	return map[string]any{
		"kind":      kind,
		"pickup":    map[string]any{"lat": pickup.Lat, "lng": pickup.Lng, "address": "Load test pickup"},
		"dropoff":   map[string]any{"lat": dropoff.Lat, "lng": dropoff.Lng, "address": "Load test dropoff"},
		"riders":    []map[string]string{{"name": "Load Rider", "phone": "13900000000"}},
		"arrive_by": arrive.UTC().Format(time.RFC3339),
	}
}

// scrape reads the server's /metrics.
func (a *apiClient) scrape(ctx context.Context) (serverStats, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", a.cfg.Base.String()+"/metrics", nil)
	if err != nil {
		return serverStats{}, err
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return serverStats{}, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return serverStats{}, fmt.Errorf("metrics: HTTP %d", resp.StatusCode)
	}
	m, err := parseMetrics(resp.Body)
	if err != nil {
		return serverStats{}, err
	}
	return statsOf(m), nil
}
