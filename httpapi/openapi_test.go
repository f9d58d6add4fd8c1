package httpapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/dispatch"
)

// httpMethods are the operation keys of an OpenAPI path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// publicRoutes are the routes served without a bearer token.
var publicRoutes = map[string]bool{
	"GET /healthz":               true,
	"GET /readyz":                true,
	"GET /metrics":               true,
	"GET /api/v1/openapi.json":   true,
	"GET /api/v1/shared/{token}": true, // the link's own token, no bearer
}

// openAPIDoc parses the embedded document.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(openapiJSON, &doc), "openapi.json must be valid JSON")
	return doc
}

// obj returns m[key] as an object, failing the test if it is not one.
func obj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	require.Truef(t, ok, "%q must be an object", key)
	return v
}

// operations lists the document's operations as "METHOD /path".
func operations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for path, item := range obj(t, doc, "paths") {
		pi, ok := item.(map[string]any)
		require.Truef(t, ok, "path item %s must be an object", path)
		for _, m := range httpMethods {
			if op, ok := pi[m].(map[string]any); ok {
				out[strings.ToUpper(m)+" "+path] = op
			}
		}
	}
	return out
}

func serverRoutes() map[string]bool {
	out := map[string]bool{}
	for _, rt := range NewServer(Config{}).routes() {
		out[rt.method+" "+rt.pattern] = true
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestOpenAPIIsOpenAPI3(t *testing.T) {
	doc := openAPIDoc(t)
	v, _ := doc["openapi"].(string)
	assert.True(t, strings.HasPrefix(v, "3."), "openapi version %q must be 3.x", v)
	info := obj(t, doc, "info")
	assert.Equal(t, "Heart-Link API", info["title"])
	assert.NotEmpty(t, info["version"])
	assert.NotEmpty(t, info["description"])
	schemes := obj(t, obj(t, doc, "components"), "securitySchemes")
	assert.Contains(t, schemes, "bearerAuth")
	assert.Equal(t, []any{map[string]any{"bearerAuth": []any{}}}, doc["security"], "bearer auth must apply globally")
}

func TestOpenAPIServedAtItsRoute(t *testing.T) {
	rec := httptest.NewRecorder()
	NewServer(Config{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	mt, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	require.NoError(t, err)
	assert.Equal(t, "application/json", mt)
	assert.JSONEq(t, string(openapiJSON), rec.Body.String())
}

// Every routed endpoint is documented and every documented one is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	routes := serverRoutes()
	require.NotEmpty(t, routes)
	ops := operations(t, openAPIDoc(t))

	for _, r := range sortedKeys(routes) {
		t.Run("routed/"+r, func(t *testing.T) {
			_, ok := ops[r]
			assert.True(t, ok, "the server routes %s but openapi.json does not document it", r)
		})
	}
	for _, o := range sortedKeys(ops) {
		t.Run("documented/"+o, func(t *testing.T) {
			assert.True(t, routes[o], "openapi.json documents %s but the server does not route it", o)
		})
	}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// Each operation has a unique operationId, declares its path parameters,
// says whether it is public, and documents the errors every authenticated
// request can meet.
func TestOpenAPIOperations(t *testing.T) {
	ops := operations(t, openAPIDoc(t))
	seen := map[string]string{}
	for _, key := range sortedKeys(ops) {
		op := ops[key]
		t.Run(key, func(t *testing.T) {
			id, _ := op["operationId"].(string)
			require.NotEmpty(t, id, "operationId")
			if prev, dup := seen[id]; dup {
				t.Errorf("operationId %q is used by %s and %s", id, prev, key)
			}
			seen[id] = key
			assert.NotEmpty(t, op["summary"], "summary")

			path := strings.SplitN(key, " ", 2)[1]
			var declared []string
			if ps, ok := op["parameters"].([]any); ok {
				for _, p := range ps {
					pm, _ := p.(map[string]any)
					if pm["in"] == "path" {
						assert.Equal(t, true, pm["required"], "path parameter %v must be required", pm["name"])
						declared = append(declared, pm["name"].(string))
					}
				}
			}
			var want []string
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				want = append(want, m[1])
			}
			assert.ElementsMatch(t, want, declared, "path parameters")

			responses, ok := op["responses"].(map[string]any)
			require.True(t, ok, "responses")
			hasSuccess := slices.ContainsFunc(sortedKeys(responses), func(c string) bool {
				return strings.HasPrefix(c, "2") || c == "101" && strings.HasPrefix(path, "/ws/")
			})
			assert.True(t, hasSuccess, "a 2xx response (101 for a websocket)")

			sec, hasSec := op["security"]
			if publicRoutes[key] {
				assert.True(t, hasSec, "a public operation must set security: []")
				assert.Empty(t, sec, "a public operation must set security: []")
				return
			}
			assert.False(t, hasSec, "an authenticated operation uses the global bearerAuth")
			for _, code := range []string{"401", "429"} {
				assert.Contains(t, responses, code)
			}
			if _, ok := op["requestBody"]; ok {
				for _, code := range []string{"400", "413"} {
					assert.Contains(t, responses, code, "a request with a body")
				}
			}
		})
	}
}

// resolve follows a local JSON pointer such as "#/components/schemas/Trip".
func resolve(doc map[string]any, ref string) bool {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return false
	}
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[tok]; !ok {
			return false
		}
	}
	return true
}

// collectRefs returns every "$ref" in v with where it was found.
func collectRefs(v any, at string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				out[at] = s
				continue
			}
			collectRefs(e, at+"/"+k, out)
		}
	case []any:
		for i, e := range x {
			collectRefs(e, at+"/"+strconv.Itoa(i), out)
		}
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := openAPIDoc(t)
	refs := map[string]string{}
	collectRefs(doc, "#", refs)
	require.NotEmpty(t, refs)
	for _, at := range sortedKeys(refs) {
		ref := refs[at]
		assert.Truef(t, resolve(doc, ref), "%s: $ref %q does not resolve", at, ref)
	}
}

