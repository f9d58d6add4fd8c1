package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type availability struct {
	Weekly []weeklySlot `json:"weekly,omitempty"`
	Dates  []dateSlot   `json:"dates,omitempty"`
}

type weeklySlot struct {
	Days []string `json:"days"`
	From string   `json:"from"`
	To   string   `json:"to"`
}

type dateSlot struct {
	Date string `json:"date"`
	From string `json:"from"`
	To   string `json:"to"`
}

type routeStop struct {
	Kind   string    `json:"kind"`
	TripID string    `json:"trip_id"`
	At     time.Time `json:"at"`
	Seats  int       `json:"seats"`
	Place  place     `json:"place"`
}

type driverRoute struct {
	DriverID string      `json:"driver_id"`
	Version  int64       `json:"version"`
	Stops    []routeStop `json:"stops"`
}

type plannedRoute struct {
	ID       string      `json:"id"`
	DriverID string      `json:"driver_id"`
	Status   string      `json:"status"`
	Stops    []routeStop `json:"stops"`
}

type advancePlan struct {
	Date     string         `json:"date"`
	Routes   []plannedRoute `json:"routes"`
	Unserved []string       `json:"unserved"`
}

// TestAdvanceBookings books students for tomorrow morning, which go to no
// driver online today; the coordinator publishes the day's plan, made over
// the drivers who said they drive tomorrow, and each confirms their route
// whole.
func TestAdvanceBookings(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-plan-horizon", "2h", "-route-lead-time", "1h", "-plan-every", "1h")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		sh, err := time.LoadLocation("Asia/Shanghai")
		require.NoError(t, err)
		day := time.Now().In(sh).AddDate(0, 0, 1)
		date := day.Format(time.DateOnly)
		at := func(h, m int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, sh) }

		var drivers []*driver
		for i := range 3 {
			d := f.addDriver(north(home, 0.5+float64(i)))
			d.online(north(home, 0.5+float64(i)))
			drivers = append(drivers, d)
		}
		slot := availability{Dates: []dateSlot{{Date: date, From: "06:00", To: "10:00"}}}
		var got availability
		drivers[0].do(http.MethodPut, "/api/v1/drivers/me/availability", slot).must(t, http.StatusOK, &got)
		assert.Equal(t, slot.Dates, got.Dates)
		drivers[0].get("/api/v1/drivers/me/availability").must(t, http.StatusOK, &got)
		assert.Equal(t, slot.Dates, got.Dates)
		f.admin.do(http.MethodPut, "/api/v1/drivers/"+drivers[1].ID+"/availability", slot).must(t, http.StatusOK, nil)
		f.admin.get("/api/v1/drivers/"+drivers[1].ID+"/availability").must(t, http.StatusOK, &got)
		assert.Equal(t, slot.Dates, got.Dates)
		// drivers[2] says nothing of tomorrow.

		e := drivers[0].do(http.MethodPut, "/api/v1/drivers/me/availability",
			availability{Dates: []dateSlot{{Date: date, From: "10:00", To: "06:00"}}}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "dates[0].to", e.Field)
		drivers[0].get("/api/v1/drivers/me/availability").must(t, http.StatusOK, &got)
		assert.Equal(t, slot.Dates, got.Dates, "a refused change changes nothing")
		drivers[2].do(http.MethodPut, "/api/v1/drivers/"+drivers[0].ID+"/availability", slot).fails(t, http.StatusForbidden, "forbidden")
		school.get("/api/v1/drivers/"+drivers[0].ID+"/availability").fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/drivers/drv_nobody/availability").fails(t, http.StatusNotFound, "not_found")
		f.admin.get("/api/v1/drivers/me/availability").fails(t, http.StatusForbidden, "forbidden")

		var booked []string
		for i := range 6 {
			req := examTrip(time.Hour)
			req.Pickup.Lat += float64(i%3) * 0.003
			req.PickupAfter, req.ArriveBy = rfc3339(at(6, 30)), rfc3339(at(8, 15))
			booked = append(booked, school.request(req).ID)
		}
		for _, d := range drivers {
			var offers struct {
				Offers []offer `json:"offers"`
			}
			d.get("/api/v1/drivers/me/offers").must(t, http.StatusOK, &offers)
			assert.Empty(t, offers.Offers, "tomorrow's students are not offered to whoever is online today")
		}

		f.admin.get("/api/v1/plans/not-a-date").fails(t, http.StatusUnprocessableEntity, "invalid")
		school.get("/api/v1/plans/"+date).fails(t, http.StatusForbidden, "forbidden")
		drivers[0].post("/api/v1/plans/"+date+"/publish", nil).fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/plans/"+day.AddDate(0, 0, 30).Format(time.DateOnly)).fails(t, http.StatusNotFound, "not_found")

		var plan advancePlan
		f.admin.post("/api/v1/plans/"+date+"/publish", nil).must(t, http.StatusOK, &plan)
		assert.Equal(t, date, plan.Date)
		assert.Empty(t, plan.Unserved, "two cars of four seats carry six students")
		var planned []string
		for _, r := range plan.Routes {
			assert.Equal(t, "offered", r.Status)
			assert.NotEqual(t, drivers[2].ID, r.DriverID, "a driver who did not say they drive tomorrow is not planned")
			planned = append(planned, stopTrips(r.Stops)...)
		}
		assert.ElementsMatch(t, booked, planned, "every student on exactly one route")
		f.admin.get("/api/v1/plans/"+date).must(t, http.StatusOK, &plan)

		for _, r := range plan.Routes {
			d := drivers[0]
			if r.DriverID == drivers[1].ID {
				d = drivers[1]
			}
			var mine driverRoute
			d.get("/api/v1/drivers/me/route").must(t, http.StatusOK, &mine)
			assert.Empty(t, mine.Stops, "nothing held before confirming")
			d.post("/api/v1/routes/"+r.ID+"/accept", nil).must(t, http.StatusOK, nil)
			d.get("/api/v1/drivers/me/route").must(t, http.StatusOK, &mine)
			assert.ElementsMatch(t, stopTrips(r.Stops), stopTrips(mine.Stops), "the confirmed route is what the driver holds")
			for _, s := range mine.Stops {
				assert.NotEmpty(t, s.Place.Address, "the driver now sees the addresses")
				if s.Kind == "dropoff" {
					assert.False(t, s.At.After(at(8, 5)), "every student at the gate with the margin")
				}
			}
			var seen driverRoute
			f.admin.get("/api/v1/drivers/"+d.ID+"/route").must(t, http.StatusOK, &seen)
			assert.Equal(t, mine, seen)
			drivers[2].get("/api/v1/drivers/"+d.ID+"/route").fails(t, http.StatusForbidden, "forbidden")
		}
		for _, id := range booked {
			assert.Equal(t, assigned, school.trip(id).Status)
		}
		school.get("/api/v1/drivers/me/route").fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/drivers/drv_nobody/route").fails(t, http.StatusNotFound, "not_found")
	})
}

