package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// The invariants, in the order the report lists them. Each is counted in
// violations; the goal of every one is 0.
const (
	twoDrivers     = "trips with two drivers"
	acceptLost     = "acknowledged accepts lost"
	refusedDone    = "accepts refused yet carried out"
	trailDisagrees = "trips whose driver is not the one their audit trail gives"
	routeBroken    = "routes over capacity, out of order, late, or not their driver's trips"
	stuckOffers    = "stuck offers"
	rushWrong      = "sign-up rush: wrong fill, positions or answers"
	bookingLost    = "booked trips lost"
	duplicates     = "duplicate trips from retried requests (Idempotency-Key)"
	unanswered     = "requests left without an answer"
	serverErrors   = "5xx other than 503, and live internal errors"
	selfExits      = "processes that exited by themselves"
)

var invariants = []string{twoDrivers, acceptLost, refusedDone, trailDisagrees, routeBroken, stuckOffers,
	rushWrong, bookingLost, duplicates, unanswered, serverErrors, selfExits}

// findings are the violations found, by invariant, with a few examples of
// each.
type findings struct {
	count    map[string]int
	examples map[string][]string
}

func (f *findings) add(inv, format string, args ...any) {
	f.count[inv]++
	if len(f.examples[inv]) < 5 {
		f.examples[inv] = append(f.examples[inv], fmt.Sprintf(format, args...))
	}
}

// held are the statuses of a trip a driver carries.
var held = map[string]bool{"assigned": true, "arrived": true, "picked_up": true}

// taking are the audit actions that give a trip to a driver; takenAway
// those that take it from one.
var (
	taking    = map[string]bool{"accepted": true, "claimed": true, "assigned": true}
	takenAway = map[string]bool{"released": true, "rescued": true, "taken_back": true, "cancelled": true}
)

// check reads the fleet back through the API, once everything has
// settled, and holds it to the invariants and to what the clients were
// told.
func (w *world) check(ctx context.Context, stuck []tripView) (*figures, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	f := &findings{count: map[string]int{}, examples: map[string][]string{}}
	fig := w.figures()

	trips, err := w.listTrips(ctx, "")
	if err != nil {
		return nil, err
	}
	byID := map[string]tripView{}
	for _, t := range trips {
		byID[t.ID] = t
		fig.Trips.ByStatus[t.Status]++
	}
	trails := make([][]event, len(trips))
	if err := each(len(trips), func(i int) error {
		var err error
		trails[i], err = w.events(ctx, trips[i].ID)
		return err
	}); err != nil {
		return nil, err
	}
	routes := make([]routeView, len(w.drivers))
	offers := make([][]offerView, len(w.drivers))
	if err := each(len(w.drivers), func(i int) error {
		d := w.drivers[i]
		if err := w.api.must(ctx, request{token: adminToken, method: http.MethodGet, path: "/api/v1/drivers/" + d.id + "/route"}, http.StatusOK, &routes[i]); err != nil {
			return err
		}
		var o struct {
			Offers []offerView `json:"offers"`
		}
		err := w.api.must(ctx, request{token: d.token, method: http.MethodGet, path: "/api/v1/drivers/me/offers"}, http.StatusOK, &o)
		offers[i] = o.Offers
		return err
	}); err != nil {
		return nil, err
	}
	checked := time.Now()

	w.checkTrails(f, trips, trails)
	w.checkAnswers(f, byID, trips, trails)
	w.checkRoutes(f, byID, routes)
	for _, t := range stuck {
		f.add(stuckOffers, "trip %s still offered %s after every driver went offline", t.ID, w.cfg.OfferTTL+lease+10*tick+3*time.Second)
	}
	for i, os := range offers {
		for _, o := range os {
			if o.ExpiresAt.Before(checked.Add(-time.Second)) {
				f.add(stuckOffers, "driver %s still holds an offer of %s that expired at %s", w.drivers[i].id, o.TripID, o.ExpiresAt.Format(time.RFC3339Nano))
			}
		}
	}
	w.checkBookings(f, fig, trips)
	if err := w.checkRush(ctx, f, fig); err != nil {
		return nil, err
	}
	for _, d := range w.drivers {
		for _, q := range d.unanswered() {
			f.add(unanswered, "driver %s: %s of %s (request_id %s), sent %d times since %s", d.id, q.typ, q.trip, q.id, q.sends, q.first.Format(time.TimeOnly))
		}
	}
	errs, _ := w.stats.serverErrors()
	for _, e := range errs {
		f.add(serverErrors, "%s", e)
	}
	for _, s := range w.r.surprises() {
		f.add(selfExits, "%s", s)
	}
	fig.violations(f)
	return fig, nil
}

