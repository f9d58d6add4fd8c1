package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

var (
	site     = Place{Lat: 28.2602, Lng: 117.0693, Address: "No.1 Middle School"}
	siteB    = Place{Lat: 28.3100, Lng: 117.0200, Address: "No.2 Middle School"}
	driverAt = heartlink.Point{Lat: 28.30, Lng: 117.05}
)

// north is a place km north of the site.
func north(km float64) Place {
	return Place{Lat: site.Lat + km/111.2, Lng: site.Lng, Address: "home"}
}

// trip books id from pickup to dropoff, to arrive by arrive, for riders.
func trip(p Policy, id string, pickup, dropoff Place, arrive time.Time, riders int) *Trip {
	r := validRequest()
	r.Pickup, r.Dropoff, r.ArriveBy = &pickup, &dropoff, ts(arrive)
	r.Riders = make([]Rider, riders)
	for i := range r.Riders {
		r.Riders[i] = Rider{Name: "Rider"}
	}
	return r.Trip(p, id, heartlink.Principal{}, "", now)
}

// hold inserts ts one after the other into an empty route, as drivers
// accepting their offers would, and fails the test if one does not fit.
func hold(tb testing.TB, p Policy, car Car, ts ...*Trip) DriverRoute {
	tb.Helper()
	r := DriverRoute{DriverID: "drv_1"}
	for _, t := range ts {
		ins, why := p.Insert(Origin{At: driverAt, Time: now}, car, r, t)
		require.Equal(tb, Eligible, why, "insert %s", t.ID)
		r = DriverRoute{DriverID: r.DriverID, Version: r.Version + 1, Stops: ins.Stops}
		p.Promise(r.Stops)
	}
	return r
}

func order(stops []RouteStop) []string {
	out := make([]string, len(stops))
	for i, s := range stops {
		out[i] = s.Kind[:1] + ":" + s.TripID
	}
	return out
}

func TestInsertKeepsEveryRule(t *testing.T) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute) // 08:15
	soon := now.Add(35 * time.Minute)             // no time to drive two trips one after the other
	car := Car{Seats: 4}
	tests := []struct {
		name string
		held []*Trip
		car  Car
		add  *Trip
		want Reason
		// stops is the order wanted, when it fits.
		stops []string
	}{
		{"an empty route takes a trip", nil, car,
			trip(p, "b", north(3), site, gate, 1), Eligible, []string{"p:b", "d:b"}},
		{"a neighbour to the same site is pooled", []*Trip{trip(p, "a", north(3), site, gate, 1)}, car,
			trip(p, "b", north(3.3), site, gate, 1), Eligible, []string{"p:b", "p:a", "d:b", "d:a"}},
		{"a later trip is chained after", []*Trip{trip(p, "a", north(3), site, gate, 1)}, car,
			trip(p, "b", site, siteB, gate.Add(3*time.Hour), 1), Eligible, []string{"p:a", "d:a", "p:b", "d:b"}},
		{"no seat for two more riders", []*Trip{trip(p, "a", north(3), site, soon, 3)}, car,
			trip(p, "b", north(3.3), site, soon, 2), NoSeat, nil},
		{"room for one more", []*Trip{trip(p, "a", north(3), site, soon, 3)}, car,
			trip(p, "b", north(3.3), site, soon, 1), Eligible, []string{"p:b", "p:a", "d:b", "d:a"}},
		{"but room after the first drop-off", []*Trip{trip(p, "a", north(3), site, gate, 3)}, car,
			trip(p, "b", site, siteB, gate.Add(3*time.Hour), 4), Eligible, []string{"p:a", "d:a", "p:b", "d:b"}},
		{"a car of two seats", nil, Car{Seats: 2},
			trip(p, "b", north(3), site, gate, 3), NoSeat, nil},
		{"one wheelchair place", []*Trip{wheelchair(trip(p, "a", north(3), site, soon, 1))}, Car{Seats: 4, Wheelchair: true},
			wheelchair(trip(p, "b", north(3.3), site, soon, 1)), NoChairPlace, nil},
		{"a wheelchair needs a wheelchair car", nil, car,
			wheelchair(trip(p, "b", north(3), site, gate, 1)), NoChairPlace, nil},
		{"too far to make it in time", nil, car,
			trip(p, "b", north(60), site, now.Add(40*time.Minute), 1), TooLate, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := hold(t, p, tt.car, tt.held...)
			ins, why := p.Insert(Origin{At: driverAt, Time: now}, tt.car, r, tt.add)
			require.Equal(t, tt.want, why)
			if why != Eligible {
				return
			}
			assert.Equal(t, tt.stops, order(ins.Stops))
			assert.Equal(t, r.Version, ins.Base)
			assert.Equal(t, tt.add.ID, ins.Stops[ins.Pickup].TripID)
			assert.Equal(t, DropoffStop, ins.Stops[ins.Dropoff].Kind)
			// Whatever it chose, an independent walk agrees every rule holds.
			tm := p.Time(Origin{At: driverAt, Time: now}, tt.car, append([]RouteStop(nil), ins.Stops...))
			assert.True(t, tm.OK, "the new route keeps every rule: %s", tm.Why)
			for _, s := range ins.Stops {
				if s.Kind == DropoffStop {
					assert.False(t, s.At.After(s.Due), "%s dropped off by its deadline", s.TripID)
				} else {
					assert.False(t, s.At.Before(s.NotBefore), "%s not collected early", s.TripID)
				}
			}
		})
	}
}

