package realtime

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFramesFlowBothWays(t *testing.T) {
	noLeaks(t)
	ts := startServer(t, Options{})
	ws, sc := ts.dial(t)

	for i := range 50 {
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte("up "+strconv.Itoa(i))))
	}
	for i := range 50 {
		require.True(t, sc.Send([]byte("down "+strconv.Itoa(i))))
	}
	for i := range 50 {
		assert.Equal(t, "up "+strconv.Itoa(i), sc.received(t))
		assert.Equal(t, "down "+strconv.Itoa(i), readText(t, ws))
	}

	require.NoError(t, ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")))
	assert.NoError(t, sc.runResult(t), "a close frame from the peer is a deliberate end")
	sc.ended(t)
	assert.False(t, sc.Send([]byte("late")), "Send after the connection ended")
}

func TestBinaryFrameClosesWith1003(t *testing.T) {
	noLeaks(t)
	ts := startServer(t, Options{})
	ws, sc := ts.dial(t)

	require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}))
	ce := readClose(t, ws)
	assert.Equal(t, websocket.CloseUnsupportedData, ce.Code)
	assert.ErrorIs(t, sc.runResult(t), ErrBinaryFrame)
}

func TestOversizedFrameClosesWith1009(t *testing.T) {
	for _, size := range []int{1025, 256 << 10} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			noLeaks(t)
			ts := startServer(t, Options{ReadLimit: 1024})
			ws, sc := ts.dial(t)

			require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte("fits")))
			assert.Equal(t, "fits", sc.received(t))
			require.NoError(t, ws.WriteMessage(websocket.TextMessage, make([]byte, size)))
			ce := readClose(t, ws)
			assert.Equal(t, websocket.CloseMessageTooBig, ce.Code)
			ws.Close() // what a client does after reading the close frame; ends the server's wait
			assert.ErrorIs(t, sc.runResult(t), ErrTooLarge)
		})
	}
}

func TestContextCancelClosesWith1001(t *testing.T) {
	noLeaks(t)
	ts := startServer(t, Options{})
	ws, sc := ts.dial(t)

	require.True(t, sc.Send([]byte("last words")))
	sc.cancel()
	assert.Equal(t, "last words", readText(t, ws), "frames queued before shutdown are still written")
	ce := readClose(t, ws)
	assert.Equal(t, websocket.CloseGoingAway, ce.Code)
	assert.Equal(t, "going away", ce.Text)
	assert.NoError(t, sc.runResult(t))
}

func TestCloseIsIdempotent(t *testing.T) {
	noLeaks(t)
	ts := startServer(t, Options{})
	ws, sc := ts.dial(t)

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { sc.Close(4001, "bye") })
	}
	wg.Wait()
	ce := readClose(t, ws)
	assert.Equal(t, 4001, ce.Code)
	assert.Equal(t, "bye", ce.Text)
	assert.NoError(t, sc.runResult(t))
	sc.ended(t)
	sc.Close(4002, "again") // after the end: nothing happens, nothing panics
	assert.False(t, sc.Send([]byte("x")))
}

func TestCloseFrame(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes; a close frame holds 123
	tests := []struct {
		name       string
		code       int
		reason     string
		wantCode   int
		wantReason string
	}{
		{"application code", 4000, "trip cancelled", 4000, "trip cancelled"},
		{"code that may not be sent becomes 1000", websocket.CloseAbnormalClosure, "x", websocket.CloseNormalClosure, "x"},
		{"long reason is cut on a rune boundary", 4000, long, 4000, long[:122]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			ts := startServer(t, Options{})
			ws, sc := ts.dial(t)
			sc.Close(tt.code, tt.reason)
			ce := readClose(t, ws)
			assert.Equal(t, tt.wantCode, ce.Code)
			assert.Equal(t, tt.wantReason, ce.Text)
			assert.True(t, utf8.ValidString(ce.Text))
			assert.NoError(t, sc.runResult(t))
		})
	}
}

