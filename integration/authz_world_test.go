package integration

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// caller is who makes a request in the authorization matrix: a role, and
// for bothDrivers and bothRequesters whether what the request is about is theirs.
type caller int

const (
	asAnon           caller = iota // no Authorization header
	asForged                       // a bearer token nobody was given
	asCoordinator                  // a coordinator
	asOwnDriver                    // the driver whose trip, route or availability it is
	asOtherDriver                  // another driver
	asOwnRequester                 // the requester whose trip or booking it is
	asOtherRequester               // another requester
)

var callers = []caller{asAnon, asForged, asCoordinator, asOwnDriver, asOtherDriver, asOwnRequester, asOtherRequester}

func (c caller) String() string {
	return [...]string{"no token", "bad token", "coordinator", "driver (own)", "driver (another's)",
		"requester (own)", "requester (another's)"}[c]
}

// anySignedIn are the callers with a real token.
var anySignedIn = []caller{asCoordinator, asOwnDriver, asOtherDriver, asOwnRequester, asOtherRequester}

// secretTrip is a trip of a world whose riders' names and phones, and
// exact pickup, only some callers may see (PRODUCT.md, privacy).
type secretTrip struct {
	id     string
	secret []string
	seenBy map[caller]bool
}

// world is what the matrix asks about: two bothDrivers and two bothRequesters, the
// "own" ones holding what is asked about, and, made when first needed, a
// trip of each state, a campaign with a published route, a recurring
// booking. Each world has a corner of the map of its own, 60 km from any
// other, so that its trips are offered to its own bothDrivers only.
type world struct {
	tb     testing.TB
	f      *fixture
	centre point // the own driver lives here; pickups are here
	site   place // where the world's trips go: 3 km south

	dA, dB *driver
	rA, rB *requester

	trips []*secretTrip // every trip made, for the redaction check

	assignedT, offeredT, unassignedT *secretTrip
	arrivedT                         *secretTrip
	aboardT                          *secretTrip // picked up by the own driver
	aboardPIN                        string
	arrivedPIN                       string
	unservedT                        *secretTrip // ended unserved: its alert open on the board
	campaignT                        *secretTrip // the student of the shift's plan
	coordID                          string
	campaignID, shiftID              string
	secondShiftID                    string
	signedUp, planned                bool
	routeID                          string
	recurrenceID                     string
	placeName                        string
	sharedT                          *secretTrip // a trip its requester made a guardian link to
	shareID, shareToken              string
	sosID                            string // the own driver's open SOS
	reportID                         string // the own driver's report, with one photo
	lostID                           string // an item the own driver found after the assigned trip, with a photo
}

// worlds numbers worlds, for their corners of the map.
var worlds atomic.Int64

func newWorld(tb testing.TB, f *fixture) *world {
	tb.Helper()
	n := worlds.Add(1)
	centre := offset(home, float64(n%5)*60, float64(n/5)*60)
	sitePoint := offset(centre, -3, 0)
	w := &world{tb: tb, f: f.in(tb), centre: centre,
		site: place{Lat: sitePoint.Lat, Lng: sitePoint.Lng, Address: fmt.Sprintf("Exam site %d-%s, Gate 2", n, runID)}}
	// The own driver lives at the pickups; the other one 5 km away, beyond
	// the first search radius: trips are offered to the own driver first.
	w.dA, w.dB = w.f.addDriver(offset(centre, 0.3, 0)), w.f.addDriver(offset(centre, 5, 0))
	w.dA.online(offset(centre, 0.3, 0))
	w.dB.online(offset(centre, 5, 0))
	w.rA, w.rB = w.f.addRequester("school"), w.f.addRequester("school")
	return w
}

// client returns the client of the caller.
func (w *world) client(c caller) *client {
	switch c {
	case asAnon:
		return w.f.client("")
	case asForged:
		return w.f.client("hl_not_a_token_anyone_was_given_0000")
	case asCoordinator:
		return w.f.admin
	case asOwnDriver:
		return w.dA.client
	case asOtherDriver:
		return w.dB.client
	case asOwnRequester:
		return w.rA.client
	default:
		return w.rB.client
	}
}

// tripRequest is a student's ride in this world, to arrive in `in`, with
// riders' contact and an address no other trip has.
func (w *world) tripRequest(in time.Duration) tripRequest {
	r := examTrip(in)
	r.Pickup.Lat, r.Pickup.Lng = w.centre.Lat, w.centre.Lng
	r.Dropoff = w.site
	return r
}

