package realtime

import (
	"strconv"
	"strings"
	"testing"

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
