package integration

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveBadFrames sends a driver's socket what a buggy or hostile app
// might: each bad frame is answered with an error saying what is wrong and
// changes nothing; repeating a request repeats its answer, never its
// action; frames the protocol does not allow close the socket.
func TestLiveBadFrames(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 0.5))
		drv.online(north(home, 0.5))
		sock := drv.live(t)

		tr := school.request(examTrip(3 * time.Hour))
		f.explainOnFailure(tr.ID)
		sock.wait(offerWait, "the offer", of("offer", tr.ID))
		before := f.admin.trip(tr.ID)
		trail := actions(f.events(tr.ID))

		t.Run("answered with an error", func(t *testing.T) {
			sock := sock.in(t)
			for _, c := range []struct {
				name      string
				frame     string
				requestID string // the request_id the error answers
				code      string
				field     string
			}{
				{"not JSON", `accept trp_x please`, "", "bad_request", ""},
				{"a JSON array", `[{"type":"accept"}]`, "", "bad_request", ""},
				{"JSON without type", `{"data":{"request_id":"bf-1","trip_id":"` + tr.ID + `"}}`, "", "bad_request", ""},
				{"an empty type", `{"type":"","data":{"request_id":"bf-2","trip_id":"` + tr.ID + `"}}`, "", "bad_request", ""},
				{"unknown type", `{"type":"teleport","data":{"request_id":"bf-3","trip_id":"` + tr.ID + `"}}`, "bf-3", "invalid", "type"},
				{"decline without trip_id nor request_id", `{"type":"decline","data":{}}`, "", "invalid", "trip_id"},
				{"request_id too long", `{"type":"accept","data":{"request_id":"` + strings.Repeat("r", 65) + `","trip_id":"` + tr.ID + `"}}`, strings.Repeat("r", 65), "invalid", "request_id"},
				{"accept without trip_id", `{"type":"accept","data":{"request_id":"bf-4"}}`, "bf-4", "invalid", "trip_id"},
				{"decline without trip_id", `{"type":"decline","data":{"request_id":"bf-5"}}`, "bf-5", "invalid", "trip_id"},
				{"location without lat", `{"type":"location","data":{"request_id":"bf-6","lng":117.06}}`, "bf-6", "invalid", "lat"},
				{"a type twice", `{"type":"decline","type":"accept","data":{"request_id":"bf-7","trip_id":"` + tr.ID + `"}}`, "", "bad_request", "type"},
				{"a trip_id twice", `{"type":"accept","data":{"request_id":"bf-8","trip_id":"trp_other","trip_id":"` + tr.ID + `"}}`, "", "bad_request", "data.trip_id"},
			} {
				t.Run(c.name, func(t *testing.T) {
					sock := sock.in(t)
					from := sock.mark()
					require.NoError(t, sock.sendRaw(websocket.TextMessage, []byte(c.frame)))
					e, _ := sock.waitFrom(from, frameWait, "an error frame", func(fr frame) bool { return fr.Type != "offer" })
					require.Equal(t, "error", e.Type, "frame %s answered %s", c.frame, e)
					assert.Equal(t, c.code, e.str("code"), "frame %s answered %s", c.frame, e)
					assert.Equal(t, c.field, e.str("field"), "frame %s answered %s", c.frame, e)
					assert.Equal(t, c.requestID, e.str("request_id"), "frame %s answered %s", c.frame, e)
					assert.NotEmpty(t, e.str("message"), "%s", e)
					assert.Empty(t, e.ID, "replies carry no event id: %s", e)
				})
			}
			after := f.in(t).admin.trip(tr.ID)
			assert.Equal(t, offered, after.Status, "bad frames change nothing")
			assert.Equal(t, before.Version, after.Version, "bad frames change nothing")
			assert.Equal(t, trail, actions(f.in(t).events(tr.ID)), "bad frames change nothing")
			_, ok := drv.in(t).offerOf(tr.ID)
			assert.True(t, ok, "the driver still holds the offer")
		})

		t.Run("a repeated decline is answered again, not done again", func(t *testing.T) {
			sock := sock.in(t)
			other := school.in(t).request(examTrip(5 * time.Hour))
			f.in(t).explainOnFailure(other.ID)
			sock.wait(offerWait, "the offer", of("offer", other.ID))
			from := sock.mark()
			sock.request("decline", "dup-decline-"+runID, map[string]any{"trip_id": other.ID})
			first, r := sock.answerTo(from, "dup-decline-"+runID)
			require.Equal(t, "ack", first.Type, "%s", first)
			assert.JSONEq(t, `{"trip_id":"`+other.ID+`","declined":true}`, string(r.Result))
			from = sock.mark()
			sock.request("decline", "dup-decline-"+runID, map[string]any{"trip_id": other.ID})
			again, _ := sock.answerTo(from, "dup-decline-"+runID)
			assert.Equal(t, first.raw, again.raw, "the same request_id gets the same answer")
			declines := 0
			for _, a := range actions(f.in(t).events(other.ID)) {
				if a == "declined" {
					declines++
				}
			}
			assert.Equal(t, 1, declines, "the audit trail shows one decline: %v", actions(f.in(t).events(other.ID)))
			// A new request_id is a new request: there is no offer left to decline.
			sock.fails("decline", map[string]any{"trip_id": other.ID}, "conflict")
		})

		t.Run("a repeated accept is answered with the same ack", func(t *testing.T) {
			sock := sock.in(t)
			from := sock.mark()
			sock.request("accept", "dup-accept-"+runID, map[string]any{"trip_id": tr.ID})
			first, _ := sock.answerTo(from, "dup-accept-"+runID)
			require.Equal(t, "ack", first.Type, "%s", first)
			sock.wait(frameWait, "the assigned frame", of("assigned", tr.ID))
			from = sock.mark()
			sock.request("accept", "dup-accept-"+runID, map[string]any{"trip_id": tr.ID})
			again, _ := sock.answerTo(from, "dup-accept-"+runID)
			assert.Equal(t, first.raw, again.raw, "the same request_id gets the same answer")
			accepts := 0
			for _, a := range actions(f.in(t).events(tr.ID)) {
				if a == "accepted" {
					accepts++
				}
			}
			assert.Equal(t, 1, accepts, "the audit trail shows one acceptance")
			got := f.in(t).admin.trip(tr.ID)
			assert.Equal(t, assigned, got.Status)
			assert.Equal(t, drv.ID, got.DriverID)
			assert.Equal(t, before.Version+1, got.Version, "one change: offered to assigned")
			n := 0
			for _, fr := range sock.frames() {
				if fr.Type == "assigned" && fr.tripID() == tr.ID {
					n++
				}
			}
			sock.barrier()
			assert.Equal(t, 1, n, "one assigned frame for one acceptance")
		})

		t.Run("listeners may not act", func(t *testing.T) {
			for _, c := range []*liveConn{f.in(t).board(), school.in(t).live(t)} {
				r := c.fails("accept", map[string]any{"trip_id": tr.ID}, "forbidden")
				assert.NotEmpty(t, r.RequestID, "the error answers the request: %+v", r)
				c.fails("decline", map[string]any{"trip_id": tr.ID}, "forbidden")
				c.fails("location", map[string]any{"lat": home.Lat, "lng": home.Lng}, "forbidden")
			}
		})

		t.Run("closed", func(t *testing.T) {
			for _, c := range []struct {
				name  string
				typ   int
				frame []byte
				code  int
			}{
				{"a frame over 16 KiB", websocket.TextMessage, bigFrame(16<<10 + 1), websocket.CloseMessageTooBig},
				{"a binary frame", websocket.BinaryMessage, []byte(`{"type":"location","data":{"request_id":"bin-1","lat":28.2,"lng":117.0}}`), websocket.CloseUnsupportedData},
			} {
				t.Run(c.name, func(t *testing.T) {
					s := drv.in(t).live(t)
					require.NoError(t, s.sendRaw(c.typ, c.frame))
					s.requireClosedWith(frameWait, c.code)
				})
			}
			// A frame just under the limit is read and answered.
			s := drv.in(t).live(t)
			require.NoError(t, s.sendRaw(websocket.TextMessage, bigFrame(16<<10)))
			e := s.wait(frameWait, "an answer to a 16 KiB frame", func(fr frame) bool { return fr.Type == "error" })
			assert.Equal(t, "invalid", e.str("code"), "%s", e)
		})
	})
}

// bigFrame is a decline of n bytes in all, padded in its request_id's
// neighbour: a well-formed request that is only too large.
func bigFrame(n int) []byte {
	head := []byte(`{"type":"teleport","pad":"`)
	tail := []byte(`","data":{"request_id":"big"}}`)
	pad := n - len(head) - len(tail)
	return append(append(append([]byte(nil), head...), bytes.Repeat([]byte("x"), pad)...), tail...)
}
