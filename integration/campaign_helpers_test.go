package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database

	"github.com/stretchr/testify/require"
)

// The campaign API's JSON as a client written from the contract declares it.

type campaignArea struct {
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	RadiusKm float64 `json:"radius_km"`
}

type shiftDraft struct {
	Date           string        `json:"date"`
	Start          string        `json:"start"`
	End            string        `json:"end"`
	Area           *campaignArea `json:"area,omitempty"`
	CarsNeeded     int           `json:"cars_needed"`
	VerifiedMinors bool          `json:"verified_minors,omitempty"`
	Name           string        `json:"name,omitempty"`
	PlaceID        string        `json:"place_id,omitempty"`
}

type campaignDraft struct {
	Name         string       `json:"name"`
	TimeZone     string       `json:"timezone,omitempty"`
	SignupOpens  string       `json:"signup_opens"`
	SignupCloses string       `json:"signup_closes"`
	OpenToAll    bool         `json:"open_to_all,omitempty"`
	Shifts       []shiftDraft `json:"shifts"`
}

type campaignWindow struct {
	Open      bool       `json:"open"`
	NextOpen  *time.Time `json:"next_open"`
	NextClose *time.Time `json:"next_close"`
}

type campaignShift struct {
	ID             string       `json:"id"`
	Date           string       `json:"date"`
	Start          string       `json:"start"`
	End            string       `json:"end"`
	Area           campaignArea `json:"area"`
	CarsNeeded     int          `json:"cars_needed"`
	VerifiedMinors bool         `json:"verified_minors"`
	Confirmed      int          `json:"confirmed"`
	Waiting        int          `json:"waiting"`
	Name           string       `json:"name"`
	PlaceID        string       `json:"place_id"`
	PlaceName      string       `json:"place_name"`
	Version        int          `json:"version"`
}

type campaignBody struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	TimeZone     string          `json:"timezone"`
	SignupOpens  string          `json:"signup_opens"`
	SignupCloses string          `json:"signup_closes"`
	OpenToAll    bool            `json:"open_to_all"`
	Window       *campaignWindow `json:"window"`
	Shifts       []campaignShift `json:"shifts"`
}

type signupBody struct {
	CampaignID string `json:"campaign_id"`
	ShiftID    string `json:"shift_id"`
	Status     string `json:"status"`
	Position   int    `json:"position"`
}

// shanghai is the city's time zone, in which sign-up windows are written.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// daily is a cron expression firing every day at t's minute in Shanghai.
func daily(t time.Time) string {
	t = t.In(shanghai)
	return fmt.Sprintf("%d %d * * *", t.Minute(), t.Hour())
}

// yearly is a cron expression firing every year at t's minute and date in Shanghai.
func yearly(t time.Time) string {
	t = t.In(shanghai)
	return fmt.Sprintf("%d %d %d %d *", t.Minute(), t.Hour(), t.Day(), int(t.Month()))
}

// window is a pair of daily schedules and the instants they fire next.
type window struct {
	opens, closes     string
	openAt, closeAt   time.Time // the firings that matter to the test
	nextOpen, nextEnd time.Time // what GET should show as next_open, next_close
}

// openWindow opened about two minutes ago and closes in about an hour.
func openWindow() window {
	now := time.Now()
	o := now.Add(-2 * time.Minute).Truncate(time.Minute)
	c := now.Add(60 * time.Minute).Truncate(time.Minute)
	return window{opens: daily(o), closes: daily(c), openAt: o, closeAt: c,
		nextOpen: o.Add(24 * time.Hour), nextEnd: c}
}

// closedWindow opens in about an hour and closes an hour after that.
func closedWindow() window {
	now := time.Now()
	o := now.Add(60 * time.Minute).Truncate(time.Minute)
	c := now.Add(120 * time.Minute).Truncate(time.Minute)
	return window{opens: daily(o), closes: daily(c), openAt: o, closeAt: c, nextOpen: o, nextEnd: c}
}

// shiftIn is a morning shift days from today in Shanghai, at the exam site.
func shiftIn(days, cars int) shiftDraft {
	d := time.Now().In(shanghai).AddDate(0, 0, days).Format("2006-01-02")
	return shiftDraft{Date: d, Start: "07:00", End: "11:00",
		Area: &campaignArea{Lat: examSite.Lat, Lng: examSite.Lng, RadiusKm: 5}, CarsNeeded: cars}
}

// newCampaignDraft is a valid draft with a unique name.
func newCampaignDraft(w window, shifts ...shiftDraft) campaignDraft {
	return campaignDraft{
		Name:        fmt.Sprintf("Gaokao Escort %s-%d", runID, unique()),
		SignupOpens: w.opens, SignupCloses: w.closes, Shifts: shifts,
	}
}

