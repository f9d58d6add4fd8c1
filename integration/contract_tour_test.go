package integration

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContractTour calls what the other tests leave out, the way a client
// written from openapi.json would — registering a coordinator, rotating
// tokens, reading one's own records, adding and listing places, importing
// a school's list — once as allowed and once refused, so that with the
// rest of the suite every operation's success and error answers are
// checked against the document.
func TestContractTour(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		drv := f.addDriver(home)
		other := f.addDriver(home)
		school := f.addRequester("school")
		anon := f.client("")

		var crd struct{ ID, Token string }
		f.admin.post("/api/v1/coordinators", map[string]string{"name": "Li Na"}).must(t, http.StatusCreated, &crd)
		assert.NotEmpty(t, crd.Token, "a new coordinator's token is shown once")
		drv.post("/api/v1/coordinators", map[string]string{"name": "Self-made"}).fails(t, http.StatusForbidden, "forbidden")

		var tok struct{ Token string }
		f.admin.post("/api/v1/drivers/"+drv.ID+"/token", nil).must(t, http.StatusCreated, &tok)
		require.NotEmpty(t, tok.Token)
		drv.get("/api/v1/drivers/me").fails(t, http.StatusUnauthorized, "unauthorized")
		drv = &driver{client: f.client(tok.Token), ID: drv.ID}
		drv.get("/api/v1/drivers/me").must(t, http.StatusOK, nil)
		other.post("/api/v1/drivers/"+drv.ID+"/token", nil).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post("/api/v1/drivers/drv_nobody_"+runID+"/token", nil).fails(t, http.StatusNotFound, "not_found")
		school.post("/api/v1/requesters/"+school.ID+"/token", nil).must(t, http.StatusCreated, &tok)
		school = &requester{client: f.client(tok.Token), ID: school.ID}
		drv.post("/api/v1/requesters/"+school.ID+"/token", nil).fails(t, http.StatusForbidden, "forbidden")

		var me struct{ ID string }
		school.get("/api/v1/requesters/me").must(t, http.StatusOK, &me)
		assert.Equal(t, school.ID, me.ID)
		drv.get("/api/v1/requesters/me").fails(t, http.StatusForbidden, "forbidden")
		drv.get("/api/v1/drivers/me/stats").must(t, http.StatusOK, nil)
		f.admin.get("/api/v1/drivers/me/stats").fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/drivers/drv_nobody_"+runID).fails(t, http.StatusNotFound, "not_found")
		drv.get("/api/v1/requesters").fails(t, http.StatusForbidden, "forbidden")
		anon.post("/api/v1/realtime/tickets", nil).fails(t, http.StatusUnauthorized, "unauthorized")

		site := fmt.Sprintf("Yingtan No. 1 Middle School %s-%d", runID, unique())
		f.admin.post("/api/v1/places", map[string]any{"name": site, "kind": "exam_site",
			"lat": examSite.Lat, "lng": examSite.Lng, "address": "Gate 2"}).must(t, http.StatusCreated, nil)
		var places struct{ Places []struct{ Name string } }
		school.get("/api/v1/places").must(t, http.StatusOK, &places)
		var names []string
		for _, p := range places.Places {
			names = append(names, p.Name)
		}
		assert.Contains(t, names, site, "a place added is listed")
		anon.get("/api/v1/places").fails(t, http.StatusUnauthorized, "unauthorized")

		arrive := time.Now().Add(5 * time.Hour).In(shanghai).Format("2006-01-02 15:04")
		list := "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n" +
			fmt.Sprintf("Student Wang %s-%d,13900000011,%f,%f,12 Shengli Road,%s,%s\n", runID, unique(), home.Lat, home.Lng, site, arrive)
		var booked struct{ Booked int }
		school.post("/api/v1/trips/import", csvList(list)).must(t, http.StatusCreated, &booked)
		assert.Equal(t, 1, booked.Booked)
		bad := list + "Student Li,13900000012,28.2,117.0,3 Yuehu Road,Nowhere School," + arrive + "\n"
		r := school.post("/api/v1/trips/import", csvList(bad))
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
		assert.Contains(t, string(r.Body), `"exam_site"`, "the refusal names the bad row's field: %s", r)
	})
}
