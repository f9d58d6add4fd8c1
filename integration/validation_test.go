package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// with returns the trip request as a JSON object changed by edit, for
// bodies no typed client would send.
func with(tb testing.TB, req tripRequest, edit func(m map[string]any)) map[string]any {
	tb.Helper()
	b, err := json.Marshal(req)
	require.NoError(tb, err)
	var m map[string]any
	require.NoError(tb, json.Unmarshal(b, &m))
	edit(m)
	return m
}

// snapshot is what the fleet office sees of everything: trips, drivers and
// requesters, as returned.
func (f *fixture) snapshot() string {
	f.tb.Helper()
	var sb strings.Builder
	for _, p := range []string{"/api/v1/trips", "/api/v1/drivers", "/api/v1/requesters"} {
		sb.Write(f.admin.get(p).must(f.tb, http.StatusOK, nil).Body)
	}
	return sb.String()
}

// TestBadInput sends what a buggy or careless client sends: each is
// answered with the right status and code, names the field at fault where
// there is one, and changes nothing.
func TestBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(north(home, 1))
		drv.online(north(home, 1))
		taken := school.request(examTrip(3 * time.Hour))
		drv.waitOffer(taken.ID)
		drv.accept(taken.ID).must(t, http.StatusOK, nil)

		trip := examTrip(9 * time.Hour)
		reg := verifiedDriver(home)
		seats := func(n int) driverRegistration { r := reg; r.Vehicle.Seats = n; return r }
		riders := func(n int) tripRequest {
			r := trip
			r.Riders = make([]rider, n)
			for i := range r.Riders {
				r.Riders[i] = rider{Name: "Student " + string(rune('A'+i))}
			}
			return r
		}
		at := func(pickupAfter, arriveBy time.Duration) tripRequest {
			r := trip
			r.ArriveBy = rfc3339(time.Now().Add(arriveBy))
			if pickupAfter != 0 {
				r.PickupAfter = rfc3339(time.Now().Add(pickupAfter))
			}
			return r
		}
		valid, err := json.Marshal(trip)
		require.NoError(t, err)

		for _, c := range []struct {
			name   string
			as     *client
			method string
			path   string
			body   any
			status int
			code   string
			field  string // "" when no single field is at fault
		}{
			{"malformed JSON", school.client, "POST", "/api/v1/trips", raw(`{"kind": "exam_escort",`), 400, "bad_request", ""},
			{"not an object", school.client, "POST", "/api/v1/trips", raw(`["exam_escort"]`), 400, "bad_request", ""},
			{"empty body", school.client, "POST", "/api/v1/trips", nil, 400, "bad_request", ""},
			{"two objects", school.client, "POST", "/api/v1/trips", raw(string(valid) + `{}`), 400, "bad_request", ""},
			{"unknown field", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { m["colour"] = "red" }), 400, "bad_request", "colour"},
			{"unknown field in pickup", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { m["pickup"].(map[string]any)["zip"] = "335000" }), 400, "bad_request", "pickup.zip"},
			{"unknown field in vehicle", f.admin, "POST", "/api/v1/drivers",
				raw(`{"name":"Li","phone":"13800000000","vehicle":{"plate":"赣L1","seats":4,"colour":"red"},"home":{"lat":28.2,"lng":117}}`),
				400, "bad_request", "vehicle.colour"},
			{"missing coordinate", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { delete(m["pickup"].(map[string]any), "lat") }), 422, "invalid", "pickup.lat"},
			{"wrong type: riders", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { m["riders"] = "Wang" }), 400, "bad_request", "riders"},
			{"wrong type: arrive_by", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { m["arrive_by"] = 20270607 }), 400, "bad_request", "arrive_by"},
			{"wrong type: arrive_by not RFC 3339", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { m["arrive_by"] = "tomorrow 8am" }), 400, "bad_request", "arrive_by"},
			{"wrong type: seats", f.admin, "POST", "/api/v1/drivers",
				raw(`{"name":"Li","phone":"13800000000","vehicle":{"plate":"赣L1","seats":"four"},"home":{"lat":28.2,"lng":117}}`),
				400, "bad_request", "vehicle.seats"},
			{"pickup latitude out of range", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { m["pickup"].(map[string]any)["lat"] = 91 }), 422, "invalid", "pickup.lat"},
			{"dropoff longitude out of range", school.client, "POST", "/api/v1/trips",
				with(t, trip, func(m map[string]any) { m["dropoff"].(map[string]any)["lng"] = -181 }), 422, "invalid", "dropoff.lng"},
			{"home latitude out of range", f.admin, "POST", "/api/v1/drivers",
				func() driverRegistration { r := reg; r.Home.Lat = -90.5; return r }(), 422, "invalid", "home.lat"},
			{"location longitude out of range", drv.client, "POST", "/api/v1/drivers/me/presence",
				presence{Status: "online", Location: &point{Lat: 28.2, Lng: 180.01}}, 422, "invalid", "location.lng"},
			{"seats 0", f.admin, "POST", "/api/v1/drivers", seats(0), 422, "invalid", "vehicle.seats"},
			{"seats 9", f.admin, "POST", "/api/v1/drivers", seats(9), 422, "invalid", "vehicle.seats"},
			{"no riders", school.client, "POST", "/api/v1/trips", riders(0), 422, "invalid", "riders"},
			{"9 riders", school.client, "POST", "/api/v1/trips", riders(9), 422, "invalid", "riders"},
			{"arrive_by in the past", school.client, "POST", "/api/v1/trips", at(0, -time.Minute), 422, "invalid", "arrive_by"},
			{"pickup_after after arrive_by", school.client, "POST", "/api/v1/trips", at(4*time.Hour, 3*time.Hour), 422, "invalid", "pickup_after"},
			{"unknown trip kind", school.client, "POST", "/api/v1/trips",
				func() tripRequest { r := trip; r.Kind = "taxi"; return r }(), 422, "invalid", "kind"},
			{"unknown requester kind", f.admin, "POST", "/api/v1/requesters",
				requesterRegistration{Name: "Hotel", Kind: "hotel", Phone: "0701-1234567"}, 422, "invalid", "kind"},
			{"unknown presence", drv.client, "POST", "/api/v1/drivers/me/presence", presence{Status: "away"}, 422, "invalid", "status"},
			{"unknown status filter", school.client, "GET", "/api/v1/trips?status=lost", nil, 422, "invalid", "status"},
			{"unknown step", drv.client, "POST", "/api/v1/trips/" + taken.ID + "/progress", map[string]string{"step": "flying"}, 422, "invalid", "step"},
			{"completed before arrived", drv.client, "POST", "/api/v1/trips/" + taken.ID + "/progress", map[string]string{"step": "completed"}, 409, "conflict", ""},
			{"picked up before arrived", drv.client, "POST", "/api/v1/trips/" + taken.ID + "/progress", map[string]string{"step": "picked_up"}, 409, "conflict", ""},
			{"assign to nobody", f.admin, "POST", "/api/v1/trips/" + taken.ID + "/assign", map[string]string{"driver_id": ""}, 422, "invalid", "driver_id"},
			{"oversize body", school.client, "POST", "/api/v1/trips",
				raw(`{"kind":"exam_escort","pickup":{"lat":28.2,"lng":117,"address":"` + strings.Repeat("a", 70<<10) + `"}}`), 413, "too_large", ""},
			{"unknown trip", school.client, "GET", "/api/v1/trips/trp_doesnotexist", nil, 404, "not_found", ""},
			{"accept an unknown trip", drv.client, "POST", "/api/v1/trips/trp_doesnotexist/accept", nil, 404, "not_found", ""},
			{"unknown endpoint", school.client, "GET", "/api/v1/nothing-here", nil, 404, "not_found", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.in(t)
				before := f.snapshot()
				e := c.as.in(t).do(c.method, c.path, c.body).fails(t, c.status, c.code)
				assert.Equal(t, c.field, e.Field, "the field at fault")
				assert.Equal(t, before, f.snapshot(), "a refused request changes nothing")
			})
		}
		assert.Equal(t, assigned, drv.trip(taken.ID).Status)
	})
}

