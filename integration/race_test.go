package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is one racer's answer.
type outcome struct {
	who    string
	status int
	code   string
	err    error
}

// race makes every call at once, released together from a barrier, and
// returns each answer with the status and error code.
func race(calls map[string]func() (*response, error)) []outcome {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex // mu guards out
		out   []outcome
	)
	for who, call := range calls {
		wg.Go(func() {
			<-start
			r, err := call()
			o := outcome{who: who, err: err}
			if err == nil {
				o.status = r.Status
				var e struct{ Error apiError }
				if json.Unmarshal(r.Body, &e) == nil {
					o.code = e.Error.Code
				}
			}
			mu.Lock()
			out = append(out, o)
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return out
}

// TestRaceToAccept has 50 volunteers accept one trip at the same instant:
// exactly one gets it, every other one is told someone else has it.
func TestRaceToAccept(t *testing.T) {
	const racers = 50
	eachBackend(t, func(t *testing.T, b backend) {
		for _, c := range []struct {
			name string
			// offers: the racers were offered the trip; else they claim it
			// from the open list, offline and offered nothing.
			offers bool
		}{
			{"offered", true},
			{"claimed from the open list", false},
		} {
			t.Run(c.name, func(t *testing.T) {
				srv := startServer(t, b.fresh(t), "-offers-at-once", fmt.Sprint(racers))
				f := newFixture(t, srv)
				school := f.addRequester("school")
				drivers := make(map[string]*driver, racers)
				for i := range racers {
					at := north(home, 0.05*float64(i+1))
					d := f.addDriver(at)
					if c.offers {
						d.online(at)
					}
					drivers[d.ID] = d
				}
				tr := school.request(examTrip(3 * time.Hour))
				f.explainOnFailure(tr.ID)
				for _, d := range drivers {
					if c.offers {
						d.waitOffer(tr.ID)
					} else {
						require.Contains(t, tripIDs(d.openTrips()), tr.ID, "driver %s sees the trip open", d.ID)
					}
				}

				calls := make(map[string]func() (*response, error), racers)
				for id, d := range drivers {
					calls[id] = func() (*response, error) { return d.send(http.MethodPost, "/api/v1/trips/"+tr.ID+"/accept", nil) }
				}
				var winners []string
				taken := 0
				for _, o := range race(calls) {
					require.NoError(t, o.err, "driver %s", o.who)
					switch {
					case o.status == http.StatusOK:
						winners = append(winners, o.who)
					case o.status == http.StatusConflict && o.code == "trip_taken":
						taken++
					default:
						t.Errorf("driver %s: %d %q; want 200, or 409 trip_taken", o.who, o.status, o.code)
					}
				}
				require.Len(t, winners, 1, "exactly one driver gets the trip")
				assert.Equal(t, racers-1, taken, "every other driver is told the trip is taken")

				got := school.trip(tr.ID)
				assert.Equal(t, assigned, got.Status)
				assert.Equal(t, winners[0], got.DriverID, "the school sees the winner as the driver")
				winner := drivers[winners[0]]
				assert.Equal(t, winners[0], winner.trip(tr.ID).DriverID)
				for id, d := range drivers {
					if id == winners[0] {
						continue
					}
					_, ok := d.offerOf(tr.ID)
					assert.False(t, ok, "loser %s still holds an offer of a taken trip", id)
					assert.NotContains(t, tripIDs(d.openTrips()), tr.ID, "loser %s still sees the taken trip open", id)
				}
				accepted := 0
				for _, e := range f.events(tr.ID) {
					if e.To == assigned {
						accepted++
						assert.Equal(t, "driver:"+winners[0], e.Actor)
					}
				}
				assert.Equal(t, 1, accepted, "the audit trail shows one acceptance")
			})
		}
	})
}

// TestRaceOverlappingTrips has one volunteer accept two trips that cannot
// share the car (four riders, and one more, at the same hour) at the same
// instant, for many pairs at once: a driver never holds both of a pair, and
// is told why.
func TestRaceOverlappingTrips(t *testing.T) {
	const pairs = 10
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-offers-at-once", "5")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 1))
		drv.online(north(home, 1))

		// Pairs are 3 hours apart, so that only the two trips of a pair
		// overlap; within a pair they arrive 10 minutes apart.
		pairOf := make(map[string]int, 2*pairs)
		calls := make(map[string]func() (*response, error), 2*pairs)
		for p := range pairs {
			for _, skew := range []time.Duration{0, 10 * time.Minute} {
				req := examTrip(3*time.Hour + time.Duration(p)*3*time.Hour + skew)
				if skew == 0 {
					req = full(req)
				}
				tr := school.request(req)
				pairOf[tr.ID] = p
				calls[tr.ID] = func() (*response, error) {
					return drv.send(http.MethodPost, "/api/v1/trips/"+tr.ID+"/accept", nil)
				}
			}
		}

		won := make(map[int][]string)
		for _, o := range race(calls) {
			require.NoError(t, o.err, "trip %s", o.who)
			switch {
			case o.status == http.StatusOK:
				won[pairOf[o.who]] = append(won[pairOf[o.who]], o.who)
			case o.status == http.StatusConflict && (o.code == "schedule_clash" || o.code == "conflict"):
			default:
				t.Errorf("accept trip %s: %d %q; want 200, or 409 schedule_clash or conflict", o.who, o.status, o.code)
			}
		}
		var held []string
		for p := range pairs {
			assert.Len(t, won[p], 1, "pair %d: the driver holds exactly one of two trips that cannot share the car", p)
			held = append(held, won[p]...)
		}

		var mine struct{ Trips []trip }
		drv.get("/api/v1/trips").must(t, http.StatusOK, &mine)
		assert.ElementsMatch(t, held, tripIDs(mine.Trips), "the driver's own trips are the ones accepted")
		for id := range pairOf {
			st := school.trip(id)
			if assert.Contains(t, []string{assigned, offered, queued, unassigned}, st.Status) && st.Status == assigned {
				assert.Contains(t, held, id, "trip %s is assigned but its accept was refused", id)
				assert.Equal(t, drv.ID, st.DriverID)
			}
		}
	})
}

