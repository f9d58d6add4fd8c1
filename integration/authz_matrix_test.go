package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answer is what a caller gets from an operation: a status and, for a
// refusal, its error code; shows says the answer must show the riders and
// pickup of the entry's trip (redaction is checked for every answer).
type answer struct {
	status int
	code   string
	shows  bool
}

var (
	ok200   = answer{status: http.StatusOK}
	ok201   = answer{status: http.StatusCreated}
	okShows = answer{status: http.StatusOK, shows: true}
	upgrade = answer{status: http.StatusSwitchingProtocols}
)

func refusal(status int, code string) answer { return answer{status: status, code: code} }

// matrixEntry is one operation of the document (or a variant of one) as
// the matrix asks it: the path (parameters filled in from the world) and
// body, who is let through and what they get. Signed-in callers not in
// allow are refused as deny says, else with 403 forbidden; callers without
// a valid token with 401, unless the operation is public.
type matrixEntry struct {
	path   func(w *world) string
	body   func(w *world) any
	allow  map[caller]answer
	deny   map[caller]answer
	public bool
	// ticket opens a live channel with a one-time ticket the caller asked
	// for, as a browser does, rather than the bearer header.
	ticket bool
	// trip is the trip whose secrets an answer with shows must show.
	trip func(w *world) *secretTrip
	// grants is the trip a call let through gives the caller, who may see
	// its riders from then on.
	grants func(w *world) *secretTrip
}

func literal(p string) func(*world) string { return func(*world) string { return p } }

func each(o answer, cs ...caller) map[caller]answer {
	m := map[caller]answer{}
	for _, c := range cs {
		m[c] = o
	}
	return m
}

var (
	bothDrivers    = []caller{asOwnDriver, asOtherDriver}
	bothRequesters = []caller{asOwnRequester, asOtherRequester}
)

