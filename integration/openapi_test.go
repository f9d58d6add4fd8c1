package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contract lists every endpoint of the minimum contract, as OpenAPI spells
// its paths.
var contract = []struct{ method, path string }{
	{"GET", "/healthz"},
	{"GET", "/readyz"},
	{"GET", "/metrics"},
	{"GET", "/api/v1/openapi.json"},
	{"POST", "/api/v1/drivers"},
	{"POST", "/api/v1/requesters"},
	{"POST", "/api/v1/drivers/me/presence"},
	{"GET", "/api/v1/drivers/me/offers"},
	{"POST", "/api/v1/trips"},
	{"GET", "/api/v1/trips"},
	{"GET", "/api/v1/trips/{id}"},
	{"POST", "/api/v1/trips/{id}/accept"},
	{"POST", "/api/v1/trips/{id}/decline"},
	{"POST", "/api/v1/trips/{id}/progress"},
	{"POST", "/api/v1/trips/{id}/release"},
	{"POST", "/api/v1/trips/{id}/cancel"},
	{"POST", "/api/v1/trips/{id}/assign"},
	{"POST", "/api/v1/trips/{id}/requeue"},
	{"GET", "/api/v1/trips/{id}/events"},
}

// TestOpenAPI reads the document a client generator would: valid JSON,
// OpenAPI 3, and an operation for every endpoint of the contract.
func TestOpenAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		r := srv.client("").get("/api/v1/openapi.json").must(t, http.StatusOK, nil)
		assert.Contains(t, r.Header.Get("Content-Type"), "application/json")
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &doc), "the document is not valid JSON")
		assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."), "openapi is %q; want 3.x", doc.OpenAPI)
		for _, e := range contract {
			ops, ok := doc.Paths[e.path]
			if !assert.True(t, ok, "no path %s", e.path) {
				continue
			}
			assert.Contains(t, ops, strings.ToLower(e.method), "no %s operation for %s", e.method, e.path)
		}
	})
}
