package integration

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recurringTrip is a recurring booking as the API shows it.
type recurringTrip struct {
	ID          string         `json:"id"`
	RequesterID string         `json:"requester_id"`
	CreatedBy   string         `json:"created_by"`
	Trip        map[string]any `json:"trip"`
	Weekdays    []int          `json:"weekdays"`
	ArriveAt    string         `json:"arrive_at"`
	PickupFrom  string         `json:"pickup_from"`
	TimeZone    string         `json:"timezone"`
	From        string         `json:"from"`
	Until       string         `json:"until"`
}

// dialysis is a Monday, Wednesday and Friday ride to hospital for four
// weeks from today, as a JSON object a test may change.
func dialysis() map[string]any {
	n := unique()
	return map[string]any{
		"trip": map[string]any{
			"kind":    "hospital",
			"pickup":  map[string]any{"lat": home.Lat, "lng": home.Lng, "address": fmt.Sprintf("Flat %d-%s, 3 Zhanqian Road", n, runID)},
			"dropoff": map[string]any{"lat": 28.2451, "lng": 117.0342, "address": "Yingtan People's Hospital"},
			"riders":  []any{map[string]any{"name": fmt.Sprintf("Grandpa Li %s-%d", runID, n), "phone": "13700000000"}},
		},
		"weekdays":  []int{1, 3, 5},
		"arrive_at": "08:30",
		"until":     time.Now().In(shanghai).AddDate(0, 0, 28).Format("2006-01-02"),
	}
}

// recurringOf lists the recurring bookings the client sees.
func recurringOf(tb testing.TB, c *client) []string {
	tb.Helper()
	var body struct {
		RecurringTrips []recurringTrip `json:"recurring_trips"`
	}
	r := c.in(tb).get("/api/v1/recurring-trips").must(tb, http.StatusOK, &body)
	require.NotNil(tb, body.RecurringTrips, "%s: want a recurring_trips array", r)
	ids := make([]string, len(body.RecurringTrips))
	for i, x := range body.RecurringTrips {
		ids[i] = x.ID
	}
	return ids
}

// TestCampaignRecurringTrips books a ride for many days: its requester
// lists and stops it, another requester can neither see nor stop it, and
// drivers may not book one.
func TestCampaignRecurringTrips(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		care, other := f.addRequester("care_station"), f.addRequester("community")
		drv := f.addDriver(home)
		anon := f.client("")

		// Refused bookings name the field and book nothing.
		for _, c := range []struct {
			name   string
			edit   func(m map[string]any)
			status int
			code   string
			field  string
		}{
			{"weekday 8", func(m map[string]any) { m["weekdays"] = []int{1, 8} }, 422, "invalid", "weekdays[1]"},
			{"no weekdays", func(m map[string]any) { m["weekdays"] = []int{} }, 422, "invalid", "weekdays"},
			{"arrive_at not HH:MM", func(m map[string]any) { m["arrive_at"] = "8.30am" }, 422, "invalid", "arrive_at"},
			{"until before from", func(m map[string]any) {
				m["until"] = time.Now().In(shanghai).AddDate(0, 0, -1).Format("2006-01-02")
			}, 422, "invalid", "until"},
			{"trip with its own time", func(m map[string]any) {
				m["trip"].(map[string]any)["arrive_by"] = rfc3339(time.Now().Add(5 * time.Hour))
			}, 422, "invalid", "trip.arrive_by"},
			{"trip without riders", func(m map[string]any) { m["trip"].(map[string]any)["riders"] = []any{} }, 422, "invalid", "trip.riders"},
			{"unknown field", func(m map[string]any) { m["every"] = "monday" }, 400, "bad_request", "every"},
		} {
			body := dialysis()
			c.edit(body)
			r := care.post("/api/v1/recurring-trips", body)
			e := r.fails(t, c.status, c.code)
			assert.Equal(t, c.field, e.Field, "%s: %s", c.name, r)
		}
		assert.Empty(t, recurringOf(t, care.client), "refused bookings were kept")

		// Roles.
		drv.post("/api/v1/recurring-trips", dialysis()).fails(t, http.StatusForbidden, "forbidden")
		drv.get("/api/v1/recurring-trips").fails(t, http.StatusForbidden, "forbidden")
		anon.post("/api/v1/recurring-trips", dialysis()).fails(t, http.StatusUnauthorized, "unauthorized")
		anon.get("/api/v1/recurring-trips").fails(t, http.StatusUnauthorized, "unauthorized")

		// Book.
		body := dialysis()
		var rec recurringTrip
		today := time.Now().In(shanghai).Format("2006-01-02")
		r := care.post("/api/v1/recurring-trips", body).must(t, http.StatusCreated, &rec)
		todayAfter := time.Now().In(shanghai).Format("2006-01-02")
		require.NotEmpty(t, rec.ID, "%s", r)
		assert.Equal(t, care.ID, rec.RequesterID, "%s", r)
		assert.Equal(t, []int{1, 3, 5}, rec.Weekdays, "%s", r)
		assert.Equal(t, "08:30", rec.ArriveAt, "%s", r)
		assert.Equal(t, body["until"], rec.Until, "%s", r)
		assert.True(t, rec.From == today || rec.From == todayAfter, "from defaults to today in Shanghai (%s): %s", today, r)
		assert.Equal(t, "Asia/Shanghai", rec.TimeZone, "%s", r)
		assert.Equal(t, "hospital", rec.Trip["kind"], "%s", r)

		// A coordinator books one on behalf of the other requester.
		onBehalf := dialysis()
		onBehalf["trip"].(map[string]any)["requester_id"] = other.ID
		var theirs recurringTrip
		f.admin.post("/api/v1/recurring-trips", onBehalf).must(t, http.StatusCreated, &theirs)
		assert.Equal(t, other.ID, theirs.RequesterID)

		// Lists: each requester its own, coordinators all.
		assert.Equal(t, []string{rec.ID}, recurringOf(t, care.client), "the requester's own bookings")
		assert.Equal(t, []string{theirs.ID}, recurringOf(t, other.client), "another requester's bookings")
		all := recurringOf(t, f.admin)
		assert.True(t, slices.Contains(all, rec.ID) && slices.Contains(all, theirs.ID), "a coordinator sees every booking: %v", all)

		// Only its requester or a coordinator may stop it.
		path := "/api/v1/recurring-trips/" + rec.ID
		other.do(http.MethodDelete, path, nil).fails(t, http.StatusForbidden, "forbidden")
		drv.do(http.MethodDelete, path, nil).fails(t, http.StatusForbidden, "forbidden")
		anon.do(http.MethodDelete, path, nil).fails(t, http.StatusUnauthorized, "unauthorized")
		assert.Equal(t, []string{rec.ID}, recurringOf(t, care.client), "a refused stop stopped it")

		var stopped map[string]any
		care.do(http.MethodDelete, path, nil).must(t, http.StatusOK, &stopped)
		assert.Equal(t, rec.ID, stopped["id"], "%v", stopped)
		assert.Equal(t, true, stopped["stopped"], "%v", stopped)
		assert.Empty(t, recurringOf(t, care.client), "a stopped booking is still listed")
		care.do(http.MethodDelete, path, nil).fails(t, http.StatusNotFound, "not_found")
		care.do(http.MethodDelete, "/api/v1/recurring-trips/rec_nope_"+runID, nil).fails(t, http.StatusNotFound, "not_found")

		// A coordinator may stop anyone's.
		f.admin.do(http.MethodDelete, "/api/v1/recurring-trips/"+theirs.ID, nil).must(t, http.StatusOK, nil)
		assert.Empty(t, recurringOf(t, other.client))
	})
}
