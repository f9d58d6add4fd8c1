package integration

// The three pages (/board, /driver, /request) in headless Chromium, driven
// as their users drive them, against the DOM contract the pages are built
// to (element ids and data attributes, not wording or layout).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser runs every browser test in one Chromium, each in tabs of its
// own, on one server (the whole flow also on real Redis when there is one).
func TestBrowser(t *testing.T) {
	b := startBrowser(t)
	srv := startServer(t, embedded())

	t.Run("Flow", func(t *testing.T) {
		t.Run("embedded", func(t *testing.T) { browserFlow(t, b, srv) })
		t.Run("redis", func(t *testing.T) { browserFlow(t, b, startServer(t, realRedis(t))) })
	})
	t.Run("CSVImport", func(t *testing.T) { browserCSVImport(t, b, srv) })
	t.Run("Language", func(t *testing.T) { browserLanguage(t, b, srv) })
	t.Run("Screenshots", func(t *testing.T) { browserScreenshots(t, b, srv) })
	// Servers of their own: the drivers the tests above left online at
	// home would be offered these tests' trips.
	t.Run("Guardian", func(t *testing.T) { browserGuardian(t, b, startServer(t, embedded())) })
	t.Run("SOS", func(t *testing.T) { browserSOS(t, b, startServer(t, embedded())) })
	t.Run("Stations", func(t *testing.T) { browserStations(t, b, startServer(t, embedded())) })
	t.Run("Reports", func(t *testing.T) { browserReports(t, b, startServer(t, embedded())) })
	t.Run("Lost", func(t *testing.T) { browserLost(t, b, startServer(t, embedded())) })
	t.Run("Gate", func(t *testing.T) { browserGate(t, b, startServer(t, embedded())) })
}

// coord formats a coordinate as a person types it.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 5, 64) }

// tripRowStatus is a JavaScript expression giving what a trip's row shows
// as its status: the row's data-status, the .status cell's data-status and
// its text, joined by "|" ("" when there is no row).
func tripRowStatus(rowSel string) string {
	return `(() => {
		const r = document.querySelector(` + jsString(rowSel) + `);
		if (!r) return "";
		const s = r.querySelector(".status");
		return [r.dataset.status || "", s ? (s.dataset.status || "") : "", s ? s.textContent.trim() : ""].join("|");
	})()`
}

// shows reports whether a tripRowStatus value names the status.
func shows(status string) func(string) bool {
	return func(got string) bool {
		for _, part := range strings.Split(got, "|") {
			if part == status {
				return true
			}
		}
		return false
	}
}

// elementText is a JavaScript expression giving the text of the element
// ("" when there is none).
func elementText(sel string) string {
	return `(() => { const el = document.querySelector(` + jsString(sel) + `); return el ? el.textContent.trim() : ""; })()`
}

// visibleWithTrip is a JavaScript expression giving the data-trip-id of the
// element when it is shown, else "".
func visibleWithTrip(sel string) string {
	return `(() => {
		const el = document.querySelector(` + jsString(sel) + `);
		if (!el || el.hidden || !el.checkVisibility()) return "";
		return el.dataset.tripId || "(no data-trip-id)";
	})()`
}

func contains(sub string) func(string) bool {
	return func(got string) bool { return strings.Contains(got, sub) }
}

func equals(want string) func(string) bool {
	return func(got string) bool { return got == want }
}