func merged(m map[caller]answer, more map[caller]answer) map[caller]answer {
	out := map[caller]answer{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

func tripPath(id func(w *world) string, action string) func(*world) string {
	return func(w *world) string { return "/api/v1/trips/" + id(w) + action }
}

func assignedID(w *world) string   { return w.assignedTrip() }
func arrivedID(w *world) string    { id, _ := w.arrivedTrip(); return id }
func offeredID(w *world) string    { return w.offeredTrip() }
func unassignedID(w *world) string { return w.unassignedTrip() }
func assignedSecret(w *world) *secretTrip {
	w.assignedTrip()
	return w.assignedT
}
func offeredSecret(w *world) *secretTrip {
	w.offeredTrip()
	return w.offeredT
}

func matrixShiftPath(get func(w *world) (string, string), tail string) func(*world) string {
	return func(w *world) string {
		cid, sid := get(w)
		return "/api/v1/campaigns/" + cid + "/shifts/" + sid + tail
	}
}

func tomorrow(*world) string {
	return "/api/v1/plans/" + time.Now().In(shanghai).AddDate(0, 0, 1).Format("2006-01-02")
}

func weeklyAvailability(*world) any {
	return map[string]any{"weekly": []any{map[string]any{"days": []string{"mon", "wed"}, "from": "06:00", "to": "12:00"}}, "dates": []any{}}
}

// matrix is every operation of httpapi/openapi.json, keyed "METHOD path"
// as the document spells it, some with variants (" — what differs"). A
// new operation without an entry fails TestAuthorizationMatrix.
var matrix = map[string]matrixEntry{
	"GET /healthz":             {path: literal("/healthz"), public: true},
	"GET /readyz":              {path: literal("/readyz"), public: true},
	"GET /metrics":             {path: literal("/metrics"), public: true},
	"GET /api/v1/openapi.json": {path: literal("/api/v1/openapi.json"), public: true},

	"POST /api/v1/coordinators": {path: literal("/api/v1/coordinators"),
		body:  func(*world) any { return map[string]string{"name": fmt.Sprintf("Fleet office %s-%d", runID, unique())} },
		allow: each(ok201, asCoordinator)},
	"POST /api/v1/coordinators/{id}/token": {path: func(w *world) string { return "/api/v1/coordinators/" + w.coordinator() + "/token" },
		allow: each(ok201, asCoordinator)},
	"POST /api/v1/drivers": {path: literal("/api/v1/drivers"),
		body:  func(w *world) any { return verifiedDriver(offset(w.centre, 20, 0)) },
		allow: each(ok201, asCoordinator)},
	"GET /api/v1/drivers":    {path: literal("/api/v1/drivers"), allow: each(ok200, asCoordinator)},
	"GET /api/v1/drivers/me": {path: literal("/api/v1/drivers/me"), allow: each(ok200, bothDrivers...)},
	"GET /api/v1/drivers/{id}": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID },
		allow: each(ok200, asCoordinator, asOwnDriver)},
	"POST /api/v1/drivers/{id}/token": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID + "/token" },
		allow: each(ok201, asCoordinator, asOwnDriver)},
	"POST /api/v1/requesters/{id}/token": {path: func(w *world) string { return "/api/v1/requesters/" + w.rA.ID + "/token" },
		allow: each(ok201, asCoordinator, asOwnRequester)},
	"POST /api/v1/drivers/me/presence": {path: literal("/api/v1/drivers/me/presence"),
		body:  func(w *world) any { p := offset(w.centre, 0.3, 0); return presence{Status: "online", Location: &p} },
		allow: each(ok200, bothDrivers...)},
	"GET /api/v1/drivers/me/offers": {path: literal("/api/v1/drivers/me/offers"), allow: each(ok200, bothDrivers...)},
	"GET /api/v1/drivers/me/stats":  {path: literal("/api/v1/drivers/me/stats"), allow: each(ok200, bothDrivers...)},
	"GET /api/v1/drivers/me/route":  {path: literal("/api/v1/drivers/me/route"), allow: each(ok200, bothDrivers...)},
	"PATCH /api/v1/drivers/{id}": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID },
		body:  func(*world) any { return map[string]string{"name": fmt.Sprintf("Volunteer %s-%d", runID, unique())} },
		allow: each(ok200, asCoordinator)},
	"GET /api/v1/drivers/{id}/changes": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID + "/changes" },
		allow: each(ok200, asCoordinator)},
	"PATCH /api/v1/requesters/{id}": {path: func(w *world) string { return "/api/v1/requesters/" + w.rA.ID },
		body:  func(*world) any { return map[string]string{"name": fmt.Sprintf("School %s-%d", runID, unique())} },
		allow: each(ok200, asCoordinator)},
	"GET /api/v1/requesters/{id}/changes": {path: func(w *world) string { return "/api/v1/requesters/" + w.rA.ID + "/changes" },
		allow: each(ok200, asCoordinator)},
	"GET /api/v1/drivers/{id}/stats": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID + "/stats" },
		allow: each(ok200, asCoordinator, asOwnDriver)},
	"GET /api/v1/drivers/{id}/route": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID + "/route" },
		allow: each(ok200, asCoordinator, asOwnDriver)},
	"POST /api/v1/places": {path: literal("/api/v1/places"),
		body: func(w *world) any {
			return map[string]any{"name": fmt.Sprintf("Driver station %s-%d", runID, unique()), "kind": "station",
				"lat": w.centre.Lat, "lng": w.centre.Lng, "address": "1 Station Road"}
		},
		allow: each(ok201, asCoordinator)},
	"GET /api/v1/places": {path: literal("/api/v1/places"), allow: each(ok200, anySignedIn...)},
	"POST /api/v1/requesters": {path: literal("/api/v1/requesters"),
		body: func(*world) any {
			return requesterRegistration{Name: fmt.Sprintf("Yingtan school %s-%d", runID, unique()), Kind: "school", Phone: "0701-6221234"}
		},
		allow: each(ok201, asCoordinator)},
	"GET /api/v1/requesters":    {path: literal("/api/v1/requesters"), allow: each(ok200, asCoordinator)},
	"GET /api/v1/requesters/me": {path: literal("/api/v1/requesters/me"), allow: each(ok200, bothRequesters...)},

	"POST /api/v1/trips": {path: literal("/api/v1/trips"),
		body:  func(w *world) any { return w.tripRequest(4 * time.Hour) },
		allow: each(ok201, asCoordinator, asOwnRequester, asOtherRequester)},
	"POST /api/v1/trips/import": {path: literal("/api/v1/trips/import"),
		body: func(w *world) any {
			arrive := time.Now().Add(6 * time.Hour).In(shanghai).Format("2006-01-02 15:04")
			return csvList(importHeader + fmt.Sprintf("Student Wang %s-%d,139%08d,%f,%f,%d Shengli Road,%s,%s\n",
				runID, unique(), unique(), w.centre.Lat, w.centre.Lng, unique(), w.place(), arrive))
		},
		allow: each(ok201, asCoordinator, asOwnRequester, asOtherRequester)},
	"GET /api/v1/trips": {path: literal("/api/v1/trips"), trip: assignedSecret,
		allow: merged(each(okShows, asCoordinator, asOwnDriver, asOwnRequester), each(ok200, asOtherDriver, asOtherRequester))},
	"GET /api/v1/trips — open ones": {path: literal("/api/v1/trips?status=open"), trip: offeredSecret,
		allow: merged(each(okShows, asCoordinator, asOwnRequester), each(ok200, asOwnDriver, asOtherDriver, asOtherRequester))},
	"GET /api/v1/trips/{id}": {path: tripPath(assignedID, ""), trip: assignedSecret,
		allow: each(okShows, asCoordinator, asOwnDriver, asOwnRequester)},
	"GET /api/v1/trips/{id} — offered, not yet accepted": {path: tripPath(offeredID, ""), trip: offeredSecret,
		// Both bothDrivers may take it: they see it, redacted.
		allow: merged(each(okShows, asCoordinator, asOwnRequester), each(ok200, asOwnDriver, asOtherDriver))},
	"POST /api/v1/trips/{id}/accept": {path: tripPath(offeredID, "/accept"), grants: offeredSecret,
		allow: each(ok200, asOwnDriver),
		deny:  each(refusal(409, "conflict"), asOtherDriver)}, // offered to another for now
	"POST /api/v1/trips/{id}/accept — another's": {path: tripPath(assignedID, "/accept"),
		allow: each(ok200, asOwnDriver), // already theirs: answered with the trip
		deny:  each(refusal(409, "trip_taken"), asOtherDriver)},
	"POST /api/v1/trips/{id}/decline": {path: tripPath(offeredID, "/decline"),
		allow: each(ok200, asOwnDriver),
		deny:  each(refusal(409, "conflict"), asOtherDriver)}, // no offer to decline
	"POST /api/v1/trips/{id}/progress": {path: tripPath(arrivedID, "/progress"),
		body: func(w *world) any {
			_, pin := w.arrivedTrip()
			return map[string]string{"step": "picked_up", "pin": pin}
		},
		allow: each(ok200, asOwnDriver, asCoordinator)},
	"POST /api/v1/trips/{id}/release": {path: tripPath(assignedID, "/release"), allow: each(ok200, asOwnDriver)},
	"POST /api/v1/trips/{id}/cancel":  {path: tripPath(assignedID, "/cancel"), allow: each(ok200, asCoordinator, asOwnRequester)},
	"POST /api/v1/trips/{id}/assign": {path: tripPath(unassignedID, "/assign"),
		body:  func(w *world) any { return map[string]string{"driver_id": w.dB.ID} },
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/trips/{id}/assign — a trip offered to another": {path: tripPath(offeredID, "/assign"),
		body:  func(w *world) any { return map[string]string{"driver_id": w.dB.ID} },
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/trips/{id}/reassign": {path: tripPath(assignedID, "/reassign"),
		body:  func(w *world) any { return map[string]string{"driver_id": w.dB.ID} },
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/trips/{id}/unassign": {path: tripPath(assignedID, "/unassign"), allow: each(ok200, asCoordinator)},
	"POST /api/v1/alerts/{id}/close": {path: func(w *world) string { return "/api/v1/alerts/" + w.unservedTrip() + "/close" },
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/trips/{id}/requeue": {path: tripPath(unassignedID, "/requeue"), allow: each(ok200, asCoordinator)},
	"POST /api/v1/trips/{id}/share":   {path: tripPath(assignedID, "/share"), allow: each(ok201, asCoordinator, asOwnRequester)},
	"DELETE /api/v1/trips/{id}/share": {path: func(w *world) string { w.share(); return "/api/v1/trips/" + w.sharedT.id + "/share" },
		allow: each(ok200, asCoordinator, asOwnRequester)},
	"DELETE /api/v1/trips/{id}/share/{link}": {path: func(w *world) string {
		id, _ := w.share()
		return "/api/v1/trips/" + w.sharedT.id + "/share/" + id
	}, allow: each(ok200, asCoordinator, asOwnRequester)},
	"GET /api/v1/shared/{token}": {path: func(w *world) string { _, tok := w.share(); return "/api/v1/shared/" + tok }, public: true},
	"POST /api/v1/sos": {path: literal("/api/v1/sos"),
		body:  func(w *world) any { return map[string]any{"location": w.centre} },
		allow: each(ok201, bothDrivers...)},
	"POST /api/v1/sos — naming a trip": {path: literal("/api/v1/sos"),
		body:  func(w *world) any { return map[string]any{"location": w.centre, "trip_id": w.assignedTrip()} },
		allow: each(ok201, asOwnDriver)}, // another driver's trip: 403
	"GET /api/v1/sos": {path: literal("/api/v1/sos"), allow: each(ok200, asCoordinator)},
	"POST /api/v1/sos/{id}/resolve": {path: func(w *world) string { return "/api/v1/sos/" + w.sos() + "/resolve" },
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/reports": {path: literal("/api/v1/reports"),
		body:  func(w *world) any { return map[string]any{"kind": "hazard", "location": w.centre, "note": "debris"} },
		allow: each(ok201, bothDrivers...)},
	"GET /api/v1/reports": {path: literal("/api/v1/reports"), allow: each(ok200, asCoordinator, asOwnDriver, asOtherDriver)},
	"GET /api/v1/reports/{id}": {path: func(w *world) string { return "/api/v1/reports/" + w.report() },
		allow: each(ok200, asCoordinator, asOwnDriver)},
	"PATCH /api/v1/reports/{id}": {path: func(w *world) string { return "/api/v1/reports/" + w.report() },
		body:  func(*world) any { return map[string]any{"status": "forwarded", "forwarded_to": "the road authority"} },
		allow: each(ok200, asCoordinator)},
	"GET /api/v1/reports/{id}/photos/{n}": {path: func(w *world) string { return "/api/v1/reports/" + w.report() + "/photos/1" },
		allow: each(ok200, asCoordinator, asOwnDriver)},
	"POST /api/v1/lost-items": {path: literal("/api/v1/lost-items"),
		body:  func(w *world) any { return map[string]any{"description": "a scarf, back seat"} },
		allow: each(ok201, asCoordinator, asOwnDriver, asOtherDriver)},
	"POST /api/v1/lost-items — naming a trip": {path: literal("/api/v1/lost-items"),
		body:  func(w *world) any { return map[string]any{"description": "a scarf", "trip_id": w.assignedTrip()} },
		allow: each(ok201, asCoordinator, asOwnDriver)}, // another driver's trip: 403
	"GET /api/v1/lost-items": {path: literal("/api/v1/lost-items"), allow: each(ok200, anySignedIn...)},
	"GET /api/v1/lost-items/{id}": {path: func(w *world) string { return "/api/v1/lost-items/" + w.lostItem() },
		allow: each(ok200, asCoordinator, asOwnDriver, asOwnRequester)},
	"GET /api/v1/lost-items/{id}/photo": {path: func(w *world) string { return "/api/v1/lost-items/" + w.lostItem() + "/photo" },
		allow: each(ok200, asCoordinator, asOwnDriver, asOwnRequester)},
	"POST /api/v1/lost-items/{id}/returned": {path: func(w *world) string { return "/api/v1/lost-items/" + w.lostItem() + "/returned" },
		body: func(w *world) any {
			var t trip
			w.f.admin.get("/api/v1/trips/"+w.assignedTrip()).must(w.tb, http.StatusOK, &t)
			return map[string]any{"to": "its owner", "phone": t.Riders[0].Phone} // the proof a driver gives
		},
		allow: each(ok200, asCoordinator, asOwnDriver, asOwnRequester)},
	"POST /api/v1/trips/{id}/checkin": {path: func(w *world) string { id, _ := w.aboardTrip(); return "/api/v1/trips/" + id + "/checkin" },
		allow: each(ok200, asCoordinator, asOwnRequester),
		deny:  map[caller]answer{asOtherRequester: refusal(http.StatusUnprocessableEntity, "wrong_pin")}}, // without the rider's PIN
	"POST /api/v1/trips/{id}/checkin — with the rider's PIN": {path: func(w *world) string { id, _ := w.aboardTrip(); return "/api/v1/trips/" + id + "/checkin" },
		body:  func(w *world) any { _, pin := w.aboardTrip(); return map[string]string{"pin": pin} },
		allow: each(ok200, asCoordinator, asOwnRequester, asOtherRequester)}, // the exam site's own school at its gate
	"GET /api/v1/arrivals":          {path: literal("/api/v1/arrivals"), allow: each(ok200, asCoordinator, asOwnRequester, asOtherRequester)},
	"GET /api/v1/trips/{id}/events": {path: tripPath(assignedID, "/events"), allow: each(ok200, asCoordinator)},
	"GET /api/v1/trips/{id}/reads":  {path: tripPath(assignedID, "/reads"), allow: each(ok200, asCoordinator)},
	"POST /api/v1/riders/export": {path: literal("/api/v1/riders/export"),
		body: func(*world) any { return map[string]string{"phone": "13900000001"} }, allow: each(ok200, asCoordinator)},
	"POST /api/v1/riders/erase": {path: literal("/api/v1/riders/erase"),
		body: func(*world) any { return map[string]string{"phone": "13700000000"} }, allow: each(ok200, asCoordinator)},

	"POST /api/v1/realtime/tickets":  {path: literal("/api/v1/realtime/tickets"), allow: each(ok201, anySignedIn...)},
	"GET /ws/driver":                 {path: literal("/ws/driver"), allow: each(upgrade, bothDrivers...)},
	"GET /ws/driver — with a ticket": {path: literal("/ws/driver"), ticket: true, allow: each(upgrade, bothDrivers...)},
	"GET /ws/board":                  {path: literal("/ws/board"), allow: each(upgrade, asCoordinator)},
	"GET /ws/board — with a ticket":  {path: literal("/ws/board"), ticket: true, allow: each(upgrade, asCoordinator)},
	"GET /ws/requester":              {path: literal("/ws/requester"), allow: each(upgrade, bothRequesters...)},
	"GET /ws/requester — with a ticket": {path: literal("/ws/requester"), ticket: true,
		allow: each(upgrade, bothRequesters...)},

	"POST /api/v1/campaigns": {path: literal("/api/v1/campaigns"),
		body:  func(w *world) any { return newCampaignDraft(openWindow(), w.shift()) },
		allow: each(ok201, asCoordinator)},
	"GET /api/v1/campaigns": {path: literal("/api/v1/campaigns"), allow: each(ok200, anySignedIn...)},
	"GET /api/v1/campaigns/{id}": {path: func(w *world) string { cid, _ := w.campaign(); return "/api/v1/campaigns/" + cid },
		allow: each(ok200, anySignedIn...)},
	"PATCH /api/v1/campaigns/{id}": {path: func(w *world) string { cid, _ := w.campaign(); return "/api/v1/campaigns/" + cid },
		body: func(*world) any {
			return map[string]string{"name": fmt.Sprintf("Gaokao Escort %s-%d", runID, unique())}
		},
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/campaigns/{id}/shifts": {path: func(w *world) string { cid, _ := w.campaign(); return shiftsPath(cid) },
		body:  func(w *world) any { return w.shiftOn(3) },
		allow: each(ok201, asCoordinator)},
	"GET /api/v1/campaigns/{id}/shifts/{shift}": {path: matrixShiftPath((*world).campaign, ""),
		allow: each(ok200, anySignedIn...)},
	"PATCH /api/v1/campaigns/{id}/shifts/{shift}": {path: matrixShiftPath((*world).campaign, ""),
		body:  func(*world) any { return map[string]int{"cars_needed": 2} },
		allow: each(ok200, asCoordinator)},
	"DELETE /api/v1/campaigns/{id}/shifts/{shift}": {path: matrixShiftPath((*world).secondShift, ""), // not the only one
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/campaigns/{id}/shifts/{shift}/signup": {path: matrixShiftPath((*world).campaign, "/signup"),
		allow: each(ok201, bothDrivers...)},
	"DELETE /api/v1/campaigns/{id}/shifts/{shift}/signup": {path: matrixShiftPath((*world).signedUpShift, "/signup"),
		allow: each(ok200, asOwnDriver),
		deny:  each(refusal(404, "not_found"), asOtherDriver)}, // not signed up
	"GET /api/v1/drivers/me/signups": {path: literal("/api/v1/drivers/me/signups"), allow: each(ok200, bothDrivers...)},
	"POST /api/v1/campaigns/{id}/shifts/{shift}/plan": {path: matrixShiftPath((*world).signedUpShift, "/plan"),
		allow: each(ok201, asCoordinator)},
	"GET /api/v1/campaigns/{id}/shifts/{shift}/plan": {path: matrixShiftPath((*world).plannedShift, "/plan"),
		allow: each(ok200, asCoordinator)},
	"POST /api/v1/campaigns/{id}/shifts/{shift}/plan/publish": {path: matrixShiftPath((*world).plannedShift, "/plan/publish"),
		allow: each(ok200, asCoordinator)},
	"GET /api/v1/plans/{date}":          {path: tomorrow, allow: each(refusal(404, "not_found"), asCoordinator)}, // nothing booked ahead
	"POST /api/v1/plans/{date}/publish": {path: func(w *world) string { return tomorrow(w) + "/publish" }, allow: each(ok200, asCoordinator)},
	"GET /api/v1/drivers/me/availability": {path: literal("/api/v1/drivers/me/availability"),
		allow: each(ok200, bothDrivers...)},
	"PUT /api/v1/drivers/me/availability": {path: literal("/api/v1/drivers/me/availability"), body: weeklyAvailability,
		allow: each(ok200, bothDrivers...)},
	"GET /api/v1/drivers/{id}/availability": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID + "/availability" },
		allow: each(ok200, asCoordinator, asOwnDriver)},
	"PUT /api/v1/drivers/{id}/availability": {path: func(w *world) string { return "/api/v1/drivers/" + w.dA.ID + "/availability" },
		body: weeklyAvailability, allow: each(ok200, asCoordinator, asOwnDriver)},
	"POST /api/v1/routes/{id}/accept": {path: func(w *world) string { return routePath(w.route(), "accept") },
		grants: func(w *world) *secretTrip { w.route(); return w.campaignT }, allow: each(ok200, asOwnDriver)},
	"POST /api/v1/routes/{id}/decline": {path: func(w *world) string { return routePath(w.route(), "decline") }, allow: each(ok200, asOwnDriver)},

	"POST /api/v1/recurring-trips": {path: literal("/api/v1/recurring-trips"),
		body:  func(w *world) any { d, _ := w.recurrenceDraft(); return d },
		allow: each(ok201, asCoordinator, asOwnRequester, asOtherRequester)},
	"GET /api/v1/recurring-trips": {path: literal("/api/v1/recurring-trips"), allow: each(ok200, asCoordinator, asOwnRequester, asOtherRequester)},
	"DELETE /api/v1/recurring-trips/{id}": {path: func(w *world) string { return "/api/v1/recurring-trips/" + w.recurrence() },
		allow: each(ok200, asCoordinator, asOwnRequester)},
}

