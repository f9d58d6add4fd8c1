package integration

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertIDsIncrease checks that every event frame of c has an id later
// than after and than the event frame before it.
func assertIDsIncrease(tb testing.TB, c *liveConn, after string) {
	tb.Helper()
	last := after
	for _, f := range c.frames() {
		if f.ID == "" {
			continue
		}
		assert.True(tb, idLess(last, f.ID), "%s: event id %s follows %s; ids must increase", c.who, f.ID, last)
		last = f.ID
	}
}

// TestLiveResume drops a driver's connection, as a tunnel or a lift does,
// while a trip is offered to them: reconnecting with the last event id
// they saw brings them the offer, from the stream while it still holds
// what they missed, else in a fresh snapshot.
func TestLiveResume(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Run("missed offer replayed", func(t *testing.T) {
			t.Parallel()
			srv := liveServer(t, b.fresh(t))
			f := newFixture(t, srv)
			school := f.addRequester("school")
			drv := f.addDriver(north(home, 0.5))
			drv.online(north(home, 0.5))

			first := drv.live(t)
			t1 := school.request(examTrip(3 * time.Hour))
			f.explainOnFailure(t1.ID)
			o1 := first.wait(offerWait, "the first offer", of("offer", t1.ID))
			first.close()

			t2 := school.request(examTrip(6 * time.Hour))
			f.explainOnFailure(t2.ID)
			drv.waitOffer(t2.ID) // made while the driver was away

			again := drv.liveAfter(t, o1.ID)
			got := again.wait(frameWait, "the missed offer", func(frame) bool { return true })
			assert.Equal(t, "offer", got.Type, "the first frame after resuming is the missed offer, not a snapshot: %s", got)
			assert.Equal(t, t2.ID, got.tripID(), "%s", got)

			t3 := school.request(examTrip(9 * time.Hour))
			f.explainOnFailure(t3.ID)
			again.wait(offerWait, "a new offer after resuming", of("offer", t3.ID))
			for _, fr := range again.frames() {
				assert.NotEqual(t, "snapshot", fr.Type, "a resume the stream can serve sends no snapshot: %s", fr)
				assert.NotEqual(t, t1.ID, fr.tripID(), "an offer seen before the drop is sent again: %s", fr)
			}
			assertIDsIncrease(t, again, o1.ID)
		})

		t.Run("history gone: a snapshot", func(t *testing.T) {
			t.Parallel()
			srv := liveServer(t, b.fresh(t), "-event-history", "100")
			f := newFixture(t, srv)
			school := f.addRequester("school")
			drv := f.addDriver(north(home, 0.5))
			drv.online(north(home, 0.5))

			first := drv.live(t)
			snap := first.frames()[0]
			first.close()
			tr := school.request(examTrip(3 * time.Hour))
			f.explainOnFailure(tr.ID)
			drv.waitOffer(tr.ID)

			// Other volunteers going on and off duty: far more changes than
			// the server keeps.
			churn(t, f, 4, 80)

			for _, after := range []string{snap.ID, "1-0"} {
				c := drv.liveAfter(t, after)
				s := c.wait(frameWait, "the first frame", func(frame) bool { return true })
				require.Equal(t, "snapshot", s.Type, "resuming after %s, which the server no longer holds, starts from a snapshot: %s", after, s)
				var body struct{ Offers []offer }
				s.decode(t, &body)
				var open []string
				for _, o := range body.Offers {
					open = append(open, o.TripID)
				}
				assert.Contains(t, open, tr.ID, "the snapshot lists the offer made while the driver was away: %s", s)
				assertIDsIncrease(t, c, after)
				c.close()
			}
		})
	})
}

// churn has drivers go online and offline, rounds times each, from
// several goroutines at once: changes on the stream that no given driver
// is told about.
func churn(tb testing.TB, f *fixture, drivers, rounds int) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, drivers)
	for i := range drivers {
		d := f.addDriver(north(home, 30+float64(i)))
		wg.Go(func() {
			for r := range rounds {
				p := presence{Status: "offline"}
				if r%2 == 0 {
					at := north(home, 30+float64(i))
					p = presence{Status: "online", Location: &at}
				}
				resp, err := d.send(http.MethodPost, "/api/v1/drivers/me/presence", p)
				if err == nil && resp.Status != http.StatusOK {
					err = fmt.Errorf("%s", resp)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatalf("churn: %v", err)
	}
}
