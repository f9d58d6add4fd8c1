// Memory per idle connection: BenchmarkIdleConn holds 2,000 real websocket
// connections over loopback, each subscribed to two topics on one Hub with
// default Options, and reports the growth of the live heap and of goroutine
// stacks per connection after GC. Measured with go1.26.8, linux/amd64, 2 cores
// (client ends included: a bare net.Conn each, a few hundred bytes):
//
//	case                                   heap B/conn  stack B/conn  total B/conn
//	bare TCP pair (the floor)                      1122          4100          5220
//	Run in handler, zero Upgrader                 14588          8780         23370
//	Run in handler, small buffers + pool          15180          8080         23250
//	Run detached, small buffers + pool             4545          6400         10950
//
// (Stack figures move by a few hundred bytes between runs; heap figures do not.)
//
// Most of the heap in the two "in handler" cases is net/http's own 4 KiB
// read and 4 KiB write buffers, which stay reachable for as long as the
// handler runs; the zero Upgrader reuses them, so small buffers there only
// add. Once the handler returns and Run goes on on a goroutine of its own
// (see the package doc) they are freed, and small buffers with a shared
// pool leave about 4.5 KiB of heap and two goroutine stacks per connection:
// 10,000 idle connections in about 105 MiB, against about 225 MiB with Run
// on the handler's goroutine.
//
// Run it with: go test -run '^$' -bench IdleConn -benchtime 1x ./realtime/
package realtime

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
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
)

const idleConns = 2000

func BenchmarkIdleConn(b *testing.B) {
	small := func() websocket.Upgrader {
		return websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}}
	}
	cases := []struct {
		name  string
		start func() (addr string, held func() int, stop func(), err error)
	}{
		{"bare TCP pair", startBareTCP},
		{"Run in handler, zero Upgrader", func() (string, func() int, func(), error) {
			return startIdleServer(websocket.Upgrader{}, false)
		}},
		{"Run in handler, small buffers + pool", func() (string, func() int, func(), error) {
			return startIdleServer(small(), false)
		}},
		{"Run detached, small buffers + pool", func() (string, func() int, func(), error) {
			return startIdleServer(small(), true)
		}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				addr, held, stop, err := bc.start()
				if err != nil {
					b.Fatal(err)
				}
				measure(b, addr, held)
				stop()
			}
		})
	}
}

// measure opens idleConns client connections to addr, waits until the
// server holds them all, reports the memory they added, and closes them.
func measure(b *testing.B, addr string, held func() int) {
	before := memNow()
	clients := make([]net.Conn, 0, idleConns)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range idleConns {
		c, err := dialHandshake(addr, i)
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
	}
	deadline := time.Now().Add(30 * time.Second)
	for held() < idleConns {
		if time.Now().After(deadline) {
			b.Fatalf("server holds %d of %d connections", held(), idleConns)
		}
		time.Sleep(10 * time.Millisecond) // goroutines reaching Run cannot be awaited otherwise
	}
	after := memNow()

	heap := float64(after.heap-before.heap) / idleConns
	stack := float64(after.stack-before.stack) / idleConns
	b.ReportMetric(heap, "heap-B/conn")
	b.ReportMetric(stack, "stack-B/conn")
	b.ReportMetric(heap+stack, "B/conn")
	b.ReportMetric(0, "ns/op") // one measurement, not a timing
}

type mem struct{ heap, stack int64 }

func memNow() mem {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return mem{int64(ms.HeapAlloc), int64(ms.StackInuse)}
}

// startIdleServer serves websockets as the service will: upgrade, NewConn
// with default Options, two topics, Run until the client goes; on the
// handler's goroutine, or detached on one the server tracks. held reports
// how many connections have reached Run with their writer started.
func startIdleServer(upgrader websocket.Upgrader, detached bool) (string, func() int, func(), error) {
	hub := NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := NewConn(ws, Options{})
		hub.Subscribe("board", c)
		hub.Subscribe("driver:"+r.URL.Query().Get("n"), c)
		if detached {
			running.Go(func() { c.Run(ctx, nil) })
			return
		}
		running.Add(1)
		defer running.Done()
		c.Run(ctx, nil)
	}))
	base := runtime.NumGoroutine()
	held := func() int {
		// Either way, each connection has two goroutines: the one running Run and its writer.
		return min(hub.Conns(), (runtime.NumGoroutine()-base)/2)
	}
	stop := func() {
		srv.Close()
		cancel()
		running.Wait()
	}
	return strings.TrimPrefix(srv.URL, "http://"), held, stop, nil
}

// startBareTCP accepts TCP connections and holds each on one goroutine, as
// a server with no websockets would: the floor under every other case.
func startBareTCP() (string, func() int, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn // mu guards conns
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				req.Body.Close()
				fmt.Fprint(c, "HTTP/1.1 101 Switching Protocols\r\n\r\n")
				c.Read(make([]byte, 1)) // until the client goes
			})
		}
	})
	held := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}
	stop := func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
	return ln.Addr().String(), held, stop, nil
}

// dialHandshake opens a websocket as cheaply as a client can: a bare
// net.Conn that does the handshake by hand and keeps nothing else.
func dialHandshake(addr string, n int) (net.Conn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(nc, "GET /?n=%d HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", n, addr, base64.StdEncoding.EncodeToString(key))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	return nc, nil
}
