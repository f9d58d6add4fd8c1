package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// httpClient is shared by every test: the 50-driver race needs more idle
// connections per host than the default two.
var httpClient = &http.Client{
	Timeout: 20 * time.Second,
	Transport: &http.Transport{
		MaxIdleConns:        200,
		MaxIdleConnsPerHost: 100,
		IdleConnTimeout:     30 * time.Second,
	},
}

// client calls one server's API with one bearer token ("" sends none).
type client struct {
	tb     testing.TB
	base   string
	token  string
	header http.Header // sent with every request, besides the usual
}

func (s *server) client(token string) *client {
	return &client{tb: s.tb, base: s.URL, token: token}
}

// in returns the client failing tb instead, for use inside a subtest: a
// subtest must not fail its parent.
func (c *client) in(tb testing.TB) *client {
	cc := *c
	cc.tb = tb
	return &cc
}

// with returns the client sending the header too.
func (c *client) with(name, value string) *client {
	cc := *c
	cc.header = c.header.Clone()
	if cc.header == nil {
		cc.header = http.Header{}
	}
	cc.header.Set(name, value)
	return &cc
}

// at returns the client talking to another server with the same token.
func (c *client) at(s *server) *client {
	cc := *c
	cc.base = s.URL
	return &cc
}

// raw is a request body sent as is, for bodies that are not valid JSON or
// not what a well-behaved client would marshal.
type raw string

// csvList is a request body sent as is, as text/csv: a school's list.
type csvList string

// formBody is a request body sent as is with its own Content-Type: a
// multipart/form-data upload.
type formBody struct {
	contentType string
	body        []byte
}

// response is an answer read in full.
type response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
	// Mismatch is what of the exchange httpapi/openapi.json does not
	// allow; "" when it all matches.
	Mismatch string
}

func (r *response) String() string {
	return fmt.Sprintf("%s %s: %d %s", r.Method, r.Path, r.Status, bytes.TrimSpace(r.Body))
}

// send makes one request. It is safe to call from any goroutine: it
// returns errors rather than failing the test.
func (c *client) send(method, path string, body any) (*response, error) {
	var rd io.Reader
	var sent []byte
	switch b := body.(type) {
	case nil:
	case raw:
		sent = []byte(b)
		rd = bytes.NewReader(sent)
	case csvList:
		sent = []byte(b)
		rd = bytes.NewReader(sent)
	case formBody:
		sent = b.body
		rd = bytes.NewReader(sent)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		sent = j
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for name, vs := range c.header {
		req.Header[name] = vs
	}
	if _, ok := body.(csvList); ok {
		req.Header.Set("Content-Type", "text/csv")
	} else if f, ok := body.(formBody); ok {
		req.Header.Set("Content-Type", f.contentType)
	} else if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: b}
	r.Mismatch = openAPI.check(method, path, req.Header, sent, resp.StatusCode, resp.Header, b)
	return r, nil
}

// do makes one request from the test's goroutine, failing it on a
// transport error.
func (c *client) do(method, path string, body any) *response {
	c.tb.Helper()
	r, err := c.send(method, path, body)
	require.NoError(c.tb, err, "%s %s", method, path)
	if r.Mismatch != "" {
		c.tb.Errorf("%s\ndoes not match httpapi/openapi.json: %s", r, r.Mismatch)
	}
	return r
}

func (c *client) get(path string) *response { c.tb.Helper(); return c.do(http.MethodGet, path, nil) }

func (c *client) post(path string, body any) *response {
	c.tb.Helper()
	return c.do(http.MethodPost, path, body)
}

// must checks the status and decodes the JSON body into out (if not nil).
func (r *response) must(tb testing.TB, status int, out any) *response {
	tb.Helper()
	require.Equal(tb, status, r.Status, "%s", r)
	if out != nil {
		require.NoError(tb, json.Unmarshal(r.Body, out), "%s", r)
	}
	return r
}

// apiError is the body of every error: {"error":{"code","message","field"}},
// and every problem in "errors", the first being "error".
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// fails checks that r is an error with the status and code, in the
// documented envelope with a message a person can read, and returns it.
func (r *response) fails(tb testing.TB, status int, code string) apiError {
	tb.Helper()
	e, _ := r.failsAll(tb, status, code)
	return e
}

// failsAll is fails, returning every problem the body lists too.
func (r *response) failsAll(tb testing.TB, status int, code string) (apiError, []apiError) {
	tb.Helper()
	require.Equal(tb, status, r.Status, "%s", r)
	var body map[string]json.RawMessage
	require.NoError(tb, json.Unmarshal(r.Body, &body), "error body is not JSON: %s", r)
	require.Contains(tb, body, "error", "%s", r)
	for k := range body {
		require.Contains(tb, []string{"error", "errors"}, k, "the error body holds only \"error\" and \"errors\": %s", r)
	}
	var e apiError
	require.NoError(tb, json.Unmarshal(body["error"], &e), "%s", r)
	require.Equal(tb, code, e.Code, "%s", r)
	require.NotEmpty(tb, e.Message, "an error needs a message: %s", r)
	all := []apiError{e}
	if list, ok := body["errors"]; ok {
		all = nil
		require.NoError(tb, json.Unmarshal(list, &all), "%s", r)
		require.NotEmpty(tb, all, "an errors list is never empty: %s", r)
		require.Equal(tb, e, all[0], "the first of errors is error, for clients that read one: %s", r)
	}
	return e, all
}

// code is the error code of an error answer, "" for any other.
func (r *response) code() string {
	var body struct{ Error apiError }
	json.Unmarshal(r.Body, &body)
	return body.Error.Code
}
