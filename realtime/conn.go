package realtime

import (
	"errors"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// CloseSlowConsumer is the close code sent to a client whose send queue
// overflowed. The client should reconnect and resume from the last event it
// saw rather than expect the frames it missed.
const CloseSlowConsumer = 4008

const slowConsumerReason = "slow consumer: reconnect with last_event_id"

// Why a connection ended, as returned by Run.
var (
	ErrSlowConsumer = errors.New("realtime: slow consumer: send queue full")
	ErrNoPong       = errors.New("realtime: peer unresponsive: no pong or frame within PongTimeout")
	ErrBinaryFrame  = errors.New("realtime: binary frame refused")
	ErrTooLarge     = errors.New("realtime: frame larger than ReadLimit")
)

// Conn is one websocket connection with one writer goroutine and a bounded send queue.
//
// Send and Coalesce never block: they hand the frame to the writer, which
// is the only goroutine that writes data frames and pings, each under a
// WriteTimeout deadline. Queued and coalesced frames are two streams; each
// keeps its own order, but they are not ordered against each other.
type Conn struct {
	ws    *websocket.Conn
	opt   Options
	batch *batchConn // the connection under ws when Upgrade made it; nil otherwise

	wake    chan struct{} // capacity 1: the writer has queued or coalesced frames to look at
	closing chan struct{} // closed, under mu, when the connection starts to close
	done    chan struct{} // closed when Run has stopped everything

	mu     sync.Mutex        // mu guards the fields below
	queue  [][]byte          // frames waiting for the writer; nil when empty, so idle connections hold nothing
	latest map[string][]byte // coalesced frames by key, waiting for the next flush
	keys   []string          // keys of latest in the order they were first set
	ran    bool              // Run has been called
	closed bool              // closing has been closed
	ended  bool              // Run has finished; no hub may hold the connection any more
	code   int               // close frame to send; 0 sends none
	reason string
	flush  bool  // write queued frames before the close frame
	cause  error // why the connection ended; nil for a deliberate close
	hubs   []*Hub

	holding bool        // SendID holds frames back until Release
	held    []heldFrame // frames SendID held
	lastID  string      // the id of the last event frame given
}

// NewConn wraps ws, which the caller has just upgraded. Nothing happens on
// the connection until Run is called, and Run must be called: only Run
// releases the network connection.
func NewConn(ws *websocket.Conn, o Options) *Conn {
	c := &Conn{
		ws:      ws,
		opt:     o.withDefaults(),
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	c.batch, _ = ws.NetConn().(*batchConn)
	ws.SetReadLimit(c.opt.ReadLimit)
	ws.SetPongHandler(func(string) error {
		c.extendRead()
		return nil
	})
	ws.SetPingHandler(func(data string) error {
		c.extendRead()
		// A pong is a control frame, which gorilla lets any goroutine write;
		// answering here keeps the writer free of the reader's business.
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.opt.WriteTimeout))
		var ne net.Error
		if err == websocket.ErrCloseSent || errors.As(err, &ne) && ne.Timeout() {
			return nil // closing, or the writer holds the connection: the peer's next ping will do
		}
		return err
	})
	return c
}

// Send queues a frame without ever blocking. When the queue is full the client is too slow: the
// connection is closed with code 4008 and reason "slow consumer: reconnect with last_event_id"
// and Send returns false. Send after close returns false.
//
// The frame is written as one text frame and must not be modified afterwards;
// the same frame may be given to many connections.
func (c *Conn) Send(frame []byte) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= c.opt.SendQueue {
		c.shutLocked(CloseSlowConsumer, slowConsumerReason, ErrSlowConsumer, false)
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, frame)
	first := len(c.queue) == 1
	c.mu.Unlock()
	if first {
		c.notify()
	}
	return true
}

// Coalesce keeps only the latest frame per key and sends what it holds at most once per
// CoalesceEvery (e.g. one position per driver per second to a board).
//
// A frame waits at most CoalesceEvery; frames for different keys go out in
// the order their keys were first set since the last flush. Coalesce on a
// closed connection does nothing.
func (c *Conn) Coalesce(key string, frame []byte) {
	c.coalesce(key, frame)
}

