package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listPage is one page of a list: its items by id, and where the next
// page starts ("" on the last).
type listPage struct {
	ids  []string
	next string
}

// pageOf reads one page of the list at path under key, as c.
func pageOf(tb testing.TB, c *client, path, key string, limit int, cursor string) listPage {
	tb.Helper()
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var body map[string]any
	c.get(path+sep+q.Encode()).must(tb, http.StatusOK, &body)
	items, ok := body[key].([]any)
	require.True(tb, ok, "GET %s: no %q array: %v", path, key, body)
	if limit > 0 {
		require.LessOrEqual(tb, len(items), limit, "GET %s: a page holds at most limit items", path)
	}
	var p listPage
	for _, it := range items {
		m, _ := it.(map[string]any)
		id, _ := m["id"].(string)
		if id == "" {
			id = fmt.Sprint(m["at"], m["action"]) // audit entries have no id
		}
		p.ids = append(p.ids, id)
	}
	if n, ok := body["next_cursor"]; ok {
		p.next, _ = n.(string)
		require.NotEmpty(tb, p.next, "GET %s: next_cursor, when present, is not empty", path)
	}
	return p
}

// walk reads every page of a list, limit at a time, calling between
// before each page after the first; it returns every id seen, in order.
func walk(tb testing.TB, c *client, path, key string, limit int, between func()) []string {
	tb.Helper()
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(tb, pages, 1000, "GET %s: paging never ends", path)
		if pages > 0 && between != nil {
			between()
		}
		p := pageOf(tb, c, path, key, limit, cursor)
		all = append(all, p.ids...)
		if p.next == "" {
			return all
		}
		cursor = p.next
	}
}

// checkWalk checks that a walk saw each of want exactly once, and nothing
// twice.
func checkWalk(tb testing.TB, got, want []string, what string) {
	tb.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for id, n := range seen {
		assert.Equal(tb, 1, n, "%s: %s seen %d times", what, id, n)
	}
	for _, id := range want {
		assert.Equal(tb, 1, seen[id], "%s: %s, there throughout, seen %d times", what, id, seen[id])
	}
}

// TestTripPaging walks the trip lists page by page while trips are booked
// between pages: every trip that was there throughout is seen once, none
// twice; bad limits and cursors are refused, naming them, and change
// nothing.
func TestTripPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		var booked []string
		for i := range 7 {
			booked = append(booked, school.request(examTrip(time.Duration(3+i)*time.Hour)).ID)
		}
		more := 0
		bookOne := func() {
			school.request(examTrip(time.Duration(20+more) * time.Hour))
			more++
		}

		for _, c := range []struct {
			name string
			who  *client
			path string
		}{
			{"coordinator, newest first", f.admin, "/api/v1/trips"},
			{"school, newest first", school.client, "/api/v1/trips"},
			{"open, soonest first", f.admin, "/api/v1/trips?status=open"},
		} {
			t.Run(c.name, func(t *testing.T) {
				got := walk(t, c.who.in(t), c.path, "trips", 2, bookOne)
				checkWalk(t, got, booked, c.path)
			})
		}

		first := pageOf(t, f.admin, "/api/v1/trips", "trips", 3, "")
		require.NotEmpty(t, first.next, "more trips than the limit: a next_cursor")
		all := pageOf(t, f.admin, "/api/v1/trips", "trips", 0, "")
		assert.Empty(t, all.next, "every trip fits the default page of 500: no next_cursor")

		for _, q := range []string{"limit=0", "limit=501", "limit=ten", "limit=-1", "limit=2&limit=3"} {
			e := f.admin.get("/api/v1/trips?"+q).fails(t, http.StatusBadRequest, "bad_request")
			assert.Equal(t, "limit", e.Field, "%s", q)
		}
		for _, cur := range []string{"not-a-cursor!", "eyJsIjoiZHJpdmVycyJ9", strings.Repeat("x", 1100)} {
			e := f.admin.get("/api/v1/trips?cursor="+cur).fails(t, http.StatusBadRequest, "bad_request")
			assert.Equal(t, "cursor", e.Field, "cursor %.20s", cur)
		}
		// A cursor of one list is no good in another.
		open := pageOf(t, f.admin, "/api/v1/trips?status=open", "trips", 1, "")
		require.NotEmpty(t, open.next)
		e := f.admin.get("/api/v1/trips?cursor="+url.QueryEscape(open.next)).fails(t, http.StatusBadRequest, "bad_request")
		assert.Equal(t, "cursor", e.Field)
	})
}

