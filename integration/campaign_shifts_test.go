package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shiftSignup is a driver's sign-up as GET /drivers/me/signups lists it,
// with the shift's slot, name and exam site.
type shiftSignup struct {
	signupBody
	Date      string `json:"date"`
	Start     string `json:"start"`
	End       string `json:"end"`
	ShiftName string `json:"shift_name"`
	PlaceID   string `json:"place_id"`
	PlaceName string `json:"place_name"`
}

// signupsOf lists the driver's sign-ups with their shifts' details.
func signupsOf(tb testing.TB, d *driver) []shiftSignup {
	tb.Helper()
	var body struct {
		Signups []shiftSignup `json:"signups"`
	}
	d.in(tb).get("/api/v1/drivers/me/signups").must(tb, http.StatusOK, &body)
	return body.Signups
}

// shiftRemoval is the answer to DELETE /campaigns/{id}/shifts/{shift}.
type shiftRemoval struct {
	CampaignID string   `json:"campaign_id"`
	ShiftID    string   `json:"shift_id"`
	Removed    bool     `json:"removed"`
	Confirmed  []string `json:"released_confirmed"`
	Waiting    []string `json:"released_waiting"`
}

func shiftsPath(cid string) string     { return "/api/v1/campaigns/" + cid + "/shifts" }
func shiftPath(cid, sid string) string { return shiftsPath(cid) + "/" + sid }

// addExamSite adds an exam site as the coordinator and returns its id.
func addExamSite(tb testing.TB, f *fixture, name string) string {
	tb.Helper()
	var p placeFound
	f.admin.in(tb).post("/api/v1/places", map[string]any{"name": name, "kind": "exam_site",
		"lat": examSite.Lat, "lng": examSite.Lng}).must(tb, http.StatusCreated, &p)
	require.NotEmpty(tb, p.ID)
	return p.ID
}

// signupFrame matches the signup frame of the shift.
func signupFrame(cid, sid string) func(frame) bool {
	return func(fr frame) bool {
		return fr.Type == "signup" && fr.str("campaign_id") == cid && fr.str("shift_id") == sid
	}
}

// fields lists the fields the problems name, in order.
func fields(es []apiError) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Field)
	}
	return out
}