// coalesce is Coalesce, reporting whether the connection took the frame.
func (c *Conn) coalesce(key string, frame []byte) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	if c.latest == nil {
		c.latest = make(map[string][]byte)
	}
	if _, ok := c.latest[key]; !ok {
		c.keys = append(c.keys, key)
	}
	c.latest[key] = frame
	first := len(c.keys) == 1
	c.mu.Unlock()
	if first {
		c.notify() // the writer arms its flush timer
	}
	return true
}

// Close sends a close frame with code and reason (never blocking longer than WriteTimeout) and
// ends the connection. Safe to call many times and from any goroutine.
//
// Close itself does not block at all. Once the write in progress (if any)
// is done, the writer writes the frames already queued by Send and then the
// close frame, all within one WriteTimeout, and Run returns once the peer
// has answered or another WriteTimeout has passed. Wait on Done to know the
// connection has ended. Only the first Close (or
// other reason to close) counts. A code that may not be sent on the wire
// (below 1000, 1004–1006, 1015, above 4999) is sent as 1000; a reason
// longer than a close frame allows is cut.
func (c *Conn) Close(code int, reason string) {
	if !sendable(code) {
		code = websocket.CloseNormalClosure
	}
	c.shut(code, reason, nil, true)
}

// Done is closed once the connection has ended: Run has stopped both
// goroutines, released the network connection and left every Hub.
func (c *Conn) Done() <-chan struct{} { return c.done }

// shut starts closing the connection; only its first call counts. code 0
// sends no close frame (the peer is gone or has closed already). cause is
// what Run returns. flush keeps the queued frames to be written first.
func (c *Conn) shut(code int, reason string, cause error, flush bool) {
	c.mu.Lock()
	c.shutLocked(code, reason, cause, flush)
	c.mu.Unlock()
}

func (c *Conn) shutLocked(code int, reason string, cause error, flush bool) {
	if c.closed {
		return
	}
	c.closed = true
	c.code, c.reason, c.cause, c.flush = code, truncateReason(reason), cause, flush
	if !flush {
		c.queue = nil
	}
	c.latest, c.keys = nil, nil
	close(c.closing)
}

// notify wakes the writer without blocking; one pending wake-up is enough
// because the writer drains everything it finds.
func (c *Conn) notify() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest queued frame, or nil when there is none.
func (c *Conn) next() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	f := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = nil // release a burst's backing array
	}
	return f
}

// takeCoalesced takes everything coalesced since the last flush.
func (c *Conn) takeCoalesced() (keys []string, latest map[string][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys, latest = c.keys, c.latest
	c.keys, c.latest = nil, nil
	return keys, latest
}

func (c *Conn) coalescing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.keys) > 0
}

// extendRead moves the read deadline PongTimeout ahead, unless the
// connection is closing: then the writer has set the deadline for the close
// handshake, and a late pong must not stretch it.
func (c *Conn) extendRead() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.ws.NetConn().SetReadDeadline(time.Now().Add(c.opt.PongTimeout))
	}
}

// watch records that h holds the connection, so that it leaves h when it
// ends. It reports false if the connection has already ended.
func (c *Conn) watch(h *Hub) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return false
	}
	c.hubs = append(c.hubs, h)
	return true
}

func (c *Conn) unwatch(h *Hub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.hubs {
		if x == h {
			c.hubs = append(c.hubs[:i], c.hubs[i+1:]...)
			return
		}
	}
}

// sendable reports whether code may appear in a close frame (RFC 6455 7.4).
func sendable(code int) bool {
	switch {
	case code < 1000 || code > 4999:
		return false
	case code == 1004 || code == 1005 || code == 1006 || code == 1015:
		return false
	case code >= 1016 && code < 3000:
		return false // reserved for future protocol use
	}
	return true
}

// truncateReason cuts reason to fit a close frame (125 bytes with the
// 2-byte code) without splitting a UTF-8 sequence.
func truncateReason(reason string) string {
	const max = 123
	if len(reason) <= max {
		return reason
	}
	reason = reason[:max]
	for len(reason) > 0 && !utf8.ValidString(reason) {
		reason = reason[:len(reason)-1]
	}
	return reason
}
