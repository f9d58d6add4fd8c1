package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// api calls the fleet's HTTP API as its users would: any instance will do,
// and a request that gets no answer (the instance died) or a 503 (the store
// is away) is sent again, to another instance, until it is answered.
type api struct {
	r     *rig
	http  *http.Client
	stats *stats

	mu  sync.Mutex // mu guards rng
	rng *rand.Rand
}

func newAPI(r *rig, st *stats) *api {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 10 * time.Second}
	return &api{r: r, stats: st, http: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		rng: rand.New(rand.NewPCG(r.cfg.Seed, 2))}
}

// answer is one HTTP answer.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// code is the error code of an error answer's body.
func (a answer) code() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(a.Body, &e)
	return e.Error.Code
}

func (a answer) decode(out any) error {
	if err := json.Unmarshal(a.Body, out); err != nil {
		return fmt.Errorf("HTTP %d: unreadable answer: %w", a.Status, err)
	}
	return nil
}

// request is one call to make.
type request struct {
	token  string
	method string
	path   string
	body   any
	header map[string]string
	// loseFirst: the first send gives up on its answer after a few
	// milliseconds, as a school's flaky network would, so that the
	// request is likely done and its answer lost, and sent again.
	loseFirst bool
}

// once sends req to instance i.
func (c *api) once(ctx context.Context, i int, req request) (answer, error) {
	var rd io.Reader
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, c.r.urls[i]+req.path, rd)
	if err != nil {
		return answer{}, err
	}
	if req.token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		hr.Header.Set(k, v)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return answer{}, err
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
	c.stats.httpAnswer(c.r, req.method+" "+req.path, a)
	return a, nil
}

// call sends req until it is answered: a network error, a 503, a 429, a
// 409 in_progress (the same Idempotency-Key being answered elsewhere) and
// any other 5xx are tried again, on the next instance, after the wait the
// answer asked for. It gives up only when ctx ends.
func (c *api) call(ctx context.Context, req request) (answer, error) {
	c.mu.Lock()
	i := c.rng.IntN(len(c.r.urls))
	c.mu.Unlock()
	for attempt := 0; ; attempt++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if attempt == 0 && req.loseFirst {
			c.mu.Lock()
			d := time.Duration(5+c.rng.IntN(45)) * time.Millisecond
			c.mu.Unlock()
			actx, cancel = context.WithTimeout(ctx, d)
		}
		a, err := c.once(actx, (i+attempt)%len(c.r.urls), req)
		lost := actx.Err() != nil
		cancel()
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		wait := 100*time.Millisecond + time.Duration(attempt%5)*50*time.Millisecond
		switch {
		case err != nil && lost:
			c.stats.answersLost.Add(1)
			wait = 0
		case err != nil:
			c.stats.networkErrors.Add(1)
		case a.Status == http.StatusServiceUnavailable, a.Status == http.StatusTooManyRequests,
			a.Status == http.StatusConflict && a.code() == "in_progress":
			if s, err := strconv.Atoi(a.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
		case a.Status >= 500:
		default:
			return a, nil
		}
		c.stats.retries.Add(1)
		sleep(ctx, wait)
	}
}

// must is call expecting status want, decoding the answer into out.
func (c *api) must(ctx context.Context, req request, want int, out any) error {
	a, err := c.call(ctx, req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.method, req.path, err)
	}
	if a.Status != want {
		return fmt.Errorf("%s %s: HTTP %d, want %d: %s", req.method, req.path, a.Status, want, bytes.TrimSpace(a.Body))
	}
	if out != nil {
		return a.decode(out)
	}
	return nil
}
