package integration

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// position matches the board's position frames (driver frames without an
// event id) of one driver.
func position(driverID string) func(frame) bool {
	return func(f frame) bool { return f.Type == "driver" && f.ID == "" && f.str("driver_id") == driverID }
}

// at matches a frame whose data holds the point (to the 5th decimal, ~1 m).
func at(p point) func(frame) bool {
	return func(f frame) bool {
		var got point
		if f.Data == nil || jsonInto(f.Data, &got) != nil {
			return false
		}
		return fmt.Sprintf("%.5f,%.5f", got.Lat, got.Lng) == fmt.Sprintf("%.5f,%.5f", p.Lat, p.Lng)
	}
}

// TestLiveLocation has drivers share their position over the socket: the
// board sees them move, one dot per driver per second however often they
// send, and a driver sending faster than allowed is told so.
func TestLiveLocation(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Run("coalesced on the board", func(t *testing.T) {
			t.Parallel()
			srv := liveServer(t, b.fresh(t), "-location-rate", "50")
			f := newFixture(t, srv)
			drv := f.addDriver(home)
			sock := drv.live(t)
			board := f.board()

			sock.fails("location", map[string]any{"lat": home.Lat, "lng": home.Lng}, "conflict") // offline
			r := sock.ack("presence", map[string]any{"status": "online", "location": home})
			assert.JSONEq(t, `{"status":"online","location":{"lat":`+fmt.Sprint(home.Lat)+`,"lng":`+fmt.Sprint(home.Lng)+`},"location_source":"given"}`, string(r.Result))
			on := board.wait(frameWait, "the driver online on the board", func(f frame) bool {
				return f.Type == "driver" && f.str("driver_id") == drv.ID && f.str("status") == "online"
			})
			assert.NotEmpty(t, on.ID, "presence changes carry an event id: %s", on)

			from := board.mark()
			var last point
			ids := make([]string, 10)
			for i := range ids {
				last = north(home, 0.1*float64(i+1))
				ids[i] = sock.nextRequestID()
				sock.request("location", ids[i], map[string]any{"lat": last.Lat, "lng": last.Lng})
			}
			sent := time.Now()
			for _, id := range ids {
				fr, r := sock.answerTo(0, id)
				require.Equal(t, "ack", fr.Type, "%s", fr)
				assert.JSONEq(t, `{"moved":true}`, string(r.Result))
			}
			final, _ := board.waitFrom(from, 3*time.Second, "the final position on the board", func(f frame) bool {
				return position(drv.ID)(f) && at(last)(f)
			})
			t.Logf("the final position reached the board %s after the last was sent", final.at.Sub(sent).Round(time.Millisecond))
			var moves []frame
			for _, fr := range board.frames()[from:] {
				if position(drv.ID)(fr) {
					moves = append(moves, fr)
				}
			}
			assert.LessOrEqual(t, len(moves), 2, "10 positions within a second reach the board as at most 2 frames: %v", moves)
			assert.Equal(t, final.raw, moves[len(moves)-1].raw, "the last position frame has the final position")
			assert.Equal(t, "online", final.str("status"), "%s", final)

			var seen struct{ Location *point }
			f.admin.get("/api/v1/drivers/"+drv.ID).must(t, http.StatusOK, &seen)
			require.NotNil(t, seen.Location)
			assert.InDelta(t, last.Lat, seen.Location.Lat, 1e-6, "the driver has moved")
		})

		t.Run("rate limited", func(t *testing.T) {
			t.Parallel()
			srv := liveServer(t, b.fresh(t), "-location-rate", "1")
			f := newFixture(t, srv)
			drv := f.addDriver(home)
			drv.online(home)
			sock := drv.live(t)
			board := f.board()

			const n = 6
			ids := make([]string, n)
			for i := range ids {
				p := north(home, 0.1*float64(i+1))
				ids[i] = sock.nextRequestID()
				sock.request("location", ids[i], map[string]any{"lat": p.Lat, "lng": p.Lng})
			}
			acked, limited := 0, 0
			var lastMoved point
			for i, id := range ids {
				fr, r := sock.answerTo(0, id)
				switch {
				case fr.Type == "ack":
					acked++
					lastMoved = north(home, 0.1*float64(i+1))
				case fr.Type == "error" && r.Code == "rate_limited":
					limited++
					assert.NotEmpty(t, r.Message)
				default:
					t.Errorf("location %d answered %s; want ack or error rate_limited", i, fr)
				}
			}
			// 1 a second with a burst of 2: six at once get two or three through.
			assert.GreaterOrEqual(t, acked, 2, "the burst is allowed")
			assert.LessOrEqual(t, acked, 3, "beyond the burst, 1 a second")
			assert.GreaterOrEqual(t, limited, n-3, "the rest are refused as rate_limited")

			board.wait(3*time.Second, "the last accepted position on the board", func(f frame) bool {
				return position(drv.ID)(f) && at(lastMoved)(f)
			})
			var seen struct{ Location *point }
			f.admin.get("/api/v1/drivers/"+drv.ID).must(t, http.StatusOK, &seen)
			require.NotNil(t, seen.Location)
			assert.InDelta(t, lastMoved.Lat, seen.Location.Lat, 1e-6, "a refused position does not move the driver")
		})
	})
}