// book has the own requester book req and records its secrets, seen by
// coordinators and the requester only, until a driver accepts it.
func (w *world) book(req tripRequest) *secretTrip {
	w.tb.Helper()
	t := w.rA.in(w.tb).request(req)
	st := &secretTrip{id: t.ID, secret: secrets(req), seenBy: map[caller]bool{asCoordinator: true, asOwnRequester: true}}
	w.trips = append(w.trips, st)
	return st
}

// assignedTrip is a trip of the own requester the own driver accepted.
func (w *world) assignedTrip() string {
	if w.assignedT == nil {
		w.tb.Helper()
		t := w.book(w.tripRequest(3 * time.Hour))
		w.dA.in(w.tb).waitOffer(t.id)
		w.dA.in(w.tb).accept(t.id).must(w.tb, http.StatusOK, nil)
		t.seenBy[asOwnDriver] = true
		w.assignedT = t
	}
	return w.assignedT.id
}

// arrivedTrip is a trip of the own requester whose driver, the own one,
// has arrived at the pick-up, with the rider's handover PIN (which the
// requester and coordinators read, and the rider tells the driver).
func (w *world) arrivedTrip() (id, pin string) {
	if w.arrivedT == nil {
		w.tb.Helper()
		w.arrivedT, w.arrivedPIN = w.arrivedAt(4 * time.Hour)
	}
	return w.arrivedT.id, w.arrivedPIN
}

// aboardTrip is a trip of the own requester whose rider is aboard the own
// driver's car, with the rider's PIN.
func (w *world) aboardTrip() (id, pin string) {
	if w.aboardT == nil {
		w.tb.Helper()
		t, pin := w.arrivedAt(5 * time.Hour)
		w.dA.in(w.tb).post("/api/v1/trips/"+t.id+"/progress", map[string]string{"step": "picked_up", "pin": pin}).must(w.tb, http.StatusOK, nil)
		w.aboardT, w.aboardPIN = t, pin
	}
	return w.aboardT.id, w.aboardPIN
}

// arrivedAt books a trip of the own requester, in from now, that the own
// driver takes and arrives at, and reads its PIN.
func (w *world) arrivedAt(in time.Duration) (*secretTrip, string) {
	w.tb.Helper()
	t := w.book(w.tripRequest(in))
	w.dA.in(w.tb).waitOffer(t.id)
	w.dA.in(w.tb).accept(t.id).must(w.tb, http.StatusOK, nil)
	t.seenBy[asOwnDriver] = true
	w.dA.in(w.tb).post("/api/v1/trips/"+t.id+"/progress", map[string]string{"step": "arrived"}).must(w.tb, http.StatusOK, nil)
	var read struct {
		PIN string `json:"pin"`
	}
	w.f.admin.get("/api/v1/trips/"+t.id).must(w.tb, http.StatusOK, &read)
	require.NotEmpty(w.tb, read.PIN, "a trip has a handover PIN")
	return t, read.PIN
}

// offeredTrip is a trip of the own requester offered to the own driver, who
// has not answered; the other driver may claim it once they let it go.
func (w *world) offeredTrip() string {
	if w.offeredT == nil {
		w.tb.Helper()
		t := w.book(w.tripRequest(9 * time.Hour))
		w.dA.in(w.tb).waitOffer(t.id)
		w.offeredT = t
	}
	return w.offeredT.id
}

// unassignedTrip is a trip both drivers turned down, waiting for a
// coordinator.
func (w *world) unassignedTrip() string {
	if w.unassignedT == nil {
		w.tb.Helper()
		t := w.book(w.tripRequest(5 * time.Hour))
		for _, d := range []*driver{w.dA, w.dB} {
			d = d.in(w.tb)
			d.waitOffer(t.id)
			d.post("/api/v1/trips/"+t.id+"/decline", nil).must(w.tb, http.StatusOK, nil)
		}
		w.f.admin.waitStatus(t.id, unassigned, 10*time.Second)
		w.unassignedT = t
	}
	return w.unassignedT.id
}

// unservedTrip is a trip of the own requester nobody carried by its
// arrive_by, a few seconds after booking: the board keeps an unserved
// alert for it until a coordinator closes it.
func (w *world) unservedTrip() string {
	if w.unservedT == nil {
		w.tb.Helper()
		board := w.f.board()
		from := board.mark()
		t := w.book(w.tripRequest(4 * time.Second))
		board.waitFrom(from, 20*time.Second, "the unserved alert of "+t.id, func(fr frame) bool {
			return fr.Type == "alert" && fr.str("trip_id") == t.id && fr.str("reason") == "unserved"
		})
		w.unservedT = t
	}
	return w.unservedT.id
}

