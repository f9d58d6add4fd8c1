package integration

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// placeFound is a place as GET /api/v1/places lists it.
type placeFound struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	Aliases       []string `json:"aliases"`
	DistanceKm    *float64 `json:"distance_km"`
	TravelMinutes *int     `json:"travel_minutes"`
	Services      []string `json:"services"`
	OpenNow       *bool    `json:"open_now"`
}

// places lists the places a search finds, in order.
func (c *client) places(query string) []placeFound {
	c.tb.Helper()
	var out struct{ Places []placeFound }
	c.get("/api/v1/places?"+query).must(c.tb, http.StatusOK, &out)
	return out.Places
}

func placeNames(ps []placeFound) []string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return names
}

// TestPlaceSearch: a school finds its exam site by any name it goes by, a
// driver finds the nearest station with how far and how long a drive it
// is, and a bad search is told what is wrong with each parameter.
func TestPlaceSearch(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		// A travel model of its own, to see that the one that plans trips
		// times the places too.
		srv := startServer(t, b, "-detour", "1.5", "-speed-kmh", "30")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		drv := f.addDriver(home)

		add := func(name, kind string, at point, aliases ...string) placeFound {
			t.Helper()
			body := map[string]any{"name": name, "kind": kind, "lat": at.Lat, "lng": at.Lng}
			if aliases != nil {
				body["aliases"] = aliases
			}
			var p placeFound
			f.admin.post("/api/v1/places", body).must(t, http.StatusCreated, &p)
			return p
		}
		second := add("鹰潭二中", "exam_site", north(home, 4), "鹰潭市第二中学", "Yingtan No.2 Middle School")
		assert.Equal(t, []string{"鹰潭市第二中学", "Yingtan No.2 Middle School"}, second.Aliases, "the aliases are stored and returned")
		add("鹰潭一中", "exam_site", north(home, 6), "鹰潭市第一中学", "Yingtan No.1 Middle School")
		add("Yuehu Road Station", "station", north(home, 2.2))
		add("North Yingtan Station", "station", north(home, 5))
		add("Yingtan People's Hospital", "hospital", north(home, 1))

		t.Run("by name", func(t *testing.T) {
			school := school.in(t)
			for _, q := range []string{"鹰潭市第二中学", "Yingtan No.2 Middle School", "yingtan no 2", "二中", "鹰潭二中"} {
				assert.Equal(t, []string{"鹰潭二中"}, placeNames(school.places("q="+url.QueryEscape(q))), "q=%s", q)
			}
			got := school.places("q=" + url.QueryEscape("鹰潭二中"))
			require.Len(t, got, 1)
			assert.Equal(t, second.Aliases, got[0].Aliases, "a listed place shows its aliases")
			assert.Nil(t, got[0].DistanceKm, "no distance without near")
			assert.Equal(t, []string{"Yingtan People's Hospital", "鹰潭一中", "鹰潭二中", "North Yingtan Station"}, placeNames(school.places("q=YINGTAN")),
				"names (or aliases) that begin with the text, by name, before one that holds it")
			assert.Empty(t, school.places("q=Shanghai"), "nothing found is an empty list")
			assert.Equal(t, []string{"鹰潭一中", "鹰潭二中"}, placeNames(school.places("q=yingtan&kind=exam_site")), "q and kind combine")
		})

		t.Run("the nearest station", func(t *testing.T) {
			drv := drv.in(t)
			near := url.QueryEscape(fmtPoint(home))
			got := drv.places("kind=station&near=" + near)
			require.Equal(t, []string{"Yuehu Road Station", "North Yingtan Station"}, placeNames(got), "stations only, nearest first")
			require.NotNil(t, got[0].DistanceKm)
			require.NotNil(t, got[0].TravelMinutes)
			// 2.2 km in a straight line is 3.3 km of road at a detour of
			// 1.5, 6.6 minutes at 30 km/h: the model that plans trips.
			assert.Equal(t, 3.3, *got[0].DistanceKm, "road kilometres, to a tenth")
			assert.Equal(t, 7, *got[0].TravelMinutes, "whole minutes, rounded up")
			assert.Greater(t, *got[1].DistanceKm, *got[0].DistanceKm)

			all := drv.places("near=" + near)
			assert.Equal(t, []string{"Yingtan People's Hospital", "Yuehu Road Station", "鹰潭二中", "North Yingtan Station", "鹰潭一中"},
				placeNames(all), "every kind, nearest first")
			byName := drv.places("near=" + near + "&q=" + url.QueryEscape("yingtan"))
			assert.Equal(t, []string{"Yingtan People's Hospital", "鹰潭二中", "鹰潭一中", "North Yingtan Station"}, placeNames(byName),
				"the better match first, then the nearer")
		})

		t.Run("refused", func(t *testing.T) {
			drv := drv.in(t)
			for _, c := range []struct {
				name, query string
				fields      []string
			}{
				{"unknown kind", "kind=shop", []string{"kind"}},
				{"near without a comma", "near=28.26+117.07", []string{"near"}},
				{"near not a number", "near=north,east", []string{"near"}},
				{"near off the map", "near=91,117", []string{"near"}},
				{"q of punctuation only", "q=...", []string{"q"}},
				{"all of them", "kind=shop&q=...&near=here", []string{"kind", "q", "near"}},
			} {
				t.Run(c.name, func(t *testing.T) {
					first, all := drv.in(t).get("/api/v1/places?"+c.query).failsAll(t, http.StatusUnprocessableEntity, "invalid")
					var fields []string
					for _, e := range all {
						fields = append(fields, e.Field)
					}
					assert.Equal(t, c.fields, fields, "every parameter at fault")
					assert.Equal(t, c.fields[0], first.Field)
				})
			}
			e := f.in(t).admin.post("/api/v1/places", map[string]any{"name": "Station 9", "kind": "station",
				"lat": home.Lat, "lng": home.Lng, "aliases": []string{"ok", " "}}).fails(t, http.StatusUnprocessableEntity, "invalid")
			assert.Equal(t, "aliases[1]", e.Field, "a blank alias is named")
		})
	})
}