// TestCampaignShiftChanges: a coordinator names each shift's exam site,
// adds a shift, shrinks one (its latest confirmed drivers head the waiting
// list and are told), grows it (the first waiting are in, and told), and
// removes it (everyone released, and told). Others may not; bad input is
// refused with every problem at once and changes nothing.
func TestCampaignShiftChanges(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		site := addExamSite(t, f, "鹰潭一中 "+runID)
		other := addExamSite(t, f, "鹰潭二中 "+runID)

		// 1. A shift names its exam site; reads show the site's name.
		draft := newCampaignDraft(openWindow(), shiftIn(2, 3), shiftIn(3, 2))
		draft.Shifts[0].PlaceID, draft.Shifts[0].Name = site, "Chinese paper"
		bad := draft
		bad.Shifts = []shiftDraft{draft.Shifts[0], draft.Shifts[1]}
		bad.Shifts[1].PlaceID, bad.Shifts[1].CarsNeeded = "plc_nowhere", 0
		_, es := f.admin.post("/api/v1/campaigns", bad).failsAll(t, http.StatusUnprocessableEntity, "invalid")
		assert.ElementsMatch(t, []string{"shifts[1].cars_needed", "shifts[1].place_id"}, fields(es), "every problem at once: %+v", es)
		c := createCampaign(t, f.admin, draft)
		sid := c.Shifts[0].ID
		assert.Equal(t, site, c.Shifts[0].PlaceID, "the 201 names the exam site")
		assert.Equal(t, "鹰潭一中 "+runID, c.Shifts[0].PlaceName, "the 201 names the exam site")
		assert.Equal(t, "Chinese paper", c.Shifts[0].Name)
		assert.Equal(t, 1, c.Shifts[0].Version, "a new shift is at version 1")
		assert.Empty(t, c.Shifts[1].PlaceName, "a shift that names no site")
		got := getCampaign(t, f.admin, c.ID)
		assert.Equal(t, "鹰潭一中 "+runID, got.Shifts[0].PlaceName, "GET /campaigns/{id}")
		var list struct {
			Campaigns []campaignBody `json:"campaigns"`
		}
		f.admin.get("/api/v1/campaigns").must(t, http.StatusOK, &list)
		found := false
		for _, x := range list.Campaigns {
			if x.ID == c.ID {
				found = true
				assert.Equal(t, "鹰潭一中 "+runID, x.Shifts[0].PlaceName, "GET /campaigns")
			}
		}
		assert.True(t, found, "GET /campaigns lists %s", c.ID)

		// 2. Adding a shift: the coordinator's, checked like a new one.
		add := shiftIn(4, 2)
		add.PlaceID = other
		school := f.addRequester("school")
		drv := f.addDriver(home)
		drv.post(shiftsPath(c.ID), add).fails(t, http.StatusForbidden, "forbidden")
		school.post(shiftsPath(c.ID), add).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post(shiftsPath("cmp_nowhere"), add).fails(t, http.StatusNotFound, "not_found")
		_, es = f.admin.post(shiftsPath(c.ID), map[string]any{"date": "2020-01-01", "start": "07:00", "end": "08:00",
			"area":        map[string]any{"lat": examSite.Lat, "lng": examSite.Lng, "radius_km": 0},
			"cars_needed": 0, "place_id": "plc_nowhere"}).failsAll(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, []string{"date", "area.radius_km", "cars_needed", "place_id"}, fields(es), "every problem at once: %+v", es)
		f.admin.post(shiftsPath(c.ID), map[string]any{"date": add.Date, "colour": "red"}).fails(t, http.StatusBadRequest, "bad_request")
		assert.Len(t, getCampaign(t, f.admin, c.ID).Shifts, 2, "refused shifts are not added")
		var added campaignShift
		r := f.admin.post(shiftsPath(c.ID), add).must(t, http.StatusCreated, &added)
		require.NotEmpty(t, added.ID, "%s", r)
		assert.Equal(t, shiftPath(c.ID, added.ID), r.Header.Get("Location"))
		assert.Equal(t, "鹰潭二中 "+runID, added.PlaceName, "%s", r)
		assert.Equal(t, [2]int{0, 0}, [2]int{added.Confirmed, added.Waiting})
		var read campaignShift
		drv.get(shiftPath(c.ID, added.ID)).must(t, http.StatusOK, &read)
		assert.Equal(t, added, read, "GET the added shift")
		drv.get(shiftPath(c.ID, "shf_nowhere")).fails(t, http.StatusNotFound, "not_found")
		assert.Equal(t, "confirmed", signUp(t, drv, c.ID, added.ID).Status, "a driver signs up for the added shift")

		// 3. Five sign up for the 3-car shift: 0-2 confirmed, 3-4 waiting.
		ds := make([]*driver, 5)
		lives := make([]*liveConn, 5)
		for i := range ds {
			ds[i] = f.addDriver(north(home, float64(i)))
			lives[i] = ds[i].live(t)
			signUp(t, ds[i], c.ID, sid)
		}
		for _, s := range signupsOf(t, ds[0]) {
			assert.Equal(t, shiftSignup{signupBody: signupBody{CampaignID: c.ID, ShiftID: sid, Status: "confirmed"},
				Date: draft.Shifts[0].Date, Start: "07:00", End: "11:00", ShiftName: "Chinese paper",
				PlaceID: site, PlaceName: "鹰潭一中 " + runID}, s, "a driver's sign-up names the shift's exam site")
		}

		// 4. Editing: the coordinator's; bad edits change nothing.
		path := shiftPath(c.ID, sid)
		ds[0].do(http.MethodPatch, path, map[string]any{"cars_needed": 1}).fails(t, http.StatusForbidden, "forbidden")
		f.admin.do(http.MethodPatch, shiftPath(c.ID, "shf_nowhere"), map[string]any{"cars_needed": 1}).fails(t, http.StatusNotFound, "not_found")
		f.admin.do(http.MethodPatch, shiftPath("cmp_nowhere", sid), map[string]any{"cars_needed": 1}).fails(t, http.StatusNotFound, "not_found")
		_, es = f.admin.do(http.MethodPatch, path, map[string]any{"cars_needed": 0, "end": "06:00", "place_id": "plc_nowhere"}).
			failsAll(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, []string{"end", "cars_needed", "place_id"}, fields(es), "every problem at once: %+v", es)
		f.admin.do(http.MethodPatch, path, map[string]any{"cars_needed": 1, "version": 7}).fails(t, http.StatusConflict, "conflict")
		f.admin.do(http.MethodPatch, path, map[string]any{"seats": 1}).fails(t, http.StatusBadRequest, "bad_request")
		now := getCampaign(t, f.admin, c.ID)
		conf, wait := now.fill(t, sid)
		assert.Equal(t, [2]int{3, 2}, [2]int{conf, wait}, "refused edits change nothing")
		assert.Equal(t, 3, now.Shifts[0].CarsNeeded, "refused edits change nothing")

		// 5. Shrunk to 1: drivers 1 and 2 head the waiting list, in order.
		marks := make([]int, len(lives))
		for i, l := range lives {
			marks[i] = l.mark()
		}
		var edited campaignShift
		f.admin.do(http.MethodPatch, path, map[string]any{"cars_needed": 1, "version": 1, "place_id": other, "name": "Maths paper"}).
			must(t, http.StatusOK, &edited)
		assert.Equal(t, [4]int{1, 4, 1, 2}, [4]int{edited.CarsNeeded, edited.Waiting, edited.Confirmed, edited.Version}, "cars, waiting, confirmed, version: %+v", edited)
		assert.Equal(t, "鹰潭二中 "+runID, edited.PlaceName)
		assert.Equal(t, "Maths paper", edited.Name)
		for i, want := range []shiftSignup{
			{signupBody: signupBody{Status: "confirmed"}},
			{signupBody: signupBody{Status: "waiting", Position: 1}},
			{signupBody: signupBody{Status: "waiting", Position: 2}},
			{signupBody: signupBody{Status: "waiting", Position: 3}},
			{signupBody: signupBody{Status: "waiting", Position: 4}},
		} {
			mine := signupsOf(t, ds[i])
			require.Len(t, mine, 1, "driver %d's sign-ups", i)
			assert.Equal(t, want.Status, mine[0].Status, "driver %d after the shrink", i)
			assert.Equal(t, want.Position, mine[0].Position, "driver %d after the shrink", i)
			assert.Equal(t, "鹰潭二中 "+runID, mine[0].PlaceName, "driver %d's sign-up names the new site", i)
		}
		for i := 1; i <= 2; i++ {
			fr, _ := lives[i].waitFrom(marks[i], frameWait, fmt.Sprintf("driver %d told they wait", i), signupFrame(c.ID, sid))
			assert.Equal(t, "waiting", fr.str("status"), "%s", fr)
			assert.EqualValues(t, i, fr.fields()["position"], "%s", fr)
			assert.Equal(t, "shift_shrunk", fr.str("reason"), "%s", fr)
			assert.NotEmpty(t, fr.ID, "a signup frame is an event with an id: %s", fr)
		}
		for _, i := range []int{0, 3, 4} {
			lives[i].barrier()
			for _, fr := range lives[i].frames()[marks[i]:] {
				assert.False(t, signupFrame(c.ID, sid)(fr), "driver %d, whose place did not change, was told: %s", i, fr)
			}
		}

		// 6. Grown to 4: the first three waiting are in, in order, and told.
		for i, l := range lives {
			marks[i] = l.mark()
		}
		f.admin.do(http.MethodPatch, path, map[string]any{"cars_needed": 4}).must(t, http.StatusOK, &edited)
		assert.Equal(t, [3]int{4, 4, 1}, [3]int{edited.CarsNeeded, edited.Confirmed, edited.Waiting})
		for i := 1; i <= 3; i++ {
			fr, _ := lives[i].waitFrom(marks[i], frameWait, fmt.Sprintf("driver %d told they are in", i), signupFrame(c.ID, sid))
			assert.Equal(t, "confirmed", fr.str("status"), "%s", fr)
			assert.Equal(t, "shift_grown", fr.str("reason"), "%s", fr)
		}
		mine := signupsOf(t, ds[4])
		require.Len(t, mine, 1)
		assert.Equal(t, [2]any{"waiting", 1}, [2]any{mine[0].Status, mine[0].Position}, "the last driver moves up to first")

		// 7. Removing: the coordinator's; everyone is released and told.
		ds[0].do(http.MethodDelete, path, nil).fails(t, http.StatusForbidden, "forbidden")
		f.admin.do(http.MethodDelete, shiftPath(c.ID, "shf_nowhere"), nil).fails(t, http.StatusNotFound, "not_found")
		for i, l := range lives {
			marks[i] = l.mark()
		}
		var rm shiftRemoval
		f.admin.do(http.MethodDelete, path, nil).must(t, http.StatusOK, &rm)
		assert.Equal(t, shiftRemoval{CampaignID: c.ID, ShiftID: sid, Removed: true,
			Confirmed: []string{ds[0].ID, ds[1].ID, ds[2].ID, ds[3].ID}, Waiting: []string{ds[4].ID}}, rm)
		for i, l := range lives {
			fr, _ := l.waitFrom(marks[i], frameWait, fmt.Sprintf("driver %d told the shift is gone", i), signupFrame(c.ID, sid))
			assert.Equal(t, "released", fr.str("status"), "%s", fr)
			assert.Equal(t, "shift_removed", fr.str("reason"), "%s", fr)
			assert.Empty(t, signupsOf(t, ds[i]), "driver %d's sign-ups after the shift went", i)
		}
		f.admin.get(path).fails(t, http.StatusNotFound, "not_found")
		ds[0].post(signupPath(c.ID, sid), nil).fails(t, http.StatusNotFound, "not_found")
		f.admin.do(http.MethodDelete, path, nil).fails(t, http.StatusNotFound, "not_found")
		left := getCampaign(t, f.admin, c.ID)
		require.Len(t, left.Shifts, 2, "the other shifts stay")
		assert.Len(t, signupsOf(t, drv), 1, "a sign-up for another shift stays")

		// 8. A campaign keeps at least one shift.
		f.admin.do(http.MethodDelete, shiftPath(c.ID, left.Shifts[0].ID), nil).must(t, http.StatusOK, nil)
		e := f.admin.do(http.MethodDelete, shiftPath(c.ID, left.Shifts[1].ID), nil).fails(t, http.StatusConflict, "conflict")
		assert.Contains(t, e.Message, "only shift", "%+v", e)
	})
}

