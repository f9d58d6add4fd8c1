package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTripRequestEveryProblem books a trip, and imports a list, with
// several mistakes at once: the school is told of every one in a single
// answer, in the order of the form (or of the list's columns), and nothing
// is booked.
func TestTripRequestEveryProblem(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")

		t.Run("a trip request", func(t *testing.T) {
			f := f.in(t)
			before := f.snapshot()
			req := examTrip(3 * time.Hour)
			req.Kind = "taxi"
			req.Pickup.Address = " "
			req.Riders = append(req.Riders, rider{Name: "", Phone: "call me"})
			req.ArriveBy = rfc3339(time.Now().Add(-time.Minute))
			body := with(t, req, func(m map[string]any) { m["dropoff"].(map[string]any)["lat"] = 91 })
			first, all := school.in(t).post("/api/v1/trips", body).failsAll(t, http.StatusUnprocessableEntity, "invalid")
			var fields []string
			for _, e := range all {
				fields = append(fields, e.Field)
				assert.Equal(t, "invalid", e.Code, "%+v", e)
				assert.NotEmpty(t, e.Message, "%+v", e)
			}
			assert.Equal(t, []string{"kind", "pickup.address", "dropoff.lat", "riders[1].name", "riders[1].phone", "arrive_by"}, fields,
				"every field at fault, in the order of the form")
			assert.Equal(t, "kind", first.Field, "error names the first, for clients that read one")
			assert.Equal(t, before, f.snapshot(), "a refused request books nothing")
		})

		t.Run("a list of students", func(t *testing.T) {
			f := f.in(t)
			site := fmt.Sprintf("Yingtan No. 3 Middle School %s-%d", runID, unique())
			f.admin.post("/api/v1/places", map[string]any{"name": site, "kind": "exam_site",
				"lat": examSite.Lat, "lng": examSite.Lng}).must(t, http.StatusCreated, nil)
			before := f.snapshot()
			arrive := time.Now().Add(5 * time.Hour).In(shanghai).Format("2006-01-02 15:04")
			list := importHeader +
				fmt.Sprintf("Student Zhao %s-%d,13900000031,%f,%f,12 Shengli Road,%s,%s\n", runID, unique(), home.Lat, home.Lng, site, arrive) +
				fmt.Sprintf(",call me,north,%f,,%s,%s\n", home.Lng, site, arrive) +
				fmt.Sprintf("Student Qian %s-%d,,%f,%f,3 Yuehu Road,Nowhere School,soon\n", runID, unique(), home.Lat, home.Lng)
			r := school.in(t).post("/api/v1/trips/import", csvList(list))
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
			var refused struct {
				Error apiError
				Rows  []struct {
					Row   int
					Field string
				}
				Problems int
			}
			require.NoError(t, json.Unmarshal(r.Body, &refused), "%s", r)
			var got []string
			for _, p := range refused.Rows {
				got = append(got, fmt.Sprintf("%d:%s", p.Row, p.Field))
			}
			assert.Equal(t, []string{"2:name", "2:phone", "2:pickup_lat", "2:pickup_address", "3:exam_site", "3:arrive_by"}, got,
				"every bad cell of each bad row, in the order of the columns")
			assert.Equal(t, 2, refused.Problems, "two rows are wrong")
			assert.Contains(t, refused.Error.Message, "2 rows are wrong")
			assert.Equal(t, before, f.snapshot(), "a refused list books nothing, not even its good rows")
		})
	})
}
