package integration

// Reports from the road and lost property in headless Chromium: a driver
// files a hazard with a photo from /driver; the board shows it on the map
// and in its panel with the photo; a coordinator forwards it and resolves
// it, and the driver's page shows each step. The same for an item left in
// the car, handed back with the owner's phone.

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func browserReports(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	drv := f.addDriver(home)
	photo := filepath.Join(t.TempDir(), "IMG_0001.png")
	if err := os.WriteFile(photo, pngWithText(t), 0o600); err != nil {
		t.Fatal(err)
	}

	sc := b.scene(t, srv)
	board := sc.open("board", "/board")
	board.signIn(adminToken, "#trip-table")
	d := sc.open("driver", "/driver")
	d.signIn(drv.token, "#go-online")

	d.choose("#report-kind", "hazard")
	d.typeInto("#report-note", "积水 water over the road")
	d.do("choose the photo", chromedp.SetUploadFiles(chromedp.CSS("#report-photos"), []string{photo}))
	d.click("#report-send")
	d.waitFor("the report in the driver's list", `String(document.querySelectorAll("#reports li.report").length)`, equals("1"), pageWait)

	var list struct{ Reports []reportShown }
	f.admin.get("/api/v1/reports").must(t, http.StatusOK, &list)
	if len(list.Reports) != 1 || len(list.Reports[0].Photos) != 1 {
		t.Fatalf("the server has %+v; want one report with one photo", list.Reports)
	}
	r := list.Reports[0]
	if r.Kind != "hazard" || r.Note != "积水 water over the road" {
		t.Errorf("filed %+v", r)
	}
	item := `#report-list li[data-report-id="` + r.ID + `"]`
	board.waitFor("the report in the board's panel", shown(item), equals("yes"), pageWait)
	board.waitFor("its photo shown", `(() => { const i = document.querySelector(`+jsString(item+" .report-photos img")+`); return i && i.complete && i.naturalWidth > 0 ? "yes" : "no"; })()`,
		equals("yes"), pageWait)
	board.waitFor("the report on the map", shown(`#layer-reports [data-report-id="`+r.ID+`"]`), equals("yes"), pageStep)
	shoot(t, board, "board-report")
	shoot(t, d, "driver-report")

	mine := `#reports li[data-report-id="` + r.ID + `"]`
	board.typeInto(item+" .report-forward-to", "交警 traffic police")
	board.click(item + " .report-forward")
	d.waitFor("the driver sees it forwarded", dataStatus(mine), equals("forwarded"), pageWait)
	d.waitFor("and to whom", elementText(mine), contains("交警 traffic police"), pageStep)

	board.typeInto(item+" .report-note-input", "pumped away")
	board.click(item + " .report-resolve")
	board.waitFor("the report gone from the panel", shown(item), equals("no"), pageWait)
	d.waitFor("the driver sees it resolved", dataStatus(mine), equals("resolved"), pageWait)
	d.waitFor("and what became of it", elementText(mine+" .report-outcome"), contains("pumped away"), pageStep)
	shoot(t, d, "driver-report-resolved")
}

