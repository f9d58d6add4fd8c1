package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The server's default limits are 100 requests a second per client address
// and 20 per caller. The whole simulation comes from one address, which a
// person trying the pages shares, so it keeps to half of that; each
// caller keeps well under its own limit.
const (
	addressRate  = 50
	addressBurst = 25
	adminRate    = 15
	adminBurst   = 20
	actorRate    = 2 // a person's pace, and the server's sign-up limit
	actorBurst   = 4
)

// client calls the server's HTTP API for every actor of the simulation.
type client struct {
	base  string
	http  *http.Client
	all   *pacer // the simulation's share of the per-address limit
	stats *Stats
}

func newClient(base string, stats *Stats) *client {
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	return &client{
		base:  base,
		http:  &http.Client{Transport: tr, Timeout: 20 * time.Second},
		all:   newPacer(addressRate, addressBurst),
		stats: stats,
	}
}

// caller is one actor's identity: its token and its own pace.
type caller struct {
	token string
	pace  *pacer
}

func newCaller(token string, rate float64, burst int) caller {
	return caller{token: token, pace: newPacer(rate, burst)}
}

// apiError is an answer other than the one expected.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// errCode names what went wrong with a call, for counting: the API's
// error code, or a word for a failure below HTTP.
func errCode(err error) string {
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.Code != "":
		return ae.Code
	case errors.As(err, &ae):
		return "http_" + strconv.Itoa(ae.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, errBadAnswer):
		return "bad_answer"
	}
	return "network"
}

// errBadAnswer is an answer with the right status that could not be read.
var errBadAnswer = errors.New("unreadable answer")

// maxAttempts bounds how often one call is tried when answered 429.
const maxAttempts = 5

// call sends one request as who and decodes a JSON answer with status want
// into out. A 429 is waited out (Retry-After) and tried again. An error is
// counted under op unless ctx has ended; codes in expected are part of
// life and not counted as unexpected.
func (c *client) call(ctx context.Context, who caller, op, method, path string, body, out any, want int, expected ...string) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	var err error
	for range maxAttempts {
		if err = c.pace(ctx, who); err != nil {
			return err
		}
		var retry time.Duration
		retry, err = c.once(ctx, who.token, method, path, b, out, want)
		if retry == 0 {
			break
		}
		c.stats.rateLimited.Add(1)
		c.all.hold(retry)
		if who.pace != nil {
			who.pace.hold(retry)
		}
	}
	if err != nil && ctx.Err() == nil {
		code := errCode(err)
		c.stats.fail(op, code, slices.Contains(expected, code))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// pace waits for both the caller's and the address's turn.
func (c *client) pace(ctx context.Context, who caller) error {
	if who.pace != nil {
		if err := who.pace.wait(ctx); err != nil {
			return err
		}
	}
	return c.all.wait(ctx)
}

// once sends one request. A 429 comes back as the wait the server asked
// for, with its error.
func (c *client) once(ctx context.Context, token, method, path string, body []byte, out any, want int) (time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != want {
		var e struct {
			Error struct {
				Code, Message string
			} `json:"error"`
		}
		json.Unmarshal(data, &e)
		ae := &apiError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
		if resp.StatusCode == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return time.Duration(max(secs, 1)) * time.Second, ae
		}
		return 0, ae
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, fmt.Errorf("%s %s: %w: %v", method, path, errBadAnswer, err)
		}
	}
	return 0, nil
}

// close lets go of idle connections.
func (c *client) close() { c.http.CloseIdleConnections() }
