package integration

// The browser side of the browser tests: one headless Chromium per test run,
// driven with chromedp, and a tab type that opens a page of the service,
// signs in, fills fields, waits for what the page shows (bounded, never by
// sleeping a guessed time) and records every JavaScript error the page has.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// noChromium is the message of every browser test skipped for want of a
// browser.
const noChromium = "browser tests need Chromium: apt-get install chromium"

// chromiumPath finds Chromium: the Debian package's /usr/bin/chromium, else a
// chromium on PATH. "" means there is none.
func chromiumPath() string {
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Bounds of the browser tests. A step that takes longer fails with what the
// page showed.
const (
	browserStart = 30 * time.Second // Chromium up and its first tab open
	pageLoad     = 15 * time.Second // a page and its scripts loaded
	pageStep     = 5 * time.Second  // one click, one key sequence, one evaluation
	pageWait     = 15 * time.Second // the page showing something the server did
)

// browser is one headless Chromium, shared by the tabs of a test.
type browser struct {
	ctx context.Context // the first tab's context: it holds the browser
	out *lockedBuffer   // Chromium's stdout and stderr, logged on failure
}

// startBrowser starts Chromium with exactly the flags the suite allows and a
// fresh profile, and stops it when the test ends. It skips the test when
// there is no Chromium, or fails it with HEARTLINK_REQUIRE_BROWSER set (as a
// CI that promises browser tests would).
func startBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("HEARTLINK_REQUIRE_BROWSER") != "" {
			t.Fatal(noChromium + " (HEARTLINK_REQUIRE_BROWSER is set)")
		}
		t.Skip(noChromium)
	}
	out := &lockedBuffer{}
	// The profile directory is removed after the browser has stopped:
	// cleanups run last-registered first.
	profile := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(out),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel() // closes the browser
		cancelAlloc()
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Chromium %s said (last 4 KiB, without D-Bus noise):\n%s", path, out.tail(4096))
		}
	})
	// The first run starts the browser and must not carry a timeout (it
	// would stop the browser when it fires), so bound it from outside.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start %s: %v\n%s", path, err, out.tail(4096))
		}
	case <-time.After(browserStart):
		cancel()
		t.Fatalf("%s did not start within %s\n%s", path, browserStart, out.tail(4096))
	}
	return &browser{ctx: ctx, out: out}
}

// scene is the tabs of one test on one server: when a wait fails, every tab
// says what it shows, since the cause is often on another page (the driver
// never saw the offer the board waits for).
type scene struct {
	t    *testing.T
	b    *browser
	srv  *server
	tabs []*tab
}

func (b *browser) scene(t *testing.T, srv *server) *scene {
	return &scene{t: t, b: b, srv: srv}
}

// viewports are the screens the pages are made for: a wall screen, a phone,
// an office computer.
var viewports = map[string][2]int64{
	"/board":   {1600, 1000},
	"/driver":  {412, 915},
	"/request": {1280, 900},
}

// tab is one page open in its own tab and its own browser context (its own
// cookies and storage), as if on another person's device.
type tab struct {
	sc   *scene
	t    *testing.T
	name string // for messages and file names: "board", "driver", ...
	path string
	ctx  context.Context

	mu       sync.Mutex // guards the fields below
	jsErrs   []string
	sockets  []string                        // URLs of the websockets the page opened
	inflight map[network.RequestID]time.Time // HTTP requests of the page not yet answered
	lastNet  time.Time                       // when one last started or ended
}