// coordinator is a second coordinator, whose token the matrix rotates.
func (w *world) coordinator() string {
	if w.coordID == "" {
		w.tb.Helper()
		var a account
		w.f.admin.post("/api/v1/coordinators", map[string]string{"name": fmt.Sprintf("Fleet office %s-%d", runID, unique())}).
			must(w.tb, http.StatusCreated, &a)
		w.coordID = a.ID
	}
	return w.coordID
}

// campaign is a campaign of one shift tomorrow morning at the world's
// site, for minors, its sign-up window open.
func (w *world) campaign() (cid, sid string) {
	if w.campaignID == "" {
		w.tb.Helper()
		c := createCampaign(w.tb, w.f.admin, newCampaignDraft(openWindow(), w.shift()))
		w.campaignID, w.shiftID = c.ID, c.Shifts[0].ID
	}
	return w.campaignID, w.shiftID
}

func (w *world) shift() shiftDraft { return w.shiftOn(1) }

// shiftOn is a one-car shift at the world's site, for minors, days ahead.
func (w *world) shiftOn(days int) shiftDraft {
	sh := shiftIn(days, 1)
	sh.Area = &campaignArea{Lat: w.site.Lat, Lng: w.site.Lng, RadiusKm: 5}
	sh.VerifiedMinors = true
	return sh
}

// secondShift is a second shift of the campaign, the day after the first,
// nobody signed up: a campaign's only shift cannot be removed.
func (w *world) secondShift() (cid, sid string) {
	cid, _ = w.campaign()
	if w.secondShiftID == "" {
		w.tb.Helper()
		var sh campaignShift
		w.f.admin.post(shiftsPath(cid), w.shiftOn(2)).must(w.tb, http.StatusCreated, &sh)
		w.secondShiftID = sh.ID
	}
	return cid, w.secondShiftID
}

// signedUpShift is the campaign's shift with the own driver signed up.
func (w *world) signedUpShift() (cid, sid string) {
	cid, sid = w.campaign()
	if !w.signedUp {
		w.tb.Helper()
		signUp(w.tb, w.dA, cid, sid)
		w.signedUp = true
	}
	return cid, sid
}

// plannedShift is the signed-up shift with a student booked for it and
// the shift planned, not yet published.
func (w *world) plannedShift() (cid, sid string) {
	cid, sid = w.signedUpShift()
	if !w.planned {
		w.tb.Helper()
		day, err := time.ParseInLocation("2006-01-02 15:04", w.shift().Date+" 07:30", shanghai)
		require.NoError(w.tb, err)
		req := w.tripRequest(time.Hour)
		req.ArriveBy = rfc3339(day)
		var t trip
		w.rA.in(w.tb).post("/api/v1/trips", campaignTrip{tripRequest: req, CampaignID: cid}).must(w.tb, http.StatusCreated, &t)
		w.campaignT = &secretTrip{id: t.ID, secret: secrets(req), seenBy: map[caller]bool{asCoordinator: true, asOwnRequester: true}}
		w.trips = append(w.trips, w.campaignT)
		var p shiftPlan
		w.f.admin.post(planPath(cid, sid), nil).must(w.tb, http.StatusCreated, &p)
		require.Len(w.tb, p.Routes, 1, "the shift's plan: one route, for its one driver: %+v", p)
		w.routeID = p.Routes[0].ID
		w.planned = true
	}
	return cid, sid
}

// route is the own driver's route, offered to them whole.
func (w *world) route() string {
	cid, sid := w.plannedShift()
	w.tb.Helper()
	if w.routeIsOffered() {
		return w.routeID
	}
	w.f.admin.post(planPath(cid, sid)+"/publish", nil).must(w.tb, http.StatusOK, nil)
	return w.routeID
}

func (w *world) routeIsOffered() bool {
	var p shiftPlan
	w.f.admin.get(planPath(w.campaignID, w.shiftID)).must(w.tb, http.StatusOK, &p)
	return len(p.Routes) == 1 && p.Routes[0].Status == "offered"
}

