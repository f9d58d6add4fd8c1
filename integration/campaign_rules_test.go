package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCampaignRules covers what the campaign API refuses and why: bad
// drafts naming the field, the wrong roles, unknown ids, a shut window, an
// unverified driver on a shift with minors, a driver hammering sign-up, and
// a trip naming an unknown campaign; and that a coordinator can rename a
// campaign, open it to all and move its window.
func TestCampaignRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		drv := f.addDriver(home)
		school := f.addRequester("school")
		anon := f.client("")

		open := openWindow()
		base := createCampaign(t, f.admin, newCampaignDraft(open, shiftIn(2, 50), withMinors(shiftIn(2, 5))))
		free, minors := base.Shifts[0].ID, base.Shifts[1].ID

		// Run first, alone: every refused create leaves the list as it was.
		t.Run("refused drafts create nothing", func(t *testing.T) {
			f := f.in(t)
			before := f.admin.get("/api/v1/campaigns").must(t, http.StatusOK, nil).Body
			valid := newCampaignDraft(openWindow(), shiftIn(2, 3))
			ahead := time.Now().AddDate(0, 0, 10)
			edit := func(e func(m map[string]any)) map[string]any { return draftWith(t, valid, e) }
			shift0 := func(k string, v any) map[string]any {
				return edit(func(m map[string]any) { firstShift(m)[k] = v })
			}
			yesterday := time.Now().In(shanghai).AddDate(0, 0, -1).Format("2006-01-02")
			today := time.Now().In(shanghai)
			for _, c := range []struct {
				name   string
				as     *client
				body   any
				status int
				code   string
				field  string
			}{
				{"bad cron in signup_opens", f.admin, edit(func(m map[string]any) { m["signup_opens"] = "61 25 * * *" }), 422, "invalid", "signup_opens"},
				{"words in signup_opens", f.admin, edit(func(m map[string]any) { m["signup_opens"] = "every morning" }), 422, "invalid", "signup_opens"},
				{"bad cron in signup_closes", f.admin, edit(func(m map[string]any) { m["signup_closes"] = "* * * *" }), 422, "invalid", "signup_closes"},
				{"close before open", f.admin, edit(func(m map[string]any) {
					m["signup_opens"] = yearly(ahead)
					m["signup_closes"] = yearly(ahead.AddDate(0, 0, -5))
				}), 422, "invalid", "signup_closes"},
				{"one-off close an hour before open", f.admin, edit(func(m map[string]any) {
					m["signup_opens"] = yearly(ahead)
					m["signup_closes"] = yearly(ahead.Add(-time.Hour))
				}), 422, "invalid", "signup_closes"},
				{"same open and close", f.admin, edit(func(m map[string]any) { m["signup_closes"] = m["signup_opens"] }), 422, "invalid", "signup_closes"},
				{"shift in the past", f.admin, shift0("date", yesterday), 422, "invalid", "shifts[0].date"},
				{"shift earlier today", f.admin, edit(func(m map[string]any) {
					s := firstShift(m)
					s["date"], s["start"], s["end"] = today.Format("2006-01-02"), "00:00", "00:01"
				}), 422, "invalid", "shifts[0].date"},
				{"end before start", f.admin, shift0("end", "06:00"), 422, "invalid", "shifts[0].end"},
				{"end equal to start", f.admin, shift0("end", "07:00"), 422, "invalid", "shifts[0].end"},
				{"cars_needed 0", f.admin, shift0("cars_needed", 0), 422, "invalid", "shifts[0].cars_needed"},
				{"cars_needed negative", f.admin, shift0("cars_needed", -3), 422, "invalid", "shifts[0].cars_needed"},
				{"bad second shift", f.admin, edit(func(m map[string]any) {
					s := map[string]any{}
					for k, v := range firstShift(m) {
						s[k] = v
					}
					s["cars_needed"] = 0
					m["shifts"] = append(m["shifts"].([]any), s)
				}), 422, "invalid", "shifts[1].cars_needed"},
				{"no area", f.admin, edit(func(m map[string]any) { delete(firstShift(m), "area") }), 422, "invalid", "shifts[0].area"},
				{"no shifts", f.admin, edit(func(m map[string]any) { m["shifts"] = []any{} }), 422, "invalid", "shifts"},
				{"no name", f.admin, edit(func(m map[string]any) { m["name"] = " " }), 422, "invalid", "name"},
				{"unknown time zone", f.admin, edit(func(m map[string]any) { m["timezone"] = "Mars/Olympus_Mons" }), 422, "invalid", "timezone"},
				{"unknown field", f.admin, edit(func(m map[string]any) { m["colour"] = "red" }), 400, "bad_request", "colour"},
				{"unknown shift field", f.admin, shift0("capacity", 4), 400, "bad_request", "shifts[0].capacity"},
				// The field of a wrong type is not checked: the service names
				// it "shifts.cars_needed", without the index.
				{"wrong type", f.admin, shift0("cars_needed", "ten"), 400, "bad_request", ""},
				{"not JSON", f.admin, raw(`{"name": "Gaokao",`), 400, "bad_request", ""},
				{"no body", f.admin, nil, 400, "bad_request", ""},
				{"a driver", drv.client, valid, 403, "forbidden", ""},
				{"a requester", school.client, valid, 403, "forbidden", ""},
				{"no token", anon, valid, 401, "unauthorized", ""},
			} {
				r := c.as.in(t).post("/api/v1/campaigns", c.body)
				e := r.fails(t, c.status, c.code)
				if c.field != "" {
					assert.Equal(t, c.field, e.Field, "%s: %s", c.name, r)
				}
			}
			after := f.admin.get("/api/v1/campaigns").must(t, http.StatusOK, nil).Body
			assert.JSONEq(t, string(before), string(after), "GET /api/v1/campaigns changed after refused creates")
		})

		t.Run("read by anyone signed in", func(t *testing.T) {
			t.Parallel()
			for _, c := range []*client{drv.client, school.client, f.admin} {
				got := getCampaign(t, c, base.ID)
				assert.Equal(t, base.Name, got.Name)
				assert.True(t, got.Window.Open)
				require.Len(t, got.Shifts, 2)
				assert.True(t, got.Shifts[1].VerifiedMinors)
				c.in(t).get("/api/v1/campaigns").must(t, http.StatusOK, nil)
			}
			for _, p := range []string{"/api/v1/campaigns", "/api/v1/campaigns/" + base.ID, "/api/v1/drivers/me/signups"} {
				anon.in(t).get(p).fails(t, http.StatusUnauthorized, "unauthorized")
			}
			f.admin.in(t).get("/api/v1/drivers/me/signups").fails(t, http.StatusForbidden, "forbidden")
		})

		t.Run("roles", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			f.admin.post(signupPath(base.ID, free), nil).fails(t, http.StatusForbidden, "forbidden")
			f.admin.do(http.MethodDelete, signupPath(base.ID, free), nil).fails(t, http.StatusForbidden, "forbidden")
			school.in(t).post(signupPath(base.ID, free), nil).fails(t, http.StatusForbidden, "forbidden")
			anon.in(t).post(signupPath(base.ID, free), nil).fails(t, http.StatusUnauthorized, "unauthorized")
			anon.in(t).do(http.MethodDelete, signupPath(base.ID, free), nil).fails(t, http.StatusUnauthorized, "unauthorized")
			rename := map[string]any{"name": "Taken over"}
			f.addDriver(home).do(http.MethodPatch, "/api/v1/campaigns/"+base.ID, rename).fails(t, http.StatusForbidden, "forbidden")
			school.in(t).do(http.MethodPatch, "/api/v1/campaigns/"+base.ID, rename).fails(t, http.StatusForbidden, "forbidden")
			anon.in(t).do(http.MethodPatch, "/api/v1/campaigns/"+base.ID, rename).fails(t, http.StatusUnauthorized, "unauthorized")
			assert.Equal(t, base.Name, getCampaign(t, f.admin, base.ID).Name, "a refused PATCH renamed the campaign")
		})

		t.Run("unknown campaign or shift", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			nope := "cmp_nope_" + runID
			f.admin.get("/api/v1/campaigns/"+nope).fails(t, http.StatusNotFound, "not_found")
			f.admin.do(http.MethodPatch, "/api/v1/campaigns/"+nope, map[string]any{"name": "Ghost"}).fails(t, http.StatusNotFound, "not_found")
			d := f.addDriver(home)
			d.post(signupPath(nope, free), nil).fails(t, http.StatusNotFound, "not_found")
			d.post(signupPath(base.ID, "shf_nope_"+runID), nil).fails(t, http.StatusNotFound, "not_found")
			d.do(http.MethodDelete, signupPath(nope, free), nil).fails(t, http.StatusNotFound, "not_found")
			d.do(http.MethodDelete, signupPath(base.ID, free), nil).fails(t, http.StatusNotFound, "not_found")
			assert.Empty(t, mySignups(t, d), "failed sign-ups left something behind")
		})

		t.Run("the list shows each shift's fill", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), shiftIn(3, 1), shiftIn(4, 2)))
			first, second := c.Shifts[0].ID, c.Shifts[1].ID
			for range 2 {
				signUp(t, f.addDriver(home), c.ID, first) // one confirmed, one waiting
			}
			signUp(t, f.addDriver(home), c.ID, second)
			var list struct{ Campaigns []campaignBody }
			f.admin.get("/api/v1/campaigns").must(t, http.StatusOK, &list)
			var listed *campaignBody
			for i := range list.Campaigns {
				if list.Campaigns[i].ID == c.ID {
					listed = &list.Campaigns[i]
				}
			}
			require.NotNil(t, listed, "GET /api/v1/campaigns does not list %s", c.ID)
			for _, want := range []struct {
				shift           string
				confirmed, wait int
			}{{first, 1, 1}, {second, 1, 0}} {
				conf, wait := listed.fill(t, want.shift)
				assert.Equal(t, [2]int{want.confirmed, want.wait}, [2]int{conf, wait}, "GET /api/v1/campaigns: shift %s (confirmed, waiting)", want.shift)
				conf1, wait1 := getCampaign(t, f.admin, c.ID).fill(t, want.shift)
				assert.Equal(t, [2]int{conf1, wait1}, [2]int{conf, wait}, "the list and GET /api/v1/campaigns/%s agree on shift %s", c.ID, want.shift)
			}
		})

		t.Run("a window open for a season", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			opens := time.Now().Add(time.Hour).Truncate(time.Minute)
			closes := opens.AddDate(0, 0, 300) // a season's recruitment, well past 31 days
			d := newCampaignDraft(window{}, shiftIn(2, 5))
			d.SignupOpens, d.SignupCloses = yearly(opens), yearly(closes)
			c := createCampaign(t, f.admin, d)
			got := getCampaign(t, f.admin, c.ID)
			assert.False(t, got.Window.Open, "a window opening in an hour is shut")
			sameInstant(t, opens, got.Window.NextOpen, "window.next_open")
			sameInstant(t, closes, got.Window.NextClose, "window.next_close")

			// The same days the other way round close before they open.
			d.SignupOpens, d.SignupCloses = yearly(closes), yearly(opens)
			e := f.admin.post("/api/v1/campaigns", d).fails(t, http.StatusUnprocessableEntity, "invalid")
			assert.Equal(t, "signup_closes", e.Field)
		})

		t.Run("outside the window", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			shut := closedWindow()
			c := createCampaign(t, f.admin, newCampaignDraft(shut, shiftIn(2, 5)))
			assert.False(t, c.Window.Open, "a window opening at %s", shut.openAt)
			got := getCampaign(t, f.admin, c.ID)
			require.False(t, got.Window.Open, "GET: a window opening at %s is shut: %+v", shut.openAt, got.Window)
			sameInstant(t, shut.nextOpen, got.Window.NextOpen, "window.next_open")
			sameInstant(t, shut.nextEnd, got.Window.NextClose, "window.next_close")

			d := f.addDriver(home)
			r := d.post(signupPath(c.ID, c.Shifts[0].ID), nil)
			e := r.fails(t, http.StatusConflict, "conflict")
			assert.True(t, namesTime(e.Message, shut.openAt), "a sign-up before the window opens must say when it opens (%s): %s",
				shut.openAt.In(shanghai).Format(time.RFC3339), r)
			conf, wait := getCampaign(t, f.admin, c.ID).fill(t, c.Shifts[0].ID)
			assert.Equal(t, [2]int{0, 0}, [2]int{conf, wait}, "a refused sign-up filled the shift")
			assert.Empty(t, mySignups(t, d), "a refused sign-up is listed")
		})

		t.Run("window that wraps around the day", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			// Opens daily at a clock time later than it closes: it opened
			// yesterday, 23 hours ago, and closes in half an hour.
			now := time.Now()
			o, cl := now.Add(60*time.Minute).Truncate(time.Minute), now.Add(30*time.Minute).Truncate(time.Minute)
			w := window{opens: daily(o), closes: daily(cl)}
			c := createCampaign(t, f.admin, newCampaignDraft(w, shiftIn(2, 1)))
			got := getCampaign(t, f.admin, c.ID)
			require.True(t, got.Window.Open, "opens %q closes %q: the latest firing was an opening: %+v", w.opens, w.closes, got.Window)
			sameInstant(t, cl, got.Window.NextClose, "window.next_close")
			sameInstant(t, o, got.Window.NextOpen, "window.next_open")
			assert.Equal(t, "confirmed", signUp(t, f.addDriver(home), c.ID, c.Shifts[0].ID).Status)
			assert.Equal(t, signupBody{CampaignID: c.ID, ShiftID: c.Shifts[0].ID, Status: "waiting", Position: 1},
				signUp(t, f.addDriver(home), c.ID, c.Shifts[0].ID))
		})

		t.Run("shift with minors", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			reg := verifiedDriver(home)
			reg.VerifiedMinors = false
			unverified := f.register(reg)
			unverified.post(signupPath(base.ID, minors), nil).fails(t, http.StatusForbidden, "forbidden")
			_, listed := signupFor(t, unverified, base.ID, minors)
			assert.False(t, listed, "a refused sign-up is listed")
			// The same driver may take a shift without minors, and a
			// verified driver the shift with them.
			assert.Equal(t, "confirmed", signUp(t, unverified, base.ID, free).Status)
			verified := f.addDriver(home)
			assert.Equal(t, "confirmed", signUp(t, verified, base.ID, minors).Status)
			conf, wait := getCampaign(t, f.admin, base.ID).fill(t, minors)
			assert.Equal(t, [2]int{1, 0}, [2]int{conf, wait}, "the shift with minors holds only the verified driver")
		})

		t.Run("rate limit", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			d := f.addDriver(home)
			var first signupBody
			var limited *response
			var limitedAt time.Time
			ok := 0
			for i := 0; i < 12 && limited == nil; i++ {
				r := d.post(signupPath(base.ID, free), nil)
				limitedAt = time.Now()
				switch r.Status {
				case http.StatusCreated:
					var s signupBody
					r.must(t, http.StatusCreated, &s)
					if ok == 0 {
						first = s
					}
					assert.Equal(t, first, s, "signing up again answers the same: %s", r)
					ok++
				case http.StatusTooManyRequests:
					limited = r
				default:
					t.Fatalf("hammering sign-up: %s", r)
				}
			}
			require.NotNil(t, limited, "12 sign-ups in a row by one driver were never limited (2/s, burst 4)")
			assert.GreaterOrEqual(t, ok, 4, "the burst of 4 must pass before the limit")
			limited.fails(t, http.StatusTooManyRequests, "rate_limited")
			ra := limited.Header.Get("Retry-After")
			secs, err := strconv.Atoi(ra)
			require.NoError(t, err, "Retry-After %q is not a number of seconds: %s", ra, limited)
			require.True(t, secs >= 1 && secs <= 5, "Retry-After %d: want a second or so", secs)
			// Withdrawing counts against the same limit (while no token can
			// have come back: one comes every half second).
			wd := d.do(http.MethodDelete, signupPath(base.ID, free), nil)
			if time.Since(limitedAt) < 300*time.Millisecond {
				wd.fails(t, http.StatusTooManyRequests, "rate_limited")
			} else if wd.Status != http.StatusTooManyRequests {
				t.Logf("too slow to tell whether a withdrawal counts against the limit: %s", wd)
			}
			// After waiting as told, the driver is served again.
			time.Sleep(time.Duration(secs) * time.Second)
			again := signUp(t, d, base.ID, free)
			assert.Equal(t, first, again)
			// The limit is the driver's, not everyone's.
			other := f.addDriver(home)
			signUp(t, other, base.ID, free)
		})

		t.Run("patch", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), shiftIn(2, 3)))
			require.False(t, c.OpenToAll)
			name := fmt.Sprintf("Gaokao Escort renamed %s-%d", runID, unique())
			var p campaignBody
			r := f.admin.do(http.MethodPatch, "/api/v1/campaigns/"+c.ID, map[string]any{"name": name, "open_to_all": true}).
				must(t, http.StatusOK, &p)
			assert.Equal(t, name, p.Name, "%s", r)
			assert.True(t, p.OpenToAll, "%s", r)
			assert.Equal(t, c.SignupOpens, p.SignupOpens, "fields left out stay: %s", r)
			assert.Equal(t, c.Shifts[0].ID, p.Shifts[0].ID, "%s", r)
			got := getCampaign(t, school.client, c.ID)
			assert.Equal(t, name, got.Name)
			assert.True(t, got.OpenToAll)
			assert.True(t, got.Window.Open)

			// Refused changes change nothing.
			f.admin.do(http.MethodPatch, "/api/v1/campaigns/"+c.ID, map[string]any{"signup_opens": "61 * * * *"}).
				fails(t, http.StatusUnprocessableEntity, "invalid")
			e := f.admin.do(http.MethodPatch, "/api/v1/campaigns/"+c.ID, map[string]any{"name": ""}).
				fails(t, http.StatusUnprocessableEntity, "invalid")
			assert.Equal(t, "name", e.Field)
			e = f.admin.do(http.MethodPatch, "/api/v1/campaigns/"+c.ID, map[string]any{"shifts": []any{}}).
				fails(t, http.StatusBadRequest, "bad_request")
			assert.Equal(t, "shifts", e.Field)
			got = getCampaign(t, f.admin, c.ID)
			assert.Equal(t, name, got.Name)
			assert.Equal(t, c.SignupOpens, got.SignupOpens)

			// Turning open_to_all off leaves the name alone.
			f.admin.do(http.MethodPatch, "/api/v1/campaigns/"+c.ID, map[string]any{"open_to_all": false}).must(t, http.StatusOK, &p)
			assert.False(t, p.OpenToAll)
			assert.Equal(t, name, p.Name)

			// Moving the window: shut until later, sign-up is refused and
			// says when it opens.
			shut := closedWindow()
			f.admin.do(http.MethodPatch, "/api/v1/campaigns/"+c.ID, map[string]any{"signup_opens": shut.opens, "signup_closes": shut.closes}).
				must(t, http.StatusOK, &p)
			require.NotNil(t, p.Window)
			assert.False(t, p.Window.Open, "after moving the window to open at %s", shut.openAt)
			sameInstant(t, shut.nextOpen, p.Window.NextOpen, "window.next_open after PATCH")
			e = f.addDriver(home).post(signupPath(c.ID, c.Shifts[0].ID), nil).fails(t, http.StatusConflict, "conflict")
			assert.True(t, namesTime(e.Message, shut.openAt), "409 must say when it opens (%s): %q",
				shut.openAt.In(shanghai).Format(time.RFC3339), e.Message)
		})

		t.Run("trip naming a campaign", func(t *testing.T) {
			t.Parallel()
			f := f.in(t)
			school := school.in(t)
			before := len(tripsOf(t, school.client))
			r := school.post("/api/v1/trips", with(t, examTrip(5*time.Hour), func(m map[string]any) { m["campaign_id"] = "cmp_nope_" + runID }))
			e := r.fails(t, http.StatusUnprocessableEntity, "invalid")
			assert.Equal(t, "campaign_id", e.Field, "%s", r)
			assert.Len(t, tripsOf(t, school.client), before, "a refused trip was booked")
			var tr trip
			school.post("/api/v1/trips", with(t, examTrip(5*time.Hour), func(m map[string]any) { m["campaign_id"] = base.ID })).
				must(t, http.StatusCreated, &tr)
			f.explainOnFailure(tr.ID)
		})

		t.Run("openapi", func(t *testing.T) {
			t.Parallel()
			r := anon.in(t).get("/api/v1/openapi.json").must(t, http.StatusOK, nil)
			var doc struct {
				Paths map[string]map[string]json.RawMessage `json:"paths"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &doc))
			for _, e := range campaignRoutes {
				ops, ok := doc.Paths[e.path]
				if !assert.True(t, ok, "no path %s in /api/v1/openapi.json", e.path) {
					continue
				}
				assert.Contains(t, ops, strings.ToLower(e.method), "no %s operation for %s", e.method, e.path)
			}
		})
	})
}

// campaignRoutes is every route the campaign tests call, as OpenAPI spells it.
var campaignRoutes = []struct{ method, path string }{
	{"POST", "/api/v1/campaigns"},
	{"GET", "/api/v1/campaigns"},
	{"GET", "/api/v1/campaigns/{id}"},
	{"PATCH", "/api/v1/campaigns/{id}"},
	{"POST", "/api/v1/campaigns/{id}/shifts/{shift}/signup"},
	{"DELETE", "/api/v1/campaigns/{id}/shifts/{shift}/signup"},
	{"GET", "/api/v1/drivers/me/signups"},
	{"POST", "/api/v1/recurring-trips"},
	{"GET", "/api/v1/recurring-trips"},
	{"DELETE", "/api/v1/recurring-trips/{id}"},
	{"POST", "/api/v1/trips"},
	{"GET", "/api/v1/trips"},
	{"GET", "/api/v1/trips/{id}"},
	{"GET", "/api/v1/trips/{id}/events"},
	{"POST", "/api/v1/drivers"},
	{"POST", "/api/v1/requesters"},
	{"GET", "/ws/driver"},
	{"GET", "/api/v1/openapi.json"},
	{"GET", "/healthz"},
}

// withMinors marks the shift as carrying minors.
func withMinors(s shiftDraft) shiftDraft { s.VerifiedMinors = true; return s }

// tripsOf lists the trips the client sees.
func tripsOf(tb testing.TB, c *client) []trip {
	tb.Helper()
	var body struct {
		Trips []trip `json:"trips"`
	}
	c.in(tb).get("/api/v1/trips").must(tb, http.StatusOK, &body)
	return body.Trips
}