// browserLost: a driver logs an umbrella left after a trip, with a photo,
// from /driver; the board lists it as unclaimed with its photo; a
// coordinator records the hand-back with the owner's phone, and the
// driver's page shows it returned.
func browserLost(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	req := examTrip(time.Hour)
	_, drv, tr := handoverTrip(t, f, req)
	photo := filepath.Join(t.TempDir(), "umbrella.jpg")
	if err := os.WriteFile(photo, jpegWithEXIF(t), 0o600); err != nil {
		t.Fatal(err)
	}

	sc := b.scene(t, srv)
	board := sc.open("board", "/board")
	board.signIn(adminToken, "#trip-table")
	d := sc.open("driver", "/driver")
	d.signIn(drv.token, "#go-online")
	d.waitFor("the trip to name", `String([...document.querySelectorAll("#lost-trip option")].some((o) => o.value === `+jsString(tr.ID)+`))`, equals("true"), pageWait)

	d.choose("#lost-trip", tr.ID)
	d.typeInto("#lost-description", "蓝色雨伞 blue umbrella, back seat")
	d.typeInto("#lost-kept", "服务中心")
	d.do("choose the photo", chromedp.SetUploadFiles(chromedp.CSS("#lost-photo"), []string{photo}))
	d.click("#lost-send")
	d.waitFor("the item in the driver's list", `String(document.querySelectorAll("#lost-items li.lost-item").length)`, equals("1"), pageWait)

	items := lostIDs(t, f.admin, "?status=unclaimed")
	if len(items) != 1 {
		t.Fatalf("unclaimed on the server: %+v; want the umbrella", items)
	}
	var it lostShown
	for _, x := range items {
		it = x
	}
	if it.TripID != tr.ID || it.Photo == nil {
		t.Errorf("logged %+v; want trip %s with a photo", it, tr.ID)
	}
	item := `#lost-list li[data-lost-id="` + it.ID + `"]`
	board.waitFor("the item on the board", shown(item), equals("yes"), pageWait)
	board.waitFor("its photo shown", `(() => { const i = document.querySelector(`+jsString(item+" img")+`); return i && i.complete && i.naturalWidth > 0 ? "yes" : "no"; })()`,
		equals("yes"), pageWait)
	shoot(t, board, "board-lost")

	board.typeInto(item+" .lost-to", "Li Ming")
	board.typeInto(item+" .lost-phone", "13000000000")
	board.click(item + " .lost-return")
	board.waitFor("a phone not of the trip refused", elementText(item+" .alert-error"), func(s string) bool { return s != "" }, pageWait)
	board.typeInto(item+" .lost-phone", req.Riders[0].Phone)
	board.click(item + " .lost-return")
	board.waitFor("the item gone from the unclaimed list", shown(item), equals("no"), pageWait)
	d.waitFor("the driver sees it returned", dataStatus(`#lost-items li[data-lost-id="`+it.ID+`"]`), equals("returned"), pageWait)
	shoot(t, d, "driver-lost-returned")
}

// browserGate: at the exam site's gate, the school checks its student in
// from its page, and another school's staff check in a student with the
// trip code and PIN; the board's arrivals panel counts both.
func browserGate(t *testing.T, b *browser, srv *server) {
	f := newFixture(t, srv)
	school, drv, tr := handoverTrip(t, f, examTrip(time.Hour))
	drv.progress(tr.ID, arrived).must(t, http.StatusOK, nil)
	drv.progress(tr.ID, pickedUp).must(t, http.StatusOK, nil)
	other := pickedUpTrip(t, school, drv)
	gateSchool := f.addRequester("school")

	sc := b.scene(t, srv)
	board := sc.open("board", "/board")
	board.signIn(adminToken, "#trip-table")
	row := `#arrivals tr[data-site="` + examSite.Address + `"]`
	board.waitFor("the site on the board", elementText(row+" .on-the-way"), equals("2"), pageWait)

	req := sc.open("request", "/request")
	req.signIn(school.token, "#submit-trip")
	btn := `#trips li[data-trip-id="` + tr.ID + `"] .checkin`
	req.waitFor("the check-in button", shown(btn), equals("yes"), pageWait)
	req.click(btn)
	req.waitFor("checked in", elementText(`#trips li[data-trip-id="`+tr.ID+`"] .checked-in`), func(s string) bool { return s != "" }, pageWait)
	board.waitFor("one arrived on the board", elementText(row+" .arrived"), equals("1"), pageWait)

	gate := sc.open("gate", "/request")
	gate.signIn(gateSchool.token, "#gate-form")
	gate.typeInto("#gate-trip", other.ID)
	gate.typeInto("#gate-pin", drv.pinOf(other.ID))
	gate.click(`#gate-form button[type="submit"]`)
	board.waitFor("both arrived on the board", elementText(row+" .arrived"), equals("2"), pageWait)
	if s := school.trip(other.ID).Status; s != completed {
		t.Errorf("checked in at the gate, the trip is %s; want completed", s)
	}
	shoot(t, board, "board-arrivals")
	shoot(t, req, "request-checked-in")
}