// draftWith returns the draft as a JSON object changed by edit.
func draftWith(tb testing.TB, d campaignDraft, edit func(m map[string]any)) map[string]any {
	tb.Helper()
	b, err := json.Marshal(d)
	require.NoError(tb, err)
	var m map[string]any
	require.NoError(tb, json.Unmarshal(b, &m))
	edit(m)
	return m
}

// firstShift is the object of the draft's first shift in m.
func firstShift(m map[string]any) map[string]any {
	return m["shifts"].([]any)[0].(map[string]any)
}

// createCampaign creates the campaign as a coordinator and checks the 201.
func createCampaign(tb testing.TB, admin *client, d campaignDraft) campaignBody {
	tb.Helper()
	var c campaignBody
	r := admin.in(tb).post("/api/v1/campaigns", d).must(tb, http.StatusCreated, &c)
	require.NotEmpty(tb, c.ID, "%s: no campaign id", r)
	require.Len(tb, c.Shifts, len(d.Shifts), "%s", r)
	seen := map[string]bool{}
	for i, s := range c.Shifts {
		require.NotEmpty(tb, s.ID, "%s: shift %d has no id", r, i)
		require.False(tb, seen[s.ID], "%s: shift id %s given twice", r, s.ID)
		seen[s.ID] = true
		require.Equal(tb, d.Shifts[i].CarsNeeded, s.CarsNeeded, "%s", r)
		require.Equal(tb, d.Shifts[i].Date, s.Date, "%s", r)
	}
	return c
}

// getCampaign reads a campaign as the client.
func getCampaign(tb testing.TB, c *client, id string) campaignBody {
	tb.Helper()
	var out campaignBody
	c.in(tb).get("/api/v1/campaigns/"+id).must(tb, http.StatusOK, &out)
	require.NotNil(tb, out.Window, "GET /api/v1/campaigns/%s: no window", id)
	return out
}

// fill returns the shift's confirmed and waiting counts in c.
func (c campaignBody) fill(tb testing.TB, shiftID string) (confirmed, waiting int) {
	tb.Helper()
	for _, s := range c.Shifts {
		if s.ID == shiftID {
			return s.Confirmed, s.Waiting
		}
	}
	tb.Fatalf("campaign %s has no shift %s: %+v", c.ID, shiftID, c.Shifts)
	return 0, 0
}

func signupPath(campaignID, shiftID string) string {
	return "/api/v1/campaigns/" + campaignID + "/shifts/" + shiftID + "/signup"
}

// signUp signs the driver up and checks the 201.
func signUp(tb testing.TB, d *driver, campaignID, shiftID string) signupBody {
	tb.Helper()
	var s signupBody
	r := d.in(tb).post(signupPath(campaignID, shiftID), nil).must(tb, http.StatusCreated, &s)
	require.Equal(tb, campaignID, s.CampaignID, "%s", r)
	require.Equal(tb, shiftID, s.ShiftID, "%s", r)
	return s
}

// mySignups lists the driver's own sign-ups.
func mySignups(tb testing.TB, d *driver) []signupBody {
	tb.Helper()
	var body struct {
		Signups []signupBody `json:"signups"`
	}
	r := d.in(tb).get("/api/v1/drivers/me/signups").must(tb, http.StatusOK, &body)
	require.NotNil(tb, body.Signups, "%s: want a signups array", r)
	return body.Signups
}

// signupFor finds the driver's sign-up for the shift among theirs.
func signupFor(tb testing.TB, d *driver, campaignID, shiftID string) (signupBody, bool) {
	tb.Helper()
	for _, s := range mySignups(tb, d) {
		if s.CampaignID == campaignID && s.ShiftID == shiftID {
			return s, true
		}
	}
	return signupBody{}, false
}

// sameInstant checks that got is want, give or take a second.
func sameInstant(tb testing.TB, want time.Time, got *time.Time, what string) {
	tb.Helper()
	require.NotNil(tb, got, "%s is null; want %s", what, want.In(shanghai).Format(time.RFC3339))
	d := got.Sub(want)
	require.True(tb, d > -time.Second && d < time.Second, "%s is %s; want %s",
		what, got.In(shanghai).Format(time.RFC3339), want.In(shanghai).Format(time.RFC3339))
}

// namesTime reports whether msg names the instant t in a form a person or
// program can read: RFC 3339 in Shanghai or UTC, or the Shanghai date and time.
func namesTime(msg string, t time.Time) bool {
	local := t.In(shanghai)
	for _, form := range []string{
		local.Format(time.RFC3339), t.UTC().Format(time.RFC3339), t.UTC().Format("2006-01-02T15:04"),
		local.Format("2006-01-02 15:04"), local.Format("2006-01-02T15:04"),
	} {
		if strings.Contains(msg, form) {
			return true
		}
	}
	return false
}