// TestPlanSeesEveryTripOfTheShift books 520 exam escorts for one shift,
// more than one page of open trips: the shift's plan accounts for every
// one of them, routed or unserved, none twice.
func TestPlanSeesEveryTripOfTheShift(t *testing.T) {
	const students = 520
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		sh := shiftIn(1, 2)
		sh.VerifiedMinors = true
		c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), sh))
		shift := c.Shifts[0].ID
		for i := range 2 {
			// Offline: the booked trips wait in the queue for the plan.
			signUp(t, f.addDriver(offset(examSite.point(), 1+float64(i), 0.5)), c.ID, shift)
		}
		site := fmt.Sprintf("Yingtan No. 3 Middle School %s-%d", runID, unique())
		f.admin.post("/api/v1/places", map[string]any{"name": site, "kind": "exam_site",
			"lat": examSite.Lat, "lng": examSite.Lng, "address": "Gate 1"}).must(t, http.StatusCreated, nil)
		start, err := time.ParseInLocation("2006-01-02 15:04", sh.Date+" "+sh.Start, shanghai)
		require.NoError(t, err)
		arrive := start.Add(90 * time.Minute).Format("2006-01-02 15:04")
		var list strings.Builder
		list.WriteString("name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by,campaign_id\n")
		for i := range students {
			p := offset(examSite.point(), 1+float64(i%20)*0.1, -1+float64(i/20)*0.08)
			fmt.Fprintf(&list, "Student %s-%d,139%08d,%f,%f,%d Shengli Road,%s,%s,%s\n",
				runID, unique(), i, p.Lat, p.Lng, i, site, arrive, c.ID)
		}
		school := f.addRequester("school")
		var booked struct {
			Booked int
			Trips  []trip
		}
		school.post("/api/v1/trips/import", csvList(list.String())).must(t, http.StatusCreated, &booked)
		require.Equal(t, students, booked.Booked)

		var plan shiftPlan
		f.admin.post(planPath(c.ID, shift), nil).must(t, http.StatusCreated, &plan)
		var got []string
		for _, r := range plan.Routes {
			got = append(got, r.trips()...)
		}
		got = append(got, plan.Unserved...)
		var want []string
		for _, tr := range booked.Trips {
			want = append(want, tr.ID)
		}
		checkWalk(t, got, want, "the plan")
		assert.Len(t, got, students, "every trip of the shift is routed or reported unserved")
		assert.NotEmpty(t, plan.Routes, "two cars take some of them")
	})
}

// TestListPaging walks every other list that grows, page by page, with an
// item added between pages: every item there throughout is seen once, none
// twice, and a bad limit or cursor is refused, naming it.
func TestListPaging(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		addPlace := func(tb testing.TB) string {
			var p struct{ ID string }
			f.in(tb).admin.post("/api/v1/places", map[string]any{"name": fmt.Sprintf("Driver station %s-%d", runID, unique()),
				"kind": "station", "lat": home.Lat, "lng": home.Lng}).must(tb, http.StatusCreated, &p)
			return p.ID
		}
		addRecurring := func(tb testing.TB) string {
			var r struct{ ID string }
			school.in(tb).post("/api/v1/recurring-trips", dialysis()).must(tb, http.StatusCreated, &r)
			return r.ID
		}
		d := f.addDriver(north(home, 1))
		tr := school.request(examTrip(8 * time.Hour))
		f.assignTo(tr.ID, d.ID)
		d.progress(tr.ID, "arrived").must(t, http.StatusOK, nil)

		lists := []struct {
			path, key string
			who       *client
			add       func(tb testing.TB) string
		}{
			{"/api/v1/drivers", "drivers", f.admin, func(tb testing.TB) string { return f.in(tb).addDriver(home).ID }},
			{"/api/v1/requesters", "requesters", f.admin, func(tb testing.TB) string { return f.in(tb).addRequester("community").ID }},
			{"/api/v1/places", "places", school.client, addPlace},
			{"/api/v1/campaigns", "campaigns", d.client, func(tb testing.TB) string {
				return createCampaign(tb, f.admin, newCampaignDraft(openWindow(), shiftIn(3, 2))).ID
			}},
			{"/api/v1/recurring-trips", "recurring_trips", school.client, addRecurring},
		}
		for _, l := range lists {
			t.Run(l.key, func(t *testing.T) {
				var want []string
				for range 5 {
					want = append(want, l.add(t))
				}
				got := walk(t, l.who.in(t), l.path, l.key, 2, func() { l.add(t) })
				checkWalk(t, got, want, l.path)
				all := pageOf(t, l.who.in(t), l.path, l.key, 0, "")
				assert.Subset(t, all.ids, got, "read whole, the list holds every item the walk saw")
				assert.Empty(t, all.next, "a list read whole has no next_cursor")
				e := l.who.in(t).get(l.path+"?limit=0").fails(t, http.StatusBadRequest, "bad_request")
				assert.Equal(t, "limit", e.Field)
				e = l.who.in(t).get(l.path+"?cursor=bm90LW1pbmU").fails(t, http.StatusBadRequest, "bad_request")
				assert.Equal(t, "cursor", e.Field)
			})
		}

		t.Run("events", func(t *testing.T) {
			path := "/api/v1/trips/" + tr.ID + "/events"
			want := actions(f.in(t).events(tr.ID))
			var got []string
			cursor := ""
			for {
				var body struct {
					Events     []event
					NextCursor string `json:"next_cursor"`
				}
				q := "?limit=1"
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				f.admin.in(t).get(path+q).must(t, http.StatusOK, &body)
				require.LessOrEqual(t, len(body.Events), 1)
				got = append(got, actions(body.Events)...)
				if body.NextCursor == "" {
					break
				}
				cursor = body.NextCursor
			}
			assert.Equal(t, want, got, "the audit trail page by page is the audit trail")
			f.admin.in(t).get(path+"?limit=x").fails(t, http.StatusBadRequest, "bad_request")
		})
	})
}
