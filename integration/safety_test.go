package integration

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shareLink is the answer to POST /trips/{id}/share.
type shareLink struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// guardianView is a trip through a guardian link.
type guardianView struct {
	Status  string `json:"status"`
	PIN     string `json:"pin"`
	Pickup  struct{ Name string }
	Dropoff struct{ Name string }
	Driver  *struct {
		FirstName string `json:"first_name"`
		Plate     string `json:"plate"`
	} `json:"driver"`
	Position *struct {
		Lat float64 `json:"lat"`
		Lng float64 `json:"lng"`
	} `json:"position"`
}

func (r *requester) share(tripID string) shareLink {
	r.tb.Helper()
	var l shareLink
	r.post("/api/v1/trips/"+tripID+"/share", nil).must(r.tb, http.StatusCreated, &l)
	return l
}

// guardian reads a guardian link as a family does: no token at all.
func (f *fixture) guardian(token string) (*response, guardianView) {
	f.tb.Helper()
	var v guardianView
	r := f.client("").get("/api/v1/shared/" + token)
	if r.Status == http.StatusOK {
		r.must(f.tb, http.StatusOK, &v)
	}
	return r, v
}

// TestGuardianLink follows a trip through a guardian link as the
// student's family sees it: who is coming in which car, the PIN, and the
// car's position only while the student is aboard; never the student's
// contact or the driver's. A driver cannot share, nor another school.
func TestGuardianLink(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		req := examTrip(time.Hour)
		school, drv, tr := handoverTrip(t, f, req)

		drv.post("/api/v1/trips/"+tr.ID+"/share", nil).fails(t, http.StatusForbidden, "forbidden")
		f.addRequester("school").post("/api/v1/trips/"+tr.ID+"/share", nil).fails(t, http.StatusForbidden, "forbidden")
		school.post("/api/v1/trips/trp_nowhere/share", nil).fails(t, http.StatusNotFound, "not_found")

		l := school.share(tr.ID)
		assert.Regexp(t, `^gl_[a-z2-7]{52}$`, l.Token, "256 random bits")
		assert.Equal(t, srv.URL+"/g/"+l.Token, l.URL, "the page lives at the url")
		assert.True(t, l.ExpiresAt.After(time.Now().Add(30*time.Minute)), "it outlives the trip's hour: %s", l.ExpiresAt)

		r, v := f.guardian(l.Token)
		require.Equal(t, http.StatusOK, r.Status, "%s", r)
		assert.Equal(t, assigned, v.Status)
		assert.Equal(t, school.trip(tr.ID).PIN, v.PIN, "the family sees the PIN the student gives")
		require.NotNil(t, v.Driver)
		assert.Equal(t, "Volunteer", v.Driver.FirstName, "the driver's first name only")
		assert.Regexp(t, `^赣L[0-9]{5}$`, v.Driver.Plate)
		assert.Equal(t, examSite.Address, v.Dropoff.Name)
		assert.Nil(t, v.Position, "no position before the pick-up")
		var me struct {
			Name, Phone string
		}
		drv.get("/api/v1/drivers/me").must(t, http.StatusOK, &me)
		for _, secret := range []string{req.Riders[0].Name, req.Riders[0].Phone, me.Name, me.Phone, `"lat"`} {
			assert.NotContains(t, string(r.Body), secret, "the link shows no contact and no coordinates")
		}

		drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)
		_, v = f.guardian(l.Token)
		assert.Nil(t, v.Position, "none at the door either")
		drv.progress(tr.ID, pickedUp).must(t, http.StatusOK, nil)
		moved := north(home, 0.8)
		drv.online(moved)
		_, v = f.guardian(l.Token)
		assert.Equal(t, pickedUp, v.Status)
		require.NotNil(t, v.Position, "the car's position while the student is aboard")
		assert.InDelta(t, moved.Lat, v.Position.Lat, 1e-6)

		drv.progress(tr.ID, completed).must(t, http.StatusOK, nil)
		r, v = f.guardian(l.Token)
		require.Equal(t, http.StatusOK, r.Status, "the family sees the drop-off")
		assert.Equal(t, completed, v.Status)
		assert.Nil(t, v.Position, "no position after the drop-off")
		assert.Empty(t, v.PIN)

		page, err := httpClient.Get(l.URL)
		require.NoError(t, err)
		html, _ := io.ReadAll(page.Body)
		page.Body.Close()
		assert.Equal(t, http.StatusOK, page.StatusCode)
		assert.Contains(t, string(html), "/static/guardian.js", "the url is the family's page")

		actions := map[string]bool{}
		for _, e := range f.events(tr.ID) {
			actions[e.Action] = true
		}
		assert.True(t, actions["shared"], "the link is on the trip's record")
		assert.NotContains(t, srv.Log(), l.Token, "the token is never logged in full")
		assert.NotContains(t, srv.Log(), l.Token[:20])
	})
}