// TestShiftWithPublishedPlan: once a shift's plan is out to its drivers,
// the shift cannot be removed or moved to another time (those drivers were
// planned for it as it is); its cars may still change.
func TestShiftWithPublishedPlan(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		s := newPlanScene(t, f, 2)
		s.bookAround(t, 3, 1)
		var spare campaignShift
		f.admin.post(shiftsPath(s.campaign.ID), shiftIn(5, 2)).must(t, http.StatusCreated, &spare)
		plan := s.plan(t)
		require.NotEmpty(t, plan.Routes, "three students, two cars: a plan with routes")
		f.admin.post(planPath(s.campaign.ID, s.shift)+"/publish", nil).must(t, http.StatusOK, nil)

		path := shiftPath(s.campaign.ID, s.shift)
		e := f.admin.do(http.MethodDelete, path, nil).fails(t, http.StatusConflict, "conflict")
		assert.Contains(t, e.Message, plan.Routes[0].ID, "the refusal names the route: %+v", e)
		e = f.admin.do(http.MethodPatch, path, map[string]any{"start": "06:00"}).fails(t, http.StatusConflict, "conflict")
		assert.Contains(t, e.Message, "route", "%+v", e)
		got := getCampaign(t, f.admin, s.campaign.ID)
		require.Len(t, got.Shifts, 2, "the shift stays")
		assert.Equal(t, "07:00", got.Shifts[0].Start, "the shift keeps its time")
		var edited campaignShift
		f.admin.do(http.MethodPatch, path, map[string]any{"cars_needed": 3, "name": "morning"}).must(t, http.StatusOK, &edited)
		assert.Equal(t, 3, edited.CarsNeeded, "cars may change with a plan out")
		// The spare shift has no plan: it goes.
		f.admin.do(http.MethodDelete, shiftPath(s.campaign.ID, spare.ID), nil).must(t, http.StatusOK, nil)
	})
}

