package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allFrames is every frame a socket received, as one text.
func allFrames(c *liveConn) string {
	var b strings.Builder
	for _, f := range c.frames() {
		b.WriteString(f.raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestLivePrivacy follows a student's contact over the live channels
// through a whole trip, with the server logging at debug: the drivers who
// were offered the trip and did not get it never see it, whether live, in
// a replay after a reconnect or in a snapshot; the driver who accepted
// does, and the server's log never does.
func TestLivePrivacy(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b, "-offers-at-once", "3", "-log-level", "debug")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		ds := make([]*driver, 3)
		socks := make([]*liveConn, 3)
		for i := range ds {
			at := north(home, 0.5*float64(i+1))
			ds[i] = f.addDriver(at)
			ds[i].online(at)
			socks[i] = ds[i].live(t)
		}
		winner, decliner, loser := socks[0], socks[1], socks[2]
		board := f.board()
		watch := school.live(t)

		req := examTrip(3 * time.Hour)
		req.Riders[0].Phone = "+86 139-" + req.Riders[0].Phone[3:7] + "-" + req.Riders[0].Phone[7:]
		secret := append(secrets(req), strings.NewReplacer(" ", "", "-", "", "+86", "").Replace(req.Riders[0].Phone))
		tr := school.request(req)
		f.explainOnFailure(tr.ID)
		for _, s := range socks {
			s.wait(offerWait, "the offer", of("offer", tr.ID))
		}
		decliner.ack("decline", map[string]any{"trip_id": tr.ID})
		winner.ack("accept", map[string]any{"trip_id": tr.ID})
		loser.wait(frameWait, "the offer withdrawn", of("offer_withdrawn", tr.ID))
		for _, step := range []string{"arrived", "picked_up", "completed"} {
			ds[0].progress(tr.ID, step).must(t, http.StatusOK, nil)
			winner.wait(frameWait, "the trip "+step, func(fr frame) bool { return fr.Type == "trip" && fr.str("status") == step })
		}
		board.wait(frameWait, "the trip completed on the board", tripFrame(tr.ID, completed))
		watch.wait(frameWait, "the trip completed for the school", tripFrame(tr.ID, completed))

		// The two who did not get it reconnect: from their first snapshot
		// (a replay of everything since) and from nothing (a snapshot).
		var again []*liveConn
		for i, s := range socks[1:] {
			again = append(again, ds[i+1].liveAfter(t, s.frames()[0].ID), ds[i+1].live(t))
		}
		for _, s := range again {
			s.barrier()
		}
		winner.barrier()

		for _, s := range append(socks[1:], again...) {
			assertHides(t, allFrames(s), secret, s.who+", who did not get the trip,")
		}
		assertShows(t, allFrames(winner), secrets(req), "the frames of the driver who accepted")
		assertShows(t, allFrames(board), secrets(req), "the board")
		assertShows(t, allFrames(watch), secrets(req), "the school's socket")

		srv.Stop()
		log := srv.Log()
		require.Contains(t, log, "msg=listening", "the log was captured")
		assertHides(t, log, secret, "the server log")
	})
}

// TestLiveDriverTripChanges checks that a driver is told, on the socket,
// of every change to a trip they carry, including the school calling it
// off: a driver on the way to a pickup must learn the trip is cancelled.
func TestLiveDriverTripChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 0.5))
		drv.online(north(home, 0.5))
		sock := drv.live(t)

		t.Run("progress", func(t *testing.T) {
			sock := sock.in(t)
			tr := school.in(t).request(examTrip(3 * time.Hour))
			f.in(t).explainOnFailure(tr.ID)
			sock.wait(offerWait, "the offer", of("offer", tr.ID))
			sock.ack("accept", map[string]any{"trip_id": tr.ID})
			sock.wait(frameWait, "the assigned frame", of("assigned", tr.ID))
			for _, step := range []string{arrived, pickedUp, completed} {
				drv.in(t).progress(tr.ID, step).must(t, http.StatusOK, nil)
				got := sock.wait(frameWait, "the trip "+step, tripFrame(tr.ID, step))
				assert.Equal(t, drv.ID, got.str("driver_id"), "%s", got)
			}
		})

		t.Run("cancelled by the school", func(t *testing.T) {
			sock := sock.in(t)
			tr := school.in(t).request(examTrip(6 * time.Hour))
			f.in(t).explainOnFailure(tr.ID)
			sock.wait(offerWait, "the offer", of("offer", tr.ID))
			sock.ack("accept", map[string]any{"trip_id": tr.ID})
			sock.wait(frameWait, "the assigned frame", of("assigned", tr.ID))
			school.in(t).post("/api/v1/trips/"+tr.ID+"/cancel", nil).must(t, http.StatusOK, nil)
			// The frame comes in milliseconds when it comes at all.
			sock.wait(3*time.Second, "a trip frame telling the driver the trip is cancelled", tripFrame(tr.ID, cancelled))
		})
	})
}