// open opens the page at path in a new tab, fails the test unless it is
// served with 200, and checks when the test ends that the page had no
// JavaScript error.
func (sc *scene) open(name, path string) *tab {
	t := sc.t
	t.Helper()
	ctx, cancel := chromedp.NewContext(sc.b.ctx, chromedp.WithNewBrowserContext())
	tb := &tab{sc: sc, t: t, name: name, path: path, ctx: ctx, inflight: map[network.RequestID]time.Time{}}
	sc.tabs = append(sc.tabs, tb)
	t.Cleanup(func() {
		tb.checkNoJSErrors()
		cancel()
	})
	// Listen opens the tab; from then on every error of the page is kept.
	if err := chromedp.Listen(ctx, tb.onEvent); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	vp, ok := viewports[path]
	if strings.HasPrefix(path, "/g/") {
		vp, ok = viewports["/driver"], true // a guardian link is opened on a phone
	}
	if ok {
		tb.do("set the viewport", chromedp.EmulateViewport(vp[0], vp[1]))
	}
	lctx, lcancel := context.WithTimeout(ctx, pageLoad)
	defer lcancel()
	resp, err := chromedp.Run(lctx, chromedp.NavigateResponse(sc.srv.URL+path))
	if err != nil {
		tb.fail(fmt.Sprintf("GET %s did not load within %s: %v", path, pageLoad, err))
	}
	if resp == nil || resp.Status != http.StatusOK {
		status := "no response"
		if resp != nil {
			status = fmt.Sprintf("%d %s", resp.Status, resp.StatusText)
		}
		tb.fail(fmt.Sprintf("GET %s answered %s, want 200: is the page in web/pages and mounted at %s?", path, status, path))
	}
	return tb
}

// onEvent keeps the page's JavaScript errors: uncaught exceptions and
// unhandled rejections, console.error and console.assert, and errors of the
// browser log (a script or stylesheet that failed to load, a CSP refusal).
// HTTP errors of API calls (4xx from /api/) are not errors of the page: it
// asks, and shows the answer. It runs on chromedp's reading goroutine, so
// it only records.
func (tb *tab) onEvent(ev any) {
	var msg string
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		tb.mu.Lock()
		tb.inflight[e.RequestID], tb.lastNet = time.Now(), time.Now()
		tb.mu.Unlock()
		return
	case *network.EventLoadingFinished:
		tb.netDone(e.RequestID)
		return
	case *network.EventWebSocketCreated:
		tb.mu.Lock()
		tb.sockets = append(tb.sockets, e.URL)
		tb.mu.Unlock()
		return
	case *network.EventLoadingFailed:
		tb.netDone(e.RequestID)
		return
	case *runtime.EventExceptionThrown:
		msg = "uncaught: " + exceptionText(e.ExceptionDetails)
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError && e.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		parts := make([]string, 0, len(e.Args))
		for _, a := range e.Args {
			parts = append(parts, remoteText(a))
		}
		msg = "console." + string(e.Type) + ": " + strings.Join(parts, " ") + stackText(e.StackTrace)
	case *log.EventEntryAdded:
		en := e.Entry
		if en == nil || en.Level != log.EntryLevelError {
			return
		}
		if en.Source == log.EntrySourceNetwork && strings.Contains(en.URL, "/api/v1/") && strings.Contains(en.Text, "status of 4") {
			return
		}
		msg = fmt.Sprintf("log %s: %s %s", en.Source, en.Text, en.URL)
	default:
		return
	}
	tb.mu.Lock()
	tb.jsErrs = append(tb.jsErrs, msg)
	tb.mu.Unlock()
}

func (tb *tab) netDone(id network.RequestID) {
	tb.mu.Lock()
	delete(tb.inflight, id)
	tb.lastNet = time.Now()
	tb.mu.Unlock()
}

// netQuiet reports whether the page has had no HTTP request open for the
// duration. A request open for longer than stale is not waited for.
func (tb *tab) netQuiet(quiet, stale time.Duration) bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, since := range tb.inflight {
		if time.Since(since) < stale {
			return false
		}
	}
	return time.Since(tb.lastNet) >= quiet
}

// settle waits until the page has made no HTTP request for a moment: what
// it loads after sign-in (its own record, trips, places) has arrived and
// been drawn, so that nothing it fills in later overwrites what the test
// types. Websockets do not count.
func (tb *tab) settle() {
	tb.t.Helper()
	deadline := time.Now().Add(pageWait)
	for !tb.netQuiet(300*time.Millisecond, 5*time.Second) {
		if time.Now().After(deadline) {
			tb.fail(fmt.Sprintf("the page kept loading for %s after sign-in", pageWait))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	s := d.Text
	if d.Exception != nil {
		s += " " + remoteText(d.Exception)
	}
	if d.URL != "" {
		s += fmt.Sprintf(" at %s:%d:%d", d.URL, d.LineNumber+1, d.ColumnNumber+1)
	}
	return s + stackText(d.StackTrace)
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return o.Description
	}
	if len(o.Value) > 0 {
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return s
		}
		return string(o.Value)
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	return string(o.Type)
}

func stackText(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" (%s %s:%d:%d)", f.FunctionName, f.URL, f.LineNumber+1, f.ColumnNumber+1)
}

