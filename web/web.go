// Package web holds the three browser faces of Heart-Link — the
// coordinators' live board (/board), the volunteer driver's phone page
// (/driver) and the requesters' page for schools and communities (/request)
// — as plain HTML, CSS and JavaScript modules embedded in the binary.
//
// The pages talk to the service only through its public HTTP API and
// websockets, from the same origin; nothing is fetched from elsewhere and
// there is no build step. The package knows nothing of trips or stores: it
// only serves files, with the headers a browser needs to hold them to a
// strict Content-Security-Policy.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

//go:embed pages/*.html static
var files embed.FS

// Pages maps each page's URL path to its file under pages/.
var pages = map[string]string{
	"/board":   "pages/board.html",
	"/driver":  "pages/driver.html",
	"/request": "pages/request.html",
}

// guardianPage is the page of every guardian link, /g/{token}: the same
// file for each, which reads its token from its own address.
const guardianPage = "pages/guardian.html"

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
}

func load(name string) (asset, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return asset{}, err
	}
	ext := path.Ext(name)
	ct, ok := contentTypes[ext]
	if !ok {
		ct = mime.TypeByExtension(ext)
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	sum := sha256.Sum256(b)
	return asset{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}, nil
}

// Handler serves GET (and HEAD) /board, /driver, /request, /g/{token}
// (a guardian link's page) and /static/...
// from the embedded files. Any other path is a 404, any other method a 405.
// Mount it for those paths only; it does not touch /api or /ws.
func Handler() http.Handler {
	h := &handler{pages: map[string]asset{}, static: map[string]asset{}}
	g, err := load(guardianPage)
	if err != nil {
		panic("web: " + err.Error())
	}
	h.guardian = g
	for p, name := range pages {
		a, err := load(name)
		if err != nil {
			panic("web: " + err.Error()) // the files are embedded: cannot happen
		}
		h.pages[p] = a
	}
	err = fs.WalkDir(files, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		a, err := load(name)
		if err != nil {
			return err
		}
		h.static["/"+name] = a
		return nil
	})
	if err != nil {
		panic("web: " + err.Error())
	}
	return h
}

type handler struct {
	pages    map[string]asset
	static   map[string]asset
	guardian asset
}

// hostRE is what a Host header must look like to be named in the CSP.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// csp is the Content-Security-Policy of every answer: scripts, styles,
// images and connections from this origin only (websockets to this host),
// nothing inline, no frames, no plugins.
func csp(r *http.Request) string {
	connect := "'self'"
	if hostRE.MatchString(r.Host) {
		// 'self' covers ws: and wss: in CSP level 3; older browsers need the
		// host spelled out.
		connect += " ws://" + r.Host + " wss://" + r.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' blob:", // a report's photos, fetched with the token (see board.js showPhotos)
		"connect-src " + connect,
		"manifest-src 'self'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp(r))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")

	p := r.URL.Path
	a, isPage := h.pages[strings.TrimSuffix(p, "/")]
	if tok, ok := strings.CutPrefix(p, "/g/"); ok && tok != "" && !strings.Contains(tok, "/") {
		a, isPage = h.guardian, true
	}
	if !isPage {
		var ok bool
		if a, ok = h.static[p]; !ok {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", a.etag)
	if isPage {
		// Pages are small and name the static files: always revalidate.
		hd.Set("Cache-Control", "no-cache")
	} else {
		// Static files are not renamed on change: cache briefly, then
		// revalidate by ETag (a 304 costs one round trip).
		hd.Set("Cache-Control", "public, max-age=300, must-revalidate")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