// TestGuardianLinkRevoked: one link revoked leaves the others; every link
// revoked leaves none. A revoked link reads as one that never was.
func TestGuardianLinkRevoked(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		school := f.addRequester("school")
		tr := school.request(examTrip(3 * time.Hour))
		first, second := school.share(tr.ID), school.share(tr.ID)
		var byCoordinator shareLink
		f.admin.post("/api/v1/trips/"+tr.ID+"/share", nil).must(t, http.StatusCreated, &byCoordinator)

		other := f.addRequester("school")
		other.do(http.MethodDelete, "/api/v1/trips/"+tr.ID+"/share", nil).fails(t, http.StatusForbidden, "forbidden")
		f.addDriver(home).do(http.MethodDelete, "/api/v1/trips/"+tr.ID+"/share", nil).fails(t, http.StatusForbidden, "forbidden")
		r, _ := f.guardian(first.Token)
		assert.Equal(t, http.StatusOK, r.Status, "refused revocations revoke nothing")

		var revoked struct{ Revoked int }
		school.do(http.MethodDelete, "/api/v1/trips/"+tr.ID+"/share/"+first.ID, nil).must(t, http.StatusOK, &revoked)
		assert.Equal(t, 1, revoked.Revoked)
		r, _ = f.guardian(first.Token)
		r.fails(t, http.StatusNotFound, "not_found")
		r, _ = f.guardian(second.Token)
		assert.Equal(t, http.StatusOK, r.Status, "the others still work")
		school.do(http.MethodDelete, "/api/v1/trips/"+tr.ID+"/share/"+first.ID, nil).fails(t, http.StatusNotFound, "not_found")

		school.do(http.MethodDelete, "/api/v1/trips/"+tr.ID+"/share", nil).must(t, http.StatusOK, &revoked)
		assert.Equal(t, 2, revoked.Revoked)
		for _, tok := range []string{second.Token, byCoordinator.Token, "gl_" + strings.Repeat("q", 52), "not-a-token"} {
			r, _ = f.guardian(tok)
			e := r.fails(t, http.StatusNotFound, "not_found")
			assert.NotContains(t, e.Message, tok, "the answer does not echo the token")
		}
	})
}

// TestGuardianLinkExpires: with no grace, a link stops when its trip
// ends; a trip over is shared no more.
func TestGuardianLinkExpires(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b, "-share-grace", "0s")
		f := newFixture(t, srv)
		school := f.addRequester("school")
		tr := school.request(examTrip(3 * time.Hour))
		l := school.share(tr.ID)
		r, _ := f.guardian(l.Token)
		require.Equal(t, http.StatusOK, r.Status, "%s", r)
		school.post("/api/v1/trips/"+tr.ID+"/cancel", nil).must(t, http.StatusOK, nil)
		r, _ = f.guardian(l.Token)
		r.fails(t, http.StatusNotFound, "not_found")
		school.post("/api/v1/trips/"+tr.ID+"/share", nil).fails(t, http.StatusConflict, "conflict")
	})
}

// TestGuardianLinkRateLimited: reads of links are limited per address,
// with Retry-After.
func TestGuardianLinkRateLimited(t *testing.T) {
	srv := startServer(t, embedded(), "-rate-shared", "1")
	f := newFixture(t, srv)
	school := f.addRequester("school")
	l := school.share(school.request(examTrip(3 * time.Hour)).ID)
	var limited *response
	for range 20 {
		if r, _ := f.guardian(l.Token); r.Status == http.StatusTooManyRequests {
			limited = r
			break
		}
	}
	require.NotNil(t, limited, "20 reads at once are limited")
	limited.fails(t, http.StatusTooManyRequests, "rate_limited")
	assert.NotEmpty(t, limited.Header.Get("Retry-After"))
}

// sosRaised is the answer to POST /sos.
type sosRaised struct {
	ID     string `json:"id"`
	TripID string `json:"trip_id"`
	New    bool   `json:"new"`
}

func (d *driver) sos(p point, tripID string) sosRaised {
	d.tb.Helper()
	body := map[string]any{"location": p}
	if tripID != "" {
		body["trip_id"] = tripID
	}
	var s sosRaised
	d.post("/api/v1/sos", body).must(d.tb, http.StatusCreated, &s)
	return s
}