// browserFlow: a school books a ride on /request, the volunteer on /driver
// (online, at a position typed by hand) is offered it live and accepts, and
// the coordinators' /board and the school's page show it assigned.
func browserFlow(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	school := f.addRequester("school")
	reg := verifiedDriver(north(home, 2)) // lives 2 km north ...
	drv := f.register(reg)
	here := north(home, 1) // ... and is 1 km north of the pickup now

	sc := b.scene(t, srv)
	board := sc.open("board", "/board")
	board.signIn(adminToken, "#trip-table")

	driverTab := sc.open("driver", "/driver")
	driverTab.signIn(drv.token, "#go-online")
	driverTab.typeInto("#manual-lat", coord(here.Lat))
	driverTab.typeInto("#manual-lng", coord(here.Lng))
	driverTab.click("#set-position")
	driverTab.click("#go-online")
	driverTab.waitFor(`#presence[data-status="online"]`,
		`(() => { const p = document.querySelector("#presence"); return p ? p.dataset.status || "" : "(no #presence)"; })()`,
		equals("online"), pageWait)
	// The server has the driver online where the page said, not at home.
	var me struct {
		Status   string `json:"status"`
		Location *point `json:"location"`
	}
	driverTab.until("the server to see the driver online at the typed position", func() (bool, string) {
		f.admin.get("/api/v1/drivers/"+drv.ID).must(t, http.StatusOK, &me)
		return me.Status == "online" && me.Location != nil &&
			coord(me.Location.Lat) == coord(here.Lat) && coord(me.Location.Lng) == coord(here.Lng), fmt.Sprintf("%s at %+v", me.Status, me.Location)
	})
	board.waitFor("the driver's dot on the map, online",
		`(() => { const c = document.querySelector('#map circle[data-driver-id=`+jsString(drv.ID)+`]'); return c ? c.dataset.status || "(no data-status)" : ""; })()`,
		equals("online"), pageWait)

	request := sc.open("request", "/request")
	request.signIn(school.token, "#submit-trip")
	riderName := fmt.Sprintf("Student Li %s-%d", runID, unique())
	pickupAddress := fmt.Sprintf("Flat %d-%s, 12 Shengli Road", unique(), runID)
	// Arriving in 50 minutes, as the browser's clock and zone have it.
	arriveBy := request.eval(`(() => {
		const d = new Date(Date.now() + 50 * 60 * 1000);
		const p = (n) => String(n).padStart(2, "0");
		return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
	})()`)
	request.choose("#kind", "exam_escort")
	request.typeInto("#pickup-lat", coord(home.Lat))
	request.typeInto("#pickup-lng", coord(home.Lng))
	request.typeInto("#pickup-address", pickupAddress)
	request.typeInto("#dropoff-lat", coord(examSite.Lat))
	request.typeInto("#dropoff-lng", coord(examSite.Lng))
	request.typeInto("#dropoff-address", examSite.Address)
	request.typeInto("#rider-name", riderName)
	request.typeInto("#rider-phone", fmt.Sprintf("139%08d", unique()))
	request.choose("#arrive-by", arriveBy)
	request.click("#submit-trip")

	// The school has exactly the trip the form booked.
	var booked trip
	request.until("the trip booked by #submit-trip", func() (bool, string) {
		var list struct{ Trips []trip }
		school.get("/api/v1/trips").must(t, http.StatusOK, &list)
		if len(list.Trips) > 1 {
			request.fail(fmt.Sprintf("one submit booked %d trips: %v", len(list.Trips), tripIDs(list.Trips)))
		}
		if len(list.Trips) == 1 {
			booked = list.Trips[0]
			return true, ""
		}
		return false, "the school has no trip"
	})
	f.explainOnFailure(booked.ID)
	if len(booked.Riders) != 1 || booked.Riders[0].Name != riderName || booked.Pickup.Address != pickupAddress {
		t.Errorf("the form booked %+v, want rider %q picked up at %q", booked, riderName, pickupAddress)
	}
	rowSel := `#trips [data-trip-id="` + booked.ID + `"]`
	request.waitVisible(rowSel, pageWait)

	// The volunteer is offered it live, and the card keeps the rider private.
	driverTab.waitFor("the offer card #offer of trip "+booked.ID, visibleWithTrip("#offer"), equals(booked.ID), pageWait)
	offerText := driverTab.eval(elementText("#offer"))
	for _, secret := range []string{riderName, pickupAddress} {
		if strings.Contains(offerText, secret) {
			t.Errorf("the offer card shows %q before acceptance: %q", secret, offerText)
		}
	}
	if area := driverTab.eval(elementText("#offer .pickup-area")); area == "" {
		t.Errorf("the offer card's .pickup-area is empty: %q", offerText)
	}
	driverTab.click("#accept")

	driverTab.waitFor("the accepted trip in #current-trip", visibleWithTrip("#current-trip"), equals(booked.ID), pageWait)
	driverTab.waitFor("the rider's name in #current-trip .rider-name", elementText("#current-trip .rider-name"), contains(riderName), pageWait)
	board.waitFor("trip "+booked.ID+" assigned in #trip-table",
		tripRowStatus(`#trip-table tr[data-trip-id="`+booked.ID+`"]`), shows(assigned), pageWait)
	request.waitFor("trip "+booked.ID+" assigned on the school's page", tripRowStatus(rowSel), shows(assigned), pageWait)
	request.waitFor("the driver's name on the school's page",
		elementText(rowSel+" .driver"), contains(reg.Name), pageWait)

	got := school.trip(booked.ID)
	if got.Status != assigned || got.DriverID != drv.ID {
		t.Errorf("after #accept the server has trip %s %s by %q, want assigned to %s", got.ID, got.Status, got.DriverID, drv.ID)
	}
}

