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

// A trip's data decoded once is given again for the same text, and a
// caller changing its riders changes nobody else's copy.
func TestTripDataIsDecodedOnceAndCopied(t *testing.T) {
	raw := `{"id":"trp_c","kind":"exam_escort","created_by":"x","pickup":{"lat":1,"lng":2},"dropoff":{"lat":3,"lng":4},"riders":[{"name":"Li","phone":"139"}],"arrive_by":"2027-06-07T08:00:00Z","earliest":"2027-06-07T07:00:00Z","drop_by":"2027-06-07T07:50:00Z","created_at":"2027-06-06T08:00:00Z"}`
	a, err := tripDataOf(raw)
	if err != nil {
		t.Fatal(err)
	}
	a.Riders[0].Name = ""
	b, err := tripDataOf(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b.Riders[0].Name != "Li" {
		t.Errorf("a second decoding of the same text has riders %v; want Li, whatever the first caller did", b.Riders)
	}
	if _, err := tripDataOf(raw[:20]); err == nil {
		t.Error("broken text decoded without an error")
	}
}
