package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLiveFrameFlood floods a driver's socket with presence and decline
// frames, and a board's with frames it may not send: past the burst each
// is answered by an error rate_limited and not acted on, and location
// updates, limited on their own, still go through.
func TestLiveFrameFlood(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b, "-frame-rate", "2") // a burst of 4
		f := newFixture(t, srv)
		drv := f.addDriver(home)
		drv.online(home)
		sock := drv.live(t)
		board := f.board()

		// Each socket has a bucket of its own.
		for _, c := range []struct {
			name   string
			sock   *liveConn
			typ    string
			fields map[string]any
		}{
			{"presence", sock, "presence", map[string]any{"status": "online", "location": home}},
			{"decline", drv.live(t), "decline", map[string]any{"trip_id": "trp_flood_" + runID}},
			{"a listener's accept", board, "accept", map[string]any{"trip_id": "trp_flood_" + runID}},
		} {
			t.Run(c.name, func(t *testing.T) {
				const n = 30
				prefix := "flood-" + strings.ReplaceAll(c.name, " ", "-") + "-" + runID + "-"
				from := c.sock.mark()
				for i := range n {
					c.sock.in(t).request(c.typ, prefix+string(rune('a'+i)), c.fields)
				}
				answer := func(fr frame) bool {
					return (fr.Type == "ack" || fr.Type == "error") && strings.HasPrefix(fr.str("request_id"), prefix)
				}
				c.sock.in(t).waitCount(n, frameWait, "an answer to each frame", answer)
				limited := 0
				for _, fr := range c.sock.frames()[from:] {
					if answer(fr) && fr.str("code") == "rate_limited" {
						limited++
						assert.Contains(t, fr.str("message"), "too many frames", "%s", fr)
					}
				}
				// The burst may have refilled by a frame or two while sending.
				assert.GreaterOrEqual(t, limited, n-6, "frames past the burst of 4 are refused")
				assert.Less(t, limited, n, "the burst is answered")
			})
		}
		sock.ack("location", map[string]any{"lat": home.Lat, "lng": home.Lng})
		assert.True(t, sock.isOpen() && board.isOpen(), "a flood is refused frame by frame, not by closing")
	})
}

// TestLiveSocketsPerAccount opens sockets on one driver token up to the
// cap: one more is refused with 429 rate_limited, by token or by ticket,
// another driver is not affected, and closing one makes room.
func TestLiveSocketsPerAccount(t *testing.T) {
	srv := liveServer(t, embedded(), "-ws-per-account", "2")
	f := newFixture(t, srv)
	drv := f.addDriver(home)
	first := drv.live(t)
	drv.live(t)

	refused(t, srv.URL, "/ws/driver", drv.token, nil, nil, http.StatusTooManyRequests, "rate_limited")
	refused(t, srv.URL, "/ws/driver", "", url.Values{"ticket": {ticketOf(t, drv.client)}}, nil, http.StatusTooManyRequests, "rate_limited")
	upgrades(t, srv.URL, "/ws/driver", f.addDriver(home).token, nil, nil)

	first.close()
	eventually(t, frameWait, "room for a socket once one closed", func() bool {
		ws, _, err := dialLive(dialer, srv.URL, "/ws/driver", drv.token, nil, nil)
		if err != nil {
			return false
		}
		startReading(t, "driver "+drv.ID, ws, nil)
		return true
	})
}

// TestLiveSocketsPerAccountTwoInstances spreads one driver's sockets over
// two instances, as a load balancer would: the cap holds for the two
// together, and a socket closed on one makes room on the other. Real
// Redis only.
func TestLiveSocketsPerAccountTwoInstances(t *testing.T) {
	t.Parallel()
	b := realRedis(t)
	a, bb := liveServer(t, b, "-ws-per-account", "2"), liveServer(t, b, "-ws-per-account", "2")
	f := newFixture(t, a)
	drv := f.addDriver(home)
	onA := drv.live(t)
	drv.on(bb).live(t)

	refused(t, a.URL, "/ws/driver", drv.token, nil, nil, http.StatusTooManyRequests, "rate_limited")
	refused(t, bb.URL, "/ws/driver", drv.token, nil, nil, http.StatusTooManyRequests, "rate_limited")

	onA.close()
	eventually(t, frameWait, "room on B once a socket closed on A", func() bool {
		ws, _, err := dialLive(dialer, bb.URL, "/ws/driver", drv.token, nil, nil)
		if err != nil {
			return false
		}
		startReading(t, "driver "+drv.ID+" on B", ws, nil)
		return true
	})
}
