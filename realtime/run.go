package realtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

var errRunTwice = errors.New("realtime: Run called twice")

// After refusing an oversized frame, linger reads and discards for at most
// lingerFor (and lingerLimit bytes) before closing; see Conn.linger.
const (
	lingerFor   = 500 * time.Millisecond
	lingerLimit = 1 << 20
)

// Run starts the writer, reads frames and calls onText for each text frame until the peer
// closes, a deadline passes, Close is called, or ctx ends (then it closes with 1001
// "going away"). It returns when both goroutines have stopped. onText runs on the reader goroutine.
//
// onText gets a context that is cancelled once the connection starts to
// close, and must return well within PongTimeout: pongs are read between
// frames. A nil onText ignores text frames. A binary frame is refused: the
// connection closes with 1003 and Run returns ErrBinaryFrame.
//
// Run returns nil when the connection was closed on purpose (Close, ctx, or
// a close frame from the peer) and otherwise why it ended: ErrSlowConsumer,
// ErrNoPong, ErrTooLarge, ErrBinaryFrame, or a wrapped read or write error.
func (c *Conn) Run(ctx context.Context, onText func(ctx context.Context, frame []byte)) error {
	c.mu.Lock()
	if c.ran {
		c.mu.Unlock()
		return errRunTwice
	}
	c.ran = true
	c.mu.Unlock()

	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()

	ctxDone := make(chan struct{})
	stopCtx := context.AfterFunc(ctx, func() {
		defer close(ctxDone)
		c.shut(websocket.CloseGoingAway, "going away", nil, true)
	})

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(cancelRead)
	}()

	err := c.readLoop(readCtx, onText)
	c.shutAfterRead(err)
	<-writerDone
	if errors.Is(err, websocket.ErrReadLimit) {
		c.linger()
	}
	c.ws.Close()
	if !stopCtx() {
		<-ctxDone // its goroutine has started; let it finish before we report done
	}
	c.finish()

	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// readLoop reads frames until one cannot be read. Pongs and pings are
// handled inside ReadMessage by the handlers set in NewConn.
func (c *Conn) readLoop(ctx context.Context, onText func(context.Context, []byte)) error {
	c.extendRead()
	for {
		typ, frame, err := c.ws.ReadMessage()
		if err != nil {
			return err
		}
		c.extendRead()
		select {
		case <-c.closing:
			continue // only the peer's answering close frame matters now
		default:
		}
		if typ != websocket.TextMessage {
			c.shut(websocket.CloseUnsupportedData, "binary frames are not accepted", ErrBinaryFrame, false)
			continue
		}
		if onText != nil {
			onText(ctx, frame)
		}
	}
}

// linger runs after gorilla refused a frame over ReadLimit and sent 1009,
// leaving the rest of that frame unread and the reader unusable. Closing a
// socket with unread data resets the connection, and a reset can destroy
// the close frame before the peer reads it. So, like net/http, shut our
// side for writing (the peer sees the close frame, then end of stream) and
// read and discard until the peer closes too, or briefly.
func (c *Conn) linger() {
	nc := c.ws.NetConn()
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	nc.SetReadDeadline(time.Now().Add(min(lingerFor, c.opt.WriteTimeout)))
	io.CopyN(io.Discard, nc, lingerLimit)
}

// shutAfterRead closes the connection for the reason the reader stopped.
// If the connection was already closing, that earlier reason stands.
func (c *Conn) shutAfterRead(err error) {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		c.shut(0, "", nil, false) // gorilla has answered the peer's close frame
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has sent 1009 already; this records why.
		c.shut(websocket.CloseMessageTooBig, "frame too large", fmt.Errorf("%w (%d bytes): %w", ErrTooLarge, c.opt.ReadLimit, err), false)
	case errors.As(err, &ne) && ne.Timeout():
		c.shut(0, "", ErrNoPong, false) // a dead peer would not read a close frame
	default:
		c.shut(0, "", fmt.Errorf("realtime: read: %w", err), false)
	}
}