// expect is what the caller gets from the entry.
func (e matrixEntry) expect(c caller) answer {
	if o, ok := e.allow[c]; ok {
		return o
	}
	if e.public {
		return ok200
	}
	if c == asAnon || c == asForged {
		return refusal(http.StatusUnauthorized, "unauthorized")
	}
	if o, ok := e.deny[c]; ok {
		return o
	}
	return refusal(http.StatusForbidden, "forbidden")
}

// opOf is the operation a matrix key is about, without its variant.
func opOf(key string) string {
	op, _, _ := strings.Cut(key, " — ")
	return op
}

// rolesLine reads "**Roles:** …" from an operation's description.
var rolesLine = regexp.MustCompile(`\*\*Roles:\*\*([^\n]*)`)

// documentedRoles is who the document says may call an operation.
func documentedRoles(desc string) map[string]bool {
	m := rolesLine.FindStringSubmatch(desc)
	if m == nil {
		return nil
	}
	line := strings.ToLower(m[1])
	if strings.Contains(line, "any") {
		return map[string]bool{"coordinator": true, "driver": true, "requester": true}
	}
	out := map[string]bool{}
	for _, r := range []string{"coordinator", "driver", "requester"} {
		if strings.Contains(line, r) {
			out[r] = true
		}
	}
	return out
}

