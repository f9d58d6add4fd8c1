package integration

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// offerWait bounds how long after POST /api/v1/trips an online driver
// nearby sees the offer on their socket: a driver notices an offer that
// takes longer than a few seconds.
const offerWait = 5 * time.Second

// TestLiveOfferAccept follows one trip over the live channels: three
// volunteers are offered it on their sockets, redacted; one accepts over
// the socket and gets the rider's contact; the other two see it taken; the
// board and the school watch it go from queued to assigned.
func TestLiveOfferAccept(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b, "-offers-at-once", "3")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drivers := make([]*driver, 3)
		socks := make([]*liveConn, 3)
		for i := range drivers {
			at := north(home, 0.5*float64(i+1))
			drivers[i] = f.addDriver(at)
			drivers[i].online(at)
			socks[i] = drivers[i].live(t)
		}
		board := f.board()
		watch := school.live(t)

		req := examTrip(3 * time.Hour)
		requested := time.Now()
		tr := school.request(req)
		f.explainOnFailure(tr.ID)

		for i, s := range socks {
			o := s.wait(offerWait, "the offer of "+tr.ID, of("offer", tr.ID))
			t.Logf("driver %d got the offer %s after the request", i, o.at.Sub(requested).Round(time.Millisecond))
			assert.NotEmpty(t, o.ID, "an offer carries an event id: %s", o)
			assertHides(t, o.raw, secrets(req), "an offer frame")
			var got offer
			o.decode(t, &got)
			assert.Equal(t, "exam_escort", got.Kind)
			assert.Equal(t, 1, got.Seats)
			assert.True(t, got.ExpiresAt.After(time.Now()), "the offer expires in the future: %s", o)
			assert.NotEqual(t, home, got.PickupArea.point(), "an offer shows an area, not the pickup: %s", o)
			assert.InDelta(t, home.Lat, got.PickupArea.Lat, 0.02, "the pickup area is near the pickup: %s", o)
			for _, k := range []string{"riders", "pickup", "address"} {
				assert.NotContains(t, o.fields(), k, "an offer frame has %q: %s", k, o)
			}
		}

		winner := socks[0]
		ackFrame, ack := winner.do("accept", map[string]any{"trip_id": tr.ID})
		require.Equal(t, "ack", ackFrame.Type, "accepting a live offer over the socket: %s", ackFrame)
		var result struct{ Trip trip }
		require.NoError(t, json.Unmarshal(ack.Result, &result), "%s", ackFrame)
		assert.Equal(t, tr.ID, result.Trip.ID)
		assert.Equal(t, assigned, result.Trip.Status)
		assert.Equal(t, drivers[0].ID, result.Trip.DriverID)
		assertShows(t, ackFrame.raw, secrets(req), "the ack of an accept")

		as := winner.wait(frameWait, "the assigned frame", of("assigned", tr.ID))
		assert.NotEmpty(t, as.ID, "%s", as)
		assert.Equal(t, drivers[0].ID, as.str("driver_id"), "%s", as)
		assert.Equal(t, assigned, as.str("status"), "%s", as)
		assertShows(t, as.raw, secrets(req), "the assigned frame")

		for i, s := range socks[1:] {
			w := s.wait(frameWait, "the offer of "+tr.ID+" withdrawn", of("offer_withdrawn", tr.ID))
			assert.Equal(t, "taken", w.str("reason"), "driver %d: %s", i+1, w)
			assert.NotEmpty(t, w.ID, "%s", w)
			for _, fr := range s.frames() {
				assert.NotEqual(t, "assigned", fr.Type, "a driver who lost the trip gets no assigned frame: %s", fr)
			}
		}

		// The board sees every step, with the assigned driver.
		board.wait(frameWait, "the trip assigned on the board", tripFrame(tr.ID, assigned))
		var statuses []string
		for _, fr := range board.frames() {
			if fr.Type == "trip" && fr.str("id") == tr.ID {
				statuses = append(statuses, fr.str("status"))
				if fr.str("status") == assigned {
					assert.Equal(t, drivers[0].ID, fr.str("driver_id"), "%s", fr)
					assertShows(t, fr.raw, secrets(req), "the board's trip frame")
					assertNamesDriver(t, fr, drivers[0].ID)
				}
			}
		}
		assert.Equal(t, []string{queued, offered, assigned}, statuses, "the board's trip frames for %s", tr.ID)

		// The school sees its trip assigned, with the driver.
		got := watch.wait(frameWait, "the school's trip assigned", tripFrame(tr.ID, assigned))
		assert.Equal(t, drivers[0].ID, got.str("driver_id"), "%s", got)
		assertShows(t, got.raw, secrets(req), "the requester's trip frame")
		assertNamesDriver(t, got, drivers[0].ID)
		var seen []string
		for _, fr := range watch.frames() {
			if fr.Type == "trip" {
				assert.Equal(t, tr.ID, fr.str("id"), "the school sees only its own trips: %s", fr)
				seen = append(seen, fr.str("status"))
			}
		}
		assert.Equal(t, []string{queued, offered, assigned}, seen, "the school's trip frames")
		assert.Equal(t, drivers[0].ID, school.trip(tr.ID).DriverID)

		ids := func(c *liveConn) {
			last := ""
			for _, fr := range c.frames() {
				if fr.ID == "" {
					continue
				}
				assert.True(t, last == "" || idLess(last, fr.ID), "%s: event ids must increase: %s after %s", c.who, fr.ID, last)
				last = fr.ID
			}
		}
		for _, c := range append(socks, board, watch) {
			ids(c)
		}

		// A board that reconnects from before the request is sent exactly
		// the events it missed, in order: the same three steps.
		replay := openLive(t, "board resuming", srv.URL, "/ws/board", adminToken, url.Values{"last_event_id": {board.frames()[0].ID}})
		replay.wait(frameWait, "the assignment replayed", func(fr frame) bool { return fr.Type == "trip" && fr.str("id") == tr.ID && fr.ID == got.ID })
		var replayed []string
		for _, fr := range replay.frames() {
			assert.NotEqual(t, "snapshot", fr.Type, "the server holds every event since: no snapshot")
			if fr.Type == "trip" && fr.str("id") == tr.ID {
				replayed = append(replayed, fmt.Sprintf("%s@v%v", fr.str("status"), fr.fields()["version"]))
			}
		}
		assert.Equal(t, []string{queued + "@v1", offered + "@v2", assigned + "@v3"}, replayed,
			"the board's replayed trip frames for %s (status@version)", tr.ID)
	})
}

// assertNamesDriver: a trip frame shows who drives, by name and plate, as
// the board and the school need to see it.
func assertNamesDriver(t *testing.T, fr frame, id string) {
	t.Helper()
	var v struct {
		Driver *struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			Plate string `json:"plate"`
		} `json:"driver"`
	}
	fr.decode(t, &v)
	if assert.NotNil(t, v.Driver, "the frame names its driver: %s", fr) {
		assert.Equal(t, id, v.Driver.ID, "%s", fr)
		assert.NotEmpty(t, v.Driver.Name, "%s", fr)
		assert.NotEmpty(t, v.Driver.Plate, "%s", fr)
	}
}