func TestSendNeverBlocksAndDropsASlowClient(t *testing.T) {
	noLeaks(t)
	ts := startServer(t, Options{SendQueue: 64}, smallSendBuffer)
	ws, sc := ts.dial(t) // a client that never reads

	frame := []byte(strings.Repeat("x", 4<<10))
	start := time.Now()
	sent := 0
	for sc.Send(frame) {
		sent++
		require.Less(t, sent, 100_000, "the queue never filled")
	}
	assert.Less(t, time.Since(start), time.Second, "Send waited on the client")
	assert.False(t, sc.Send(frame), "Send after the drop")

	ce := readClose(t, ws) // the client wakes up: what it was sent, then why it was dropped
	assert.Equal(t, CloseSlowConsumer, ce.Code)
	assert.Equal(t, "slow consumer: reconnect with last_event_id", ce.Text)
	assert.ErrorIs(t, sc.runResult(t), ErrSlowConsumer)
}

func TestSlowClientDoesNotDelayOthers(t *testing.T) {
	noLeaks(t)
	hub := NewHub()
	ts := startServer(t, Options{SendQueue: 8}, smallSendBuffer, subscribe(hub, "board"))
	slow, slowSC := ts.dial(t)
	fast, _ := ts.dial(t)
	frames := reader(t, fast)

	payload := strings.Repeat("x", 16<<10)
	var worstPublish, worstDelivery time.Duration
	publishUntil := 1000 // frames; lowered to 20 past the drop once it happens
	for i := 0; i < publishUntil; i++ {
		frame := fmt.Sprintf("%d %s", i, payload)
		start := time.Now()
		n := hub.Publish("board", []byte(frame))
		worstPublish = max(worstPublish, time.Since(start))
		if n == 1 && publishUntil == 1000 {
			publishUntil = i + 20
		}
		// The fast client gets every frame, in order, before the next is published.
		got := next(t, frames)
		worstDelivery = max(worstDelivery, time.Since(start))
		require.Equal(t, frame, got)
	}
	require.Less(t, publishUntil, 1000, "the slow client was never dropped")
	t.Logf("worst publish %v, worst delivery to the fast client %v", worstPublish, worstDelivery)
	assert.Less(t, worstPublish, 100*time.Millisecond, "Publish waited")
	assert.Less(t, worstDelivery, time.Second, "the fast client was held up")

	ce := readClose(t, slow)
	assert.Equal(t, CloseSlowConsumer, ce.Code)
	assert.ErrorIs(t, slowSC.runResult(t), ErrSlowConsumer)
	assert.Equal(t, 1, hub.Count("board"), "the dropped connection left the hub")
}

func TestCoalesceSendsOnlyTheLatestPerKey(t *testing.T) {
	noLeaks(t)
	const every = 100 * time.Millisecond
	ts := startServer(t, Options{CoalesceEvery: every})
	ws, sc := ts.dial(t)

	start := time.Now()
	sc.Coalesce("d1", []byte("d1 at 1"))
	sc.Coalesce("d1", []byte("d1 at 2"))
	sc.Coalesce("d2", []byte("d2 at 1"))
	sc.Coalesce("d1", []byte("d1 at 3"))
	assert.Equal(t, "d1 at 3", readText(t, ws))
	assert.GreaterOrEqual(t, time.Since(start), every, "held for the interval")
	assert.Equal(t, "d2 at 1", readText(t, ws))

	sc.Coalesce("d1", []byte("d1 at 4"))
	sc.Coalesce("d1", []byte("d1 at 5"))
	assert.Equal(t, "d1 at 5", readText(t, ws))
	sc.Coalesce("d2", []byte("d2 at 2"))
	assert.Equal(t, "d2 at 2", readText(t, ws), "nothing stale went out in between")
}

func TestCoalesceFlushesAtMostOncePerInterval(t *testing.T) {
	noLeaks(t)
	const every = 100 * time.Millisecond
	ts := startServer(t, Options{CoalesceEvery: every})
	ws, sc := ts.dial(t)
	frames := reader(t, ws)

	// A driver reports its position every 5ms for 600ms.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	last := 0
	for time.Since(start) < 600*time.Millisecond {
		<-tick.C
		last++
		sc.Coalesce("driver 7", []byte(strconv.Itoa(last)))
	}

	var got []int
	var at []time.Time
	for len(got) == 0 || got[len(got)-1] != last {
		a := nextArrival(t, frames)
		n, err := strconv.Atoi(a.text)
		require.NoError(t, err)
		got, at = append(got, n), append(at, a.at)
	}
	t.Logf("%d positions sent, %d delivered: %v", last, len(got), got)
	assert.LessOrEqual(t, len(got), int(time.Since(start)/every)+1, "more than one flush per interval")
	for i := 1; i < len(got); i++ {
		assert.Greater(t, got[i], got[i-1], "positions out of order")
		assert.GreaterOrEqual(t, at[i].Sub(at[i-1]), every-20*time.Millisecond, "flushes %d and %d too close", i-1, i)
	}
}

