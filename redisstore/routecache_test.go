package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/dispatch"
)

// The cache answers a route only from the very text it decoded: a route
// stored anew (even at a version seen before, as after a store came back
// empty) is decoded again.
func TestRouteCacheNeverAnswersAnOlderRoute(t *testing.T) {
	at := time.UnixMilli(1_780_000_000_000)
	one := encodeStops([]dispatch.RouteStop{{Kind: dispatch.PickupStop, TripID: "trp_a", At: at, Seats: 1}})
	two := encodeStops([]dispatch.RouteStop{{Kind: dispatch.PickupStop, TripID: "trp_b", At: at, Seats: 2}})
	var c routeCache

	first, err := c.stops("drv_1", one)
	require.NoError(t, err)
	again, err := c.stops("drv_1", one)
	require.NoError(t, err)
	assert.Same(t, &first[0], &again[0], "the same text is decoded once")

	changed, err := c.stops("drv_1", two)
	require.NoError(t, err)
	assert.Equal(t, "trp_b", changed[0].TripID, "new text is decoded afresh")
	other, err := c.stops("drv_2", one)
	require.NoError(t, err)
	assert.Equal(t, "trp_a", other[0].TripID)

	none, err := c.stops("drv_1", "")
	require.NoError(t, err)
	assert.Empty(t, none, "no route, no stops")
	_, err = c.stops("drv_3", "{not json")
	assert.Error(t, err)
}