// checkTrails walks every trip's audit trail: a trip is given to a driver
// only when nobody holds it, and its status and driver are what the trail
// says.
func (w *world) checkTrails(f *findings, trips []tripView, trails [][]event) {
	for i, t := range trips {
		holder := ""
		for _, e := range trails[i] {
			switch {
			case taking[e.Action]:
				if holder != "" && held[e.From] {
					f.add(twoDrivers, "trip %s: %s by %s at %s while %s held it", t.ID, e.Action, e.DriverID, e.At.Format(time.RFC3339Nano), holder)
				}
				holder = e.DriverID
			case e.Action == "reassigned":
				holder = e.DriverID
			case takenAway[e.Action]:
				holder = ""
			}
		}
		last := ""
		if n := len(trails[i]); n > 0 {
			last = trails[i][n-1].To
		}
		switch {
		case len(trails[i]) == 0:
			f.add(trailDisagrees, "trip %s (%s) has no audit trail", t.ID, t.Status)
		case last != t.Status:
			f.add(trailDisagrees, "trip %s is %s, its audit trail ends at %s", t.ID, t.Status, last)
		case held[t.Status] && t.DriverID != holder:
			f.add(trailDisagrees, "trip %s is %s by %s, its audit trail gives it to %q", t.ID, t.Status, t.DriverID, holder)
		}
	}
}

// checkAnswers holds the fleet to what the drivers were told: a trip
// acknowledged as a driver's is theirs (unless its trail shows it taken
// from them since), and an accept refused changed nothing.
func (w *world) checkAnswers(f *findings, byID map[string]tripView, trips []tripView, trails [][]event) {
	trailOf := map[string][]event{}
	for i, t := range trips {
		trailOf[t.ID] = trails[i]
	}
	l := w.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	pending := map[string]bool{} // trip|driver with an accept unanswered
	for _, d := range w.drivers {
		for _, q := range d.unanswered() {
			pending[q.trip+"|"+d.id] = true
		}
	}
	for trip, drivers := range l.acked {
		for driver := range drivers {
			t, ok := byID[trip]
			if !ok {
				f.add(acceptLost, "driver %s was told trip %s is theirs; the trip is gone", driver, trip)
				continue
			}
			at := -1
			for j, e := range trailOf[trip] {
				if taking[e.Action] && e.DriverID == driver {
					at = j
				}
			}
			if at < 0 {
				f.add(acceptLost, "driver %s was told trip %s is theirs; its audit trail has no acceptance by them", driver, trip)
				continue
			}
			if t.DriverID == driver && (held[t.Status] || t.Status == "completed") {
				continue
			}
			since := trailOf[trip][at+1:]
			if !slices.ContainsFunc(since, func(e event) bool { return takenAway[e.Action] || e.Action == "reassigned" }) {
				f.add(acceptLost, "driver %s was told trip %s is theirs; it is %s by %q, and its trail says nobody took it from them", driver, trip, t.Status, t.DriverID)
			}
		}
	}
	for _, t := range trips {
		for _, e := range trailOf[t.ID] {
			if e.Action != "accepted" {
				continue
			}
			switch {
			case l.acked[t.ID][e.DriverID], pending[t.ID+"|"+e.DriverID]:
			case !l.asked[t.ID][e.DriverID]:
				f.add(refusedDone, "trip %s: accepted by %s at %s, who never sent an accept", t.ID, e.DriverID, e.At.Format(time.RFC3339Nano))
			default:
				f.add(refusedDone, "trip %s: accepted by %s at %s, who was answered %s", t.ID, e.DriverID, e.At.Format(time.RFC3339Nano), l.refused[t.ID][e.DriverID])
			}
		}
	}
}

