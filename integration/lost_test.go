package integration

import (
	"bytes"
	"image/gif"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lostShown is a found item as the API and frames show it.
type lostShown struct {
	ID          string `json:"id"`
	TripID      string `json:"trip_id"`
	Description string `json:"description"`
	KeptAt      string `json:"kept_at"`
	Status      string `json:"status"`
	FoundBy     string `json:"found_by"`
	Photo       *struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
	} `json:"photo"`
	Return *struct {
		To          string `json:"to"`
		Where       string `json:"where"`
		By          string `json:"by"`
		ConfirmedBy string `json:"confirmed_by"`
	} `json:"return"`
}

func lostIDs(t *testing.T, c *client, query string) map[string]lostShown {
	t.Helper()
	var list struct{ Items []lostShown }
	c.get("/api/v1/lost-items"+query).must(t, http.StatusOK, &list)
	out := map[string]lostShown{}
	for _, it := range list.Items {
		out[it.ID] = it
	}
	return out
}

// TestLostProperty: a driver logs an umbrella left in the car after a
// trip, with a photo; the board and the school see it; it goes back to
// its owner only with proof (a phone of the trip's riders or requester,
// or the school's own word), once. An item that names no trip goes back
// through a coordinator. No phone is kept.
func TestLostProperty(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b)
		f := newFixture(t, srv)
		req := examTrip(time.Hour)
		school, drv, tr := handoverTrip(t, f, req)
		other := f.addDriver(north(home, 3))
		otherSchool := f.addRequester("school")
		board := f.board()
		schoolLive := school.live(t)

		from, schoolFrom := board.mark(), schoolLive.mark()
		var umbrella lostShown
		drv.post("/api/v1/lost-items", reportForm(t, [][2]string{{"trip_id", tr.ID}, {"description", "蓝色雨伞 a blue umbrella, back seat"}, {"kept_at", "服务中心 service centre"}},
			jpegWithEXIF(t))).must(t, http.StatusCreated, &umbrella)
		assert.Equal(t, "unclaimed", umbrella.Status)
		assert.Equal(t, "driver:"+drv.ID, umbrella.FoundBy)
		require.NotNil(t, umbrella.Photo)
		for _, c := range []*liveConn{board, schoolLive} {
			m := from
			if c == schoolLive {
				m = schoolFrom
			}
			c.waitFrom(m, frameWait, "the lost_item frame", func(fr frame) bool { return fr.Type == "lost_item" && fr.str("id") == umbrella.ID })
		}
		r := school.get(umbrella.Photo.URL).must(t, http.StatusOK, nil)
		assert.Equal(t, "image/jpeg", r.Header.Get("Content-Type"))
		assert.NotContains(t, string(r.Body), "camera-serial", "the photo keeps no metadata")

		// Refused, and nothing stored.
		before := len(lostIDs(t, f.admin, ""))
		e := other.post("/api/v1/lost-items", map[string]any{"trip_id": tr.ID, "description": "a scarf"}).fails(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, "trip_id", e.Field, "another driver's trip")
		e = drv.post("/api/v1/lost-items", map[string]any{"trip_id": "trp_nowhere", "description": "a scarf"}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "trip_id", e.Field)
		e = drv.post("/api/v1/lost-items", map[string]any{"trip_id": tr.ID}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "description", e.Field)
		school.post("/api/v1/lost-items", map[string]any{"description": "a scarf"}).fails(t, http.StatusForbidden, "forbidden")
		var g bytes.Buffer
		require.NoError(t, gif.Encode(&g, photoPixels(), nil))
		drv.post("/api/v1/lost-items", reportForm(t, [][2]string{{"description", "a scarf"}}, g.Bytes())).fails(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
		p := jpegWithEXIF(t)
		drv.post("/api/v1/lost-items", reportForm(t, [][2]string{{"description", "a scarf"}}, p, p)).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Len(t, lostIDs(t, f.admin, ""), before, "refusals store nothing")

		// Who sees what.
		assert.Contains(t, lostIDs(t, f.admin, "?status=unclaimed"), umbrella.ID)
		assert.Contains(t, lostIDs(t, drv.client, ""), umbrella.ID, "the driver who logged it")
		assert.Contains(t, lostIDs(t, school.client, ""), umbrella.ID, "the trip's requester")
		assert.Empty(t, lostIDs(t, other.client, ""))
		assert.Empty(t, lostIDs(t, otherSchool.client, ""))
		other.get("/api/v1/lost-items/"+umbrella.ID).fails(t, http.StatusForbidden, "forbidden")
		otherSchool.get(umbrella.Photo.URL).fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/lost-items?status=lost").fails(t, http.StatusUnprocessableEntity, "invalid")
		f.admin.get("/api/v1/lost-items/lst_nowhere").fails(t, http.StatusNotFound, "not_found")

		// Handed back only with proof.
		path := "/api/v1/lost-items/" + umbrella.ID + "/returned"
		other.post(path, map[string]any{"to": "Li Ming"}).fails(t, http.StatusForbidden, "forbidden")
		e = drv.post(path, map[string]any{"to": "Li Ming"}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "phone", e.Field, "the owner's phone is the proof")
		e = drv.post(path, map[string]any{"to": "Li Ming", "phone": "13000000000"}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "phone", e.Field, "a phone not of the trip")
		drv.post(path, map[string]any{"phone": req.Riders[0].Phone}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "unclaimed", lostIDs(t, f.admin, "")[umbrella.ID].Status, "refusals change nothing")

		from = board.mark()
		// Many at once: exactly one hand-back.
		phone := "+86 " + req.Riders[0].Phone // however written
		ok, conflicts := racing(6, func() (*response, error) {
			return drv.send(http.MethodPost, path, map[string]any{"to": "Li Ming", "where": "school gate", "phone": phone})
		})
		assert.Equal(t, int32(1), ok, "handed back once")
		assert.Equal(t, int32(5), conflicts)
		fr, _ := board.waitFrom(from, frameWait, "the item returned", func(fr frame) bool {
			return fr.Type == "lost_item" && fr.str("id") == umbrella.ID && fr.str("status") == "returned"
		})
		assert.NotContains(t, fr.raw, req.Riders[0].Phone, "the phone is checked, never kept")
		back := lostIDs(t, f.admin, "")[umbrella.ID]
		require.NotNil(t, back.Return)
		assert.Equal(t, "owner_phone", back.Return.ConfirmedBy)
		assert.Equal(t, "Li Ming", back.Return.To)
		assert.NotContains(t, lostIDs(t, f.admin, "?status=unclaimed"), umbrella.ID)
		for _, c := range []*client{f.admin, drv.client, school.client} {
			assert.NotContains(t, string(c.get("/api/v1/lost-items/"+umbrella.ID).must(t, http.StatusOK, nil).Body), strings.TrimPrefix(req.Riders[0].Phone, "+"))
		}

		// The school's own word is proof; an item of no trip goes through a coordinator.
		var bag, phoneCase lostShown
		drv.post("/api/v1/lost-items", map[string]any{"trip_id": tr.ID, "description": "a school bag"}).must(t, http.StatusCreated, &bag)
		var given lostShown
		school.post("/api/v1/lost-items/"+bag.ID+"/returned", map[string]any{"to": "Li Ming's mother"}).must(t, http.StatusOK, &given)
		assert.Equal(t, "requester", given.Return.ConfirmedBy)
		otherSchool.post("/api/v1/lost-items/"+bag.ID+"/returned", map[string]any{"to": "x"}).fails(t, http.StatusForbidden, "forbidden")
		drv.post("/api/v1/lost-items", map[string]any{"description": "a phone case, found at the station"}).must(t, http.StatusCreated, &phoneCase)
		drv.post("/api/v1/lost-items/"+phoneCase.ID+"/returned", map[string]any{"to": "its owner", "phone": phone}).fails(t, http.StatusForbidden, "forbidden")
		f.admin.post("/api/v1/lost-items/"+phoneCase.ID+"/returned", map[string]any{"to": "its owner", "where": "service centre"}).must(t, http.StatusOK, &given)
		assert.Equal(t, "coordinator", given.Return.ConfirmedBy)
		f.admin.post("/api/v1/lost-items/"+phoneCase.ID+"/returned", map[string]any{"to": "its owner"}).fails(t, http.StatusConflict, "conflict")
	})
}
