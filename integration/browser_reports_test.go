package integration

// A report from the road in headless Chromium: a driver files a hazard
// with a photo from /driver; the board shows it on the map and in its
// panel with the photo; a coordinator forwards it and resolves it, and the
// driver's page shows each step.

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

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