// TestRateLimit floods the API: beyond the limit each caller is told to
// come back later, with Retry-After, and others are not held up.
func TestRateLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Run("per token", func(t *testing.T) {
			srv := startServer(t, b.fresh(t), "-rate-per-token", "2")
			f := newFixture(t, srv)
			drv := f.addDriver(home)
			flood(t, drv.client, "/api/v1/drivers/me")
			f.admin.get("/api/v1/drivers").must(t, http.StatusOK, nil) // another caller is not limited
			eventually(t, 5*time.Second, "the driver to be let in again", func() bool {
				return drv.get("/api/v1/drivers/me").Status == http.StatusOK
			})
		})
		t.Run("per address, before the token is checked", func(t *testing.T) {
			srv := startServer(t, b.fresh(t), "-rate-per-address", "2")
			guesser := srv.client("hl_guessed_token_0000000000000000")
			flood(t, guesser, "/api/v1/drivers/me")
		})
	})
}

// flood sends 20 requests at once-in-a-row speed and checks that the later
// ones are refused with 429 rate_limited and a Retry-After in seconds.
func flood(tb testing.TB, c *client, path string) {
	tb.Helper()
	var limited *response
	for range 20 {
		r := c.get(path)
		if r.Status == http.StatusTooManyRequests {
			limited = r
		}
	}
	require.NotNil(tb, limited, "20 requests in a row at 2 per second: none was refused")
	limited.fails(tb, http.StatusTooManyRequests, "rate_limited")
	ra := limited.Header.Get("Retry-After")
	secs, err := time.ParseDuration(ra + "s")
	require.NoError(tb, err, "Retry-After %q is whole seconds", ra)
	assert.True(tb, secs >= time.Second && secs <= 5*time.Second, "Retry-After %q", ra)
}

