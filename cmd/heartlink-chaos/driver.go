package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// dialer opens every driver's socket.
var dialer = websocket.Dialer{HandshakeTimeout: 3 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 1024}

// resendEvery is how long a driver waits for the answer to a request
// before sending it again, with the same request_id.
const resendEvery = 3 * time.Second

// frame is one frame from the server; Data is decoded by Type.
type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// ask is an accept or decline a driver sent and has no answer to yet.
type ask struct {
	id     string // request_id
	typ    string // accept | decline
	trip   string
	first  time.Time
	resend time.Time // when to send it again, if still unanswered
	sends  int
}

// driver is one volunteer on a websocket: it answers offers as they come,
// racing the other drivers offered the same trip, and sends every request
// again, with its request_id, until it gets the answer — after its socket
// was cut, its instance killed, or the store was away.
type driver struct {
	i     int
	id    string
	token string
	home  point
	w     *world

	wmu sync.Mutex // wmu guards writes to conn

	mu        sync.Mutex // mu guards everything below
	conn      *websocket.Conn
	rng       *rand.Rand
	pending   map[string]*ask
	decided   map[string]bool // trips this driver answered or is answering
	seq       int
	lastID    string
	answering bool // new offers are answered (false once the run drains)
	closing   bool // the run is over: no reconnect

	answers sync.WaitGroup // answers waiting for their moment
}

// run keeps the driver's socket open until close: it dials a random
// instance, resumes after the last event seen, sends its unanswered
// requests again, and reads; when the socket ends it dials again.
func (d *driver) run(ctx context.Context) {
	// A run cut short closes the socket, which ends the reader.
	defer context.AfterFunc(ctx, d.close)()
	stop := make(chan struct{})
	resender := make(chan struct{})
	go func() {
		defer close(resender)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				d.resendDue(false)
			}
		}
	}()
	defer func() { close(stop); <-resender }()

	for first := true; ; first = false {
		d.mu.Lock()
		closing, last := d.closing, d.lastID
		inst := d.rng.IntN(len(d.w.r.urls))
		d.mu.Unlock()
		if closing || ctx.Err() != nil {
			return
		}
		conn, err := d.dial(ctx, inst, last)
		if err != nil {
			d.w.stats.dialFailures.Add(1)
			sleep(ctx, time.Duration(100+d.intn(300))*time.Millisecond)
			continue
		}
		if !first {
			d.w.stats.reconnects.Add(1)
		}
		d.mu.Lock()
		if d.closing {
			d.mu.Unlock()
			conn.Close()
			return
		}
		d.conn = conn
		d.mu.Unlock()
		d.resendDue(true)
		d.read(conn)
		d.mu.Lock()
		d.conn = nil
		closing = d.closing
		d.mu.Unlock()
		conn.Close()
		if !closing {
			d.w.stats.socketDrops.Add(1)
		}
	}
}

func (d *driver) intn(n int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.IntN(n)
}

// dial opens the driver's socket on instance i, resuming after lastID.
func (d *driver) dial(ctx context.Context, i int, lastID string) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(d.w.r.urls[i], "http") + "/ws/driver"
	if lastID != "" {
		u += "?last_event_id=" + url.QueryEscape(lastID)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, resp, err := dialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + d.token}})
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		b := make([]byte, 512)
		n, _ := resp.Body.Read(b)
		d.w.stats.httpAnswer(d.w.r, "GET /ws/driver", answer{Status: resp.StatusCode, Body: b[:n]})
	}
	return conn, err
}

// read handles the socket's frames until it ends.
func (d *driver) read(conn *websocket.Conn) {
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(msg, &f) != nil {
			continue
		}
		d.handle(f)
	}
}

func (d *driver) handle(f frame) {
	if f.ID != "" {
		d.mu.Lock()
		d.lastID = f.ID
		d.mu.Unlock()
	}
	switch f.Type {
	case "snapshot":
		var s struct {
			Offers []struct {
				TripID string `json:"trip_id"`
			} `json:"offers"`
		}
		json.Unmarshal(f.Data, &s)
		for _, o := range s.Offers {
			d.offered(o.TripID)
		}
	case "offer":
		var o struct {
			TripID string `json:"trip_id"`
		}
		json.Unmarshal(f.Data, &o)
		d.offered(o.TripID)
	case "ack":
		var a struct {
			RequestID string `json:"request_id"`
		}
		json.Unmarshal(f.Data, &a)
		if q := d.settle(a.RequestID); q != nil {
			d.w.ledger.answered(d, q, "")
		}
	case "error":
		var e struct {
			RequestID string `json:"request_id"`
			Code      string `json:"code"`
			Message   string `json:"message"`
		}
		json.Unmarshal(f.Data, &e)
		if e.RequestID == "" {
			return
		}
		var again time.Duration
		switch {
		case e.Code == "unavailable":
			d.w.stats.unavailableFrames.Add(1)
			again = 500 * time.Millisecond
		case e.Code == "rate_limited":
			again = time.Second
		case e.Code == "internal":
			d.w.stats.internalFrames(d.w.r, e.Message)
			again = time.Second
		case e.Code == "conflict" && strings.Contains(e.Message, "still being answered"):
			d.w.stats.stillAnswering.Add(1)
			again = time.Second
		}
		if again > 0 {
			d.mu.Lock()
			if q := d.pending[e.RequestID]; q != nil {
				q.resend = time.Now().Add(again)
			}
			d.mu.Unlock()
			return
		}
		if q := d.settle(e.RequestID); q != nil {
			d.w.ledger.answered(d, q, e.Code)
		}
	}
}

