package integration

// The guardian link's page and the SOS flow in headless Chromium: a
// family follows a trip on /g/{token}; a driver raises an SOS from /driver
// and a coordinator resolves it on /board. Screenshots go to the test's
// artifact directory (a temporary one unless go test runs with -artifacts).

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shoot saves a full-page screenshot of the tab as name.png in the test's
// artifact directory.
func shoot(t *testing.T, tb *tab, name string) {
	t.Helper()
	shot, err := tb.screenshot()
	if err != nil {
		tb.fail("full-page screenshot: " + err.Error())
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		t.Fatalf("the screenshot %s is not a PNG image (%d bytes): %v", name, len(shot), err)
	}
	file := filepath.Join(artifactDir(t), name+".png")
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s (%dx%d)", name, file, cfg.Width, cfg.Height)
}

// dataStatus is a JavaScript expression giving the element's data-status.
func dataStatus(sel string) string {
	return `(() => { const el = document.querySelector(` + jsString(sel) + `); return el ? el.dataset.status || "" : ""; })()`
}

// shown is a JavaScript expression: "yes" when the element is on screen.
func shown(sel string) string {
	return `(() => { const el = document.querySelector(` + jsString(sel) + `); return el && !el.hidden && el.checkVisibility() ? "yes" : "no"; })()`
}

// browserGuardian: the family's page shows the trip, the driver's first
// name and plate and the PIN, the car on the map only while the student is
// aboard, switches to English, and says so once the link is revoked.
func browserGuardian(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	req := examTrip(time.Hour)
	school, drv, tr := handoverTrip(t, f, req)
	l := school.share(tr.ID)
	pin := school.trip(tr.ID).PIN
	var me struct{ Vehicle vehicle }
	drv.get("/api/v1/drivers/me").must(t, http.StatusOK, &me)

	sc := b.scene(t, srv)
	g := sc.open("guardian", strings.TrimPrefix(l.URL, srv.URL))
	g.waitFor("the trip assigned on the family's page", dataStatus("#trip-status"), equals(assigned), pageLoad)
	g.waitFor("the PIN", elementText("#trip-pin"), equals(pin), pageStep)
	g.waitFor("the driver's plate", elementText("#trip-driver"), contains(me.Vehicle.Plate), pageStep)
	g.waitFor("no map before the pick-up", shown("#g-map"), equals("no"), pageStep)
	text := g.eval(elementText("body"))
	for _, secret := range []string{req.Riders[0].Name, req.Riders[0].Phone} {
		if strings.Contains(text, secret) {
			t.Errorf("the family's page shows %q: %q", secret, text)
		}
	}
	if !strings.Contains(text, examSite.Address) {
		t.Errorf("the page does not name the drop-off %q: %q", examSite.Address, text)
	}
	shoot(t, g, "guardian-assigned")

	drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)
	drv.progress(tr.ID, pickedUp).must(t, http.StatusOK, nil)
	drv.online(north(home, 0.7))
	g.waitFor("the student aboard", dataStatus("#trip-status"), equals(pickedUp), pageWait)
	g.waitFor("the car on the map", shown("#g-car circle"), equals("yes"), pageWait)
	shoot(t, g, "guardian-aboard")

	g.click("#lang")
	g.waitFor("the page in English", `document.documentElement.lang`, equals("en"), pageStep)
	g.waitFor("English labels", elementText("#where-h"), equals("Where the car is"), pageStep)
	shoot(t, g, "guardian-aboard-en")

	drv.progress(tr.ID, completed).must(t, http.StatusOK, nil)
	g.waitFor("the drop-off", dataStatus("#trip-status"), equals(completed), pageWait)
	g.waitFor("no car after the drop-off", shown("#g-map"), equals("no"), pageStep)

	school.do(http.MethodDelete, "/api/v1/trips/"+tr.ID+"/share", nil).must(t, http.StatusOK, nil)
	g.waitFor("the link gone", shown("#gone"), equals("yes"), pageWait)
	g.waitFor("and the trip no longer shown", shown("#trip"), equals("no"), pageStep)
	shoot(t, g, "guardian-revoked")
}

