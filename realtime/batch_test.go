package realtime

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestABurstArrivesWholeAndInOrder: frames queued together go out in one
// batch (some larger than a batch holds, so it is written part way), and
// the peer reads each whole and in order.
func TestABurstArrivesWholeAndInOrder(t *testing.T) {
	noLeaks(t)
	ts := startServer(t, Options{SendQueue: 1000})
	ws, sc := ts.dial(t)
	require.NotNil(t, sc.batch, "Upgrade lets the writer batch")

	frame := func(i int) string {
		size := 10 + i%7*3000 // up to 18 KB: a few fill a batch
		if i%50 == 0 {
			size = batchMax + 100 // larger than a batch on its own
		}
		return strconv.Itoa(i) + ":" + strings.Repeat("x", size)
	}
	for i := range 300 {
		require.True(t, sc.Send([]byte(frame(i))))
	}
	for i := range 300 {
		got := readText(t, ws)
		if !assert.Equal(t, frame(i), got, "frame %d", i) {
			break
		}
	}
}

// TestLingerHoldsFramesForOneWrite: with Linger, a frame waits for those
// queued after it and they go out together when the linger ends, in order;
// a close in the meantime still delivers them first.
func TestLingerHoldsFramesForOneWrite(t *testing.T) {
	noLeaks(t)
	t.Run("until the linger ends", func(t *testing.T) {
		ts := startServer(t, Options{Linger: 20 * time.Millisecond})
		ws, sc := ts.dial(t)
		for i := range 3 {
			require.True(t, sc.Send([]byte("f"+strconv.Itoa(i))))
		}
		for i := range 3 {
			assert.Equal(t, "f"+strconv.Itoa(i), readText(t, ws))
		}
	})
	t.Run("held, then flushed by a close", func(t *testing.T) {
		ts := startServer(t, Options{Linger: time.Hour})
		ws, sc := ts.dial(t)
		require.True(t, sc.Send([]byte("first")))
		ws.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, _, err := ws.ReadMessage()
		var ne net.Error
		require.ErrorAs(t, err, &ne, "nothing is written while the frame lingers")
		require.True(t, ne.Timeout())

		// gorilla's reader is unusable after a timeout: read the rest raw.
		nc := ws.NetConn()
		require.True(t, sc.Send([]byte("second")))
		sc.Close(websocket.CloseNormalClosure, "bye")
		nc.SetReadDeadline(time.Now().Add(await))
		var got []byte
		buf := make([]byte, 256)
		for {
			n, err := nc.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil || strings.Contains(string(got), "bye") {
				break // the close frame, or the end
			}
		}
		first, second := strings.Index(string(got), "first"), strings.Index(string(got), "second")
		assert.True(t, first >= 0 && second > first, "both frames, in order, before the close: %q", got)
		assert.Contains(t, string(got), "bye")
	})
}