func roleOf(c caller) string {
	switch c {
	case asCoordinator:
		return "coordinator"
	case asOwnDriver, asOtherDriver:
		return "driver"
	case asOwnRequester, asOtherRequester:
		return "requester"
	}
	return ""
}

// TestAuthorizationMatrixCoversTheDocument checks the matrix against
// httpapi/openapi.json (which a unit test keeps in step with routes.go):
// an entry for every operation and none for an operation that is not
// there; the roles it lets through are those the operation's "Roles:"
// line names; and every refusal it expects is a status the operation
// documents.
func TestAuthorizationMatrixCoversTheDocument(t *testing.T) {
	require.NoError(t, openAPI.err)
	ops := map[string]string{} // "METHOD path" → description
	for path, item := range openAPI.doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op.Description
		}
	}
	covered := map[string]bool{}
	for key := range matrix {
		covered[opOf(key)] = true
		assert.Contains(t, ops, opOf(key), "matrix entry %q is no operation of openapi.json", key)
	}
	for _, op := range sortedOps(ops) {
		t.Run(op, func(t *testing.T) {
			require.True(t, covered[op], "openapi.json has %s but the authorization matrix has no entry for it: add one to matrix in authz_matrix_test.go", op)
			doc := documentedRoles(ops[op])
			responses := openAPI.doc.Paths.Find(strings.SplitN(op, " ", 2)[1]).GetOperation(strings.SplitN(op, " ", 2)[0]).Responses
			for key, e := range matrix {
				if opOf(key) != op {
					continue
				}
				if doc == nil {
					assert.True(t, e.public, "%s: the document names no roles; the matrix must call it public", key)
					continue
				}
				let := map[string]bool{}
				for c := range e.allow {
					let[roleOf(c)] = true
				}
				assert.Equal(t, doc, let, "%s: the roles the matrix lets through are not those of the document's Roles line", key)
				for _, c := range callers {
					if o := e.expect(c); o.status >= 400 {
						assert.NotNil(t, responses.Status(o.status), "%s as %s: %d is not documented", key, c, o.status)
					}
				}
			}
		})
	}
}

