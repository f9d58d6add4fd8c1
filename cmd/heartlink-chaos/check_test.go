package main

import (
	"maps"
	"net/http"
	"testing"
	"time"
)

// The checks must see a violation where there is one: each case is a
// fleet read back with one thing wrong, or nothing.

var t0 = time.Date(2027, 6, 7, 6, 0, 0, 0, time.UTC)

func ev(action, from, to, driver string) event {
	return event{At: t0, Action: action, From: from, To: to, DriverID: driver}
}

// carried is a trail of a trip offered to d1 and d2 and accepted by d1.
var carried = []event{
	ev("requested", "", "queued", ""),
	ev("offered", "queued", "offered", "d1"),
	ev("offered", "queued", "offered", "d2"),
	ev("accepted", "offered", "assigned", "d1"),
}

func testWorld(drivers ...string) *world {
	w := &world{ledger: newLedger()}
	for i, id := range drivers {
		w.drivers = append(w.drivers, &driver{i: i, id: id, pending: map[string]*ask{}})
	}
	return w
}

func newFindings() *findings {
	return &findings{count: map[string]int{}, examples: map[string][]string{}}
}

func wantFound(t *testing.T, f *findings, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for k, v := range f.count {
		if v > 0 {
			got[k] = v
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("found %v; want %v (examples: %v)", got, want, f.examples)
	}
}

func TestCheckTrails(t *testing.T) {
	for _, c := range []struct {
		name  string
		trip  tripView
		trail []event
		want  map[string]int
	}{
		{"carried by one", tripView{ID: "t", Status: "assigned", DriverID: "d1"}, carried, map[string]int{}},
		{"taken by a second driver", tripView{ID: "t", Status: "assigned", DriverID: "d2"},
			append(append([]event{}, carried...), ev("claimed", "assigned", "assigned", "d2")), map[string]int{twoDrivers: 1}},
		{"released, then taken by another", tripView{ID: "t", Status: "assigned", DriverID: "d2"},
			append(append([]event{}, carried...), ev("released", "assigned", "queued", "d1"), ev("claimed", "queued", "assigned", "d2")), map[string]int{}},
		{"the trip names another driver", tripView{ID: "t", Status: "assigned", DriverID: "d2"}, carried, map[string]int{trailDisagrees: 1}},
		{"the trip's status is not the trail's", tripView{ID: "t", Status: "queued"}, carried, map[string]int{trailDisagrees: 1}},
		{"no trail", tripView{ID: "t", Status: "queued"}, nil, map[string]int{trailDisagrees: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFindings()
			testWorld("d1", "d2").checkTrails(f, []tripView{c.trip}, [][]event{c.trail})
			wantFound(t, f, c.want)
		})
	}
}

func TestCheckAnswers(t *testing.T) {
	for _, c := range []struct {
		name  string
		trip  tripView
		trail []event
		told  func(l *ledger)
		want  map[string]int
	}{
		{"kept", tripView{ID: "t", Status: "assigned", DriverID: "d1"}, carried, func(l *ledger) {
			add(l.asked, "t", "d1", true)
			add(l.acked, "t", "d1", true)
			add(l.asked, "t", "d2", true)
			add(l.refused, "t", "d2", "trip_taken")
		}, map[string]int{}},
		{"acknowledged, not in the trail", tripView{ID: "t", Status: "assigned", DriverID: "d1"}, carried, func(l *ledger) {
			add(l.asked, "t", "d1", true)
			add(l.acked, "t", "d1", true)
			add(l.asked, "t", "d2", true)
			add(l.acked, "t", "d2", true)
		}, map[string]int{acceptLost: 1}},
		{"acknowledged, then the trip went to nobody", tripView{ID: "t", Status: "queued"}, carried, func(l *ledger) {
			add(l.asked, "t", "d1", true)
			add(l.acked, "t", "d1", true)
		}, map[string]int{acceptLost: 1}},
		{"acknowledged, then released", tripView{ID: "t", Status: "queued"},
			append(append([]event{}, carried...), ev("released", "assigned", "queued", "d1")), func(l *ledger) {
				add(l.asked, "t", "d1", true)
				add(l.acked, "t", "d1", true)
			}, map[string]int{}},
		{"refused, yet carried out", tripView{ID: "t", Status: "assigned", DriverID: "d1"}, carried, func(l *ledger) {
			add(l.asked, "t", "d1", true)
			add(l.refused, "t", "d1", "trip_taken")
		}, map[string]int{refusedDone: 1}},
		{"accepted by a driver who never asked", tripView{ID: "t", Status: "assigned", DriverID: "d1"}, carried, func(*ledger) {},
			map[string]int{refusedDone: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := testWorld("d1", "d2")
			c.told(w.ledger)
			f := newFindings()
			w.checkAnswers(f, map[string]tripView{c.trip.ID: c.trip}, []tripView{c.trip}, [][]event{c.trail})
			wantFound(t, f, c.want)
		})
	}
}

type stop struct {
	kind, trip string
	at         time.Duration
	seats      int
}

func route(driver string, stops ...stop) routeView {
	r := routeView{DriverID: driver}
	for _, s := range stops {
		r.Stops = append(r.Stops, struct {
			Kind   string    `json:"kind"`
			TripID string    `json:"trip_id"`
			At     time.Time `json:"at"`
			Seats  int       `json:"seats"`
			Done   bool      `json:"done"`
		}{Kind: s.kind, TripID: s.trip, At: t0.Add(s.at), Seats: s.seats})
	}
	return r
}

func TestCheckRoutes(t *testing.T) {
	trips := map[string]tripView{
		"a": {ID: "a", Status: "assigned", DriverID: "d1", ArriveBy: t0.Add(time.Hour)},
		"b": {ID: "b", Status: "assigned", DriverID: "d1", ArriveBy: t0.Add(time.Hour)},
	}
	for _, c := range []struct {
		name   string
		routes []routeView
		want   map[string]int
	}{
		{"pooled", []routeView{route("d1", stop{"pickup", "a", 0, 2}, stop{"pickup", "b", time.Minute, 2},
			stop{"dropoff", "a", 20 * time.Minute, 2}, stop{"dropoff", "b", 21 * time.Minute, 2}), route("d2")}, map[string]int{}},
		{"over capacity", []routeView{route("d1", stop{"pickup", "a", 0, 2}, stop{"pickup", "b", time.Minute, 3},
			stop{"dropoff", "a", 20 * time.Minute, 2}, stop{"dropoff", "b", 21 * time.Minute, 3}), route("d2")}, map[string]int{routeBroken: 1}},
		{"late", []routeView{route("d1", stop{"pickup", "a", 0, 1}, stop{"dropoff", "a", 61 * time.Minute, 1},
			stop{"pickup", "b", 62 * time.Minute, 1}, stop{"dropoff", "b", 63 * time.Minute, 1}), route("d2")}, map[string]int{routeBroken: 2}},
		{"out of order", []routeView{route("d1", stop{"pickup", "a", 10 * time.Minute, 1}, stop{"dropoff", "a", 5 * time.Minute, 1},
			stop{"pickup", "b", 20 * time.Minute, 1}, stop{"dropoff", "b", 30 * time.Minute, 1}), route("d2")}, map[string]int{routeBroken: 1}},
		{"a held trip missing", []routeView{route("d1", stop{"pickup", "a", 0, 1}, stop{"dropoff", "a", 5 * time.Minute, 1}), route("d2")},
			map[string]int{routeBroken: 1}},
		{"a trip on two routes", []routeView{
			route("d1", stop{"pickup", "a", 0, 1}, stop{"dropoff", "a", 5 * time.Minute, 1}, stop{"pickup", "b", 6 * time.Minute, 1}, stop{"dropoff", "b", 9 * time.Minute, 1}),
			route("d2", stop{"pickup", "a", 0, 1}, stop{"dropoff", "a", 5 * time.Minute, 1})},
			map[string]int{twoDrivers: 1, routeBroken: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFindings()
			testWorld("d1", "d2").checkRoutes(f, trips, c.routes)
			wantFound(t, f, c.want)
		})
	}
}

func TestCheckBookings(t *testing.T) {
	for _, c := range []struct {
		name    string
		booking booking
		trips   []tripView
		want    map[string]int
	}{
		{"booked once", booking{marker: "m", answered: true, status: http.StatusCreated, tripID: "t1"},
			[]tripView{{ID: "t1"}}, map[string]int{}},
		{"booked twice", booking{marker: "m", answered: true, status: http.StatusCreated, tripID: "t1"},
			[]tripView{{ID: "t1"}, {ID: "t2"}}, map[string]int{duplicates: 1}},
		{"answered 201, not booked", booking{marker: "m", answered: true, status: http.StatusCreated, tripID: "t1"},
			nil, map[string]int{bookingLost: 1}},
		{"refused, yet booked", booking{marker: "m", answered: true, status: http.StatusUnprocessableEntity},
			[]tripView{{ID: "t1"}}, map[string]int{bookingLost: 1}},
		{"never answered", booking{marker: "m"}, []tripView{{ID: "t1"}}, map[string]int{unanswered: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.trips {
				c.trips[i].Pickup.Address = c.booking.marker
			}
			w := testWorld()
			w.trips.all = []*booking{&c.booking}
			f := newFindings()
			w.checkBookings(f, &figures{}, c.trips)
			wantFound(t, f, c.want)
		})
	}
}
