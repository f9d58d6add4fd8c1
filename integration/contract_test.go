package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// openAPI is httpapi/openapi.json, the document outside clients are
// written from, checked against every request the suite's clients make
// and every answer they get: an answer must match what the document says
// of its operation and status, success and error alike, and a request the
// server accepted must be one the document allows (refused ones are what
// some tests send on purpose).
var openAPI = loadContract("../httpapi/openapi.json")

// contractCheck holds the document and what the traffic showed of it.
type contractCheck struct {
	err    error // the document could not be loaded: every check reports it
	doc    *openapi3.T
	router routers.Router

	mu         sync.Mutex // mu guards the fields below
	mismatches []string
	seen       map[string]*exercised // by operation, "POST /api/v1/trips"
}

// exercised is which kinds of answer an operation gave during the run.
type exercised struct{ success, failure bool }

func loadContract(path string) *contractCheck {
	c := &contractCheck{seen: map[string]*exercised{}}
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		c.err = fmt.Errorf("load %s: %w", path, err)
		return c
	}
	if err := doc.Validate(context.Background()); err != nil {
		c.err = fmt.Errorf("%s is not a valid OpenAPI document: %w", path, err)
		return c
	}
	c.doc = doc
	c.router, c.err = gorillamux.NewRouter(doc)
	return c
}

var contractOptions = &openapi3filter.Options{
	// Tokens are the server's to check; the tests of roles do.
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true, // a status the operation does not document is a mismatch
	MultiError:            true,
}

// check validates one exchange and returns what does not match the
// document ("" when all does); it is recorded for the end of the run too.
// Paths and methods the document has no operation for (the 404s and 405s
// some tests look for) have nothing to match.
func (c *contractCheck) check(method, path string, reqHeader http.Header, reqBody []byte, status int, respHeader http.Header, respBody []byte) string {
	if c.err != nil {
		return c.err.Error()
	}
	req, err := http.NewRequest(method, "http://heartlink.test"+path, bytes.NewReader(reqBody))
	if err != nil {
		return ""
	}
	req.Header = reqHeader.Clone()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return ""
	}
	op := route.Method + " " + route.Path
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: contractOptions}
	var problems []string
	if status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			problems = append(problems, "request: "+oneLine(err))
		}
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: respHeader,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: contractOptions,
	})
	if err != nil {
		problems = append(problems, fmt.Sprintf("response %d: %s", status, oneLine(err)))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.seen[op]
	if e == nil {
		e = &exercised{}
		c.seen[op] = e
	}
	if status < 400 {
		e.success = true
	} else {
		e.failure = true
	}
	if len(problems) == 0 {
		return ""
	}
	m := fmt.Sprintf("%s (%s %s): %s", op, method, path, strings.Join(problems, "; "))
	c.mismatches = append(c.mismatches, m)
	return m
}

// oneLine keeps a validator's message readable in a list.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// report prints what the run's traffic showed and returns false when it
// found mismatches or, with whole set (the whole suite ran), when an
// operation never answered with success, or never with an error although
// it documents one (a 4xx): the document's every corner is checked.
func (c *contractCheck) report(w io.Writer, whole bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) == 0 && len(c.mismatches) == 0 {
		return true
	}
	var missing []string
	if c.doc != nil {
		for path, item := range c.doc.Paths.Map() {
			for method := range item.Operations() {
				op := method + " " + path
				switch e := c.seen[op]; {
				case e == nil:
					missing = append(missing, op+" (never called)")
				case !e.success:
					missing = append(missing, op+" (no success)")
				case !e.failure && documentsRefusal(item.GetOperation(method)) && noRefusal[op] == "":
					missing = append(missing, op+" (no error)")
				}
			}
		}
	}
	sort.Strings(missing)
	fmt.Fprintf(w, "openapi.json: %d operations exercised, %d mismatches\n", len(c.seen), len(c.mismatches))
	for _, m := range missing {
		fmt.Fprintf(w, "  not exercised: %s\n", m)
	}
	for _, m := range c.mismatches {
		fmt.Fprintf(w, "  mismatch: %s\n", m)
	}
	return len(c.mismatches) == 0 && (!whole || len(missing) == 0)
}

// noRefusal are operations whose documented refusals the binary cannot
// give, with why.
var noRefusal = map[string]string{
	"GET /metrics": "404 only from an httpapi.Server built without metrics; heartlink always serves them",
}

// documentsRefusal reports whether the operation documents a 4xx answer.
func documentsRefusal(op *openapi3.Operation) bool {
	for status := range op.Responses.Map() {
		if strings.HasPrefix(status, "4") {
			return true
		}
	}
	return false
}