func sortedOps(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestAuthorizationMatrix asks every operation of the document as every
// caller — no token, a bad token, a coordinator, a driver about their own
// trip, route or availability and about another's, a requester about its
// own trip and about another's — on both stores. Refusals are asked in one
// world, made whole first, and must change nothing; calls let through that
// change something each get a world of their own. Every answer, refusal
// or not, must hide the riders and pickups of every trip of the world the
// caller may not see, and show them where the entry says so.
func TestAuthorizationMatrix(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-offers-at-once", "1", "-offer-ttl", "10m", "-route-ttl", "1h")
		f := newFixture(t, srv)
		shared := newWorld(t, f)
		shared.build()
		keys := make([]string, 0, len(matrix))
		for k := range matrix {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		cases := 0
		var fresh []func()
		for _, key := range keys {
			e := matrix[key]
			method := strings.SplitN(key, " ", 2)[0]
			for _, c := range callers {
				want := e.expect(c)
				name := key + " as " + c.String()
				cases++
				if want.status < 400 && method != http.MethodGet {
					// A change let through: in a world of its own, later.
					fresh = append(fresh, func() {
						t.Run(name, func(t *testing.T) {
							w := newWorld(t, f)
							checkCall(t, w, method, e, c, want)
						})
					})
					continue
				}
				t.Run(name, func(t *testing.T) {
					w := *shared
					w.tb, w.f = t, shared.f.in(t)
					checkCall(t, &w, method, e, c, want)
				})
			}
		}
		for _, run := range fresh {
			run()
		}
		t.Logf("authorization matrix: %d operations and variants × %d callers = %d cases", len(matrix), len(callers), cases)
	})
}