// errorsSoFar returns the page's JavaScript errors up to now.
func (tb *tab) errorsSoFar() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.jsErrs...)
}

// socketsSoFar returns the URLs of the websockets the page has opened.
func (tb *tab) socketsSoFar() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.sockets...)
}

// checkTokenKept checks the contract's rules for the token: the page opened
// its websocket (path) with a one-time ticket and never put the token in a
// URL, a cookie or localStorage.
func (tb *tab) checkTokenKept(token, path string) {
	tb.t.Helper()
	opened := func() bool {
		for _, u := range tb.socketsSoFar() {
			if strings.Contains(u, path+"?") && strings.Contains(u, "ticket=") {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(pageWait); !opened(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			tb.fail(fmt.Sprintf("opened no websocket %s?ticket=... within %s; it opened %q", path, pageWait, tb.socketsSoFar()))
		}
	}
	for _, u := range tb.socketsSoFar() {
		if strings.Contains(u, token) {
			tb.t.Errorf("%s opened a websocket with the token in its URL: %s", tb.name, u)
		}
	}
	kept := tb.eval(`(() => { const s = []; for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); s.push(k + "=" + localStorage.getItem(k)); } return s.join("\n") + "\n" + document.cookie; })()`)
	if strings.Contains(kept, token) {
		tb.t.Errorf("%s keeps the token in localStorage or a cookie (the contract says sessionStorage)", tb.name)
	}
}

// checkNoJSErrors fails the test if the page had any JavaScript error.
func (tb *tab) checkNoJSErrors() {
	tb.t.Helper()
	errs := tb.errorsSoFar()
	switch {
	case len(errs) == 0:
	case tb.t.Failed():
		// Failing already (fail lists them too): say, but not as a new error.
		tb.t.Logf("%s (%s) had %d JavaScript error(s):\n  %s", tb.name, tb.path, len(errs), strings.Join(errs, "\n  "))
	default:
		tb.t.Errorf("%s (%s) had %d JavaScript error(s):\n  %s", tb.name, tb.path, len(errs), strings.Join(errs, "\n  "))
	}
}

// do runs chromedp actions on the tab within pageStep, failing the test
// with what the page shows when they fail.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, pageStep)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.fail(fmt.Sprintf("%s: %v", what, err))
	}
}

// evalJS evaluates a JavaScript expression in the page.
func evalJS[T any](tb *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, pageStep)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// eval evaluates expr, failing the test if it cannot.
func (tb *tab) eval(expr string) string {
	tb.t.Helper()
	s, err := evalJS[string](tb, expr)
	if err != nil {
		tb.fail(fmt.Sprintf("evaluate %s: %v", expr, err))
	}
	return s
}

// jsString quotes s for JavaScript source.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitVisible waits until the element is visible.
func (tb *tab) waitVisible(sel string, within time.Duration) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, within)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		tb.fail(fmt.Sprintf("waited %s for %s to be visible: %v", within, sel, err))
	}
}

// waitFor polls the JavaScript expression expr, which returns a string
// describing what the page shows, until ok accepts it. On timeout the test
// fails with the last thing seen.
func (tb *tab) waitFor(what, expr string, ok func(string) bool, within time.Duration) string {
	tb.t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, err := evalJS[string](tb, expr)
		if err == nil && ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			seen := fmt.Sprintf("last seen %q", got)
			if err != nil {
				seen = "last evaluation failed: " + err.Error()
			}
			tb.fail(fmt.Sprintf("timed out after %s waiting for %s (%s)", within, what, seen))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// until polls cond, something the test asks the server, until it holds;
// cond also describes what it saw. On timeout the test fails as waitFor does.
func (tb *tab) until(what string, cond func() (bool, string)) {
	tb.t.Helper()
	deadline := time.Now().Add(pageWait)
	for {
		ok, seen := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.fail(fmt.Sprintf("timed out after %s waiting for %s (last seen: %s)", pageWait, what, seen))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// typeInto empties a text field (as selecting its text and deleting it
// would) and types s into it, key by key.
func (tb *tab) typeInto(sel, s string) {
	tb.t.Helper()
	tb.waitVisible(sel, pageStep)
	tb.choose(sel, "")
	tb.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), s))
	if got := tb.eval(`document.querySelector(` + jsString(sel) + `).value`); got != s {
		tb.fail(fmt.Sprintf("typed %q into %s, it holds %q", s, sel, got))
	}
}

