package integration

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// checkedIn is the answer to POST /trips/{id}/checkin.
type checkedIn struct {
	TripID      string    `json:"trip_id"`
	Status      string    `json:"status"`
	CheckedInAt time.Time `json:"checked_in_at"`
	CheckedInBy string    `json:"checked_in_by"`
}

// siteArrivals is one exam site of GET /arrivals.
type siteArrivals struct {
	Site        string   `json:"site"`
	Expected    int      `json:"expected"`
	Arrived     int      `json:"arrived"`
	OnTheWay    int      `json:"on_the_way"`
	Planned     int      `json:"planned"`
	AtRisk      int      `json:"at_risk"`
	AtRiskTrips []string `json:"at_risk_trips"`
}

// arrivalsAt is how site stands on the day (in the city's time) of the
// trip tr arrives, as c sees it.
func arrivalsAt(t *testing.T, c *client, tr trip, site string) siteArrivals {
	t.Helper()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	var a struct{ Sites []siteArrivals }
	c.get("/api/v1/arrivals?date="+tr.ArriveBy.In(sh).Format("2006-01-02")).must(t, http.StatusOK, &a)
	for _, s := range a.Sites {
		if s.Site == site {
			return s
		}
	}
	return siteArrivals{}
}

// pickedUpTrip is an exam escort of school's whose student is aboard
// drv's car.
func pickedUpTrip(t *testing.T, school *requester, drv *driver) trip {
	t.Helper()
	tr := school.request(examTrip(time.Hour))
	drv.waitOffer(tr.ID)
	drv.accept(tr.ID).must(t, http.StatusOK, nil)
	drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)
	drv.progress(tr.ID, pickedUp).must(t, http.StatusOK, nil)
	return tr
}

// TestGateCheckIn: at the exam site's gate, staff check students in. A
// student aboard is dropped off by it (the drop-off confirmed without the
// driver's PIN); one dropped off already has the arrival recorded. The
// trip's own school and coordinators check in by list; the gate's own
// school (another requester) needs the student's PIN. Once only, and the
// board's per-site counts follow.
func TestGateCheckIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school, drv, tr := handoverTrip(t, f, examTrip(time.Hour))
		gate := f.addRequester("school") // the exam site's own school
		path := "/api/v1/trips/" + tr.ID + "/checkin"

		school.post(path, nil).fails(t, http.StatusConflict, "conflict") // not on the way yet
		assert.Equal(t, 1, arrivalsAt(t, f.admin, tr, examSite.Address).Expected)

		drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)
		drv.progress(tr.ID, pickedUp).must(t, http.StatusOK, nil)
		assert.Equal(t, 1, arrivalsAt(t, f.admin, tr, examSite.Address).OnTheWay)

		drv.post(path, nil).fails(t, http.StatusForbidden, "forbidden")
		e := gate.post(path, nil).fails(t, http.StatusUnprocessableEntity, "wrong_pin")
		assert.Equal(t, "pin", e.Field)
		pin := drv.pinOf(tr.ID)
		wrong := "0000"
		if pin == wrong {
			wrong = "1111"
		}
		gate.post(path, map[string]string{"pin": wrong}).fails(t, http.StatusUnprocessableEntity, "wrong_pin")
		assert.Equal(t, pickedUp, school.trip(tr.ID).Status, "refusals change nothing")

		var in checkedIn
		r := gate.post(path, map[string]string{"pin": pin}).must(t, http.StatusOK, &in)
		assert.Equal(t, completed, in.Status, "checked in: dropped off")
		assert.False(t, in.CheckedInAt.IsZero())
		assert.Equal(t, "requester:"+gate.ID, in.CheckedInBy)
		assert.NotContains(t, string(r.Body), tr.Riders[0].Name, "the gate's staff get no more of the trip")
		assert.NotContains(t, string(r.Body), tr.Riders[0].Phone)
		var seen struct {
			Status      string    `json:"status"`
			CheckedInAt time.Time `json:"checked_in_at"`
		}
		school.get("/api/v1/trips/"+tr.ID).must(t, http.StatusOK, &seen)
		assert.Equal(t, completed, seen.Status)
		assert.True(t, seen.CheckedInAt.Equal(in.CheckedInAt), "the school sees when")
		var actions []string
		for _, ev := range f.events(tr.ID) {
			actions = append(actions, ev.Action+" by "+strings.SplitN(ev.Actor, ":", 2)[0])
		}
		assert.Subset(t, actions, []string{"completed by requester", "checked_in by requester"})
		school.post(path, nil).fails(t, http.StatusConflict, "conflict") // once only

		// Dropped off with the PIN by the driver: the gate records the arrival.
		done := pickedUpTrip(t, school, drv)
		drv.progress(done.ID, completed).must(t, http.StatusOK, nil)
		school.post("/api/v1/trips/"+done.ID+"/checkin", nil).must(t, http.StatusOK, &in)
		assert.Equal(t, completed, in.Status)

		// Many staff scanning one student at once: one check-in.
		busy := pickedUpTrip(t, school, drv)
		ok, conflicts := racing(8, func() (*response, error) {
			return school.send(http.MethodPost, "/api/v1/trips/"+busy.ID+"/checkin", nil)
		})
		assert.Equal(t, int32(1), ok, "checked in once")
		assert.Equal(t, int32(7), conflicts)
		n := 0
		for _, ev := range f.events(busy.ID) {
			if ev.Action == "checked_in" {
				n++
			}
		}
		assert.Equal(t, 1, n, "one check-in in the trail")

		// The board's counts, and the school's own.
		late := school.request(examTrip(time.Hour))
		site := arrivalsAt(t, f.admin, tr, examSite.Address)
		assert.Equal(t, 4, site.Expected)
		assert.Equal(t, 3, site.Arrived)
		assert.Equal(t, site.Expected, site.Arrived+site.OnTheWay+site.Planned+site.AtRisk)
		assert.Equal(t, []string{late.ID}, site.AtRiskTrips, "nobody holds the new trip yet")
		assert.Equal(t, 4, arrivalsAt(t, school.client, tr, examSite.Address).Expected)
		assert.Equal(t, 0, arrivalsAt(t, gate.client, tr, examSite.Address).Expected, "a requester sees its own trips")
		drv.get("/api/v1/arrivals").fails(t, http.StatusForbidden, "forbidden")
		var none struct{ Sites []siteArrivals }
		f.admin.get("/api/v1/arrivals?date=2020-01-01").must(t, http.StatusOK, &none)
		assert.Empty(t, none.Sites, "another day")
		f.admin.get("/api/v1/arrivals?date=tomorrow").fails(t, http.StatusUnprocessableEntity, "invalid")
	})
}

// racing makes n requests at once, each with do, and counts the answers
// that were 200 and those that were 409.
func racing(n int, do func() (*response, error)) (ok, conflicts int32) {
	var okN, conflictN atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r, err := do()
			if err != nil {
				return
			}
			switch r.Status {
			case http.StatusOK:
				okN.Add(1)
			case http.StatusConflict:
				conflictN.Add(1)
			}
		})
	}
	wg.Wait()
	return okN.Load(), conflictN.Load()
}