// writeLoop is the connection's only writer of data frames and pings. It
// returns once it has written the close frame, or cannot write any more.
func (c *Conn) writeLoop(cancelRead context.CancelFunc) {
	defer cancelRead()
	ping := time.NewTicker(c.opt.PingInterval)
	defer ping.Stop()
	var flush *time.Timer
	var flushC <-chan time.Time // nil unless coalesced frames wait
	var linger *time.Timer
	var lingerC <-chan time.Time // nil unless queued frames linger (Options.Linger)
	defer func() {
		if flush != nil {
			flush.Stop()
		}
		if linger != nil {
			linger.Stop()
		}
	}()

	for {
		var err error
		select {
		case <-c.closing:
			c.writeClose(true)
			return
		case <-c.wake:
			switch {
			case lingerC != nil:
				// The frames queued meanwhile go out when the linger ends.
			case c.opt.Linger > 0:
				if linger == nil {
					linger = time.NewTimer(c.opt.Linger)
				} else {
					linger.Reset(c.opt.Linger)
				}
				lingerC = linger.C
			default:
				err = c.batched(c.writeQueued)
			}
			if err == nil && flushC == nil && c.coalescing() {
				if flush == nil {
					flush = time.NewTimer(c.opt.CoalesceEvery)
				} else {
					flush.Reset(c.opt.CoalesceEvery)
				}
				flushC = flush.C
			}
		case <-lingerC:
			lingerC = nil
			err = c.batched(c.writeQueued)
		case <-flushC:
			flushC = nil
			err = c.batched(c.writeCoalesced)
		case <-ping.C:
			err = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.opt.WriteTimeout))
		}
		if err != nil {
			// A failed write leaves the websocket unusable (gorilla makes the
			// error sticky), so there is no close frame to try.
			c.shut(0, "", fmt.Errorf("realtime: write: %w", err), false)
			c.writeClose(false)
			return
		}
	}
}

// batched runs write with the frames it writes held back and written to
// the socket together at the end (see Upgrade).
func (c *Conn) batched(write func() error) error {
	if c.batch == nil {
		return write()
	}
	c.batch.hold()
	err := write()
	if berr := c.batch.release(); err == nil {
		err = berr
	}
	return err
}

// writeQueued writes queued frames until there are none or the connection
// starts closing.
func (c *Conn) writeQueued() error {
	for {
		select {
		case <-c.closing:
			return nil
		default:
		}
		f := c.next()
		if f == nil {
			return nil
		}
		if err := c.write(f, time.Now().Add(c.opt.WriteTimeout)); err != nil {
			return err
		}
	}
}

func (c *Conn) writeCoalesced() error {
	keys, latest := c.takeCoalesced()
	for _, k := range keys {
		select {
		case <-c.closing:
			return nil
		default:
		}
		if err := c.write(latest[k], time.Now().Add(c.opt.WriteTimeout)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Conn) write(frame []byte, deadline time.Time) error {
	c.ws.SetWriteDeadline(deadline)
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// writeClose ends the write side: it writes what Close asked to flush and
// the close frame, all within one WriteTimeout, then gives the peer
// WriteTimeout to answer before the reader gives up. usable is false after
// a failed write.
func (c *Conn) writeClose(usable bool) {
	c.mu.Lock()
	code, reason, flush := c.code, c.reason, c.flush
	c.mu.Unlock()

	deadline := time.Now().Add(c.opt.WriteTimeout)
	if usable && flush {
		for f := c.next(); f != nil; f = c.next() {
			if err := c.write(f, deadline); err != nil {
				usable = false
				break
			}
		}
	}
	wait := time.Duration(0)
	if usable && code != 0 {
		err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline)
		if err == nil || err == websocket.ErrCloseSent { // ErrCloseSent: gorilla sent one itself (1009)
			wait = c.opt.WriteTimeout
		}
	}
	// The reader is either gone already, waiting for the peer's answering
	// close frame, or (wait 0) must stop now.
	c.ws.NetConn().SetReadDeadline(time.Now().Add(wait))
}

// finish runs once both goroutines have stopped: the connection leaves
// every hub, then Done is closed.
func (c *Conn) finish() {
	c.mu.Lock()
	hubs := c.hubs
	c.hubs, c.ended = nil, true
	c.queue, c.latest, c.keys = nil, nil, nil
	c.mu.Unlock()
	for _, h := range hubs {
		h.drop(c)
	}
	close(c.done)
}