// enum returns the enum of a component schema.
func enum(t *testing.T, doc map[string]any, schema string) []string {
	t.Helper()
	s := obj(t, obj(t, obj(t, doc, "components"), "schemas"), schema)
	vs, ok := s["enum"].([]any)
	require.Truef(t, ok, "schema %s must have an enum", schema)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.(string)
	}
	return out
}

// The enums say what the code accepts and answers.
func TestOpenAPIEnums(t *testing.T) {
	doc := openAPIDoc(t)

	var statuses []string
	for _, s := range dispatch.Statuses {
		statuses = append(statuses, string(s))
	}
	assert.Equal(t, statuses, enum(t, doc, "TripStatus"), "TripStatus must list dispatch.Statuses in order")

	for _, step := range enum(t, doc, "Step") {
		_, ok := dispatch.StepTransition(dispatch.Step(step))
		assert.Truef(t, ok, "step %q is documented but not accepted", step)
	}

	tests := []struct {
		code   string
		status int
	}{
		{"bad_request", http.StatusBadRequest},
		{"invalid", http.StatusUnprocessableEntity},
		{"unauthorized", http.StatusUnauthorized},
		{"forbidden", http.StatusForbidden},
		{"not_found", http.StatusNotFound},
		{"method_not_allowed", http.StatusMethodNotAllowed},
		{"conflict", http.StatusConflict},
		{"trip_taken", http.StatusConflict},
		{"schedule_clash", http.StatusConflict},
		{"wrong_pin", http.StatusUnprocessableEntity},
		{"too_far", http.StatusConflict},
		{"too_large", http.StatusRequestEntityTooLarge},
		{"unsupported_media_type", http.StatusUnsupportedMediaType},
		{"rate_limited", http.StatusTooManyRequests},
		{"idempotency_key_reused", http.StatusUnprocessableEntity},
		{"in_progress", http.StatusConflict},
		{"unavailable", http.StatusServiceUnavailable},
		{"internal", http.StatusInternalServerError},
	}
	codes := enum(t, doc, "ErrorCode")
	var want []string
	for _, tt := range tests {
		want = append(want, tt.code)
		t.Run(tt.code, func(t *testing.T) {
			assert.Equal(t, tt.status, StatusOf(tt.code))
		})
	}
	assert.ElementsMatch(t, want, codes, "ErrorCode enum")
}