// choose sets a field a person picks rather than types (a select, a
// datetime-local) as the browser does when they pick: the value, then input
// and change events.
func (tb *tab) choose(sel, value string) {
	tb.t.Helper()
	got := tb.eval(`(() => {
		const el = document.querySelector(` + jsString(sel) + `);
		if (!el) return "(no such element)";
		el.value = ` + jsString(value) + `;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return el.value;
	})()`)
	if got != value {
		tb.fail(fmt.Sprintf("set %s to %q, it holds %q", sel, value, got))
	}
}

// click clicks the element with the mouse, once it is visible.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// signIn types the token into #token, clicks #signin, waits for ready, an
// element only a signed-in page shows, and lets the page settle.
func (tb *tab) signIn(token, ready string) {
	tb.t.Helper()
	tb.waitVisible("#token", pageLoad)
	tb.do("type the token", chromedp.SendKeys(chromedp.CSS("#token"), token))
	tb.click("#signin")
	tb.waitVisible(ready, pageWait)
	tb.settle()
}

// statusLine is the page's #status-line text, or why it cannot be read.
func (tb *tab) statusLine() string {
	s, err := evalJS[string](tb, `(() => { const el = document.querySelector("#status-line"); return el ? el.textContent.trim() : "(no #status-line)"; })()`)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

// screenshot captures the whole page as PNG.
func (tb *tab) screenshot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, pageWait)
	defer cancel()
	return chromedp.Run(ctx, chromedp.FullScreenshot(100))
}

// fail ends the test with msg and, for every tab of the scene, its
// #status-line, its JavaScript errors and a screenshot in the test's
// artifact directory.
func (tb *tab) fail(msg string) {
	tb.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", tb.name, tb.path, msg)
	dir := artifactDir(tb.t)
	for _, o := range tb.sc.tabs {
		fmt.Fprintf(&b, "\n  %s #status-line: %q", o.name, o.statusLine())
		if errs := o.errorsSoFar(); len(errs) > 0 {
			fmt.Fprintf(&b, "\n  %s JavaScript errors:\n    %s", o.name, strings.Join(errs, "\n    "))
		}
		if png, err := o.screenshot(); err != nil {
			fmt.Fprintf(&b, "\n  %s screenshot failed: %v", o.name, err)
		} else {
			p := filepath.Join(dir, "failure-"+o.name+".png")
			if err := os.WriteFile(p, png, 0o644); err != nil {
				fmt.Fprintf(&b, "\n  %s screenshot: %v", o.name, err)
			} else {
				fmt.Fprintf(&b, "\n  %s screenshot: %s", o.name, p)
			}
		}
	}
	if !artifactsKept() {
		b.WriteString("\n  (screenshots are removed with the test; run go test with -artifacts to keep them)")
	}
	tb.t.Fatal(b.String())
}

// artifactDir is where a test keeps its screenshots: testing.T.ArtifactDir,
// under -outputdir with -artifacts, else a temporary directory removed after
// the test.
func artifactDir(t *testing.T) string { return t.ArtifactDir() }

// artifactsKept reports whether go test was run with -artifacts, so that
// what is written to artifactDir outlives the test.
func artifactsKept() bool {
	f := flag.Lookup("test.artifacts")
	return f != nil && f.Value.String() == "true"
}

// lockedBuffer is a bytes.Buffer safe for the goroutine that copies
// Chromium's output and the test reading it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// tail returns the last n bytes of output, leaving out the lines about
// D-Bus, which a headless Chromium in a container writes by the dozen.
func (l *lockedBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var keep []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	s := strings.Join(keep, "\n")
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}