// browserCSVImport: a list of students with one bad row is refused whole,
// the report names the row and the field, and nothing is booked; the
// corrected list is then booked whole.
func browserCSVImport(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	school := f.addRequester("school")
	site := fmt.Sprintf("Yingtan No. 1 Middle School %s-%d", runID, unique())
	f.admin.post("/api/v1/places", map[string]any{
		"name": site, "kind": "exam_site", "lat": examSite.Lat, "lng": examSite.Lng,
	}).must(t, http.StatusCreated, nil)

	// Tomorrow morning, Beijing time, as a school's spreadsheet has it.
	when := time.Now().In(time.FixedZone("CST", 8*3600)).Add(24 * time.Hour).Format("2006-01-02 15:04")
	row := func(i int, lat string) string {
		return fmt.Sprintf("Student %d %s,1390000%04d,%s,%s,%d Shengli Road,%s,%s\n",
			i, runID, i, lat, coord(home.Lng), i, site, when)
	}
	header := "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n"
	bad := header + row(1, coord(home.Lat)) + row(2, "north of the river") + row(3, coord(home.Lat))
	good := header + row(1, coord(home.Lat)) + row(2, coord(home.Lat)) + row(3, coord(home.Lat))
	dir := t.TempDir()
	badFile, goodFile := filepath.Join(dir, "students-bad.csv"), filepath.Join(dir, "students.csv")
	for p, body := range map[string]string{badFile: bad, goodFile: good} {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	sc := b.scene(t, srv)
	request := sc.open("request", "/request")
	request.signIn(school.token, "#csv-import")

	request.do("choose "+badFile+" in #csv-file", chromedp.SetUploadFiles(chromedp.CSS("#csv-file"), []string{badFile}))
	request.click("#csv-import")
	report := request.waitFor(`#csv-report li[data-row="2"] naming the field pickup_lat`,
		elementText(`#csv-report li[data-row="2"]`), contains("pickup_lat"), pageWait)
	t.Logf("the report of row 2: %q", report)
	others := request.eval(`Array.from(document.querySelectorAll("#csv-report li[data-row]"), (li) => li.dataset.row).join(",")`)
	if others != "2" {
		t.Errorf("#csv-report lists rows %q, want only row 2", others)
	}
	if ok := request.eval(elementText("#csv-report .ok")); ok != "" {
		t.Errorf("#csv-report says %q for a refused list", ok)
	}
	var list struct{ Trips []trip }
	school.get("/api/v1/trips").must(t, http.StatusOK, &list)
	if len(list.Trips) != 0 {
		t.Errorf("a refused list booked %d trips: %v", len(list.Trips), tripIDs(list.Trips))
	}

	// The corrected list is booked whole, and the report says so.
	request.do("choose "+goodFile+" in #csv-file", chromedp.SetUploadFiles(chromedp.CSS("#csv-file"), []string{goodFile}))
	request.click("#csv-import")
	request.waitFor("the success line #csv-report .ok saying 3 trips were booked",
		elementText("#csv-report .ok"), contains("3"), pageWait)
	if left := request.eval(`String(document.querySelectorAll("#csv-report li[data-row]").length)`); left != "0" {
		t.Errorf("#csv-report still lists %s refused rows after a list was booked", left)
	}
	school.get("/api/v1/trips").must(t, http.StatusOK, &list)
	if len(list.Trips) != 3 {
		t.Errorf("the corrected list booked %d trips, want 3", len(list.Trips))
	}
}

// browserLanguage: every page loads without JavaScript errors, in Chinese,
// and #lang switches it to English and back.
func browserLanguage(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	school := f.addRequester("school")
	drv := f.addDriver(home)
	for _, p := range []struct{ path, token, ready, socket string }{
		{"/board", adminToken, "#trip-table", "/ws/board"},
		{"/driver", drv.token, "#go-online", "/ws/driver"},
		{"/request", school.token, "#submit-trip", "/ws/requester"},
	} {
		t.Run(strings.TrimPrefix(p.path, "/"), func(t *testing.T) {
			sc := b.scene(t, srv)
			page := sc.open(strings.TrimPrefix(p.path, "/"), p.path)
			lang := `document.documentElement.lang`
			if got := page.eval(lang); got != "zh-CN" {
				t.Errorf("%s loads with lang %q, want zh-CN", p.path, got)
			}
			page.signIn(p.token, p.ready)
			page.checkTokenKept(p.token, p.socket)
			page.click("#lang")
			page.waitFor("lang en after #lang", lang, equals("en"), pageStep)
			page.click("#lang")
			page.waitFor("lang zh-CN after #lang again", lang, equals("zh-CN"), pageStep)
			page.checkNoJSErrors() // and again when the tab closes
		})
	}
}

// domContract lists, per page, what the DOM contract promises a signed-in page
// holds once the data of browserScreenshots is on it: a selector each, and
// for some the text it must match.
var domContract = map[string][]string{
	"": { // every page
		`#lang`, `#status-line[aria-live="polite"]`,
	},
	"request": {
		`select#kind option[value="exam_escort"]`, `select#kind option[value="hospital"]`,
		`input#pickup-lat`, `input#pickup-lng`, `input#pickup-address`,
		`input#dropoff-lat`, `input#dropoff-lng`, `input#dropoff-address`, `select#dropoff-place`,
		`input#rider-name`, `input#rider-phone`, `input#arrive-by[type="datetime-local"]`, `button#submit-trip`,
		`input#csv-file[type="file"]`, `button#csv-import`, `#csv-report`,
		`#trips [data-trip-id] .status[data-status]`, `#trips [data-trip-id] .driver`,
	},
	"driver": {
		`button#go-online`, `button#go-offline`, `#presence[data-status]`,
		`button#use-geolocation`, `input#manual-lat`, `input#manual-lng`, `button#set-position`,
		`#offer`, `#offer .countdown`, `#offer .pickup-area`, `#offer .arrive-by`, `#offer button#accept`, `#offer button#decline`,
		`#current-trip[data-trip-id] .status`, `#current-trip .rider-name`, `#current-trip .rider-phone`,
		`#current-trip .pickup-address`, `#current-trip button#next-step`,
		`#upcoming`, `#signups`, `#hours`,
		`button#sos`, `#sos-confirm button#sos-yes`, `#sos-confirm button#sos-no`, `#sos-status`,
	},
	"board": {
		`svg#map circle[data-driver-id][data-status]`, `svg#map line[data-trip-id]`, `svg#map [data-place-id]`,
		`#count-online`, `#count-open`, `#count-offered`, `#count-assigned`, `#count-at-risk`,
		`#alerts`, `#trip-table tr[data-trip-id] .status`, `select#trip-filter`, `#campaigns`,
		`#sos-panel #sos-list`, `svg#map #layer-sos`,
	},
}

// missingFromContract is a JavaScript expression listing, one a line, the
// selectors of the page's contract that match nothing, and counters that
// are not numbers.
func missingFromContract(page string) string {
	sels := append(append([]string{}, domContract[""]...), domContract[page]...)
	list, _ := json.Marshal(sels)
	return `(() => {
		const out = ` + string(list) + `.filter((s) => !document.querySelector(s));
		for (const el of document.querySelectorAll("#count-online, #count-open, #count-offered, #count-assigned, #count-at-risk")) {
			if (!/^[0-9]+$/.test(el.textContent.trim())) out.push("#" + el.id + " reads " + JSON.stringify(el.textContent.trim()) + ", not a number");
		}
		return out.join("\n");
	})()`
}

// browserScreenshots: each page, signed in and showing live data, as a PNG
// of the whole page: board.png, driver.png, request.png.
func browserScreenshots(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	f.admin.post("/api/v1/places", map[string]any{
		"name": fmt.Sprintf("Exam site %s-%d", runID, unique()), "kind": "exam_site",
		"lat": examSite.Lat, "lng": examSite.Lng, "address": examSite.Address,
	}).must(t, http.StatusCreated, nil)
	school := f.addRequester("school")
	drv := f.addDriver(home)
	drv.online(north(home, 1))
	tr := school.request(examTrip(3 * time.Hour))
	drv.waitOffer(tr.ID)
	drv.accept(tr.ID).must(t, http.StatusOK, nil)

	sc := b.scene(t, srv)
	pages := []struct {
		name, token, ready string
		shown              func(*tab)
	}{
		{"board", adminToken, "#trip-table", func(p *tab) {
			p.waitFor("the assigned trip in #trip-table",
				tripRowStatus(`#trip-table tr[data-trip-id="`+tr.ID+`"]`), shows(assigned), pageWait)
		}},
		{"driver", drv.token, "#go-online", func(p *tab) {
			p.waitFor("the trip in #current-trip", visibleWithTrip("#current-trip"), equals(tr.ID), pageWait)
		}},
		{"request", school.token, "#submit-trip", func(p *tab) {
			p.waitFor("the trip on the school's page",
				tripRowStatus(`#trips [data-trip-id="`+tr.ID+`"]`), shows(assigned), pageWait)
		}},
	}
	dir := artifactDir(t)
	for _, p := range pages {
		page := sc.open(p.name, "/"+p.name)
		page.signIn(p.token, p.ready)
		p.shown(page)
		if missing := page.eval(missingFromContract(p.name)); missing != "" {
			t.Errorf("/%s lacks what the DOM contract promises:\n  %s", p.name, strings.ReplaceAll(missing, "\n", "\n  "))
		}
		shot, err := page.screenshot()
		if err != nil {
			page.fail("full-page screenshot: " + err.Error())
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(shot))
		if err != nil || cfg.Width == 0 || cfg.Height == 0 {
			t.Fatalf("the screenshot of /%s is not a PNG image (%d bytes): %v", p.name, len(shot), err)
		}
		file := filepath.Join(dir, p.name+".png")
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("/%s: %s (%dx%d)", p.name, file, cfg.Width, cfg.Height)
	}
	if !artifactsKept() {
		t.Logf("the screenshots are removed with the test; run go test with -artifacts (and -outputdir) to keep them")
	}
}