// TestShiftShrinkRace: drivers rush a shift while a coordinator shrinks it
// twice. Never is it over-filled; in the end exactly its cars are
// confirmed, the rest wait at positions 1..n, nobody holds two places and
// nobody who signed up is lost.
func TestShiftShrinkRace(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		const rush, final = 60, 6
		c := createCampaign(t, f.admin, newCampaignDraft(openWindow(), shiftIn(2, 20)))
		sid := c.Shifts[0].ID
		drivers := make([]*driver, rush)
		for i := range drivers {
			drivers[i] = f.addDriver(north(home, float64(i%5)))
		}
		type outcome struct {
			r   *response
			err error
		}
		outcomes := make([]outcome, rush)
		start := make(chan struct{})
		done := make(chan struct{})
		signed, watched := make(chan struct{}), make(chan []string, 1)
		for i, d := range drivers {
			go func() {
				<-start
				r, err := d.send(http.MethodPost, signupPath(c.ID, sid), nil)
				outcomes[i] = outcome{r, err}
				signed <- struct{}{}
			}()
		}
		// A reader looks on throughout: cars only shrink, so the fill it
		// reads never exceeds the cars it read just before.
		go func() {
			var problems []string
			for {
				select {
				case <-done:
					watched <- problems
					return
				default:
				}
				r, err := f.admin.send(http.MethodGet, shiftPath(c.ID, sid), nil)
				if err != nil || r.Status != http.StatusOK {
					problems = append(problems, fmt.Sprintf("GET the shift: %v %v", r, err))
					continue
				}
				var sh campaignShift
				if err := json.Unmarshal(r.Body, &sh); err != nil || sh.Confirmed > sh.CarsNeeded {
					problems = append(problems, fmt.Sprintf("over-filled: %s", r))
				}
			}
		}()
		close(start)
		// The coordinator shrinks the shift once the first ten are in,
		// while the rest are still arriving.
		const first = 10
		for range first {
			<-signed
		}
		for i, cars := range []int{12, final} {
			r, err := f.admin.send(http.MethodPatch, shiftPath(c.ID, sid), map[string]any{"cars_needed": cars})
			require.NoError(t, err, "shrink %d", i)
			require.Equal(t, http.StatusOK, r.Status, "%s", r)
			require.Empty(t, r.Mismatch, "%s", r)
		}
		for range rush - first {
			<-signed
		}
		close(done)
		for _, p := range <-watched {
			t.Error(p)
		}
		for i, o := range outcomes {
			require.NoError(t, o.err, "driver %d", i)
			require.Equal(t, http.StatusCreated, o.r.Status, "driver %d: %s", i, o.r)
			require.Empty(t, o.r.Mismatch, "%s", o.r)
		}

		confirmed, positions := 0, []int{}
		for i, d := range drivers {
			mine := signupsOf(t, d)
			require.Len(t, mine, 1, "driver %d holds exactly one place on the shift: %+v", i, mine)
			switch mine[0].Status {
			case "confirmed":
				confirmed++
			case "waiting":
				positions = append(positions, mine[0].Position)
			default:
				t.Errorf("driver %d: status %q", i, mine[0].Status)
			}
		}
		assert.Equal(t, final, confirmed, "confirmed after shrinking to %d", final)
		sort.Ints(positions)
		want := make([]int, rush-final)
		for i := range want {
			want[i] = i + 1
		}
		assert.Equal(t, want, positions, "waiting positions are 1..%d, each once", rush-final)
		var sh campaignShift
		f.admin.get(shiftPath(c.ID, sid)).must(t, http.StatusOK, &sh)
		assert.Equal(t, [3]int{final, final, rush - final}, [3]int{sh.CarsNeeded, sh.Confirmed, sh.Waiting}, "cars, confirmed, waiting")
	})
}