func TestPingKeepsAQuietConnectionOpen(t *testing.T) {
	noLeaks(t)
	o := Options{PongTimeout: 400 * time.Millisecond, PingInterval: 100 * time.Millisecond}
	ts := startServer(t, o)
	ws, sc := ts.dial(t)
	var mu sync.Mutex
	pings := 0
	answer := ws.PingHandler()
	ws.SetPingHandler(func(data string) error {
		mu.Lock()
		pings++
		mu.Unlock()
		return answer(data)
	})
	frames := reader(t, ws) // a healthy client: reads, so it answers pings

	select {
	case <-sc.Done():
		t.Fatalf("a healthy quiet connection was closed: %v", sc.runResult(t))
	case <-time.After(3 * o.PongTimeout):
	}
	require.True(t, sc.Send([]byte("still here")))
	assert.Equal(t, "still here", next(t, frames))
	mu.Lock()
	defer mu.Unlock()
	assert.GreaterOrEqual(t, pings, 5, "pings the client answered")
}

func TestDeadPeerIsClosedAfterPongTimeout(t *testing.T) {
	const pongTimeout = 300 * time.Millisecond
	tests := []struct {
		name string
		dial func(t *testing.T, ts *testServer) *serverConn
	}{
		{"client ignores pings", func(t *testing.T, ts *testServer) *serverConn {
			ws, sc := ts.dial(t)
			ws.SetPingHandler(func(string) error { return nil })
			reader(t, ws)
			return sc
		}},
		{"raw TCP after the handshake", func(t *testing.T, ts *testServer) *serverConn {
			_, sc := ts.dialRaw(t)
			return sc
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeaks(t)
			ts := startServer(t, Options{PongTimeout: pongTimeout})
			start := time.Now()
			sc := tt.dial(t, ts)
			assert.ErrorIs(t, sc.runResult(t), ErrNoPong)
			assert.GreaterOrEqual(t, time.Since(start), pongTimeout, "closed before PongTimeout")
			sc.ended(t)
		})
	}
}

func TestPeerThatSendsFramesNeedNotPong(t *testing.T) {
	noLeaks(t)
	const pongTimeout = 300 * time.Millisecond
	ts := startServer(t, Options{PongTimeout: pongTimeout})
	ws, sc := ts.dial(t)
	ws.SetPingHandler(func(string) error { return nil })
	reader(t, ws)

	tick := time.NewTicker(pongTimeout / 4)
	defer tick.Stop()
	for i := range 12 { // three PongTimeouts of frames and no pongs
		<-tick.C
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte("keepalive")))
		assert.Equal(t, "keepalive", sc.received(t), "frame %d", i)
	}
	select {
	case <-sc.Done():
		t.Fatal("closed although the peer kept sending")
	default:
	}
}

func TestRunTwice(t *testing.T) {
	noLeaks(t)
	ts := startServer(t, Options{})
	ws, sc := ts.dial(t)
	ws.Close()
	sc.runResult(t)
	assert.ErrorIs(t, sc.Run(t.Context(), nil), errRunTwice)
}

func TestCloseBeforeRun(t *testing.T) {
	noLeaks(t)
	refuse := func(_ *websocket.Conn, c *Conn) {
		c.Send([]byte(`{"type":"error","data":{"code":"forbidden"}}`))
		c.Close(4003, "forbidden")
	}
	ts := startServer(t, Options{}, refuse)
	ws, sc := ts.dial(t)

	assert.Equal(t, `{"type":"error","data":{"code":"forbidden"}}`, readText(t, ws), "what was queued before Close goes first")
	ce := readClose(t, ws)
	assert.Equal(t, 4003, ce.Code)
	assert.NoError(t, sc.runResult(t))
}
