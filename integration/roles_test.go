package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRoles has each role try what it may not do: each is refused, and
// the trips are exactly as they were.
func TestRoles(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-offers-at-once", "1")
		f := newFixture(t, srv)
		schoolA, schoolB := f.addRequester("school"), f.addRequester("school")
		mine, other := f.addDriver(north(home, 0.5)), f.addDriver(north(home, 5))
		unverifiedReg := verifiedDriver(north(home, 0.2))
		unverifiedReg.VerifiedMinors = false
		unverified := f.register(unverifiedReg)
		for _, d := range []*driver{mine, other, unverified} {
			d.online(north(home, 1))
		}

		// taken is assigned to mine; open is offered to mine (other lives
		// beyond the first search radius), and open to other, but not to
		// unverified: its riders are minors.
		taken := schoolA.request(examTrip(3 * time.Hour))
		mine.waitOffer(taken.ID)
		mine.accept(taken.ID).must(t, http.StatusOK, nil)
		open := schoolA.request(examTrip(9 * time.Hour))
		mine.waitOffer(open.ID)
		assert.Contains(t, tripIDs(other.openTrips()), open.ID)
		assert.NotContains(t, tripIDs(unverified.openTrips()), open.ID, "an unverified driver is not shown a minor's trip")

		path := func(id string) string { return "/api/v1/trips/" + id }
		step := map[string]string{"step": "arrived"}
		anon, forged := srv.client(""), srv.client("hl_not_a_token_anyone_was_given")
		for _, c := range []struct {
			name   string
			as     *client
			method string
			path   string
			body   any
			status int
		}{
			{"no token", anon, "GET", path(taken.ID), nil, 401},
			{"no token, creating a trip", anon, "POST", "/api/v1/trips", examTrip(3 * time.Hour), 401},
			{"a forged token", forged, "GET", path(taken.ID), nil, 401},
			{"a forged token, accepting", forged, "POST", path(open.ID) + "/accept", nil, 401},
			{"driver requesting a trip", mine.client, "POST", "/api/v1/trips", examTrip(5 * time.Hour), 403},
			{"requester accepting", schoolA.client, "POST", path(open.ID) + "/accept", nil, 403},
			{"requester declining", schoolA.client, "POST", path(open.ID) + "/decline", nil, 403},
			{"requester reporting progress", schoolA.client, "POST", path(taken.ID) + "/progress", step, 403},
			{"requester reading offers", schoolA.client, "GET", "/api/v1/drivers/me/offers", nil, 403},
			{"school reading another school's trip", schoolB.client, "GET", path(taken.ID), nil, 403},
			{"school cancelling another school's trip", schoolB.client, "POST", path(taken.ID) + "/cancel", nil, 403},
			{"driver reading a trip assigned to another", other.client, "GET", path(taken.ID), nil, 403},
			{"driver reading a trip not open to them", unverified.client, "GET", path(open.ID), nil, 403},
			{"driver accepting a trip not open to them", unverified.client, "POST", path(open.ID) + "/accept", nil, 403},
			{"driver progressing another's trip", other.client, "POST", path(taken.ID) + "/progress", step, 403},
			{"driver releasing another's trip", other.client, "POST", path(taken.ID) + "/release", nil, 403},
			{"driver cancelling", mine.client, "POST", path(taken.ID) + "/cancel", nil, 403},
			{"driver reading events", mine.client, "GET", path(taken.ID) + "/events", nil, 403},
			{"requester reading events", schoolA.client, "GET", path(taken.ID) + "/events", nil, 403},
			{"driver assigning", mine.client, "POST", path(open.ID) + "/assign", map[string]string{"driver_id": mine.ID}, 403},
			{"requester assigning", schoolA.client, "POST", path(open.ID) + "/assign", map[string]string{"driver_id": other.ID}, 403},
			{"requester requeueing", schoolA.client, "POST", path(open.ID) + "/requeue", nil, 403},
			{"requester registering a driver", schoolA.client, "POST", "/api/v1/drivers", verifiedDriver(home), 403},
			{"driver registering a requester", mine.client, "POST", "/api/v1/requesters",
				requesterRegistration{Name: "X", Kind: "school", Phone: "0701-1234567"}, 403},
			{"requester listing drivers", schoolA.client, "GET", "/api/v1/drivers", nil, 403},
			{"driver going online as a requester", schoolA.client, "POST", "/api/v1/drivers/me/presence",
				presence{Status: "online", Location: &home}, 403},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.in(t)
				before := f.snapshot()
				code := map[int]string{401: "unauthorized", 403: "forbidden"}[c.status]
				r := c.as.in(t).do(c.method, c.path, c.body)
				r.fails(t, c.status, code)
				if c.status == http.StatusUnauthorized {
					assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer", "a 401 says how to authenticate")
				}
				assert.Equal(t, before, f.snapshot(), "a refused request changes nothing")
			})
		}

		var listB struct{ Trips []trip }
		schoolB.get("/api/v1/trips").must(t, http.StatusOK, &listB)
		assert.Empty(t, listB.Trips, "a school lists only its own trips")
		got := schoolA.trip(taken.ID)
		assert.Equal(t, assigned, got.Status)
		assert.Equal(t, mine.ID, got.DriverID)
		_, stillOffered := mine.offerOf(open.ID)
		assert.True(t, stillOffered, "the open trip is still offered to its driver")
	})
}