func wheelchair(t *Trip) *Trip { t.Wheelchair = true; return t }

func TestTimeRefusesLongRides(t *testing.T) {
	// a is collected, then the car fetches b 20 km away before dropping a
	// at the site 1 km from a's home: a would sit in the car for an hour.
	p := DefaultPolicy()
	late := now.Add(6 * time.Hour)
	a, b := trip(p, "a", north(1), site, late, 1), trip(p, "b", north(20), site, late, 1)
	pa, da := p.StopsOf(a)
	pb, db := p.StopsOf(b)
	pa.NotBefore, pb.NotBefore = now, now // plenty of time: only the ride is at stake
	tm := p.Time(Origin{At: driverAt, Time: now}, Car{Seats: 4}, []RouteStop{pa, pb, da, db})
	assert.False(t, tm.OK)
	assert.Equal(t, RideTooLong, tm.Why)
	tm = p.Time(Origin{At: driverAt, Time: now}, Car{Seats: 4}, []RouteStop{pb, pa, da, db})
	assert.True(t, tm.OK, "collected on the way in, neither rides too long: %s", tm.Why)
}

func TestPoolingAddsLittle(t *testing.T) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute)
	a, b := trip(p, "a", north(5), site, gate, 1), trip(p, "b", north(5.2), site, gate, 1)
	r := hold(t, p, Car{Seats: 4}, a)
	ins, why := p.Insert(Origin{At: driverAt, Time: now}, Car{Seats: 4}, r, b)
	require.Equal(t, Eligible, why)
	alone, _ := p.Insert(Origin{At: driverAt, Time: now}, Car{Seats: 4}, DriverRoute{}, b)
	assert.Less(t, ins.AddedKm, alone.AddedKm/3, "a neighbour costs a short detour, not a second car's drive")
}

func TestTimesKeepTheReserveAndPromises(t *testing.T) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute)
	a := trip(p, "a", north(5), site, gate, 1)
	r := hold(t, p, Car{Seats: 4}, a)
	// Alone, the car sets out late enough to arrive with the reserve, not
	// at the earliest pick-up the rider allows.
	assert.Equal(t, a.DropBy.Add(-p.Reserve), r.Stops[1].At)
	assert.True(t, r.Stops[0].At.After(a.Earliest))

	// A second student picked up first, further out, moves a's pick-up;
	// the insertion says so, and never much earlier than a was told.
	b := trip(p, "b", north(6), site, gate, 1)
	ins, why := p.Insert(Origin{At: driverAt, Time: now}, Car{Seats: 4}, r, b)
	require.Equal(t, Eligible, why)
	for _, s := range ins.Stops {
		if s.TripID == "a" && s.Kind == PickupStop {
			assert.False(t, s.At.Before(r.Stops[0].At.Add(-p.PromiseTolerance)), "a collected at most the tolerance early")
		}
	}
	// Moved names exactly the riders whose pick-up moves by more than a
	// minute.
	was := r.Stops[0].At
	for _, s := range ins.Stops {
		if s.TripID == "a" && s.Kind == PickupStop {
			if d := s.At.Sub(was); d > time.Minute || d < -time.Minute {
				require.Len(t, ins.Moved, 1)
				assert.Equal(t, Move{TripID: "a", From: was, To: s.At}, ins.Moved[0])
			} else {
				assert.Empty(t, ins.Moved)
			}
		}
	}

}

