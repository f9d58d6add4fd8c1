package realtime

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// await bounds every wait in these tests for something that should happen
// promptly; it is generous because -race on two cores is slow.
const await = 5 * time.Second

// noLeaks fails the test if goroutines started during it are still running
// once everything it registered with t.Cleanup has run. Call it first.
func noLeaks(tb testing.TB) {
	tb.Helper()
	before := runtime.NumGoroutine()
	tb.Cleanup(func() {
		deadline := time.Now().Add(await)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				tb.Fatalf("goroutines: %d before, %d after:\n%s", before, runtime.NumGoroutine(), buf)
			}
			time.Sleep(10 * time.Millisecond) // goroutines exiting cannot be awaited otherwise
		}
	})
}

// serverConn is the server side of one test connection.
type serverConn struct {
	*Conn
	cancel context.CancelFunc // cancels Run's context
	got    chan []byte        // text frames the server read
	runErr chan error         // what Run returned
}

type testServer struct {
	url   string
	conns chan *serverConn
}

// serverOption adjusts every connection the test server accepts, before Run.
type serverOption func(ws *websocket.Conn, c *Conn)

// subscribe puts every accepted connection in topic on h.
func subscribe(h *Hub, topic string) serverOption {
	return func(_ *websocket.Conn, c *Conn) { h.Subscribe(topic, c) }
}

// smallSendBuffer shrinks the kernel's send buffer so that a client that
// stops reading backs up into the send queue after a few frames, not
// megabytes.
func smallSendBuffer(ws *websocket.Conn, _ *Conn) {
	nc := ws.NetConn()
	if b, ok := nc.(*batchConn); ok {
		nc = b.Conn
	}
	nc.(*net.TCPConn).SetWriteBuffer(32 << 10)
}

// startServer serves websockets with the recommended Upgrader, through
// Upgrade (so the writer batches), where each
// connection runs until it ends, and the test waits for every Run to return.
func startServer(tb testing.TB, o Options, opts ...serverOption) *testServer {
	tb.Helper()
	ts := &testServer{conns: make(chan *serverConn, 64)}
	upgrader := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}}
	var running sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		running.Add(1) // before the hijack, so that srv.Close waits for it
		defer running.Done()
		ws, err := Upgrade(&upgrader, w, r, nil)
		if err != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sc := &serverConn{Conn: NewConn(ws, o), cancel: cancel, got: make(chan []byte, 1024), runErr: make(chan error, 1)}
		for _, opt := range opts {
			opt(ws, sc.Conn)
		}
		ts.conns <- sc
		sc.runErr <- sc.Run(ctx, func(_ context.Context, frame []byte) { sc.got <- frame })
	}))
	ts.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	tb.Cleanup(func() {
		srv.Close()
		running.Wait()
	})
	return ts
}

// dial connects a gorilla client and returns it with its server side.
func (ts *testServer) dial(tb testing.TB) (*websocket.Conn, *serverConn) {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(ts.url, nil)
	require.NoError(tb, err)
	tb.Cleanup(func() { ws.Close() })
	return ws, ts.accepted(tb)
}

func (ts *testServer) accepted(tb testing.TB) *serverConn {
	tb.Helper()
	select {
	case sc := <-ts.conns:
		return sc
	case <-time.After(await):
		tb.Fatal("server never accepted the connection")
		return nil
	}
}

// dialRaw opens a TCP connection, completes the websocket handshake by hand
// and then leaves it alone: a peer that never reads, pongs or closes.
func (ts *testServer) dialRaw(tb testing.TB) (net.Conn, *serverConn) {
	tb.Helper()
	addr := strings.TrimPrefix(ts.url, "ws://")
	nc, err := net.Dial("tcp", addr)
	require.NoError(tb, err)
	tb.Cleanup(func() { nc.Close() })
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", addr, base64.StdEncoding.EncodeToString(key))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	require.NoError(tb, err)
	require.Equal(tb, http.StatusSwitchingProtocols, resp.StatusCode)
	return nc, ts.accepted(tb)
}

// readText reads the next frame, which must be text.
func readText(tb testing.TB, ws *websocket.Conn) string {
	tb.Helper()
	ws.SetReadDeadline(time.Now().Add(await))
	typ, frame, err := ws.ReadMessage()
	require.NoError(tb, err)
	require.Equal(tb, websocket.TextMessage, typ)
	return string(frame)
}

// readClose reads, skipping data frames, until the connection closes, and
// returns the close frame the server sent.
func readClose(tb testing.TB, ws *websocket.Conn) *websocket.CloseError {
	tb.Helper()
	ws.SetReadDeadline(time.Now().Add(await))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		require.True(tb, errors.As(err, &ce), "connection ended without a close frame: %v", err)
		return ce
	}
}

// runResult waits for the server side's Run to return.
func (sc *serverConn) runResult(tb testing.TB) error {
	tb.Helper()
	select {
	case err := <-sc.runErr:
		return err
	case <-time.After(await):
		tb.Fatal("Run did not return")
		return nil
	}
}

// ended waits for the server side to be done.
func (sc *serverConn) ended(tb testing.TB) {
	tb.Helper()
	select {
	case <-sc.Done():
	case <-time.After(await):
		tb.Fatal("connection did not end")
	}
}

// received waits for the next text frame the server read.
func (sc *serverConn) received(tb testing.TB) string {
	tb.Helper()
	select {
	case f := <-sc.got:
		return string(f)
	case <-time.After(await):
		tb.Fatal("server received nothing")
		return ""
	}
}

// reader reads a client's frames on its own goroutine until the connection
// ends; the test's cleanup closes the client, which ends it.
func reader(tb testing.TB, ws *websocket.Conn) <-chan arrival {
	tb.Helper()
	frames := make(chan arrival, 64)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer close(frames)
		for {
			_, f, err := ws.ReadMessage()
			if err != nil {
				return
			}
			select {
			case frames <- arrival{string(f), time.Now()}:
			case <-stop:
				return
			}
		}
	}()
	tb.Cleanup(func() {
		close(stop)
		ws.Close()
		<-done
	})
	return frames
}

// arrival is a frame a reader read, and when.
type arrival struct {
	text string
	at   time.Time
}

// next waits for the next frame from a reader.
func next(tb testing.TB, frames <-chan arrival) string {
	tb.Helper()
	return nextArrival(tb, frames).text
}

func nextArrival(tb testing.TB, frames <-chan arrival) arrival {
	tb.Helper()
	select {
	case f, ok := <-frames:
		require.True(tb, ok, "connection ended")
		return f
	case <-time.After(await):
		tb.Fatal("no frame arrived")
		return arrival{}
	}
}
