package integration

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestEligibility offers each trip only to the cars and drivers that can
// carry it, however near the others are: minors only with verified
// drivers, wheelchairs only in cars that take one, no more riders than
// seats.
func TestEligibility(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-offers-at-once", "3")
		f := newFixture(t, srv)
		school, station := f.addRequester("school"), f.addRequester("care_station")

		unverifiedReg := verifiedDriver(north(home, 0.3))
		unverifiedReg.VerifiedMinors = false
		unverified := f.register(unverifiedReg)
		sedan := f.addDriver(north(home, 1))
		vanReg := verifiedDriver(north(home, 2))
		vanReg.Vehicle = vehicle{Plate: "赣L-VAN01", Seats: 6, Wheelchair: true}
		van := f.register(vanReg)
		resting := f.addDriver(north(home, 0.1))
		drivers := map[string]*driver{"unverified": unverified, "sedan": sedan, "van": van, "resting": resting}
		for _, d := range drivers {
			d.online(north(home, 1))
		}
		// The nearest driver has gone offline: no offers, whatever the trip.
		resting.post("/api/v1/drivers/me/presence", presence{Status: "offline"}).must(t, http.StatusOK, nil)

		hospital := func(riders int, wheelchair bool) tripRequest {
			r := examTrip(3 * time.Hour)
			r.Kind = "hospital"
			r.Wheelchair = wheelchair
			for i := 1; i < riders; i++ {
				r.Riders = append(r.Riders, rider{Name: fmt.Sprintf("Companion %d", i)})
			}
			return r
		}
		for _, c := range []struct {
			name string
			by   *requester
			req  tripRequest
			want []string // the drivers offered the trip
		}{
			{"a student goes only with verified drivers", school, examTrip(3 * time.Hour), []string{"sedan", "van"}},
			{"a wheelchair goes only in a car that takes one", station, hospital(1, true), []string{"van"}},
			{"five riders go only in a car with five seats", station, hospital(5, false), []string{"van"}},
			{"an adult without a wheelchair goes with anyone", station, hospital(1, false), []string{"unverified", "sedan", "van"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := f.in(t)
				all := map[string]*driver{}
				for name, d := range drivers {
					all[name] = d.in(t)
				}
				tr := c.by.in(t).request(c.req)
				for _, name := range c.want {
					all[name].waitOffer(tr.ID)
				}
				for name, d := range all {
					_, ok := d.offerOf(tr.ID)
					assert.Equal(t, slices.Contains(c.want, name), ok, "is %s offered the trip", name)
					if name != "resting" { // an offline driver may still browse and claim
						assert.Equal(t, slices.Contains(c.want, name), slices.Contains(tripIDs(d.openTrips()), tr.ID),
							"does %s see the trip in the open list", name)
					}
				}
				// One who may not take it cannot claim it either.
				for name, d := range all {
					if !slices.Contains(c.want, name) && name != "resting" {
						d.accept(tr.ID).fails(t, http.StatusForbidden, "forbidden")
					}
				}
				f.admin.post("/api/v1/trips/"+tr.ID+"/cancel", nil).must(t, http.StatusOK, nil)
			})
		}
	})
}

// TestSoonTripsGoByWhereDriversAre offers a trip starting within the hour
// to the driver who is near the pickup now, not to the one who lives near
// it but is across town; a trip hours ahead goes by where drivers live.
func TestSoonTripsGoByWhereDriversAre(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-offers-at-once", "2", "-radius-max-km", "25")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		here := f.addDriver(north(home, 20)) // lives 20 km away, is at the pickup
		here.online(north(home, 0.5))
		away := f.addDriver(north(home, 0.5)) // lives by the pickup, is 40 km away
		away.online(north(home, 40))

		soon := school.request(examTrip(40 * time.Minute))
		here.waitOffer(soon.ID)
		_, ok := away.offerOf(soon.ID)
		assert.False(t, ok, "a driver 40 km away is offered a trip starting within the hour")

		later := school.request(examTrip(5 * time.Hour))
		away.waitOffer(later.ID)
		here.waitOffer(later.ID)
	})
}
