package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accountChanges reads who changed an account, as a coordinator.
func (f *fixture) accountChanges(path string) []struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Fields []string  `json:"fields"`
} {
	f.tb.Helper()
	var body struct {
		Changes []struct {
			At     time.Time `json:"at"`
			Actor  string    `json:"actor"`
			Fields []string  `json:"fields"`
		} `json:"changes"`
	}
	f.admin.get(path+"/changes").must(f.tb, http.StatusOK, &body)
	return body.Changes
}

// TestCoordinatorsEditDrivers: a coordinator verifies a driver for minors
// after registration and changes their car; the change is on record, and
// nobody else may make it.
func TestCoordinatorsEditDrivers(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		reg := verifiedDriver(home)
		reg.VerifiedMinors = false
		drv := f.register(reg)
		path := "/api/v1/drivers/" + drv.ID

		var got struct {
			VerifiedMinors bool    `json:"verified_minors"`
			Vehicle        vehicle `json:"vehicle"`
			Phone          string  `json:"phone"`
			Active         bool    `json:"active"`
		}
		f.admin.do("PATCH", path, map[string]any{"verified_minors": true, "vehicle": map[string]any{"seats": 6, "wheelchair": true}}).
			must(t, http.StatusOK, &got)
		assert.True(t, got.VerifiedMinors, "verified for minors")
		assert.Equal(t, 6, got.Vehicle.Seats)
		assert.True(t, got.Vehicle.Wheelchair)
		assert.Equal(t, reg.Vehicle.Plate, got.Vehicle.Plate, "what was not sent stays")
		assert.Equal(t, reg.Phone, got.Phone)
		assert.True(t, got.Active)
		drv.get("/api/v1/drivers/me").must(t, http.StatusOK, &got)
		assert.Equal(t, 6, got.Vehicle.Seats, "the driver sees their car as changed")

		cs := f.accountChanges(path)
		require.Len(t, cs, 1)
		assert.Equal(t, "coordinator:crd_admin", cs[0].Actor)
		assert.Equal(t, []string{"vehicle.seats", "vehicle.wheelchair", "verified_minors"}, cs[0].Fields)
		assert.WithinDuration(t, time.Now(), cs[0].At, time.Minute)

		_, all := f.admin.do("PATCH", path, map[string]any{"name": " ", "phone": "call me", "vehicle": map[string]any{"seats": 0}}).
			failsAll(t, http.StatusUnprocessableEntity, "invalid")
		var fields []string
		for _, e := range all {
			fields = append(fields, e.Field)
		}
		assert.Equal(t, []string{"name", "phone", "vehicle.seats"}, fields, "every problem at once")
		f.admin.do("PATCH", path, map[string]any{}).fails(t, http.StatusUnprocessableEntity, "invalid")
		f.admin.do("PATCH", path, map[string]any{"home": home}).fails(t, http.StatusBadRequest, "bad_request")
		f.admin.do("PATCH", "/api/v1/drivers/drv_nobody", map[string]any{"active": false}).fails(t, http.StatusNotFound, "not_found")
		drv.do("PATCH", path, map[string]any{"verified_minors": true}).fails(t, http.StatusForbidden, "forbidden")
		drv.get(path+"/changes").fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/drivers/drv_nobody/changes").fails(t, http.StatusNotFound, "not_found")
		assert.Len(t, f.accountChanges(path), 1, "refused changes leave no record")
	})
}

