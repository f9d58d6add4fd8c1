package integration

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallBufferDialer dials websockets whose TCP receive buffer is small,
// so that a client that stops reading fills up after kilobytes, not the
// megabytes a loopback socket buffers by default.
var smallBufferDialer = &websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	NetDial:          (&net.Dialer{Timeout: 5 * time.Second, Control: smallReceiveBuffer}).Dial,
}

// requestTrips books the trips from workers goroutines at once and returns
// them with when each request was sent, in the order of reqs. It is safe
// to call from any goroutine: it returns the first failure.
func requestTrips(school *requester, reqs []tripRequest, workers int) ([]trip, []time.Time, error) {
	trips := make([]trip, len(reqs))
	sent := make([]time.Time, len(reqs))
	errs := make([]error, len(reqs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				sent[i] = time.Now()
				resp, err := school.send(http.MethodPost, "/api/v1/trips", reqs[i])
				if err == nil && resp.Status != http.StatusCreated {
					err = fmt.Errorf("%s", resp)
				}
				if err == nil {
					err = jsonInto(resp.Body, &trips[i])
				}
				errs[i] = err
			}
		})
	}
	for i := range reqs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("POST /api/v1/trips #%d: %w", i, err)
		}
	}
	return trips, sent, nil
}

// TestLiveSlowConsumer has a board that stops reading while the fleet is
// busy: the server closes it with 4008 rather than hold its frames without
// bound, and a driver and a board on the same server that do read keep
// getting every frame promptly.
func TestLiveSlowConsumer(t *testing.T) {
	if !smallBuffers {
		t.Skip("needs a socket whose buffers hold kilobytes (Linux): elsewhere the kernel absorbs the whole flood")
	}
	eachBackend(t, func(t *testing.T, b backend) {
		// Each trip is two frames to every board: its request and its
		// offer. The stuck board's socket holds some 40 of them and the
		// server queues 256 more; 600 frames overflow that twice over.
		const trips = 300
		const overflowAt = 450 // frames to boards by when the queue has surely overflowed
		// The slow board's close frame waits behind what its socket holds
		// until it reads again: give it longer than a loaded machine may
		// take to book the trips that overflow it.
		srv := liveServer(t, b, "-offers-at-once", "1", "-offer-ttl", "5m", "-location-rate", "100", "-board-queue", "256",
			"-live-write-timeout", "2m")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 0.5))
		drv.online(north(home, 0.5))
		healthy := drv.live(t)
		board := f.board()

		ws, _, err := dialLive(smallBufferDialer, srv.URL, "/ws/board", adminToken, nil, nil)
		require.NoError(t, err, "open the slow board")
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(frameWait))
		_, snap, err := ws.ReadMessage()
		require.NoError(t, err)
		require.Contains(t, string(snap), `"type":"snapshot"`)
		// From here on the slow board reads nothing until the queue overflowed.

		reqs := make([]tripRequest, trips)
		for i := range reqs {
			reqs[i] = bulkyTrip(3*time.Hour + time.Duration(i)*time.Minute)
		}
		var (
			booked   []trip
			sent     []time.Time
			floodErr error
			flood    = make(chan struct{})
			start    = time.Now()
		)
		go func() {
			defer close(flood)
			booked, sent, floodErr = requestTrips(school, reqs, 4)
		}()
		// The driver shares their position all along, as the app does.
		for i := range 20 {
			p := north(home, 0.5+0.01*float64(i))
			healthy.request("location", fmt.Sprintf("mv-%s-%d", runID, i), map[string]any{"lat": p.Lat, "lng": p.Lng})
		}

		isTrip := func(f frame) bool { return f.Type == "trip" }
		board.waitCount(overflowAt, 30*time.Second, "trip frames on the healthy board", isTrip)
		stuck := time.Since(start)

		// The slow board finds, once it reads again, that it was cut off:
		// what its socket held, then 4008.
		read := 0
		var end error
		for {
			ws.SetReadDeadline(time.Now().Add(frameWait))
			if _, _, err := ws.ReadMessage(); err != nil {
				end = err
				break
			}
			read++
		}
		t.Logf("the slow board read nothing for %s, then %d frames before its socket ended: %v",
			stuck.Round(time.Millisecond), read, end)
		assert.Equal(t, CloseSlowConsumer, closeCode(end), "the slow board ends with 4008; got %v", end)
		assert.Less(t, read, overflowAt, "a board closed as slow did not get every frame")

		<-flood
		require.NoError(t, floodErr)
		if t.Failed() {
			return
		}
		// The healthy driver got every offer, promptly.
		var lat []time.Duration
		for i, tr := range booked {
			o := healthy.wait(offerWait, "the offer of trip "+tr.ID, of("offer", tr.ID))
			lat = append(lat, o.at.Sub(sent[i]))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		t.Logf("%d trips booked in %s; offer latency on the healthy socket: median %s, max %s",
			trips, time.Since(start).Round(time.Millisecond), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
		assert.Less(t, lat[len(lat)-1], 3*time.Second, "an offer reaches a reading driver within 3s while another client is stuck")

		// The healthy board got every change of every trip, and is open.
		board.waitCount(2*trips, frameWait, "trip frames on the healthy board", isTrip)
		assert.True(t, board.isOpen(), "the healthy board is still open")
		assert.True(t, healthy.isOpen(), "the healthy driver is still connected")
	})
}

// CloseSlowConsumer is the close code of a client that read too slowly
// (docs/realtime.md).
const CloseSlowConsumer = 4008

// bulkyTrip is examTrip as large as the API allows: four riders with
// long names, and long addresses. Boards get the whole trip in each frame.
func bulkyTrip(in time.Duration) tripRequest {
	r := examTrip(in)
	long := func(s string, n int) string {
		return s + strings.Repeat("连", n-utf8.RuneCountInString(s))
	}
	r.Pickup.Address = long(r.Pickup.Address, 200)
	r.Dropoff.Address = long(r.Dropoff.Address, 200)
	name, phone := r.Riders[0].Name, r.Riders[0].Phone
	r.Riders = nil
	for i := range 4 {
		r.Riders = append(r.Riders, rider{Name: long(fmt.Sprintf("%s/%d ", name, i), 100), Phone: phone})
	}
	return r
}