// TestEveryProblemAtOnce sends requests with several mistakes: each is
// refused with every field at fault listed in "errors", in the order of
// the form, the first also in "error" for clients that read one; nothing
// changes.
func TestEveryProblemAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		badShift := shiftIn(3, 0)
		badShift.End = "06:00"
		noArea := shiftIn(4, 2)
		noArea.Area = nil
		campaign := newCampaignDraft(closedWindow(), shiftIn(2, 3), badShift, noArea)
		campaign.Name = " "
		campaign.SignupOpens = "every morning"

		for _, c := range []struct {
			name   string
			path   string
			body   any
			fields []string
		}{
			{"a driver", "/api/v1/drivers",
				raw(`{"name":"","phone":"12","vehicle":{"plate":"","seats":0},"home":{"lat":91,"lng":181}}`),
				[]string{"name", "phone", "vehicle.plate", "vehicle.seats", "home.lat", "home.lng"}},
			{"a requester", "/api/v1/requesters", requesterRegistration{Name: "", Kind: "hotel", Phone: "x"},
				[]string{"name", "kind", "phone"}},
			{"a place", "/api/v1/places", raw(`{"name":"","kind":"shop"}`),
				[]string{"name", "kind", "lat", "lng"}},
			{"a campaign", "/api/v1/campaigns", campaign,
				[]string{"name", "signup_opens", "shifts[1].end", "shifts[1].cars_needed", "shifts[2].area"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.in(t)
				before := f.snapshot()
				first, all := f.admin.post(c.path, c.body).failsAll(t, http.StatusUnprocessableEntity, "invalid")
				var fields []string
				for _, e := range all {
					fields = append(fields, e.Field)
					assert.Equal(t, "invalid", e.Code, "%+v", e)
					assert.NotEmpty(t, e.Message, "%+v", e)
				}
				assert.Equal(t, c.fields, fields, "the fields at fault, in order")
				assert.Equal(t, c.fields[0], first.Field, "error names the first")
				assert.Equal(t, before, f.snapshot(), "a refused request changes nothing")
			})
		}

		t.Run("one problem is a list of one", func(t *testing.T) {
			e, all := f.in(t).admin.get("/api/v1/trips/trp_doesnotexist").failsAll(t, http.StatusNotFound, "not_found")
			assert.Equal(t, []apiError{e}, all)
		})
	})
}