// fmtPoint writes p as the near parameter takes it.
func fmtPoint(p point) string {
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(p.Lng, 'f', -1, 64)
}

// TestStationsOpenNow: a driver looking for somewhere to rest sees which
// stations are open now and what each offers, and can ask for the open
// ones only; hours and services that make no sense are refused, each
// named, and nothing is stored.
func TestStationsOpenNow(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		drv := f.addDriver(home)
		everyDay := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
		add := func(name string, at point, extra map[string]any) {
			t.Helper()
			body := map[string]any{"name": name, "kind": "station", "lat": at.Lat, "lng": at.Lng}
			for k, v := range extra {
				body[k] = v
			}
			f.admin.post("/api/v1/places", body).must(t, http.StatusCreated, nil)
		}
		// Open round the clock, open only on a day long past, and no hours
		// given: whenever the test runs, the first is open and the second
		// closed.
		add("Always Open Station", north(home, 3), map[string]any{
			"hours":    map[string]any{"weekly": []any{map[string]any{"days": everyDay, "from": "00:00", "to": "24:00"}}},
			"services": []string{"rest", "charging", "rest"},
		})
		add("Closed Station", north(home, 1), map[string]any{
			"hours": map[string]any{"dates": []any{map[string]any{"date": "2020-01-01", "from": "08:00", "to": "18:00"}}},
		})
		add("Unknown Hours Station", north(home, 2), nil)

		near := url.QueryEscape(fmtPoint(home))
		got := drv.places("kind=station&near=" + near)
		require.Equal(t, []string{"Closed Station", "Unknown Hours Station", "Always Open Station"}, placeNames(got), "nearest first")
		require.NotNil(t, got[0].OpenNow)
		assert.False(t, *got[0].OpenNow, "closed now")
		assert.Nil(t, got[1].OpenNow, "a station without hours does not say")
		require.NotNil(t, got[2].OpenNow)
		assert.True(t, *got[2].OpenNow, "open now")
		assert.Equal(t, []string{"rest", "charging"}, got[2].Services, "what it offers, each once")

		open := drv.places("kind=station&open=true&near=" + near)
		assert.Equal(t, []string{"Always Open Station"}, placeNames(open), "only the stations open now")
		require.NotNil(t, open[0].DistanceKm, "with how far it is")

		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"a day that is not one", map[string]any{"hours": map[string]any{"weekly": []any{map[string]any{"days": []string{"someday"}, "from": "08:00", "to": "18:00"}}}}, "hours.weekly[0].days[0]"},
			{"closing before opening", map[string]any{"hours": map[string]any{"weekly": []any{map[string]any{"days": []string{"mon"}, "from": "18:00", "to": "08:00"}}}}, "hours.weekly[0].to"},
			{"a service nobody offers", map[string]any{"services": []string{"rest", "spa"}}, "services[1]"},
		} {
			t.Run(c.name, func(t *testing.T) {
				body := map[string]any{"name": "Bad " + c.name, "kind": "station", "lat": home.Lat, "lng": home.Lng}
				for k, v := range c.body {
					body[k] = v
				}
				e := f.in(t).admin.post("/api/v1/places", body).fails(t, http.StatusUnprocessableEntity, "invalid")
				assert.Equal(t, c.field, e.Field)
			})
		}
		e := drv.in(t).get("/api/v1/places?open=maybe").fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "open", e.Field)
		assert.Len(t, drv.places("kind=station"), 3, "nothing refused was stored")
	})
}