// checkRoutes holds every driver's route to the rules: never more riders
// aboard than seats, stops in time order, each pick-up before its drop-off
// and the drop-off by the trip's arrive_by, and exactly the trips the
// driver holds, each on one route only.
func (w *world) checkRoutes(f *findings, byID map[string]tripView, routes []routeView) {
	onRoute := map[string]string{} // trip → driver whose route has it
	for i, r := range routes {
		d := w.drivers[i]
		aboard := 0
		picked := map[string]bool{}
		mine := map[string]bool{}
		var prev time.Time
		for j, s := range r.Stops {
			mine[s.TripID] = true
			if other, ok := onRoute[s.TripID]; ok && other != d.id {
				f.add(twoDrivers, "trip %s is on the routes of %s and %s", s.TripID, other, d.id)
			}
			onRoute[s.TripID] = d.id
			if j > 0 && s.At.Before(prev) {
				f.add(routeBroken, "driver %s: stop %d (%s of %s) at %s comes before the stop ahead of it, at %s", d.id, j, s.Kind, s.TripID, s.At.Format(time.TimeOnly), prev.Format(time.TimeOnly))
			}
			prev = s.At
			switch s.Kind {
			case "pickup":
				picked[s.TripID] = true
				aboard += s.Seats
			case "dropoff":
				t := byID[s.TripID]
				if !picked[s.TripID] && t.Status != "picked_up" {
					f.add(routeBroken, "driver %s: drop-off of %s before its pick-up", d.id, s.TripID)
				}
				if !t.ArriveBy.IsZero() && s.At.After(t.ArriveBy) {
					f.add(routeBroken, "driver %s: drop-off of %s at %s, after its arrive_by %s", d.id, s.TripID, s.At.Format(time.TimeOnly), t.ArriveBy.Format(time.TimeOnly))
				}
				aboard -= s.Seats
			}
			if aboard > seats {
				f.add(routeBroken, "driver %s: %d riders aboard a car of %d seats after stop %d (%s of %s)", d.id, aboard, seats, j, s.Kind, s.TripID)
			}
		}
		for id := range mine {
			if t := byID[id]; !held[t.Status] || t.DriverID != d.id {
				f.add(routeBroken, "driver %s's route has trip %s, which is %s by %q", d.id, id, t.Status, t.DriverID)
			}
		}
		for _, t := range byID {
			if held[t.Status] && t.DriverID == d.id && !mine[t.ID] {
				f.add(routeBroken, "driver %s holds trip %s (%s), which is not on their route", d.id, t.ID, t.Status)
			}
		}
	}
}

// checkBookings finds each trip request's trips by its pick-up address:
// exactly one for a request answered 201 (the one the answer named), at
// most one for any other.
func (w *world) checkBookings(f *findings, fig *figures, trips []tripView) {
	byMarker := map[string][]string{}
	for _, t := range trips {
		byMarker[t.Pickup.Address] = append(byMarker[t.Pickup.Address], t.ID)
	}
	w.trips.mu.Lock()
	defer w.trips.mu.Unlock()
	for _, b := range w.trips.all {
		got := byMarker[b.marker]
		if len(got) > 1 {
			sort.Strings(got)
			for range len(got) - 1 {
				f.add(duplicates, "request %d (Idempotency-Key %s) booked %d trips: %s", b.k, b.key, len(got), strings.Join(got, ", "))
			}
		}
		if b.other != "" {
			f.add(duplicates, "request %d (Idempotency-Key %s) sent again was answered with trip %s, first with %s", b.k, b.key, b.tripID, b.other)
		}
		switch {
		case !b.answered:
			f.add(unanswered, "trip request %d (Idempotency-Key %s): no answer; %d trips booked by it", b.k, b.key, len(got))
		case b.status == http.StatusCreated && !slices.Contains(got, b.tripID):
			f.add(bookingLost, "trip request %d was answered 201 with trip %s; the fleet has %v for it", b.k, b.tripID, got)
		case b.status != http.StatusCreated && len(got) > 0:
			f.add(bookingLost, "trip request %d was refused (%d %s) yet booked %v", b.k, b.status, b.code, got)
		}
	}
}

