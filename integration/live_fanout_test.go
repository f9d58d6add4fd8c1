package integration

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parallel runs f(i) for i in [0, n) on workers goroutines and returns
// the first error. f must not fail the test itself.
func parallel(n, workers int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		mu    sync.Mutex // mu guards first
		first error
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// TestLiveOfferFanOut connects 200 volunteers on an exam morning and books
// 200 trips at once from several places: every offer reaches the driver it
// was made to, exactly once, and nobody else.
func TestLiveOfferFanOut(t *testing.T) {
	const n = 200
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b, "-offers-at-once", "1", "-offer-ttl", "5m")
		f := newFixture(t, srv)
		school := f.addRequester("school")

		// Homes on a grid some 300 m apart; trip i is picked up at the home
		// of driver i, so offers spread over the whole fleet.
		homes := make([]point, n)
		for i := range homes {
			homes[i] = point{Lat: home.Lat + float64(i/20)*0.003, Lng: home.Lng + float64(i%20)*0.003}
		}
		drivers := make([]*driver, n)
		err := parallel(n, 8, func(i int) error {
			var a account
			resp, err := f.admin.send(http.MethodPost, "/api/v1/drivers", verifiedDriver(homes[i]))
			if err == nil && resp.Status != http.StatusCreated {
				err = fmt.Errorf("%s", resp)
			}
			if err == nil {
				err = jsonInto(resp.Body, &a)
			}
			if err != nil {
				return err
			}
			d := &driver{client: f.client(a.Token), ID: a.ID}
			resp, err = d.send(http.MethodPost, "/api/v1/drivers/me/presence", presence{Status: "online", Location: &homes[i]})
			if err == nil && resp.Status != http.StatusOK {
				err = fmt.Errorf("%s", resp)
			}
			drivers[i] = d
			return err
		})
		require.NoError(t, err, "register and put online %d drivers", n)

		socks := make(map[string]*liveConn, n)
		for _, d := range drivers {
			socks[d.ID] = d.live(t)
		}

		reqs := make([]tripRequest, n)
		for i := range reqs {
			reqs[i] = examTrip(3 * time.Hour)
			reqs[i].Pickup.Lat, reqs[i].Pickup.Lng = homes[i].Lat, homes[i].Lng
		}
		start := time.Now()
		booked, sent, err := requestTrips(school, reqs, 8)
		require.NoError(t, err)
		t.Logf("%d trips booked in %s", n, time.Since(start).Round(time.Millisecond))

		// Who each trip was offered to, by the audit trail.
		offeredTo := make([][]string, n)
		require.NoError(t, parallel(n, 8, func(i int) error {
			return waitOffered(f.admin, booked[i].ID, &offeredTo[i])
		}))
		want := map[string]map[string]int{} // driver → trip → offers
		tripIndex := map[string]int{}
		for i, tr := range booked {
			tripIndex[tr.ID] = i
			for _, d := range offeredTo[i] {
				if want[d] == nil {
					want[d] = map[string]int{}
				}
				want[d][tr.ID]++
			}
		}

		// Every offer made arrives, within a bound.
		var lat []time.Duration
		for _, d := range drivers {
			for tripID := range want[d.ID] {
				o := socks[d.ID].wait(offerWait, "the offer of "+tripID, of("offer", tripID))
				lat = append(lat, o.at.Sub(sent[tripIndex[tripID]]))
			}
		}
		// Answers are queued behind the frames pushed before them: once
		// every driver has the answer to a request sent now, every offer
		// the server pushed to them has arrived.
		for _, d := range drivers {
			socks[d.ID].barrier()
		}

		got := map[string]map[string]int{}
		for _, d := range drivers {
			for _, fr := range socks[d.ID].frames() {
				if fr.Type != "offer" {
					continue
				}
				if got[d.ID] == nil {
					got[d.ID] = map[string]int{}
				}
				got[d.ID][fr.tripID()]++
			}
		}
		spread := 0
		for _, d := range drivers {
			assert.Equal(t, want[d.ID], got[d.ID], "driver %s: offers received (trip → frames) vs offers made to them", d.ID)
			if len(got[d.ID]) > 0 {
				spread++
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		require.NotEmpty(t, lat)
		t.Logf("%d offers to %d drivers; from request to frame: median %s, p99 %s, max %s", len(lat), spread,
			lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
		assert.Len(t, lat, n, "one offer per trip with -offers-at-once 1")
	})
}

// waitOffered polls the trip's audit trail until it has been offered, and
// sets to to the drivers it was offered to. Safe from any goroutine.
func waitOffered(admin *client, tripID string, to *[]string) error {
	deadline := time.Now().Add(offerWait)
	for {
		resp, err := admin.send(http.MethodGet, "/api/v1/trips/"+tripID+"/events", nil)
		if err != nil {
			return err
		}
		var body struct{ Events []event }
		if err := jsonInto(resp.Body, &body); err != nil {
			return fmt.Errorf("%s: %w", resp, err)
		}
		*to = (*to)[:0]
		for _, e := range body.Events {
			if e.Action == "offered" {
				*to = append(*to, e.DriverID)
			}
		}
		if len(*to) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("trip %s not offered within %s: %s", tripID, offerWait, resp)
		}
		time.Sleep(pollEvery)
	}
}