func TestBoardedAndWithout(t *testing.T) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute)
	r := hold(t, p, Car{Seats: 4}, trip(p, "a", north(3), site, gate, 1), trip(p, "b", north(3.3), site, gate, 1))
	require.Equal(t, []string{"p:b", "p:a", "d:b", "d:a"}, order(r.Stops))

	// a is collected first: aboard riders lead the route.
	at := now.Add(time.Hour)
	got := Boarded(r.Stops, "a", at)
	assert.Equal(t, []string{"p:a", "p:b", "d:b", "d:a"}, order(got))
	assert.True(t, got[0].Done)
	assert.Equal(t, at, got[0].At)

	// A new rider goes after the pick-up already made.
	held := DriverRoute{Version: 3, Stops: got}
	c := trip(p, "c", north(3.1), site, gate, 1)
	ins, why := p.Insert(Origin{At: north(3).Point(), Time: at}, Car{Seats: 4}, held, c)
	require.Equal(t, Eligible, why)
	assert.Equal(t, "p:a", order(ins.Stops)[0])
	assert.Equal(t, at, ins.Stops[0].At, "a pick-up made keeps its time")

	assert.Equal(t, []string{"p:b", "d:b"}, order(Without(r.Stops, "a")))
	assert.Len(t, r.Stops, 4, "Without leaves the route it was given alone")
}

func TestFitIsTheOneRule(t *testing.T) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute)
	exam := trip(p, "a", north(3), site, gate, 1)
	c := online("drv_1", 1)
	c.VerifiedMinors = false
	_, why := p.Fit(exam, &c)
	assert.Equal(t, NotVerified, why, "minors only with verified drivers, whatever the route")

	c = online("drv_1", 1)
	c.Route = hold(t, p, c.Car(), exam)
	_, why = p.Fit(exam, &c)
	assert.Equal(t, AlreadyHeld, why)
	assert.True(t, why.RouteBound())
	assert.False(t, NotVerified.RouteBound())
}

// Rankings reuse their stop buffers: what one ranking picked keeps its
// stops, timed as they were, however many rankings follow.
func TestPicksKeepTheirStopsAcrossRankings(t *testing.T) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute)
	cands := make([]Candidate, 6)
	for i := range cands {
		cands[i] = online("drv_"+string(rune('a'+i)), 0.3+float64(i)*0.2)
		if i%2 == 0 {
			cands[i].Route = hold(t, p, cands[i].Car(), trip(p, "held"+string(rune('a'+i)), north(2.5), site, gate, 1))
			cands[i].Route.DriverID = cands[i].DriverID
		}
	}
	first := p.Rank(trip(p, "first", north(3.2), site, gate, 1), cands, nil, now)
	require.NotEmpty(t, first)
	want := make([][]RouteStop, len(first))
	for i, pk := range first {
		want[i] = append([]RouteStop(nil), pk.Insertion.Stops...)
		require.Equal(t, "first", want[i][pk.Insertion.Pickup].TripID, "pick %d's stops as ranked", i)
		for _, st := range want[i] {
			require.False(t, st.At.IsZero(), "pick %d: stop of %q timed", i, st.TripID)
		}
	}
	for i := range 20 {
		require.NotEmpty(t, p.Rank(trip(p, "later", north(1+float64(i)*0.3), siteB, gate, 2), cands, nil, now))
	}
	for i, pk := range first {
		assert.Equal(t, want[i], pk.Insertion.Stops, "pick %d's stops after later rankings", i)
	}
}
