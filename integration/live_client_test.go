package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameWait bounds how long a test waits for a frame the server should
// push at once. Pushes take milliseconds; the bound is for a loaded
// 2-core machine running the suite with -race.
const frameWait = 10 * time.Second

// frame is one websocket frame from the server, as a client written from
// docs/realtime.md reads it.
type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
	raw  string
	at   time.Time
	m    map[string]any // Data decoded once, as it arrived
}

func (f frame) String() string { return f.raw }

// fields is the frame's data as an object ({} if it is not one).
func (f frame) fields() map[string]any {
	if f.m != nil {
		return f.m
	}
	var m map[string]any
	if json.Unmarshal(f.Data, &m) != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// str returns a string field of the frame's data ("" if absent).
func (f frame) str(key string) string {
	s, _ := f.fields()[key].(string)
	return s
}

// tripID is the trip a frame is about: "trip_id" in offers, withdrawals
// and alerts, "id" in trip and assigned frames.
func (f frame) tripID() string {
	if id := f.str("trip_id"); id != "" {
		return id
	}
	if f.Type == "trip" || f.Type == "assigned" {
		return f.str("id")
	}
	return ""
}

// decode unmarshals the frame's data into out.
func (f frame) decode(tb testing.TB, out any) {
	tb.Helper()
	require.NoError(tb, json.Unmarshal(f.Data, out), "frame %s", f)
}

// reply is the data of an ack or error frame.
type reply struct {
	RequestID string          `json:"request_id"`
	Result    json.RawMessage `json:"result"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Field     string          `json:"field"`
	Errors    []apiError      `json:"errors"` // every problem, the first being the frame's own
}

// liveConn is one websocket held by a test. A goroutine reads every frame
// as it arrives, so that a slow test never makes a slow consumer; tests
// look at what has arrived with wait and frames.
type liveConn struct {
	tb testing.TB // fails on its behalf; see in
	*liveState
}

// in returns the same socket failing tb instead, for use inside a
// subtest: a subtest must not fail its parent.
func (c *liveConn) in(tb testing.TB) *liveConn { return &liveConn{tb: tb, liveState: c.liveState} }

// liveState is a socket and what its reader has received.
type liveState struct {
	who  string // "driver drv_x", "board", ... for messages
	ws   *websocket.Conn
	resp *http.Response
	// driverID is set for driver sockets: their frames are checked for
	// riders' contact (see checkPrivacy).
	driverID string

	wake chan struct{} // capacity 1: a frame arrived or the reader ended
	done chan struct{} // closed when the reader has ended

	writeMu sync.Mutex // writeMu serializes writes: gorilla allows one writer

	mu       sync.Mutex // mu guards the fields below
	got      []frame
	err      error    // why the reader ended: a *websocket.CloseError when the server closed
	leaks    []string // frames that showed a rider's contact to a driver who may not see it
	requests int
}

// dialer is the client of every websocket: a bounded handshake.
var dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second}

// wsURL is the websocket URL of path on the server at base (http://...).
func wsURL(base, path string, query url.Values) string {
	u := "ws" + strings.TrimPrefix(base, "http") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// dialLive opens a websocket without failing the test: refused upgrades
// are what some tests look for. The response is the server's answer to
// the upgrade (its body holds up to 1 KiB of an error).
func dialLive(d *websocket.Dialer, base, path, token string, query url.Values, header http.Header) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	for k, v := range header {
		h[k] = v
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	ws, resp, err := d.Dial(wsURL(base, path, query), h)
	if resp != nil {
		// The handshake is an operation of openapi.json like any other:
		// 101, or an error body. The body is put back for the caller.
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		target := path
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		openAPI.check(http.MethodGet, target, h, nil, resp.StatusCode, resp.Header, body)
	}
	return ws, resp, err
}

// openLive opens path as the holder of token and starts reading; the
// socket is closed when the test ends.
func openLive(tb testing.TB, who, base, path, token string, query url.Values) *liveConn {
	tb.Helper()
	return openLiveAs(tb, who, "", base, path, token, query)
}

// openLiveAs is openLive for the driver driverID ("" for others), whose
// frames are checked for riders' contact.
func openLiveAs(tb testing.TB, who, driverID, base, path, token string, query url.Values) *liveConn {
	tb.Helper()
	ws, resp, err := dialLive(dialer, base, path, token, query, nil)
	if err != nil {
		status := ""
		if resp != nil {
			status = fmt.Sprintf(" (%s)", resp.Status)
		}
		tb.Fatalf("%s: open %s%s: %v", who, path, status, err)
	}
	return startReadingAs(tb, who, driverID, ws, resp)
}

// startReading wraps an open websocket and reads it until it ends.
func startReading(tb testing.TB, who string, ws *websocket.Conn, resp *http.Response) *liveConn {
	return startReadingAs(tb, who, "", ws, resp)
}

func startReadingAs(tb testing.TB, who, driverID string, ws *websocket.Conn, resp *http.Response) *liveConn {
	c := &liveConn{tb: tb, liveState: &liveState{who: who, driverID: driverID, ws: ws, resp: resp, wake: make(chan struct{}, 1), done: make(chan struct{})}}
	go c.read()
	tb.Cleanup(func() {
		c.close()
		c.mu.Lock()
		leaks := c.leaks
		c.mu.Unlock()
		for _, l := range leaks {
			tb.Errorf("%s was shown a rider's contact for a trip not assigned to them: %s", c.who, l)
		}
	})
	return c
}

func (c *liveState) read() {
	defer close(c.done)
	for {
		typ, b, err := c.ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			c.notify()
			return
		}
		f := frame{raw: string(b), at: time.Now()}
		if typ != websocket.TextMessage || json.Unmarshal(b, &f) != nil {
			f.Type = fmt.Sprintf("!unreadable(%d)", typ)
		}
		f.m = f.fields()
		c.mu.Lock()
		if c.driverID != "" {
			if leak := checkPrivacy(c.driverID, f); leak != "" {
				c.leaks = append(c.leaks, leak)
			}
		}
		c.got = append(c.got, f)
		c.mu.Unlock()
		c.notify()
	}
}

func (c *liveState) notify() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close ends the socket from the client's side, politely, and waits for
// the reader.
func (c *liveState) close() {
	c.writeMu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	c.ws.Close()
	<-c.done
}

// frames returns every frame received so far.
func (c *liveConn) frames() []frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]frame(nil), c.got...)
}

// mark is how many frames have arrived: wait(from: mark) looks only at
// later ones.
func (c *liveConn) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// waitFrom waits for a frame at index from or later that matches, and
// returns it with its index. The socket ending first fails the test.
func (c *liveConn) waitFrom(from int, timeout time.Duration, what string, match func(frame) bool) (frame, int) {
	c.tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i := from; i < len(c.got); i++ {
			if match(c.got[i]) {
				f := c.got[i]
				c.mu.Unlock()
				return f, i
			}
		}
		from = len(c.got)
		err := c.err
		c.mu.Unlock()
		if err != nil {
			c.tb.Fatalf("%s: socket ended (%v) before %s; frames:\n%s", c.who, err, what, c.dump())
		}
		select {
		case <-c.wake:
		case <-deadline.C:
			c.tb.Fatalf("%s: no %s within %s; frames:\n%s", c.who, what, timeout, c.dump())
		}
	}
}

// wait waits for a matching frame among every frame received.
func (c *liveConn) wait(timeout time.Duration, what string, match func(frame) bool) frame {
	c.tb.Helper()
	f, _ := c.waitFrom(0, timeout, what, match)
	return f
}

// dump lists the frames received, for failure messages (the last 40).
func (c *liveConn) dump() string {
	fs := c.frames()
	var b strings.Builder
	if len(fs) > 40 {
		fmt.Fprintf(&b, "  (%d earlier frames)\n", len(fs)-40)
		fs = fs[len(fs)-40:]
	}
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s\n", f.raw)
	}
	return b.String()
}

// ended waits for the socket to end and returns why: a
// *websocket.CloseError when the server sent a close frame.
func (c *liveConn) ended(timeout time.Duration) error {
	c.tb.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		c.tb.Fatalf("%s: the socket is still open after %s; frames:\n%s", c.who, timeout, c.dump())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// requireClosedWith waits for the server to close the socket with code.
func (c *liveConn) requireClosedWith(timeout time.Duration, code int) *websocket.CloseError {
	c.tb.Helper()
	err := c.ended(timeout)
	var ce *websocket.CloseError
	require.True(c.tb, errors.As(err, &ce), "%s: the socket ended with %v; want a close frame with %d", c.who, err, code)
	require.Equal(c.tb, code, ce.Code, "%s: close code (reason %q)", c.who, ce.Text)
	return ce
}

// sendRaw writes one frame of the type (websocket.TextMessage or
// BinaryMessage) as is.
func (c *liveConn) sendRaw(typ int, b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(typ, b)
}

// send writes v as a JSON text frame.
func (c *liveConn) send(v any) {
	c.tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(c.tb, err)
	require.NoError(c.tb, c.sendRaw(websocket.TextMessage, b), "%s: send %s", c.who, b)
}

// nextRequestID returns a request_id unique on this socket and run.
func (c *liveConn) nextRequestID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	return fmt.Sprintf("r-%s-%d-%d", runID, unique(), c.requests)
}

// request sends a request of the type with the fields and request_id id.
func (c *liveConn) request(typ, id string, fields map[string]any) {
	c.tb.Helper()
	data := map[string]any{"request_id": id}
	for k, v := range fields {
		data[k] = v
	}
	c.send(map[string]any{"type": typ, "data": data})
}

// answerTo waits for the ack or error that answers request_id id,
// looking at frames from index from on.
func (c *liveConn) answerTo(from int, id string) (frame, reply) {
	c.tb.Helper()
	f, _ := c.waitFrom(from, frameWait, "the answer to request "+id, func(f frame) bool {
		return (f.Type == "ack" || f.Type == "error") && f.str("request_id") == id
	})
	var r reply
	f.decode(c.tb, &r)
	return f, r
}

// do sends a request and returns its answer.
func (c *liveConn) do(typ string, fields map[string]any) (frame, reply) {
	c.tb.Helper()
	id := c.nextRequestID()
	from := c.mark()
	c.request(typ, id, fields)
	return c.answerTo(from, id)
}

// ack sends a request and requires an ack.
func (c *liveConn) ack(typ string, fields map[string]any) reply {
	c.tb.Helper()
	f, r := c.do(typ, fields)
	require.Equal(c.tb, "ack", f.Type, "%s: %s %v answered %s", c.who, typ, fields, f)
	return r
}

// fails sends a request and requires an error with the code.
func (c *liveConn) fails(typ string, fields map[string]any, code string) reply {
	c.tb.Helper()
	f, r := c.do(typ, fields)
	require.Equal(c.tb, "error", f.Type, "%s: %s %v answered %s", c.who, typ, fields, f)
	assert.Equal(c.tb, code, r.Code, "%s: %s %v answered %s", c.who, typ, fields, f)
	assert.NotEmpty(c.tb, r.Message, "an error frame needs a message: %s", f)
	if assert.NotEmpty(c.tb, r.Errors, "an error frame lists its problems: %s", f) {
		assert.Equal(c.tb, apiError{r.Code, r.Message, r.Field}, r.Errors[0], "the first problem is the frame's own: %s", f)
	}
	return r
}

// of matches frames of the type about the trip.
func of(typ, tripID string) func(frame) bool {
	return func(f frame) bool { return f.Type == typ && f.tripID() == tripID }
}

// tripFrame matches trip frames of the trip with the status.
func tripFrame(tripID, status string) func(frame) bool {
	return func(f frame) bool { return f.Type == "trip" && f.str("id") == tripID && f.str("status") == status }
}

// driverLive opens /ws/driver as the driver on the server the driver's
// client talks to and waits for the first frame, which must be a
// snapshot.
func (d *driver) live(tb testing.TB) *liveConn {
	tb.Helper()
	c := d.liveAfter(tb, "")
	f := c.wait(frameWait, "the snapshot", func(frame) bool { return true })
	require.Equal(tb, "snapshot", f.Type, "the first frame of a fresh connection: %s", f)
	require.NotEmpty(tb, f.ID, "a snapshot carries an id to resume from: %s", f)
	return c
}

// liveAfter opens /ws/driver resuming after the event id (none if "").
func (d *driver) liveAfter(tb testing.TB, lastEventID string) *liveConn {
	tb.Helper()
	var q url.Values
	if lastEventID != "" {
		q = url.Values{"last_event_id": {lastEventID}}
	}
	return openLiveAs(tb, "driver "+d.ID, d.ID, d.base, "/ws/driver", d.token, q)
}

// board opens the coordinators' board on the fixture's server and waits
// for its snapshot.
func (f *fixture) board() *liveConn {
	f.tb.Helper()
	return boardOn(f.tb, f.srv.URL)
}

func boardOn(tb testing.TB, base string) *liveConn {
	tb.Helper()
	c := openLive(tb, "board", base, "/ws/board", adminToken, nil)
	s := c.wait(frameWait, "the snapshot", func(frame) bool { return true })
	require.Equal(tb, "snapshot", s.Type, "the first frame of the board: %s", s)
	return c
}

// live opens the requester's channel and waits for its snapshot.
func (r *requester) live(tb testing.TB) *liveConn {
	tb.Helper()
	c := openLive(tb, "requester "+r.ID, r.base, "/ws/requester", r.token, nil)
	s := c.wait(frameWait, "the snapshot", func(frame) bool { return true })
	require.Equal(tb, "snapshot", s.Type, "the first frame of a requester: %s", s)
	return c
}

// riderSecret matches the parts of a trip that examTrip makes unique and
// only the requester, coordinators and the assigned driver may see: the
// rider's phone (139 and 8 digits) and name, and the exact pickup address.
var riderSecret = regexp.MustCompile(`139\d{8}|Student Wang|Shengli Road`)

// checkPrivacy returns the frame if it shows the driver a rider's contact
// or the exact address of a trip that is not theirs, else "". A trip
// object carrying riders must name the driver as its driver, offers never
// carry them, and a secret anywhere else in a frame is a leak.
func checkPrivacy(driverID string, f frame) string {
	if !riderSecret.MatchString(f.raw) {
		return ""
	}
	var v any
	if json.Unmarshal([]byte(f.raw), &v) != nil {
		return f.raw
	}
	// Blank out every trip that is the driver's own; anything secret left
	// is shown to the wrong driver.
	var strip func(v any) any
	strip = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			if id, _ := x["driver_id"].(string); id == driverID && x["riders"] != nil {
				return nil
			}
			for k, e := range x {
				x[k] = strip(e)
			}
		case []any:
			for i, e := range x {
				x[i] = strip(e)
			}
		}
		return v
	}
	rest, _ := json.Marshal(strip(v))
	if riderSecret.Match(rest) {
		return f.raw
	}
	return ""
}

// liveServer starts a server for a live-channel test. When the test ends
// it stops the server and checks that its log never showed a rider's
// contact.
func liveServer(tb testing.TB, b backend, extra ...string) *server {
	tb.Helper()
	s := startServer(tb, b, extra...)
	tb.Cleanup(func() {
		s.Stop()
		if m := riderSecret.FindString(s.Log()); m != "" {
			tb.Errorf("the server log shows a rider's contact or address (%q)", m)
		}
	})
	return s
}

// barrier sends the driver's socket a harmless request and waits for its
// answer: the server queues answers behind the frames it pushed before, so
// every such frame has arrived once this returns.
func (c *liveConn) barrier() {
	c.tb.Helper()
	c.do("decline", map[string]any{"trip_id": "trp_barrier_" + runID})
}

// closeCode returns the close code of err, or 0 if it is no close frame.
func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// idLess reports whether event id a ("ms-seq") comes before b.
func idLess(a, b string) bool {
	var am, as, bm, bs uint64
	fmt.Sscanf(a, "%d-%d", &am, &as)
	fmt.Sscanf(b, "%d-%d", &bm, &bs)
	return am < bm || am == bm && as < bs
}

// jsonInto is json.Unmarshal, named for reading a frame's data in a
// predicate.
func jsonInto(data []byte, out any) error { return json.Unmarshal(data, out) }

// isOpen reports whether the socket is still open.
func (c *liveConn) isOpen() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// waitCount waits until n frames that match have arrived.
func (c *liveConn) waitCount(n int, timeout time.Duration, what string, match func(frame) bool) {
	c.tb.Helper()
	from, seen := 0, 0
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for ; from < len(c.got); from++ {
			if match(c.got[from]) {
				seen++
			}
		}
		err := c.err
		c.mu.Unlock()
		if seen >= n {
			return
		}
		if err != nil {
			c.tb.Fatalf("%s: socket ended (%v) after %d of %d %s", c.who, err, seen, n, what)
		}
		select {
		case <-c.wake:
		case <-deadline.C:
			c.tb.Fatalf("%s: %d of %d %s within %s", c.who, seen, n, what, timeout)
		}
	}
}
