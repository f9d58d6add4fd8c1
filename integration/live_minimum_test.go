package integration

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sendBare writes a frame of the type with the data as is: no request_id
// added, as a client written from the minimum contract sends it.
func (c *liveConn) sendBare(typ string, data map[string]any) {
	c.tb.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "data": data})
	require.NoError(c.tb, err)
	require.NoError(c.tb, c.sendRaw(websocket.TextMessage, b), "%s: send %s", c.who, b)
}

// bare sends a frame without a request_id and returns the answer: the
// first ack or error after it. Answers follow requests in order, so with
// one request in flight the next answer is its own.
func (c *liveConn) bare(typ string, data map[string]any) (frame, reply) {
	c.tb.Helper()
	from := c.mark()
	c.sendBare(typ, data)
	f, _ := c.waitFrom(from, frameWait, "the answer to a "+typ+" frame without request_id", func(f frame) bool {
		return f.Type == "ack" || f.Type == "error"
	})
	assert.NotContains(c.tb, f.fields(), "request_id", "a frame without request_id is answered without one: %s", f)
	var r reply
	f.decode(c.tb, &r)
	return f, r
}

// presenceResult is the result of an ack to a presence frame.
type presenceResult struct {
	Status         string `json:"status"`
	Location       *point `json:"location"`
	LocationSource string `json:"location_source"`
}

// TestLiveMinimumContract is a driver's app that speaks only the minimum
// contract: presence {status}, location {lat, lng} and accept {trip_id}
// frames, none with a request_id. It comes online (placed at home until it
// shares a position), is offered a trip starting soon near where it has
// moved, and takes it. Frames without request_id are not deduplicated: the
// same decline sent twice is two declines, the second refused.
func TestLiveMinimumContract(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		// The driver lives beyond the widest search (25 km): a trip starting
		// soon reaches them only through the position they share.
		farHome := north(home, 40)
		drv := f.addDriver(farHome)
		sock := drv.live(t)

		on, r := sock.bare("presence", map[string]any{"status": "online"})
		require.Equal(t, "ack", on.Type, "presence online without a location: %s", on)
		var p presenceResult
		require.NoError(t, json.Unmarshal(r.Result, &p), "%s", on)
		assert.Equal(t, presenceResult{Status: "online", Location: &farHome, LocationSource: "home"}, p,
			"a driver never seen live is placed at home, and told so: %s", on)
		var me struct {
			Status   string `json:"status"`
			Location *point `json:"location"`
		}
		f.admin.get("/api/v1/drivers/"+drv.ID).must(t, http.StatusOK, &me)
		assert.Equal(t, "online", me.Status, "the coordinators see the driver online")

		here := north(home, 0.5)
		moved, r := sock.bare("location", map[string]any{"lat": here.Lat, "lng": here.Lng})
		require.Equal(t, "ack", moved.Type, "a location without request_id: %s", moved)
		assert.JSONEq(t, `{"moved":true}`, string(r.Result))

		first := school.request(examTrip(40 * time.Minute))
		f.explainOnFailure(first.ID)
		sock.wait(offerWait, "the offer of "+first.ID, of("offer", first.ID))
		declined, r := sock.bare("decline", map[string]any{"trip_id": first.ID})
		require.Equal(t, "ack", declined.Type, "%s", declined)
		assert.JSONEq(t, `{"trip_id":"`+first.ID+`","declined":true}`, string(r.Result))
		again, r := sock.bare("decline", map[string]any{"trip_id": first.ID})
		require.Equal(t, "error", again.Type, "the same decline again, without request_id, is a new request: %s", again)
		assert.Equal(t, "conflict", r.Code, "there is no offer left to decline: %s", again)

		second := school.request(examTrip(40 * time.Minute))
		f.explainOnFailure(second.ID)
		sock.wait(offerWait, "the offer of "+second.ID, of("offer", second.ID))
		accepted, r := sock.bare("accept", map[string]any{"trip_id": second.ID})
		require.Equal(t, "ack", accepted.Type, "accepting without request_id: %s", accepted)
		var result struct{ Trip trip }
		require.NoError(t, json.Unmarshal(r.Result, &result), "%s", accepted)
		assert.Equal(t, assigned, result.Trip.Status, "%s", accepted)
		assert.Equal(t, drv.ID, result.Trip.DriverID, "%s", accepted)
		sock.wait(frameWait, "the assigned frame", of("assigned", second.ID))
		got := school.trip(second.ID)
		assert.Equal(t, assigned, got.Status, "the school sees its trip taken")
		assert.Equal(t, drv.ID, got.DriverID)

		// Coming online again (an app restarted, say) keeps the driver where
		// they were last seen, not back at home.
		again, r = sock.bare("presence", map[string]any{"status": "online"})
		require.Equal(t, "ack", again.Type, "%s", again)
		require.NoError(t, json.Unmarshal(r.Result, &p), "%s", again)
		assert.Equal(t, presenceResult{Status: "online", Location: &here, LocationSource: "live"}, p, "%s", again)

		// Over HTTP the rule is the same.
		other := f.addDriver(farHome)
		var set struct {
			presenceResult
			ID string `json:"id"`
		}
		other.post("/api/v1/drivers/me/presence", map[string]any{"status": "online"}).must(t, http.StatusOK, &set)
		assert.Equal(t, other.ID, set.ID)
		assert.Equal(t, presenceResult{Status: "online", Location: &farHome, LocationSource: "home"}, set.presenceResult)
	})
}