// checkRush reads the rushed shift and every driver's sign-ups: exactly
// cars_needed confirmed, the rest waiting at positions 1..M, every driver
// signed up once, where the service told them they were.
func (w *world) checkRush(ctx context.Context, f *findings, fig *figures) error {
	r := w.rush
	if r == nil {
		return nil
	}
	var sh struct {
		Confirmed int `json:"confirmed"`
		Waiting   int `json:"waiting"`
	}
	if err := w.api.must(ctx, request{token: adminToken, method: http.MethodGet, path: "/api/v1/campaigns/" + r.campaign + "/shifts/" + r.shift}, http.StatusOK, &sh); err != nil {
		return err
	}
	lists := make([][]signupView, len(w.drivers))
	if err := each(len(w.drivers), func(i int) error {
		var l struct {
			Signups []signupView `json:"signups"`
		}
		err := w.api.must(ctx, request{token: w.drivers[i].token, method: http.MethodGet, path: "/api/v1/drivers/me/signups"}, http.StatusOK, &l)
		lists[i] = l.Signups
		return err
	}); err != nil {
		return err
	}
	rushers := len(r.answers)
	want := min(w.cfg.Places, rushers)
	fig.Rush = &rushFigures{Drivers: rushers, Places: w.cfg.Places, Confirmed: sh.Confirmed, Waiting: sh.Waiting}
	if sh.Confirmed != want || sh.Waiting != rushers-want {
		f.add(rushWrong, "shift %s: %d confirmed and %d waiting; want %d and %d", r.shift, sh.Confirmed, sh.Waiting, want, rushers-want)
	}
	confirmed := 0
	positions := map[int]string{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, d := range w.drivers {
		var mine []signupView
		for _, s := range lists[i] {
			if s.CampaignID == r.campaign && s.ShiftID == r.shift {
				mine = append(mine, s)
			}
		}
		told := r.answers[d.id]
		if len(mine) != 1 {
			f.add(rushWrong, "driver %s lists %d sign-ups for the shift; want 1", d.id, len(mine))
			continue
		}
		s := mine[0]
		switch s.Status {
		case "confirmed":
			confirmed++
		case "waiting":
			if other, dup := positions[s.Position]; dup {
				f.add(rushWrong, "drivers %s and %s both wait at position %d", other, d.id, s.Position)
			}
			positions[s.Position] = d.id
		}
		if told != nil && told.answered && told.status == http.StatusCreated &&
			(told.Status != s.Status || told.Position != s.Position) {
			f.add(rushWrong, "driver %s was told %s %d; stands %s %d", d.id, told.Status, told.Position, s.Status, s.Position)
		}
		if told != nil && told.differs != "" {
			f.add(rushWrong, "driver %s signing up again with the same Idempotency-Key was answered otherwise: %s", d.id, told.differs)
		}
		if told != nil && told.answered && told.status != http.StatusCreated {
			f.add(rushWrong, "driver %s's sign-up was refused: %d %s", d.id, told.status, told.code)
		}
	}
	if confirmed != want {
		f.add(rushWrong, "%d drivers list themselves confirmed; want %d", confirmed, want)
	}
	for p := 1; p <= rushers-want; p++ {
		if _, ok := positions[p]; !ok {
			f.add(rushWrong, "nobody waits at position %d (want 1..%d)", p, rushers-want)
		}
	}
	if len(positions) != rushers-want {
		f.add(rushWrong, "%d waiting positions; want %d", len(positions), rushers-want)
	}
	for _, s := range r.answers {
		if !s.answered {
			f.add(unanswered, "a sign-up got no answer")
		}
	}
	return nil
}