// snapshotSOS is the open SOS a fresh board's snapshot lists, by id.
func snapshotSOS(t *testing.T, f *fixture) map[string]frameSOS {
	t.Helper()
	s := f.board().frames()[0]
	var data struct{ SOS []frameSOS }
	s.decode(t, &data)
	out := map[string]frameSOS{}
	for _, a := range data.SOS {
		out[a.ID] = a
	}
	return out
}

// frameSOS is an SOS as the board shows it.
type frameSOS struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Location point  `json:"location"`
	Driver   struct {
		ID, Name, Phone, Plate string
	} `json:"driver"`
	Trip   *struct{ ID string } `json:"trip"`
	Riders []rider              `json:"riders"`
}

// TestSOS: a driver's SOS is on every board at once with the driver, the
// trip and its riders to call; pressed again it is the same SOS at the new
// position; it survives a reconnect; only a coordinator resolves it, and
// the driver is told. A driver with no trip raises one too; one naming
// another's trip is refused.
func TestSOS(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		req := examTrip(time.Hour)
		school, drv, tr := handoverTrip(t, f, req)
		loner := f.addDriver(north(home, 2))
		board := f.board()
		mine := drv.live(t)

		at := north(home, 0.3)
		before := f.snapshot()
		e := loner.post("/api/v1/sos", map[string]any{"location": at, "trip_id": tr.ID}).fails(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "trip_id", e.Field, "another's trip: the field is named")
		e = loner.post("/api/v1/sos", map[string]any{"location": at, "trip_id": "trp_nowhere"}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "trip_id", e.Field)
		e = drv.post("/api/v1/sos", map[string]any{"location": map[string]float64{"lat": 91, "lng": 0}}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "location.lat", e.Field)
		drv.post("/api/v1/sos", map[string]any{"trip_id": tr.ID}).fails(t, http.StatusUnprocessableEntity, "invalid")
		school.post("/api/v1/sos", map[string]any{"location": at}).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post("/api/v1/sos", map[string]any{"location": at}).fails(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, before, f.snapshot(), "refusals change nothing")
		assert.Empty(t, snapshotSOS(t, f), "and raise nothing")

		from := board.mark()
		s := drv.sos(at, tr.ID)
		assert.True(t, s.New)
		assert.Equal(t, tr.ID, s.TripID)
		fr, _ := board.waitFrom(from, frameWait, "the sos frame", func(fr frame) bool { return fr.Type == "sos" && fr.str("id") == s.ID })
		var shown frameSOS
		fr.decode(t, &shown)
		assert.Equal(t, "open", shown.Status)
		assert.Equal(t, drv.ID, shown.Driver.ID)
		assert.NotEmpty(t, shown.Driver.Phone, "the driver to call")
		require.NotNil(t, shown.Trip)
		assert.Equal(t, tr.ID, shown.Trip.ID)
		assert.Equal(t, req.Riders, shown.Riders, "the riders to call, with their phones")

		from = board.mark()
		further := north(home, 0.6)
		again := drv.sos(further, "")
		assert.Equal(t, s.ID, again.ID, "pressed again: the same SOS")
		assert.False(t, again.New)
		fr, _ = board.waitFrom(from, frameWait, "the sos at its new position", func(fr frame) bool { return fr.Type == "sos" && fr.str("id") == s.ID })
		fr.decode(t, &shown)
		assert.InDelta(t, further.Lat, shown.Location.Lat, 1e-6, "the board follows the car")

		alone := loner.sos(north(home, 2), "")
		assert.True(t, alone.New, "a driver with no trip raises an SOS")
		assert.Empty(t, alone.TripID)

		var list struct{ SOS []frameSOS }
		f.admin.get("/api/v1/sos").must(t, http.StatusOK, &list)
		assert.Len(t, list.SOS, 2)
		drv.get("/api/v1/sos").fails(t, http.StatusForbidden, "forbidden")
		open := snapshotSOS(t, f)
		assert.Contains(t, open, s.ID, "a board that reconnects sees the open SOS")
		assert.Contains(t, open, alone.ID)

		drv.post("/api/v1/sos/"+s.ID+"/resolve", nil).fails(t, http.StatusForbidden, "forbidden")
		school.post("/api/v1/sos/"+s.ID+"/resolve", nil).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post("/api/v1/sos/sos_nowhere/resolve", nil).fails(t, http.StatusNotFound, "not_found")
		f.admin.post("/api/v1/sos/"+s.ID+"/resolve", map[string]any{"note": strings.Repeat("x", 501)}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Contains(t, snapshotSOS(t, f), s.ID, "refused resolutions resolve nothing")

		from = board.mark()
		seen := mine.mark()
		var done struct {
			Status     string `json:"status"`
			ResolvedBy string `json:"resolved_by"`
		}
		f.admin.post("/api/v1/sos/"+s.ID+"/resolve", map[string]any{"note": "called the driver: a flat tyre"}).must(t, http.StatusOK, &done)
		assert.Equal(t, "resolved", done.Status)
		assert.Equal(t, "coordinator:crd_admin", done.ResolvedBy)
		board.waitFrom(from, frameWait, "sos_resolved on the board", func(fr frame) bool { return fr.Type == "sos_resolved" && fr.str("id") == s.ID })
		mine.waitFrom(seen, frameWait, "sos_resolved to the driver", func(fr frame) bool { return fr.Type == "sos_resolved" && fr.str("id") == s.ID })
		f.admin.post("/api/v1/sos/"+s.ID+"/resolve", nil).fails(t, http.StatusConflict, "conflict")
		assert.NotContains(t, snapshotSOS(t, f), s.ID)
		assert.True(t, drv.sos(at, "").New, "once resolved, a new SOS")

		var acts []string
		for _, e := range f.events(tr.ID) {
			if strings.HasPrefix(e.Action, "sos") {
				acts = append(acts, e.Action+" by "+e.Actor)
			}
		}
		assert.Equal(t, []string{"sos by driver:" + drv.ID, "sos_resolved by coordinator:crd_admin"}, acts, "audited on the trip")
	})
}

