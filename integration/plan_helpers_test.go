package integration

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The planning API's JSON as a client written from the contract declares it
// (RoutePlan, Route, RouteStop in httpapi/openapi.json).

type planStop struct {
	Kind   string    `json:"kind"`
	TripID string    `json:"trip_id"`
	At     time.Time `json:"at"`
	Place  place     `json:"place"`
}

type planRoute struct {
	ID        string     `json:"id"`
	DriverID  string     `json:"driver_id"`
	Status    string     `json:"status"`
	Start     time.Time  `json:"start"`
	Stops     []planStop `json:"stops"`
	Km        float64    `json:"km"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// trips lists the route's trips in pickup order.
func (r planRoute) trips() []string {
	var out []string
	for _, s := range r.Stops {
		if s.Kind == "pickup" {
			out = append(out, s.TripID)
		}
	}
	return out
}

type shiftPlan struct {
	CampaignID string      `json:"campaign_id"`
	ShiftID    string      `json:"shift_id"`
	CreatedAt  time.Time   `json:"created_at"`
	Routes     []planRoute `json:"routes"`
	Unserved   []string    `json:"unserved"`
	Km         float64     `json:"km"`
}

// route finds a route of the plan by id.
func (p shiftPlan) route(tb testing.TB, id string) planRoute {
	tb.Helper()
	for _, r := range p.Routes {
		if r.ID == id {
			return r
		}
	}
	tb.Fatalf("the plan has no route %s: %+v", id, p.Routes)
	return planRoute{}
}

// statuses maps each route's id to its status.
func (p shiftPlan) statuses() map[string]string {
	out := map[string]string{}
	for _, r := range p.Routes {
		out[r.ID] = r.Status
	}
	return out
}

// campaignTrip is a trip request that names a campaign.
type campaignTrip struct {
	tripRequest
	CampaignID string `json:"campaign_id"`
}

// tripView is a trip with the fields planning cares about.
type tripView struct {
	trip
	CampaignID string    `json:"campaign_id"`
	PickupAt   time.Time `json:"pickup_at"`
}

// booked is a trip the school booked, as the school asked for it.
type booked struct {
	ID       string
	Pickup   point
	ArriveBy time.Time
	Req      tripRequest
}

func planPath(cid, sid string) string { return "/api/v1/campaigns/" + cid + "/shifts/" + sid + "/plan" }

func routePath(id, action string) string { return "/api/v1/routes/" + id + "/" + action }

// offset returns p moved km kilometres north and east.
func offset(p point, northKm, eastKm float64) point {
	return point{
		Lat: p.Lat + northKm/111.2,
		Lng: p.Lng + eastKm/(111.2*math.Cos(p.Lat*math.Pi/180)),
	}
}

// planScene is a campaign with one shift tomorrow morning at the exam site,
// its confirmed drivers (online near the site, sockets open) and a school.
type planScene struct {
	f        *fixture
	campaign campaignBody
	shift    string
	start    time.Time // when the shift begins
	drivers  []*driver
	live     map[string]*liveConn // by driver id
	school   *requester
	trips    map[string]booked
	order    []string // trip ids in booking order
}

// newPlanScene creates the campaign with a window open now and one shift
// tomorrow 07:00-11:00 (Shanghai) of n cars, and signs n verified 4-seat
// drivers up, each online a kilometre or two from the site.
func newPlanScene(t *testing.T, f *fixture, n int) *planScene {
	t.Helper()
	sh := shiftIn(1, n)
	sh.VerifiedMinors = true
	c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), sh))
	require.NotNil(t, c.Window)
	require.True(t, c.Window.Open, "the sign-up window opened two minutes ago")
	start, err := time.ParseInLocation("2006-01-02 15:04", sh.Date+" "+sh.Start, shanghai)
	require.NoError(t, err)
	s := &planScene{f: f, campaign: c, shift: c.Shifts[0].ID, start: start,
		live: map[string]*liveConn{}, school: f.addRequester("school"), trips: map[string]booked{}}
	site := examSite.point()
	for i := range n {
		at := offset(site, 0.8+0.4*float64(i), -0.7+0.5*float64(i))
		d := f.addDriver(at)
		d.online(at)
		su := signUp(t, d, c.ID, s.shift)
		require.Equal(t, "confirmed", su.Status, "driver %d of %d signing up for a shift of %d cars", i, n, n)
		s.drivers = append(s.drivers, d)
		s.live[d.ID] = d.live(t)
	}
	return s
}

// driver returns the scene's driver with the id.
func (s *planScene) driver(tb testing.TB, id string) *driver {
	tb.Helper()
	for _, d := range s.drivers {
		if d.ID == id {
			return d
		}
	}
	tb.Fatalf("driver %s is none of the shift's confirmed drivers", id)
	return nil
}

// book has the school book an exam escort for the campaign from pickup to
// the exam site, to arrive 30 minutes after the shift begins.
func (s *planScene) book(t *testing.T, pickup point) booked {
	t.Helper()
	return s.bookBy(t, pickup, s.start.Add(30*time.Minute))
}

// bookBy books an exam escort for the campaign from pickup to the exam
// site, to arrive by arrive.
func (s *planScene) bookBy(t *testing.T, pickup point, arrive time.Time) booked {
	t.Helper()
	req := examTrip(time.Hour)
	req.Pickup.Lat, req.Pickup.Lng = pickup.Lat, pickup.Lng
	req.ArriveBy = rfc3339(arrive)
	var tv tripView
	r := s.school.post("/api/v1/trips", campaignTrip{tripRequest: req, CampaignID: s.campaign.ID}).
		must(t, http.StatusCreated, &tv)
	require.NotEmpty(t, tv.ID, "%s", r)
	require.Equal(t, s.campaign.ID, tv.CampaignID, "%s: the trip names its campaign", r)
	require.Contains(t, []string{queued, offered, unassigned}, tv.Status, "%s", r)
	b := booked{ID: tv.ID, Pickup: pickup, ArriveBy: arrive, Req: req}
	s.trips[tv.ID] = b
	s.order = append(s.order, tv.ID)
	s.f.explainOnFailure(tv.ID)
	return b
}

// bookAround books n trips in k (1 to 3) clusters some 1.5 to 2.5 km from
// the site, each cluster's pickups a few hundred metres apart.
func (s *planScene) bookAround(t *testing.T, n, k int) {
	t.Helper()
	site := examSite.point()
	centres := []point{offset(site, 2.0, 0.3), offset(site, -0.4, 2.1), offset(site, -1.3, -1.6)}[:k]
	for i := range n {
		c, j := centres[i%k], float64(i/k)
		s.book(t, offset(c, 0.23*j+0.0137, 0.17*j-0.0091))
	}
}

// plan posts the plan as the coordinator and checks the 201.
func (s *planScene) plan(t *testing.T) shiftPlan {
	t.Helper()
	var p shiftPlan
	s.f.admin.post(planPath(s.campaign.ID, s.shift), nil).must(t, http.StatusCreated, &p)
	return p
}

// getPlan reads the plan as the coordinator.
func (s *planScene) getPlan(t *testing.T) shiftPlan {
	t.Helper()
	var p shiftPlan
	s.f.admin.get(planPath(s.campaign.ID, s.shift)).must(t, http.StatusOK, &p)
	return p
}

// checkPlan checks the rules every plan keeps: every open trip of the
// shift in exactly one route or unserved; no car over its 4 seats at any
// moment; each drop-off 10 minutes before its arrive_by; stop times never
// decreasing; each route for one of the shift's confirmed drivers, one
// route each; exact places for the coordinator. want lists the trips the
// plan is to cover (the others booked are no longer open).
func (s *planScene) checkPlan(t *testing.T, p shiftPlan, want []string) {
	t.Helper()
	assert.Equal(t, s.campaign.ID, p.CampaignID, "plan.campaign_id")
	assert.Equal(t, s.shift, p.ShiftID, "plan.shift_id")
	require.NotNil(t, p.Routes, "plan.routes is required")
	require.NotNil(t, p.Unserved, "plan.unserved is required")
	assert.False(t, p.CreatedAt.IsZero(), "plan.created_at")

	seen := map[string]int{}
	drivers := map[string]string{} // driver id -> route id
	for _, r := range p.Routes {
		where := fmt.Sprintf("route %s (driver %s)", r.ID, r.DriverID)
		assert.NotEmpty(t, r.ID, "a route needs an id")
		assert.True(t, slices.ContainsFunc(s.drivers, func(d *driver) bool { return d.ID == r.DriverID }),
			"%s: the driver is none of the shift's confirmed drivers", where)
		if other, dup := drivers[r.DriverID]; dup {
			t.Errorf("driver %s has two routes, %s and %s", r.DriverID, other, r.ID)
		}
		drivers[r.DriverID] = r.ID
		require.NotEmpty(t, r.Stops, "%s has no stops", where)
		assert.False(t, r.Stops[0].At.Before(r.Start), "%s: the first stop at %s is before the route starts at %s",
			where, r.Stops[0].At, r.Start)

		load, picked, dropped := 0, map[string]bool{}, map[string]bool{}
		for i, st := range r.Stops {
			b, ok := s.trips[st.TripID]
			require.True(t, ok, "%s: stop %d is for trip %s, which the school never booked", where, i, st.TripID)
			if i > 0 {
				assert.False(t, st.At.Before(r.Stops[i-1].At), "%s: stop %d at %s is before stop %d at %s",
					where, i, st.At, i-1, r.Stops[i-1].At)
			}
			switch st.Kind {
			case "pickup":
				assert.False(t, picked[st.TripID], "%s: trip %s picked up twice", where, st.TripID)
				picked[st.TripID] = true
				seen[st.TripID]++
				load++
				assert.False(t, st.At.Before(s.start), "%s: trip %s picked up at %s, before the shift begins at %s",
					where, st.TripID, st.At, s.start)
				assert.InDelta(t, b.Pickup.Lat, st.Place.Lat, 1e-9, "%s: the coordinator sees the exact pickup of %s", where, st.TripID)
				assert.InDelta(t, b.Pickup.Lng, st.Place.Lng, 1e-9, "%s: the coordinator sees the exact pickup of %s", where, st.TripID)
			case "dropoff":
				assert.True(t, picked[st.TripID], "%s: trip %s dropped off before it is picked up", where, st.TripID)
				assert.False(t, dropped[st.TripID], "%s: trip %s dropped off twice", where, st.TripID)
				dropped[st.TripID] = true
				load--
				latest := b.ArriveBy.Add(-10 * time.Minute)
				assert.False(t, st.At.After(latest),
					"%s: trip %s is dropped off at %s, less than 10 minutes before its arrive_by %s",
					where, st.TripID, st.At.In(shanghai).Format(time.TimeOnly), b.ArriveBy.In(shanghai).Format(time.TimeOnly))
				assert.InDelta(t, examSite.Lat, st.Place.Lat, 1e-9, "%s: drop-off of %s", where, st.TripID)
				assert.InDelta(t, examSite.Lng, st.Place.Lng, 1e-9, "%s: drop-off of %s", where, st.TripID)
			default:
				t.Errorf("%s: stop %d has kind %q; want pickup or dropoff", where, i, st.Kind)
			}
			assert.LessOrEqual(t, load, 4, "%s: %d students in a 4-seat car after stop %d", where, load, i)
		}
		assert.Equal(t, picked, dropped, "%s: every student picked up is dropped off", where)
		assert.Zero(t, load, "%s ends with students still in the car", where)
	}
	for _, id := range p.Unserved {
		_, ok := s.trips[id]
		assert.True(t, ok, "unserved trip %s was never booked", id)
		seen[id]++
	}
	for id, n := range seen {
		assert.Equal(t, 1, n, "trip %s is in %d places of the plan (routes and unserved)", id, n)
		assert.Contains(t, want, id, "trip %s is in the plan but is not open", id)
	}
	for _, id := range want {
		assert.Contains(t, seen, id, "open trip %s is neither in a route nor unserved", id)
	}
	if t.Failed() {
		b, _ := json.MarshalIndent(p, "", "  ")
		t.Logf("the plan:\n%s", b)
	}
}

// isArea reports whether a coordinate is on the grid of approximate areas
// (two decimals, about a kilometre).
func isArea(v float64) bool { return math.Abs(v*100-math.Round(v*100)) < 1e-6 }

// checkRouteOffer checks a route_offer frame against the published route:
// every stop and time, areas instead of places, no rider's name or phone,
// no address.
func (s *planScene) checkRouteOffer(t *testing.T, f frame, want planRoute) {
	t.Helper()
	var got planRoute
	f.decode(t, &got)
	assert.Equal(t, want.ID, got.ID, "route_offer.id")
	assert.Equal(t, want.DriverID, got.DriverID, "route_offer.driver_id")
	assert.Equal(t, "offered", got.Status, "route_offer.status")
	if assert.NotNil(t, got.ExpiresAt, "route_offer.expires_at: %s", f) {
		left := time.Until(*got.ExpiresAt)
		assert.True(t, left > 8*time.Minute && left <= 10*time.Minute+5*time.Second,
			"route_offer.expires_at is %s from now; want about 10 minutes", left)
	}
	require.Len(t, got.Stops, len(want.Stops), "route_offer.stops: %s", f)
	for i, st := range got.Stops {
		w := want.Stops[i]
		assert.Equal(t, w.Kind, st.Kind, "stop %d kind", i)
		assert.Equal(t, w.TripID, st.TripID, "stop %d trip", i)
		assert.True(t, w.At.Equal(st.At), "stop %d at %s; the plan says %s", i, st.At, w.At)
		assert.True(t, isArea(st.Place.Lat) && isArea(st.Place.Lng),
			"stop %d shows place %+v; want an area of about 1 km (two decimals)", i, st.Place)
		assert.Empty(t, st.Place.Address, "stop %d shows an address", i)
		assert.InDelta(t, w.Place.Lat, st.Place.Lat, 0.0051, "stop %d area is near the place", i)
		assert.InDelta(t, w.Place.Lng, st.Place.Lng, 0.0051, "stop %d area is near the place", i)
	}
	assert.False(t, riderSecret.MatchString(f.raw), "a route offer shows a rider's name, phone or address: %s", f)
	for _, id := range want.trips() {
		b := s.trips[id]
		for _, secret := range []string{b.Req.Riders[0].Name, b.Req.Riders[0].Phone, b.Req.Pickup.Address} {
			assert.NotContains(t, f.raw, secret, "the route offer shows a secret of trip %s", id)
		}
	}
	assert.NotContains(t, f.raw, "riders", "a route offer names no riders")
}

// checkAssignedTo checks, as the coordinator, that every trip is assigned
// to the driver.
func (s *planScene) checkAssignedTo(t *testing.T, ids []string, driverID string) {
	t.Helper()
	for _, id := range ids {
		tr := s.f.admin.trip(id)
		assert.Equal(t, assigned, tr.Status, "trip %s", id)
		assert.Equal(t, driverID, tr.DriverID, "trip %s's driver", id)
	}
}

// checkOpenNotFor checks, as the coordinator, that every trip is open
// (queued, offered or unassigned) and assigned to nobody, in particular not
// to the driver.
func (s *planScene) checkOpenNotFor(t *testing.T, ids []string, driverID string) {
	t.Helper()
	for _, id := range ids {
		tr := s.f.admin.trip(id)
		assert.Contains(t, []string{queued, offered, unassigned}, tr.Status, "trip %s", id)
		assert.NotEqual(t, driverID, tr.DriverID, "trip %s must not be driver %s's", id, driverID)
	}
}

// routeFrame matches a board or driver route frame about the route with
// the status.
func routeFrame(routeID, status string) func(frame) bool {
	return func(f frame) bool {
		return f.Type == "route" && f.str("route_id") == routeID && f.str("status") == status
	}
}
