package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = "heartlink.test:8080"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var (
	pageRefRE   = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	moduleRefRE = regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^'"]*?from\s+'\./([^']+)'|^\s*import\s+'\./([^']+)'`)
)

func TestPagesAndTheirFiles(t *testing.T) {
	h := Handler()
	for _, page := range []string{"/board", "/driver", "/request"} {
		t.Run(page, func(t *testing.T) {
			w := get(t, h, page)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
			csp := w.Header().Get("Content-Security-Policy")
			assert.Contains(t, csp, "default-src 'none'")
			assert.Contains(t, csp, "script-src 'self'")
			assert.Contains(t, csp, "style-src 'self'")
			assert.Contains(t, csp, "connect-src 'self' ws://heartlink.test:8080 wss://heartlink.test:8080")
			assert.NotContains(t, csp, "unsafe")
			assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
			body := w.Body.String()
			assert.Contains(t, body, `id="lang"`)
			assert.Contains(t, body, `id="token" type="password"`)
			assert.NotRegexp(t, `<input[^>]*id="token"[^>]*name=`, body, "an unnamed token field never lands in a URL")
			assert.Contains(t, body, `id="status-line"`)
			assert.NotContains(t, body, "http://", "no external resources")
			assert.NotContains(t, body, "https://", "no external resources")
			assert.NotContains(t, body, "style=", "the CSP forbids inline styles")

			// Every file the page references is served, and so is every
			// module those files import, transitively.
			refs := pageRefRE.FindAllStringSubmatch(body, -1)
			require.NotEmpty(t, refs)
			queue := []string{}
			for _, m := range refs {
				queue = append(queue, m[1])
			}
			seen := map[string]bool{}
			for len(queue) > 0 {
				p := queue[0]
				queue = queue[1:]
				if seen[p] {
					continue
				}
				seen[p] = true
				w := get(t, h, p)
				require.Equal(t, http.StatusOK, w.Code, p)
				assert.NotEmpty(t, w.Header().Get("Cache-Control"), p)
				assert.NotEmpty(t, w.Header().Get("ETag"), p)
				assert.NotEmpty(t, w.Header().Get("Content-Security-Policy"), p)
				switch {
				case strings.HasSuffix(p, ".js"):
					assert.Equal(t, "text/javascript; charset=utf-8", w.Header().Get("Content-Type"), p)
					for _, m := range moduleRefRE.FindAllStringSubmatch(w.Body.String(), -1) {
						name := m[1] + m[2]
						queue = append(queue, "/static/"+name)
					}
				case strings.HasSuffix(p, ".css"):
					assert.Equal(t, "text/css; charset=utf-8", w.Header().Get("Content-Type"), p)
				}
			}
			for _, want := range []string{"/static/style.css", "/static/common.js", "/static/i18n.js"} {
				assert.True(t, seen[want], "%s reaches %s: %v", page, want, seen)
			}
			if page == "/board" {
				assert.True(t, seen["/static/map.js"], "the board imports map.js: %v", seen)
			}
		})
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := Handler()
	assert.Equal(t, http.StatusNotFound, get(t, h, "/static/nope.js").Code)
	assert.Equal(t, http.StatusNotFound, get(t, h, "/").Code)
	assert.Equal(t, http.StatusNotFound, get(t, h, "/static/../pages/board.html").Code)

	r := httptest.NewRequest(http.MethodPost, "/board", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
}

func TestConditionalGet(t *testing.T) {
	h := Handler()
	w := get(t, h, "/static/common.js")
	require.Equal(t, http.StatusOK, w.Code)
	r := httptest.NewRequest(http.MethodGet, "/static/common.js", nil)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	w2 := httptest.NewRecorder()
	h.ServeHTTP(w2, r)
	assert.Equal(t, http.StatusNotModified, w2.Code)
}

func TestCSPIgnoresOddHosts(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/board", nil)
	r.Host = "evil; script-src *"
	assert.Equal(t, "connect-src 'self'", regexp.MustCompile(`connect-src [^;]*`).FindString(csp(r)))
}

// The route-planning faces: the elements the board and the driver page
// promise (their ids and classes are the contract, see the package doc).
func TestRoutePlanningContract(t *testing.T) {
	h := Handler()
	board := get(t, h, "/board").Body.String()
	assert.Contains(t, board, `id="layer-routes"`, "planned routes have a map layer of their own")
	driver := get(t, h, "/driver").Body.String()
	for _, want := range []string{`id="route-offer"`, `id="accept-route"`, `id="decline-route"`, `class="route-stops"`, `class="countdown"`} {
		assert.Contains(t, driver, want)
	}
	assert.Regexp(t, `<section id="route-offer"[^>]*\bhidden\b`, driver, "no route offer until one comes")

	js := get(t, h, "/static/board.js").Body.String()
	for _, want := range []string{"plan-shift", "publish-plan", "planShiftId", "routeId", "'polyline'", "/plan/publish", "case 'plan':", "case 'route':"} {
		assert.Contains(t, js, want, "board.js")
	}
	js = get(t, h, "/static/driver.js").Body.String()
	for _, want := range []string{"case 'route_offer':", "case 'route':", "/routes/${encodeURIComponent(id)}/${action}", "accept-route", "decline-route"} {
		assert.Contains(t, js, want, "driver.js")
	}
}

// Both languages have every string: a key missing from one would show the
// other language (or the bare key) in the middle of a page.
func TestStringsInBothLanguages(t *testing.T) {
	src := get(t, Handler(), "/static/i18n.js").Body.String()
	i := strings.Index(src, "\n  en: {")
	require.Positive(t, i, "i18n.js has an en table")
	keyRE := regexp.MustCompile(`(?m)^\s+'?([A-Za-z0-9_.]+)'?: '`)
	keys := func(s string) map[string]bool {
		out := map[string]bool{}
		for _, m := range keyRE.FindAllStringSubmatch(s, -1) {
			out[m[1]] = true
		}
		return out
	}
	zh, en := keys(src[:i]), keys(src[i:])
	require.NotEmpty(t, zh)
	for k := range zh {
		assert.True(t, en[k], "%q is in zh-CN but not in en", k)
	}
	for k := range en {
		assert.True(t, zh[k], "%q is in en but not in zh-CN", k)
	}
	for _, k := range []string{"plan.plan", "plan.publish", "route.offered", "routeOffer.accept", "routeOffer.decline", "stop.pickup"} {
		assert.True(t, zh[k] && en[k], "%q in both languages", k)
	}
}

// A guardian link's page is one file for every token, under /g/; it
// reaches the API alone, with no token field, and sends no referrer.
func TestGuardianPage(t *testing.T) {
	h := Handler()
	w := get(t, h, "/g/gl_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-referrer", w.Header().Get("Referrer-Policy"))
	body := w.Body.String()
	assert.Contains(t, body, `id="lang"`)
	assert.Contains(t, body, `src="/static/guardian.js"`)
	assert.NotContains(t, body, `id="token"`, "nobody signs in here")
	assert.NotContains(t, body, "style=", "the CSP forbids inline styles")
	js := get(t, h, "/static/guardian.js")
	require.Equal(t, http.StatusOK, js.Code)
	assert.Contains(t, js.Body.String(), "/api/v1/shared/")
	for _, p := range []string{"/g/", "/g/a/b"} {
		assert.Equal(t, http.StatusNotFound, get(t, h, p).Code, p)
	}
}
