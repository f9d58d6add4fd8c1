package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNamesThatHide registers drivers, schools, coordinators, places,
// campaigns and riders under names that would show as something else on a
// board, a phone or a terminal: each is refused with 422 naming the field,
// and nothing is created.
func TestNamesThatHide(t *testing.T) {
	srv := startServer(t, embedded())
	f := newFixture(t, srv)
	school := f.addRequester("school")

	bodies := []struct {
		what, path, field string
		as                *client
		body              func(name string) any
	}{
		{"a driver", "/api/v1/drivers", "name", f.admin, func(n string) any { r := verifiedDriver(home); r.Name = n; return r }},
		{"a school", "/api/v1/requesters", "name", f.admin, func(n string) any {
			return requesterRegistration{Name: n, Kind: "school", Phone: "0701-6221234"}
		}},
		{"a coordinator", "/api/v1/coordinators", "name", f.admin, func(n string) any { return map[string]string{"name": n} }},
		{"a place", "/api/v1/places", "name", f.admin, func(n string) any {
			return map[string]any{"name": n, "kind": "exam_site", "lat": examSite.Lat, "lng": examSite.Lng}
		}},
		{"a campaign", "/api/v1/campaigns", "name", f.admin, func(n string) any {
			d := newCampaignDraft(openWindow(), shiftIn(3, 5))
			d.Name = n
			return d
		}},
		{"a rider", "/api/v1/trips", "riders[0].name", school.client, func(n string) any {
			r := examTrip(5 * time.Hour)
			r.Riders = []rider{{Name: n}}
			return r
		}},
	}
	names := []struct{ what, name string }{
		{"NUL", "Wang\x00Wei"},
		{"a right-to-left override", "Wang \u202eieW"},
		{"an isolate", "\u2067Wang Wei\u2069"},
		{"an ANSI escape", "\x1b[2J\x1b[31mWang Wei"},
		{"zero-width spaces only", "\u200b\u200b\u200b"},
		{"a newline", "Wang\nWei"},
	}
	before := f.snapshot()
	for _, b := range bodies {
		for _, n := range names {
			t.Run(b.what+" with "+n.what, func(t *testing.T) {
				r := b.as.in(t).post(b.path, b.body(n.name))
				e := r.fails(t, http.StatusUnprocessableEntity, "invalid")
				assert.Equal(t, b.field, e.Field, "%s", r)
			})
		}
	}
	assert.Equal(t, before, f.snapshot(), "nothing was created")

	t.Run("in an imported list", func(t *testing.T) {
		site := fmt.Sprintf("Exam site %s-%d", runID, unique())
		f.admin.in(t).post("/api/v1/places", map[string]any{"name": site, "kind": "exam_site", "lat": examSite.Lat, "lng": examSite.Lng}).must(t, http.StatusCreated, nil)
		when := time.Now().In(time.FixedZone("CST", 8*3600)).Add(24 * time.Hour).Format("2006-01-02 15:04")
		list := importHeader + fmt.Sprintf("\"Li \u202egniM\",13900000001,%s,%s,12 Shengli Road,%s,%s\n", coord(home.Lat), coord(home.Lng), site, when)
		r := school.in(t).post("/api/v1/trips/import", raw(list))
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
		var refused struct {
			Rows []struct {
				Row   int
				Field string
			}
		}
		require.NoError(t, json.Unmarshal(r.Body, &refused))
		require.Len(t, refused.Rows, 1, "%s", r)
		assert.Equal(t, "name", refused.Rows[0].Field, "%s", r)
	})
	t.Run("names that are fine", func(t *testing.T) {
		for _, n := range []string{"王伟", "مدرسة النور", "Zoë 👩‍🚀"} {
			r := verifiedDriver(home)
			r.Name = n
			f.admin.in(t).post("/api/v1/drivers", r).must(t, http.StatusCreated, nil)
		}
	})
}

// TestDuplicateKeys sends bodies that say one thing twice: a reader that
// keeps the first and one that keeps the last would disagree, so each is
// refused with 400 naming the key, and nothing is created.
func TestDuplicateKeys(t *testing.T) {
	srv := startServer(t, embedded())
	f := newFixture(t, srv)
	school := f.addRequester("school")
	before := f.snapshot()
	for _, c := range []struct {
		what, path, body, field string
		as                      *client
	}{
		{"the name of a driver", "/api/v1/drivers", `{"name":"Wang Wei","phone":"13800000001","vehicle":{"plate":"赣L1","seats":4},"home":{"lat":28.2,"lng":117},"name":"Administrator"}`, "name", f.admin},
		{"verified_minors, in another case", "/api/v1/drivers", `{"name":"Wang Wei","phone":"13800000001","vehicle":{"plate":"赣L1","seats":4},"home":{"lat":28.2,"lng":117},"verified_minors":false,"VERIFIED_MINORS":true}`, "VERIFIED_MINORS", f.admin},
		{"a vehicle's seats", "/api/v1/drivers", `{"name":"Wang Wei","phone":"13800000001","vehicle":{"plate":"赣L1","seats":4,"seats":8},"home":{"lat":28.2,"lng":117}}`, "vehicle.seats", f.admin},
		{"a rider's phone", "/api/v1/trips", strings.Replace(mustJSON(t, examTrip(5*time.Hour)), `"riders":[{`, `"riders":[{"phone":"13900000009",`, 1), "riders[0].phone", school.client},
	} {
		t.Run(c.what, func(t *testing.T) {
			r := c.as.in(t).post(c.path, raw(c.body))
			e := r.fails(t, http.StatusBadRequest, "bad_request")
			assert.Equal(t, c.field, e.Field, "%s", r)
		})
	}
	assert.Equal(t, before, f.snapshot(), "nothing was created")
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return string(b)
}