// checkCall makes the entry's call as c in w and checks what it got.
func checkCall(t *testing.T, w *world, method string, e matrixEntry, c caller, want answer) {
	path := e.path(w)
	var body any
	if e.body != nil {
		body = e.body(w)
	}
	if strings.HasPrefix(path, "/ws/") {
		checkLive(t, w, path, e.ticket, c, want)
		return
	}
	refused := want.status >= 400
	var before string
	if refused {
		before = w.f.snapshot()
	}
	r := w.client(c).in(t).do(method, path, body)
	if refused {
		r.fails(t, want.status, want.code)
		assert.Equal(t, before, w.f.snapshot(), "a refused request changes nothing")
	} else {
		require.Equal(t, want.status, r.Status, "%s", r)
		if e.grants != nil {
			e.grants(w).seenBy[c] = true
		}
	}
	checkRedacted(t, w, c, string(r.Body), r.String())
	if want.shows {
		assertShows(t, string(r.Body), e.trip(w).secret, r.Method+" "+r.Path+" as "+c.String())
	}
}

// checkRedacted checks that text shows nothing of the world's trips that
// the caller may not see.
func checkRedacted(t *testing.T, w *world, c caller, text, where string) {
	t.Helper()
	for _, st := range w.trips {
		if !st.seenBy[c] {
			assertHides(t, text, st.secret, fmt.Sprintf("%s (as %s, about %s)", where, c, st.id))
		}
	}
}

