package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secrets are the parts of a trip only the requester, coordinators and the
// accepting driver may see: the rider's name and phone and the exact
// pickup address.
func secrets(req tripRequest) []string {
	return []string{req.Riders[0].Name, req.Riders[0].Phone, req.Pickup.Address}
}

// assertHides checks that none of the secrets is anywhere in text.
func assertHides(tb testing.TB, text string, secret []string, where string) {
	tb.Helper()
	for _, s := range secret {
		assert.NotContains(tb, text, s, "%s shows a secret", where)
	}
}

// assertShows checks that every secret is in text.
func assertShows(tb testing.TB, text string, secret []string, where string) {
	tb.Helper()
	for _, s := range secret {
		assert.Contains(tb, text, s, "%s should show it", where)
	}
}

// TestRiderPrivacy follows a student's contact through a whole trip: the
// school, the fleet office and, from acceptance, the driver see it; drivers
// weighing the trip never do, and the server never logs it, even at debug.
func TestRiderPrivacy(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-offers-at-once", "2", "-log-level", "debug")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		winner, loser := f.addDriver(north(home, 0.5)), f.addDriver(north(home, 1))
		winner.online(north(home, 0.5))
		loser.online(north(home, 1))

		req := examTrip(3 * time.Hour)
		req.Riders[0].Phone = "+86 139-" + req.Riders[0].Phone[3:7] + "-" + req.Riders[0].Phone[7:]
		secret := secrets(req)
		tr := school.request(req)
		winner.waitOffer(tr.ID)
		loser.waitOffer(tr.ID)

		for _, d := range []*driver{winner, loser} {
			offers := d.get("/api/v1/drivers/me/offers").must(t, http.StatusOK, nil)
			assert.Contains(t, string(offers.Body), tr.ID)
			assertHides(t, string(offers.Body), secret, "an offer")
			open := d.get("/api/v1/trips?status=open").must(t, http.StatusOK, nil)
			assert.Contains(t, string(open.Body), tr.ID)
			assertHides(t, string(open.Body), secret, "the open-trip list of a driver")
			var seen trip
			one := d.get("/api/v1/trips/"+tr.ID).must(t, http.StatusOK, &seen)
			assertHides(t, string(one.Body), secret, "a trip offered to a driver")
			assert.NotEqual(t, home, seen.Pickup.point(), "a driver weighing a trip sees an area, not the pickup")
		}
		assertShows(t, string(school.get("/api/v1/trips/"+tr.ID).Body), secret, "the requester's view")
		assertShows(t, string(f.admin.get("/api/v1/trips/"+tr.ID).Body), secret, "the coordinator's view")

		accepted := winner.accept(tr.ID).must(t, http.StatusOK, nil)
		assertShows(t, string(accepted.Body), secret, "the acceptance")
		assertShows(t, string(winner.get("/api/v1/trips/"+tr.ID).Body), secret, "the assigned driver's view")
		for _, path := range []string{"/api/v1/trips/" + tr.ID, "/api/v1/trips?status=open", "/api/v1/drivers/me/offers", "/api/v1/trips"} {
			assertHides(t, string(loser.get(path).Body), secret, "GET "+path+" by the driver who lost")
		}

		for _, step := range []string{"arrived", "picked_up", "completed"} {
			winner.progress(tr.ID, step).must(t, http.StatusOK, nil)
		}
		assertShows(t, string(winner.get("/api/v1/trips/"+tr.ID).Body), secret, "the driver's view just after the trip")

		srv.Stop()
		log := srv.Log()
		require.Contains(t, log, "msg=listening", "the log was captured")
		assertHides(t, log, secret, "the server log")
		assert.NotContains(t, log, strings.ReplaceAll(req.Riders[0].Phone, "-", ""), "the server log shows the rider's phone")
	})
}
