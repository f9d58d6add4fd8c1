package integration

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Places in Yingtan. The pickup has more decimals than the ~1 km grid of an
// approximate area, so that an exact position shows if it leaks.
var (
	home     = point{Lat: 28.26437, Lng: 117.06891}
	examSite = place{Lat: 28.23512, Lng: 117.02866, Address: "Yingtan No. 1 Middle School, Gate 2"}
)

// north returns p moved km kilometres north.
func north(p point, km float64) point { return point{Lat: p.Lat + km/111.2, Lng: p.Lng} }

// rfc3339 formats a time as the API takes it.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// examTrip is a student's ride from home to the exam site, arriving in
// `in`: more than an hour ahead, so candidates are found by where drivers
// live. Rider name, phone and address are unique, so that a leak of them is
// found by a plain text search.
func examTrip(in time.Duration) tripRequest {
	n := unique()
	return tripRequest{
		Kind: "exam_escort",
		Pickup: place{Lat: home.Lat, Lng: home.Lng,
			Address: fmt.Sprintf("Flat %d-%s, 12 Shengli Road", n, runID)},
		Dropoff:  examSite,
		Riders:   []rider{{Name: fmt.Sprintf("Student Wang %s-%d", runID, n), Phone: fmt.Sprintf("139%08d", n)}},
		ArriveBy: rfc3339(time.Now().Add(in)),
	}
}

// full makes r a trip of four riders, which fills a car of four seats: no
// other trip can share the car while they ride.
func full(r tripRequest) tripRequest {
	first := r.Riders[0]
	r.Riders = []rider{first, {Name: first.Name + " B"}, {Name: first.Name + " C"}, {Name: first.Name + " D"}}
	return r
}

// request books a trip and checks the 201.
func (r *requester) request(req tripRequest) trip {
	r.tb.Helper()
	var t trip
	resp := r.post("/api/v1/trips", req).must(r.tb, http.StatusCreated, &t)
	if t.ID == "" {
		r.tb.Fatalf("%s: no trip id", resp)
	}
	if t.Status != queued && t.Status != offered && t.Status != unassigned {
		r.tb.Fatalf("%s: a new trip is %q", resp, t.Status)
	}
	return t
}

// trip reads a trip the client may see.
func (c *client) trip(id string) trip {
	c.tb.Helper()
	var t trip
	c.get("/api/v1/trips/"+id).must(c.tb, http.StatusOK, &t)
	return t
}

// waitStatus polls the trip until it has the status.
func (c *client) waitStatus(id, status string, timeout time.Duration) trip {
	c.tb.Helper()
	var t trip
	eventually(c.tb, timeout, fmt.Sprintf("trip %s to become %s", id, status), func() bool {
		t = c.trip(id)
		return t.Status == status
	})
	return t
}

// offers lists the driver's live offers.
func (d *driver) offers() []offer {
	d.tb.Helper()
	var body struct{ Offers []offer }
	d.get("/api/v1/drivers/me/offers").must(d.tb, http.StatusOK, &body)
	return body.Offers
}

// offerOf returns the driver's live offer of a trip, if any.
func (d *driver) offerOf(tripID string) (offer, bool) {
	d.tb.Helper()
	os := d.offers()
	i := slices.IndexFunc(os, func(o offer) bool { return o.TripID == tripID })
	if i < 0 {
		return offer{}, false
	}
	return os[i], true
}

// waitOffer polls until the driver is offered the trip.
func (d *driver) waitOffer(tripID string) offer {
	d.tb.Helper()
	var o offer
	eventually(d.tb, 10*time.Second, fmt.Sprintf("driver %s to be offered trip %s", d.ID, tripID), func() bool {
		var ok bool
		o, ok = d.offerOf(tripID)
		return ok
	})
	return o
}

// openTrips lists the open trips the driver may claim.
func (d *driver) openTrips() []trip {
	d.tb.Helper()
	var body struct{ Trips []trip }
	d.get("/api/v1/trips?status=open").must(d.tb, http.StatusOK, &body)
	return body.Trips
}

func (d *driver) accept(tripID string) *response {
	d.tb.Helper()
	return d.post("/api/v1/trips/"+tripID+"/accept", nil)
}

// progress reports a step as a driver's app does: with the PIN the rider
// tells the driver where the step needs one (the test plays the rider, so
// it reads the PIN as a coordinator), and, refused as too far for arrived,
// sharing where it is (at the pick-up) and trying again.
func (d *driver) progress(tripID, step string) *response {
	d.tb.Helper()
	body := map[string]string{"step": step}
	if step == pickedUp || step == completed {
		body["pin"] = d.pinOf(tripID)
	}
	r := d.post("/api/v1/trips/"+tripID+"/progress", body)
	if step == arrived && r.Status == http.StatusConflict && r.code() == "too_far" {
		d.online(d.trip(tripID).Pickup.point())
		r = d.post("/api/v1/trips/"+tripID+"/progress", body)
	}
	return r
}

// pinOf reads a trip's handover PIN as the rider knows it: the coordinator
// sees it, the driver never does.
func (d *driver) pinOf(tripID string) string {
	d.tb.Helper()
	c := *d.client
	c.token = adminToken
	return c.trip(tripID).PIN
}

// events reads a trip's audit trail as a coordinator.
func (f *fixture) events(tripID string) []event {
	f.tb.Helper()
	var body struct{ Events []event }
	f.admin.get("/api/v1/trips/"+tripID+"/events").must(f.tb, http.StatusOK, &body)
	return body.Events
}

// actions lists the actions of an audit trail, in order.
func actions(es []event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action
	}
	return out
}

// tripIDs lists the ids of trips.
func tripIDs(ts []trip) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// explainOnFailure logs the trip and its audit trail if the test fails, to
// tell "never offered" from "offered and lost".
func (f *fixture) explainOnFailure(tripID string) {
	f.tb.Cleanup(func() {
		if !f.tb.Failed() {
			return
		}
		for _, path := range []string{"/api/v1/trips/" + tripID, "/api/v1/trips/" + tripID + "/events"} {
			if r, err := f.admin.send(http.MethodGet, path, nil); err == nil {
				f.tb.Logf("%s", r)
			}
		}
	})
}