// browserSOS: the driver presses SOS, confirms (a cancel raises nothing),
// the board shows it at once on the map and in its panel with the riders
// to call, the app keeps the position coming, and the coordinator's
// resolve reaches the driver.
func browserSOS(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	req := examTrip(time.Hour)
	_, drv, tr := handoverTrip(t, f, req)

	sc := b.scene(t, srv)
	board := sc.open("board", "/board")
	board.signIn(adminToken, "#trip-table")
	d := sc.open("driver", "/driver")
	d.signIn(drv.token, "#go-online")
	d.waitFor("the trip in #current-trip", visibleWithTrip("#current-trip"), equals(tr.ID), pageWait)

	d.click("#sos")
	d.waitFor("the confirm step", shown("#sos-confirm"), equals("yes"), pageStep)
	d.click("#sos-no")
	d.waitFor("the confirm step gone", shown("#sos-confirm"), equals("no"), pageStep)
	var list struct{ SOS []frameSOS }
	f.admin.get("/api/v1/sos").must(t, http.StatusOK, &list)
	if len(list.SOS) != 0 {
		t.Fatalf("a cancelled SOS was raised: %+v", list.SOS)
	}

	d.click("#sos")
	d.waitFor("the confirm step", shown("#sos-confirm"), equals("yes"), pageStep)
	d.click("#sos-yes")
	d.waitFor("the SOS sent", `document.querySelector("#sos").getAttribute("aria-pressed")`, equals("true"), pageWait)
	var sos frameSOS
	d.until("the SOS on the server", func() (bool, string) {
		f.admin.get("/api/v1/sos").must(t, http.StatusOK, &list)
		if len(list.SOS) == 1 {
			sos = list.SOS[0]
		}
		return len(list.SOS) == 1, fmt.Sprintf("%d open", len(list.SOS))
	})
	if sos.Trip == nil || sos.Trip.ID != tr.ID {
		t.Errorf("the SOS names trip %+v, want %s (the driver's current one)", sos.Trip, tr.ID)
	}
	item := `#sos-list li[data-sos-id="` + sos.ID + `"]`
	board.waitFor("the SOS in the board's panel", shown(item), equals("yes"), pageWait)
	board.waitFor("the riders to call", elementText(item+" .sos-riders"), contains(req.Riders[0].Phone), pageStep)
	board.waitFor("the SOS on the map", shown(`#layer-sos [data-sos-id="`+sos.ID+`"]`), equals("yes"), pageStep)
	shoot(t, board, "board-sos")
	shoot(t, d, "driver-sos")

	raised := time.Time{}
	d.until("the app to send the position again", func() (bool, string) {
		var open struct {
			SOS []struct {
				RaisedAt  time.Time `json:"raised_at"`
				UpdatedAt time.Time `json:"updated_at"`
			}
		}
		f.admin.get("/api/v1/sos").must(t, http.StatusOK, &open)
		if len(open.SOS) != 1 {
			return false, fmt.Sprintf("%d open", len(open.SOS))
		}
		raised = open.SOS[0].RaisedAt
		return open.SOS[0].UpdatedAt.After(raised), "updated_at " + open.SOS[0].UpdatedAt.String()
	})

	board.typeInto(item+" .sos-note", "called the driver")
	board.click(item + " .sos-resolve")
	board.waitFor("the SOS gone from the panel", shown(item), equals("no"), pageWait)
	d.waitFor("the driver told", `document.querySelector("#sos").getAttribute("aria-pressed")`, equals("false"), pageWait)
	d.waitFor("and shown it", shown("#sos-status"), equals("yes"), pageStep)
	f.admin.get("/api/v1/sos").must(t, http.StatusOK, &list)
	if len(list.SOS) != 0 {
		t.Errorf("after the resolve %d SOS are open", len(list.SOS))
	}
	shoot(t, board, "board-sos-resolved")
	shoot(t, d, "driver-sos-resolved")
}

// browserStations: a driver looking for somewhere to rest asks for the
// stations nearby and sees the open one nearest first, how far it is and
// what it offers; unticking "open now only" shows the closed one too.
func browserStations(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	drv := f.addDriver(home)
	everyDay := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	f.admin.post("/api/v1/places", map[string]any{"name": "Yuehu Road Station", "kind": "station",
		"lat": north(home, 2).Lat, "lng": north(home, 2).Lng, "services": []string{"rest", "charging"},
		"hours": map[string]any{"weekly": []any{map[string]any{"days": everyDay, "from": "00:00", "to": "24:00"}}}}).must(t, http.StatusCreated, nil)
	f.admin.post("/api/v1/places", map[string]any{"name": "Closed Station", "kind": "station",
		"lat": north(home, 1).Lat, "lng": north(home, 1).Lng,
		"hours": map[string]any{"dates": []any{map[string]any{"date": "2020-01-01", "from": "08:00", "to": "18:00"}}}}).must(t, http.StatusCreated, nil)

	sc := b.scene(t, srv)
	d := sc.open("driver", "/driver")
	d.signIn(drv.token, "#go-online")
	d.click("#find-stations")
	d.waitFor("the open station listed", elementText("#stations"), contains("Yuehu Road Station"), pageWait)
	d.waitFor("only the open one", `String(document.querySelectorAll("#stations li.station").length)`, equals("1"), pageStep)
	d.waitFor("how far, in Chinese", elementText("#stations .station-way"), contains("公里"), pageStep)
	d.waitFor("what it offers", elementText("#stations .station-services"), equals("休息 · 充电"), pageStep)
	d.waitFor("open now", elementText("#stations .station-open"), equals("营业中"), pageStep)
	shoot(t, d, "driver-stations")

	d.click("#stations-open")
	d.click("#find-stations")
	d.waitFor("the closed one too, nearest first", `Array.from(document.querySelectorAll("#stations li.station")).map(li => li.dataset.open).join(",")`,
		equals("closed,open"), pageWait)
}