// TestSOSNeverRateLimited: with limits that turn away a driver's other
// requests, every SOS press goes through; a bad token is still limited.
func TestSOSNeverRateLimited(t *testing.T) {
	srv := startServer(t, embedded(), "-rate-per-token", "1", "-rate-per-address", "1")
	f := newFixture(t, srv)
	drv := f.addDriver(home)
	for i := range 15 {
		r := drv.post("/api/v1/sos", map[string]any{"location": north(home, float64(i)/10)})
		require.Equal(t, http.StatusCreated, r.Status, "press %d: %s", i, r)
	}
	limited := false
	for range 10 {
		if drv.get("/api/v1/drivers/me").Status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	assert.True(t, limited, "the driver's other requests are limited")
	forged := f.client("hl_not_a_token_anyone_was_given_0000")
	limited = false
	for range 10 {
		if forged.post("/api/v1/sos", map[string]any{"location": home}).Status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	assert.True(t, limited, "guessing tokens on the SOS is as slow as anywhere")
}

// TestSOSErasedRider: an SOS is rendered with its people as a board
// receives it, not stored with them. A board resuming from before the SOS
// gets it with the riders to call; once a rider is erased, a board resuming
// from the same point gets the SOS without them: the event stream never
// held their phones.
func TestSOSErasedRider(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := startServer(t, b)
		f := newFixture(t, srv)
		_, drv, tr := handoverTrip(t, f, examTrip(time.Hour))
		phone := tr.Riders[0].Phone
		before := f.board().frames()[0].ID // the snapshot's id: resume after it

		s := drv.sos(north(home, 0.3), tr.ID)
		replayed := func(what string) frameSOS {
			t.Helper()
			c := openLive(t, "board resuming", srv.URL, "/ws/board", adminToken, url.Values{"last_event_id": {before}})
			fr := c.wait(frameWait, what, func(fr frame) bool { return fr.Type == "sos" && fr.str("id") == s.ID })
			var shown frameSOS
			fr.decode(t, &shown)
			return shown
		}
		shown := replayed("the sos, replayed")
		assert.Equal(t, tr.Riders, shown.Riders, "the riders to call, with their phones")
		assert.NotEmpty(t, shown.Driver.Phone, "the driver to call")

		f.admin.post("/api/v1/sos/"+s.ID+"/resolve", nil).must(t, http.StatusOK, nil)
		f.admin.post("/api/v1/trips/"+tr.ID+"/cancel", nil).must(t, http.StatusOK, nil)
		var erased struct{ Erased []string }
		f.admin.post("/api/v1/riders/erase", map[string]string{"phone": phone}).must(t, http.StatusOK, &erased)
		require.Equal(t, []string{tr.ID}, erased.Erased)

		shown = replayed("the sos, replayed after the rider was erased")
		assert.Equal(t, s.ID, shown.ID)
		for _, r := range shown.Riders {
			assert.NotEqual(t, phone, r.Phone, "the erased rider's phone is gone")
			assert.Empty(t, r.Name)
		}
	})
}