// TestRaceCancelAndAccept has a school call a trip off at the instant its
// driver accepts it, again and again: whoever wins, the trip ends
// cancelled and the driver is free for that hour.
func TestRaceCancelAndAccept(t *testing.T) {
	const rounds = 10
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 1))
		drv.online(north(home, 1))

		// Every trip is at the same hour: a hold left behind by any round
		// makes a later accept a schedule clash.
		for range rounds {
			tr := school.request(examTrip(4 * time.Hour))
			drv.waitOffer(tr.ID)
			out := race(map[string]func() (*response, error){
				"accept": func() (*response, error) { return drv.send(http.MethodPost, "/api/v1/trips/"+tr.ID+"/accept", nil) },
				"cancel": func() (*response, error) { return school.send(http.MethodPost, "/api/v1/trips/"+tr.ID+"/cancel", nil) },
			})
			for _, o := range out {
				require.NoError(t, o.err)
				switch o.who {
				case "cancel":
					assert.Equal(t, http.StatusOK, o.status, "the school can always cancel a trip not yet picked up")
				case "accept":
					assert.True(t, o.status == http.StatusOK || (o.status == http.StatusConflict && o.code == "conflict"),
						"accept: %d %q", o.status, o.code)
				}
			}
			got := school.trip(tr.ID)
			assert.Equal(t, cancelled, got.Status)
			assert.Empty(t, got.DriverID, "a cancelled trip has no driver")
		}
		var mine struct{ Trips []trip }
		drv.get("/api/v1/trips").must(t, http.StatusOK, &mine)
		for _, tr := range mine.Trips {
			assert.NotEqual(t, assigned, tr.Status, "the driver still holds trip %s", tr.ID)
		}
		last := school.request(examTrip(4 * time.Hour))
		drv.waitOffer(last.ID)
		drv.accept(last.ID).must(t, http.StatusOK, nil)
	})
}