func stopTrips(stops []routeStop) []string {
	var out []string
	for _, s := range stops {
		if s.Kind == "pickup" {
			out = append(out, s.TripID)
		}
	}
	return out
}

// TestReturnLeg books a student there and back in one request.
func TestReturnLeg(t *testing.T) {
	srv := startServer(t, embedded())
	f := newFixture(t, srv)
	school := f.addRequester("school")
	req := examTrip(time.Hour)
	ends := time.Now().Add(4 * time.Hour).UTC().Truncate(time.Second)
	body := map[string]any{"kind": req.Kind, "pickup": req.Pickup, "dropoff": req.Dropoff, "riders": req.Riders,
		"arrive_by": req.ArriveBy, "return": map[string]string{"pickup_after": rfc3339(ends)}}
	var there struct {
		trip
		ReturnTripID string `json:"return_trip_id"`
	}
	school.post("/api/v1/trips", body).must(t, http.StatusCreated, &there)
	require.NotEmpty(t, there.ReturnTripID, "the answer names the way back")
	var back struct {
		trip
		ReturnOf string `json:"return_of"`
	}
	school.get("/api/v1/trips/"+there.ReturnTripID).must(t, http.StatusOK, &back)
	assert.Equal(t, there.ID, back.ReturnOf)
	assert.Equal(t, req.Dropoff.Address, back.Pickup.Address, "the way back starts at the exam site")
	assert.Equal(t, req.Pickup.Address, back.Dropoff.Address)
	require.NotNil(t, back.PickupAfter)
	assert.True(t, back.PickupAfter.Equal(ends))

	arrive, err := time.Parse(time.RFC3339, req.ArriveBy)
	require.NoError(t, err)
	body["return"] = map[string]string{"pickup_after": rfc3339(arrive.Add(-30 * time.Minute))}
	e := school.post("/api/v1/trips", body).fails(t, http.StatusUnprocessableEntity, "invalid")
	assert.Equal(t, "return.pickup_after", e.Field)
	body["return"] = map[string]string{}
	e = school.post("/api/v1/trips", body).fails(t, http.StatusUnprocessableEntity, "invalid")
	assert.Equal(t, "return.pickup_after", e.Field)
}