// checkLive opens a live channel as c, with a bearer token or a ticket,
// and checks the upgrade is refused, or that the snapshot shows nothing of
// trips the caller may not see.
func checkLive(t *testing.T, w *world, path string, ticket bool, c caller, want answer) {
	token, q := w.client(c).token, url.Values(nil)
	if ticket {
		tk := "tk_made_up_0000000000000000"
		if c != asAnon && c != asForged {
			var body struct{ Ticket string }
			w.client(c).in(t).post("/api/v1/realtime/tickets", nil).must(t, http.StatusCreated, &body)
			tk = body.Ticket
		}
		token, q = "", url.Values{"ticket": {tk}}
	}
	if want.status >= 400 {
		refused(t, w.f.srv.URL, path, token, q, nil, want.status, want.code)
		return
	}
	ws, resp, err := dialLive(dialer, w.f.srv.URL, path, token, q, nil)
	require.NoError(t, err, "GET %s as %s", path, c)
	// Driver sockets check every frame for riders' contact themselves.
	driverID := map[caller]string{asOwnDriver: w.dA.ID, asOtherDriver: w.dB.ID}[c]
	conn := startReadingAs(t, path+" as "+c.String(), driverID, ws, resp)
	s := conn.wait(frameWait, "the snapshot", func(frame) bool { return true })
	require.Equal(t, "snapshot", s.Type, "%s", s)
	checkRedacted(t, w, c, s.raw, "the snapshot of "+path)
}