// TestDeactivatedDriver: a driver taken off the fleet loses the offer in
// hand (it moves on), their socket closes, and they cannot come back
// online until reactivated.
func TestDeactivatedDriver(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(home)
		drv.online(home)
		sock := drv.live(t)
		tr := school.request(examTrip(time.Hour))
		drv.waitOffer(tr.ID)
		next := f.addDriver(north(home, 2))
		next.online(north(home, 2))

		var got struct {
			Active bool   `json:"active"`
			Status string `json:"status"`
		}
		f.admin.do("PATCH", "/api/v1/drivers/"+drv.ID, map[string]any{"active": false}).must(t, http.StatusOK, &got)
		assert.False(t, got.Active)
		assert.Equal(t, "offline", got.Status, "taken offline at once")

		requireRevoked(t, sock)
		assert.Empty(t, drv.offers(), "the offer in hand is withdrawn")
		next.waitOffer(tr.ID)
		assert.Contains(t, actions(f.events(tr.ID)), "withdrawn", "the withdrawal is on the trip's record")
		e := drv.post("/api/v1/drivers/me/presence", presence{Status: "online", Location: &home}).fails(t, http.StatusForbidden, "forbidden")
		assert.Contains(t, e.Message, "inactive", "the driver is told why")
		refused(t, srv.URL, "/ws/driver", drv.token, nil, nil, http.StatusForbidden, "forbidden")
		drv.accept(tr.ID).fails(t, http.StatusForbidden, "forbidden")

		f.admin.do("PATCH", "/api/v1/drivers/"+drv.ID, map[string]any{"active": true}).must(t, http.StatusOK, &got)
		assert.True(t, got.Active)
		drv.online(home)
		assert.Equal(t, []string{"active"}, f.accountChanges("/api/v1/drivers/" + drv.ID)[1].Fields)
	})
}

// TestCoordinatorsEditRequesters: a school's phone changes; a community
// that left the scheme is deactivated and books nothing more.
func TestCoordinatorsEditRequesters(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		path := "/api/v1/requesters/" + school.ID

		var got struct {
			Phone  string `json:"phone"`
			Kind   string `json:"kind"`
			Active bool   `json:"active"`
		}
		f.admin.do("PATCH", path, map[string]any{"phone": "0701-6220000", "kind": "community"}).must(t, http.StatusOK, &got)
		assert.Equal(t, "0701-6220000", got.Phone)
		assert.Equal(t, "community", got.Kind)
		assert.True(t, got.Active)
		school.get("/api/v1/requesters/me").must(t, http.StatusOK, &got)
		assert.Equal(t, "0701-6220000", got.Phone, "the requester sees the change")

		_, all := f.admin.do("PATCH", path, map[string]any{"kind": "hospital", "phone": "?"}).failsAll(t, http.StatusUnprocessableEntity, "invalid")
		assert.Len(t, all, 2, "every problem at once: %v", all)
		school.do("PATCH", path, map[string]any{"phone": "0701-6220001"}).fails(t, http.StatusForbidden, "forbidden")
		f.admin.do("PATCH", "/api/v1/requesters/req_nobody", map[string]any{"active": false}).fails(t, http.StatusNotFound, "not_found")
		school.get(path+"/changes").fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/requesters/req_nobody/changes").fails(t, http.StatusNotFound, "not_found")

		sock := school.live(t)
		f.admin.do("PATCH", path, map[string]any{"active": false}).must(t, http.StatusOK, &got)
		assert.False(t, got.Active)
		requireRevoked(t, sock)
		school.post("/api/v1/trips", examTrip(time.Hour)).fails(t, http.StatusForbidden, "forbidden")
		refused(t, srv.URL, "/ws/requester", school.token, nil, nil, http.StatusForbidden, "forbidden")
		var mine struct{ Trips []trip }
		school.get("/api/v1/trips").must(t, http.StatusOK, &mine)
		assert.Empty(t, mine.Trips, "it still reads its own trips, and the refused booking left none")

		f.admin.do("PATCH", path, map[string]any{"active": true}).must(t, http.StatusOK, &got)
		school.request(examTrip(time.Hour))

		cs := f.accountChanges(path)
		require.Len(t, cs, 3)
		assert.Equal(t, []string{"kind", "phone"}, cs[0].Fields)
		assert.Equal(t, []string{"active"}, cs[1].Fields)
	})
}
