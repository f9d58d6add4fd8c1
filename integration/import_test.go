package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const importHeader = "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by\n"

// TestImportFloodOfBadRows sends a school's import a megabyte of one-field
// lines: the answer is a small 422 that lists the first problems and
// counts them, not one entry per line, and bad rows count against the
// 2,000-row cap like good ones.
func TestImportFloodOfBadRows(t *testing.T) {
	srv := startServer(t, embedded())
	f := newFixture(t, srv)
	school := f.addRequester("school")
	body := importHeader + strings.Repeat("x\n", (1<<20-len(importHeader))/2)

	r := school.post("/api/v1/trips/import", raw(body))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%.300s", r.Body)
	t.Logf("a %d-byte list of bad rows is answered by %d bytes", len(body), len(r.Body))
	assert.Less(t, len(r.Body), 32<<10, "the refusal of a 1 MiB list must stay small")
	var refused struct {
		Error    apiError
		Rows     []struct{ Row int }
		Problems int
	}
	require.NoError(t, json.Unmarshal(r.Body, &refused))
	assert.Equal(t, "invalid", refused.Error.Code)
	assert.Len(t, refused.Rows, 100, "the first 100 problems are listed")
	assert.Equal(t, 1, refused.Rows[0].Row)
	assert.Equal(t, 2001, refused.Problems, "2,000 bad rows, then the row past the cap; the rest is not read")
	assert.Contains(t, refused.Error.Message, "2001 rows are wrong")

	// A list just under the cap with one bad row names it, and only it.
	few := importHeader + "x\n"
	r = school.post("/api/v1/trips/import", raw(few))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	require.NoError(t, json.Unmarshal(r.Body, &refused))
	assert.Equal(t, 1, refused.Problems)
	assert.Len(t, refused.Rows, 1)
}

// TestImportOptionalColumns books a list that says when pick-ups may begin
// and who rides in a wheelchair, and refuses one that says it badly.
func TestImportOptionalColumns(t *testing.T) {
	srv := startServer(t, embedded())
	f := newFixture(t, srv)
	school := f.addRequester("school")
	site := fmt.Sprintf("Yingtan No. 2 Middle School %s-%d", runID, unique())
	f.admin.post("/api/v1/places", map[string]any{"name": site, "kind": "exam_site",
		"lat": examSite.Lat, "lng": examSite.Lng, "address": "Gate 1"}).must(t, http.StatusCreated, nil)
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	after := time.Now().Add(3 * time.Hour).In(sh).Truncate(time.Minute)
	arrive := after.Add(time.Hour)
	list := "name,phone,pickup_lat,pickup_lng,pickup_address,exam_site,arrive_by,pickup_after,wheelchair\n" +
		fmt.Sprintf("Student Wang %s-%d,13900000021,%f,%f,12 Shengli Road,%s,%s,%s,是\n", runID, unique(), home.Lat, home.Lng, site,
			arrive.Format("2006-01-02 15:04"), after.Format("2006-01-02 15:04")) +
		fmt.Sprintf("Student Li %s-%d,13900000022,%f,%f,14 Shengli Road,%s,%s,,\n", runID, unique(), home.Lat, home.Lng, site,
			arrive.Format("2006-01-02 15:04"))
	var booked struct {
		Booked int
		Trips  []trip
	}
	school.post("/api/v1/trips/import", csvList(list)).must(t, http.StatusCreated, &booked)
	require.Equal(t, 2, booked.Booked)
	first := school.trip(booked.Trips[0].ID)
	assert.True(t, first.Wheelchair, "是 in the wheelchair column books a wheelchair place")
	require.NotNil(t, first.PickupAfter)
	assert.True(t, first.PickupAfter.Equal(after), "pickup_after %v; want %v", first.PickupAfter, after)
	second := school.trip(booked.Trips[1].ID)
	assert.False(t, second.Wheelchair, "a blank wheelchair column is no")
	assert.Nil(t, second.PickupAfter, "a blank pickup_after leaves the pick-up to the service")

	// A list may name the campaign its students ride in; an unknown one
	// is refused, naming the row.
	unknown := strings.Replace(list, "pickup_after,wheelchair\n", "pickup_after,wheelchair,campaign_id\n", 1)
	unknown = strings.Replace(unknown, ",是\n", ",是,cmp_nowhere\n", 1)
	unknown = strings.Replace(unknown, ",,\n", ",,,cmp_nowhere\n", 1)
	r0 := school.post("/api/v1/trips/import", csvList(unknown))
	require.Equal(t, http.StatusUnprocessableEntity, r0.Status, "%s", r0.Body)
	assert.Contains(t, string(r0.Body), "cmp_nowhere", "the refusal names the campaign: %s", r0.Body)

	bad := strings.Replace(list, ",是\n", ",maybe\n", 1)
	r := school.post("/api/v1/trips/import", csvList(bad))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, string(r.Body), `"wheelchair"`, "the refusal names the column: %s", r.Body)
	bad = strings.Replace(list, after.Format("2006-01-02 15:04")+",是", "soon,是", 1)
	r = school.post("/api/v1/trips/import", csvList(bad))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, string(r.Body), `"pickup_after"`, "the refusal names the column: %s", r.Body)
}

// TestImportOfAGBKList books a list as Excel on Chinese Windows saves it
// (GBK) with the names as the school wrote them, and refuses one that is
// no known text, booking nothing.
func TestImportOfAGBKList(t *testing.T) {
	srv := startServer(t, embedded())
	f := newFixture(t, srv)
	school := f.addRequester("school")
	site := fmt.Sprintf("鹰潭二中 %s-%d", runID, unique())
	f.admin.post("/api/v1/places", map[string]any{"name": site, "kind": "exam_site",
		"lat": examSite.Lat, "lng": examSite.Lng, "address": "一号门"}).must(t, http.StatusCreated, nil)
	arrive := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Minute).Format(time.RFC3339)
	name := fmt.Sprintf("王小明%d", unique())
	list := importHeader + fmt.Sprintf("%s,13900000031,%f,%f,胜利路12号,%s,%s\n", name, home.Lat, home.Lng, site, arrive)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(list)
	require.NoError(t, err)
	var booked struct {
		Booked int
		Trips  []trip
	}
	school.post("/api/v1/trips/import", csvList(gbk)).must(t, http.StatusCreated, &booked)
	require.Equal(t, 1, booked.Booked)
	got := school.trip(booked.Trips[0].ID)
	require.Len(t, got.Riders, 1)
	assert.Equal(t, name, got.Riders[0].Name, "the name as the school wrote it")

	count := func() int {
		var list struct{ Trips []trip }
		school.get("/api/v1/trips").must(t, http.StatusOK, &list)
		return len(list.Trips)
	}
	before := count()
	r := school.post("/api/v1/trips/import", csvList(list+"\xff\xfe\xfd,\n"))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), "UTF-8")
	assert.Equal(t, before, count(), "nothing was booked")
}