// recurrence is a recurring booking of the own requester, starting next
// week (so that no trip of it is booked while the matrix runs).
func (w *world) recurrence() string {
	if w.recurrenceID == "" {
		w.tb.Helper()
		var r recurringTrip
		d, secret := w.recurrenceDraft()
		w.rA.in(w.tb).post("/api/v1/recurring-trips", d).must(w.tb, http.StatusCreated, &r)
		w.recurrenceID = r.ID
		w.trips = append(w.trips, &secretTrip{id: r.ID, secret: secret, seenBy: map[caller]bool{asCoordinator: true, asOwnRequester: true}})
	}
	return w.recurrenceID
}

// recurrenceDraft is a Monday, Wednesday and Friday ride from next week,
// and its rider's name and phone and its pickup address.
func (w *world) recurrenceDraft() (map[string]any, []string) {
	n := unique()
	name, phone := fmt.Sprintf("Grandpa Li %s-%d", runID, n), fmt.Sprintf("137%08d", n)
	addr := fmt.Sprintf("Flat %d-%s, 3 Zhanqian Road", n, runID)
	d := dialysis()
	d["trip"] = map[string]any{
		"kind":    "hospital",
		"pickup":  map[string]any{"lat": w.centre.Lat, "lng": w.centre.Lng, "address": addr},
		"dropoff": map[string]any{"lat": w.site.Lat, "lng": w.site.Lng, "address": w.site.Address},
		"riders":  []any{map[string]any{"name": name, "phone": phone}},
	}
	d["from"] = time.Now().In(shanghai).AddDate(0, 0, 7).Format("2006-01-02")
	return d, []string{name, phone, addr}
}

// place is an exam site of the world, by name, for CSV lists.
func (w *world) place() string {
	if w.placeName == "" {
		w.tb.Helper()
		name := fmt.Sprintf("Exam site %s-%d", runID, unique())
		w.f.admin.post("/api/v1/places", map[string]any{"name": name, "kind": "exam_site",
			"lat": w.site.Lat, "lng": w.site.Lng, "address": w.site.Address}).must(w.tb, http.StatusCreated, nil)
		w.placeName = name
	}
	return w.placeName
}

// share is a guardian link the own requester made to a trip of its own,
// with the link's id and token. Whoever holds the token sees the trip's
// pick-up by the name it was booked with, by design: the requester chose
// to share it. The riders' names and phones stay secret from everyone.
func (w *world) share() (id, token string) {
	if w.sharedT == nil {
		w.tb.Helper()
		t := w.book(w.tripRequest(7 * time.Hour))
		t.secret = t.secret[:2]
		var l struct{ ID, Token string }
		w.rA.in(w.tb).post("/api/v1/trips/"+t.id+"/share", nil).must(w.tb, http.StatusCreated, &l)
		w.sharedT, w.shareID, w.shareToken = t, l.ID, l.Token
	}
	return w.shareID, w.shareToken
}

// sos is an SOS the own driver raised, with no trip, still open.
func (w *world) sos() string {
	if w.sosID == "" {
		w.tb.Helper()
		var s struct{ ID string }
		w.dA.in(w.tb).post("/api/v1/sos", map[string]any{"location": w.centre}).must(w.tb, http.StatusCreated, &s)
		w.sosID = s.ID
	}
	return w.sosID
}

// report is the own driver's report, with a photo.
func (w *world) report() string {
	if w.reportID == "" {
		w.tb.Helper()
		var r struct{ ID string }
		w.dA.in(w.tb).post("/api/v1/reports", reportForm(w.tb, [][2]string{{"kind", "hazard"}, {"location", "28.24,117.03"}}, pngWithText(w.tb))).
			must(w.tb, http.StatusCreated, &r)
		w.reportID = r.ID
	}
	return w.reportID
}

// lostItem is an item the own driver found after the assigned trip, with
// a photo.
func (w *world) lostItem() string {
	if w.lostID == "" {
		w.tb.Helper()
		var it struct{ ID string }
		w.dA.in(w.tb).post("/api/v1/lost-items", reportForm(w.tb, [][2]string{{"trip_id", w.assignedTrip()}, {"description", "a blue umbrella"}}, pngWithText(w.tb))).
			must(w.tb, http.StatusCreated, &it)
		w.lostID = it.ID
	}
	return w.lostID
}

// build makes every part of the world, so that requests refused in it
// find it as it is and leave it so.
func (w *world) build() {
	w.tb.Helper()
	w.assignedTrip()
	w.arrivedTrip()
	w.offeredTrip()
	w.unassignedTrip()
	w.coordinator()
	w.route()
	w.secondShift()
	w.recurrence()
	w.place()
	w.unservedTrip()
	w.share()
	w.sos()
	w.report()
	w.lostItem()
	w.aboardTrip()
}
