package realtime

import (
	"bufio"
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// Upgrade is u.Upgrade with the network connection wrapped so that the
// writer can batch: every frame waiting when it wakes goes out in one
// write to the socket instead of one each. A board takes every change of
// the fleet, often several at once; a write is a system call, and they
// were most of the server's CPU.
func Upgrade(u *websocket.Upgrader, w http.ResponseWriter, r *http.Request, h http.Header) (*websocket.Conn, error) {
	if hj, ok := w.(http.Hijacker); ok {
		w = batchHijacker{w, hj}
	}
	return u.Upgrade(w, r, h)
}

type batchHijacker struct {
	http.ResponseWriter
	h http.Hijacker
}

func (b batchHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := b.h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &batchConn{Conn: c}, brw, nil
}

// batchMax is how much a batch holds before it is written anyway.
const batchMax = 32 << 10

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, batchMax); return &b }}

// batchConn holds back what is written between hold and release and
// writes it in one go at release. The buffer is taken from a pool only
// while a batch is open: an idle connection holds none. gorilla writes
// control frames (a pong from the reader's goroutine) concurrently with
// the writer; mu keeps them whole, and one written while a batch is open
// goes out with it.
type batchConn struct {
	net.Conn
	mu   sync.Mutex
	on   bool
	buf  *[]byte
	werr error // the write a batch failed with, until release reports it
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.on {
		return b.Conn.Write(p)
	}
	if b.werr != nil {
		return 0, b.werr
	}
	if b.buf == nil {
		b.buf = batchBufs.Get().(*[]byte)
	}
	*b.buf = append(*b.buf, p...)
	if len(*b.buf) >= batchMax {
		b.werr = b.flushLocked()
	}
	return len(p), nil
}

// hold opens a batch.
func (b *batchConn) hold() {
	b.mu.Lock()
	b.on = true
	b.mu.Unlock()
}

// release writes the batch, under the write deadline set last, and
// reports the first write that failed.
func (b *batchConn) release() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.on = false
	err := b.werr
	if err == nil {
		err = b.flushLocked()
	}
	b.werr = nil
	if b.buf != nil {
		*b.buf = (*b.buf)[:0]
		if cap(*b.buf) <= 4*batchMax {
			batchBufs.Put(b.buf)
		}
		b.buf = nil
	}
	return err
}

func (b *batchConn) flushLocked() error {
	if b.buf == nil || len(*b.buf) == 0 {
		return nil
	}
	_, err := b.Conn.Write(*b.buf)
	*b.buf = (*b.buf)[:0]
	return err
}

// CloseWrite shuts the write side, as the connection under it can (see
// linger).
func (b *batchConn) CloseWrite() error {
	if cw, ok := b.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return b.Conn.Close()
}