// The channels' own refusals: what a socket may ask, and of which trips.
func TestAuthorizationMatrixLiveFrames(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b, "-offers-at-once", "1", "-offer-ttl", "10m")
		f := newFixture(t, srv)
		w := newWorld(t, f)
		w.assignedTrip()
		w.offeredTrip()
		socket := func(c caller) *liveConn {
			switch c {
			case asCoordinator:
				return f.board()
			case asOwnRequester, asOtherRequester:
				return w.client(c).asRequester(w).live(t)
			}
			return w.client(c).asDriver(w).live(t)
		}
		for _, tc := range []struct {
			as   caller
			typ  string
			trip func(w *world) string
			code string
		}{
			{asOtherDriver, "accept", assignedID, "trip_taken"},
			{asOtherDriver, "accept", offeredID, "conflict"},
			{asOtherDriver, "decline", offeredID, "conflict"},
			{asOwnDriver, "accept", assignedID, ""},
			{asCoordinator, "accept", offeredID, "forbidden"},
			{asCoordinator, "decline", offeredID, "forbidden"},
			{asOwnRequester, "accept", offeredID, "forbidden"},
			{asOtherRequester, "decline", offeredID, "forbidden"},
		} {
			t.Run(fmt.Sprintf("%s on %s %s", tc.typ, tc.as, tripName(w, tc.trip(w))), func(t *testing.T) {
				before := f.in(t).snapshot()
				c := socket(tc.as).in(t)
				fields := map[string]any{"trip_id": tc.trip(w)}
				if tc.code == "" {
					r := c.ack(tc.typ, fields)
					checkRedacted(t, w, tc.as, string(r.Result), tc.typ)
					return
				}
				r := c.fails(tc.typ, fields, tc.code)
				assert.Equal(t, before, f.in(t).snapshot(), "a refused frame changes nothing")
				checkRedacted(t, w, tc.as, r.Message, tc.typ)
			})
		}
	})
}

func tripName(w *world, id string) string {
	switch id {
	case w.assignedTrip():
		return "the trip assigned to the own driver"
	case w.offeredTrip():
		return "the trip offered to the own driver"
	}
	return id
}

func (c *client) asDriver(w *world) *driver {
	if c.token == w.dA.token {
		return w.dA
	}
	return w.dB
}

func (c *client) asRequester(w *world) *requester {
	if c.token == w.rA.token {
		return w.rA
	}
	return w.rB
}