// settle takes the request answered off the pending list.
func (d *driver) settle(requestID string) *ask {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.pending[requestID]
	delete(d.pending, requestID)
	return q
}

// offered answers an offer once, after a moment: most are accepted.
func (d *driver) offered(tripID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if tripID == "" || !d.answering || d.decided[tripID] {
		return
	}
	d.decided[tripID] = true
	d.w.stats.offersSeen.Add(1)
	typ := "decline"
	if d.rng.Float64() < d.w.cfg.Accept {
		typ = "accept"
	}
	delay := time.Duration(d.rng.IntN(250)) * time.Millisecond
	d.answers.Add(1)
	time.AfterFunc(delay, func() {
		defer d.answers.Done()
		d.request(typ, tripID)
	})
}

// request sends an accept or decline with a fresh request_id, and now and
// then cuts the socket right after, before the answer can come.
func (d *driver) request(typ, tripID string) {
	d.mu.Lock()
	if !d.answering {
		d.mu.Unlock()
		return
	}
	d.seq++
	q := &ask{id: "r" + strconv.Itoa(d.i) + "-" + strconv.Itoa(d.seq), typ: typ, trip: tripID, first: time.Now()}
	d.pending[q.id] = q
	conn := d.conn
	cut := d.rng.Float64() < d.w.cfg.CutAfterAsk
	d.mu.Unlock()
	if typ == "accept" {
		d.w.stats.acceptsSent.Add(1)
		d.w.ledger.sent(d, tripID)
	} else {
		d.w.stats.declinesSent.Add(1)
	}
	if conn == nil {
		return // sent once the socket is back
	}
	d.send(conn, q)
	if cut {
		d.w.stats.cutsAfterRequest.Add(1)
		d.cut(conn)
	}
}

// resendDue sends again every request whose answer is overdue, or every
// one when the socket was just opened.
func (d *driver) resendDue(all bool) {
	now := time.Now()
	d.mu.Lock()
	conn := d.conn
	var due []*ask
	for _, q := range d.pending {
		if all || !now.Before(q.resend) {
			due = append(due, q)
		}
	}
	d.mu.Unlock()
	if conn == nil {
		return
	}
	for _, q := range due {
		d.w.stats.resent.Add(1)
		d.send(conn, q)
	}
}

func (d *driver) send(conn *websocket.Conn, q *ask) {
	d.mu.Lock()
	q.sends++
	q.resend = time.Now().Add(resendEvery)
	d.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"type": q.typ, "data": map[string]string{"trip_id": q.trip, "request_id": q.id}})
	d.wmu.Lock()
	defer d.wmu.Unlock()
	conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	conn.WriteMessage(websocket.TextMessage, b)
}

// cut closes the socket's TCP connection under it: no close frame, as a
// phone going into a tunnel would.
func (d *driver) cut(conn *websocket.Conn) {
	d.w.stats.socketsCut.Add(1)
	conn.NetConn().Close()
}

// cutNow cuts the driver's socket if it is open.
func (d *driver) cutNow() bool {
	d.mu.Lock()
	conn := d.conn
	d.mu.Unlock()
	if conn == nil {
		return false
	}
	d.cut(conn)
	return true
}

// stopAnswering makes the driver leave new offers unanswered; requests
// sent go on being sent until answered.
func (d *driver) stopAnswering() {
	d.mu.Lock()
	d.answering = false
	d.mu.Unlock()
	d.answers.Wait()
}

// unanswered counts the requests still without an answer.
func (d *driver) unanswered() []*ask {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*ask
	for _, q := range d.pending {
		out = append(out, q)
	}
	return out
}

// close ends the socket cleanly, for good.
func (d *driver) close() {
	d.mu.Lock()
	d.closing = true
	conn := d.conn
	d.mu.Unlock()
	if conn == nil {
		return
	}
	d.wmu.Lock()
	conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, "chaos run over"), time.Now().Add(time.Second))
	d.wmu.Unlock()
	// The reader ends with the server's close frame, or at this deadline.
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
}
