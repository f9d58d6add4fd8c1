package integration

import (
	"bytes"
	bin "encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reportShown is a report as the API and frames show it.
type reportShown struct {
	ID          string `json:"id"`
	DriverID    string `json:"driver_id"`
	Kind        string `json:"kind"`
	Status      string `json:"status"`
	Location    point  `json:"location"`
	Note        string `json:"note"`
	ForwardedTo string `json:"forwarded_to"`
	Outcome     string `json:"outcome"`
	Photos      []struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
		Bytes       int    `json:"bytes"`
	} `json:"photos"`
}

// secretPlace is what the test photos' metadata says: where the camera
// was. No photo served may carry it.
const secretPlace = "GPS 28.2446N 117.0342E camera-serial-4711"

// photoPixels is a small picture, the same in every test photo.
func photoPixels() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	return img
}

// jpegWithEXIF is a JPEG whose EXIF segment (APP1) holds secretPlace, as
// a phone's photo holds where it was taken.
func jpegWithEXIF(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, photoPixels(), &jpeg.Options{Quality: 90}))
	exif := append([]byte("Exif\x00\x00"), secretPlace...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	bin.BigEndian.PutUint16(seg[2:], uint16(len(exif)+2))
	out := append([]byte{}, b.Bytes()[:2]...) // SOI
	out = append(append(out, seg...), exif...)
	return append(out, b.Bytes()[2:]...)
}

// pngWithText is a PNG with a tEXt chunk holding secretPlace.
func pngWithText(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, photoPixels()))
	data := append([]byte("Location\x00"), secretPlace...)
	chunk := make([]byte, 4, 12+len(data))
	bin.BigEndian.PutUint32(chunk, uint32(len(data)))
	chunk = append(append(chunk, "tEXt"...), data...)
	chunk = bin.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	const ihdrEnd = 8 + 25 // signature, then IHDR's 13 bytes with length, type and CRC
	out := append([]byte{}, b.Bytes()[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, b.Bytes()[ihdrEnd:]...)
}

// reportForm is a multipart/form-data report: its text parts, then
// photos.
func reportForm(t testing.TB, parts [][2]string, photos ...[]byte) formBody {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		require.NoError(t, w.WriteField(p[0], p[1]))
	}
	for i, ph := range photos {
		fw, err := w.CreateFormFile("photo", "IMG_000"+string(rune('1'+i))+".jpg")
		require.NoError(t, err)
		fw.Write(ph)
	}
	require.NoError(t, w.Close())
	return formBody{contentType: w.FormDataContentType(), body: b.Bytes()}
}

func (c *client) patch(path string, body any) *response {
	c.tb.Helper()
	return c.do(http.MethodPatch, path, body)
}

// reportCount is how many reports a coordinator sees.
func reportCount(t *testing.T, f *fixture) int {
	t.Helper()
	var list struct{ Reports []reportShown }
	f.admin.get("/api/v1/reports?limit=500").must(t, http.StatusOK, &list)
	return len(list.Reports)
}

// TestReports: a driver reports a hazard from the road, with photos;
// boards see it at once; a coordinator forwards it and resolves it, and
// the driver sees what became of it. Photos lose what their files said
// of where they were taken. What is refused stores nothing.
func TestReports(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		srv := liveServer(t, b, "-max-photo", "200000")
		f := newFixture(t, srv)
		drv := f.addDriver(home)
		other := f.addDriver(north(home, 3))
		school := f.addRequester("school")
		board := f.board()
		mine := drv.live(t)
		at := north(home, 0.4)

		// A hazard, JSON only: boards get it at once.
		from := board.mark()
		var hazard reportShown
		drv.post("/api/v1/reports", map[string]any{"kind": "hazard", "location": at, "note": "积水 water over the road at the underpass"}).
			must(t, http.StatusCreated, &hazard)
		assert.Equal(t, "open", hazard.Status)
		assert.Equal(t, drv.ID, hazard.DriverID)
		assert.Empty(t, hazard.Photos)
		fr, _ := board.waitFrom(from, frameWait, "the report frame", func(fr frame) bool { return fr.Type == "report" && fr.str("id") == hazard.ID })
		var shown reportShown
		fr.decode(t, &shown)
		assert.Equal(t, "hazard", shown.Kind)
		assert.InDelta(t, at.Lat, shown.Location.Lat, 1e-9)

		// An accident with two photos, as a phone sends them.
		var accident reportShown
		drv.post("/api/v1/reports", reportForm(t, [][2]string{{"kind", "accident"}, {"location", "28.2446,117.0342"}, {"note", "two cars, nobody hurt"}},
			jpegWithEXIF(t), pngWithText(t))).must(t, http.StatusCreated, &accident)
		require.Len(t, accident.Photos, 2)
		assert.Equal(t, "image/jpeg", accident.Photos[0].ContentType)
		assert.Equal(t, "image/png", accident.Photos[1].ContentType)
		assert.InDelta(t, 28.2446, accident.Location.Lat, 1e-9, "location as lat,lng")
		for i, p := range accident.Photos {
			for _, c := range []*client{drv.client, f.admin} {
				r := c.get(p.URL).must(t, http.StatusOK, nil)
				assert.Equal(t, p.ContentType, r.Header.Get("Content-Type"))
				assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
				assert.Len(t, r.Body, p.Bytes)
				assert.NotContains(t, string(r.Body), "camera-serial", "photo %d keeps no metadata", i+1)
				img, _, err := image.Decode(bytes.NewReader(r.Body))
				require.NoError(t, err, "photo %d is an image", i+1)
				assert.Equal(t, image.Rect(0, 0, 64, 48), img.Bounds())
			}
			other.get(p.URL).fails(t, http.StatusForbidden, "forbidden")
			school.get(p.URL).fails(t, http.StatusForbidden, "forbidden")
		}
		f.admin.get("/api/v1/reports/"+accident.ID+"/photos/3").fails(t, http.StatusNotFound, "not_found")

		// Refused, and nothing stored.
		n := reportCount(t, f)
		var gifPhoto bytes.Buffer
		require.NoError(t, gif.Encode(&gifPhoto, photoPixels(), nil))
		kindAt := [][2]string{{"kind", "hazard"}, {"location", `{"lat": 28.24, "lng": 117.03}`}}
		e := drv.post("/api/v1/reports", reportForm(t, kindAt, jpegWithEXIF(t), gifPhoto.Bytes())).fails(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
		assert.Equal(t, "photo[1]", e.Field, "the photo at fault is named")
		drv.post("/api/v1/reports", reportForm(t, kindAt, []byte("not a picture at all"))).fails(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
		big := append(jpegWithEXIF(t), bytes.Repeat([]byte{0}, 200000)...)
		e = drv.post("/api/v1/reports", reportForm(t, kindAt, big)).fails(t, http.StatusRequestEntityTooLarge, "too_large")
		assert.Equal(t, "photo", e.Field)
		truncated := jpegWithEXIF(t)[:400]
		drv.post("/api/v1/reports", reportForm(t, kindAt, truncated)).fails(t, http.StatusUnprocessableEntity, "invalid")
		p := jpegWithEXIF(t)
		drv.post("/api/v1/reports", reportForm(t, kindAt, p, p, p, p)).fails(t, http.StatusUnprocessableEntity, "invalid")
		e = drv.post("/api/v1/reports", reportForm(t, [][2]string{{"location", "28.24,117.03"}}, p)).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "kind", e.Field)
		e = drv.post("/api/v1/reports", reportForm(t, [][2]string{{"kind", "hazard"}, {"location", "north of here"}})).fails(t, http.StatusBadRequest, "bad_request")
		assert.Equal(t, "location", e.Field)
		e = drv.post("/api/v1/reports", reportForm(t, append(kindAt, [2]string{"colour", "red"}))).fails(t, http.StatusBadRequest, "bad_request")
		assert.Equal(t, "colour", e.Field)
		e = drv.post("/api/v1/reports", map[string]any{"kind": "fire", "location": at}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "kind", e.Field)
		e = drv.post("/api/v1/reports", map[string]any{"kind": "help", "location": map[string]float64{"lat": 95, "lng": 0}}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "location.lat", e.Field)
		f.admin.post("/api/v1/reports", map[string]any{"kind": "help", "location": at}).fails(t, http.StatusForbidden, "forbidden")
		school.post("/api/v1/reports", map[string]any{"kind": "help", "location": at}).fails(t, http.StatusForbidden, "forbidden")
		assert.Equal(t, n, reportCount(t, f), "refusals store nothing")

		// Who sees what.
		var own, others struct{ Reports []reportShown }
		drv.get("/api/v1/reports").must(t, http.StatusOK, &own)
		require.Len(t, own.Reports, 2)
		assert.Equal(t, accident.ID, own.Reports[0].ID, "newest first")
		other.get("/api/v1/reports").must(t, http.StatusOK, &others)
		assert.Empty(t, others.Reports, "a driver sees their own reports only")
		other.get("/api/v1/reports/"+hazard.ID).fails(t, http.StatusForbidden, "forbidden")
		school.get("/api/v1/reports").fails(t, http.StatusForbidden, "forbidden")
		f.admin.get("/api/v1/reports?status=lost").fails(t, http.StatusUnprocessableEntity, "invalid")
		f.admin.get("/api/v1/reports/rep_nowhere").fails(t, http.StatusNotFound, "not_found")

		// Forwarded, then resolved: boards and the reporter see each.
		path := "/api/v1/reports/" + hazard.ID
		drv.patch(path, map[string]any{"status": "resolved"}).fails(t, http.StatusForbidden, "forbidden")
		e = f.admin.patch(path, map[string]any{"status": "forwarded"}).fails(t, http.StatusUnprocessableEntity, "invalid")
		assert.Equal(t, "forwarded_to", e.Field)
		f.admin.patch(path, map[string]any{"status": "open"}).fails(t, http.StatusUnprocessableEntity, "invalid")
		from, mineFrom := board.mark(), mine.mark()
		var fwd reportShown
		f.admin.patch(path, map[string]any{"status": "forwarded", "forwarded_to": "交警 traffic police", "note": "police are on their way"}).must(t, http.StatusOK, &fwd)
		assert.Equal(t, "forwarded", fwd.Status)
		for _, c := range []struct {
			conn *liveConn
			from int
		}{{board, from}, {mine, mineFrom}} {
			fr, _ := c.conn.waitFrom(c.from, frameWait, "the forwarded report", func(fr frame) bool {
				return fr.Type == "report" && fr.str("id") == hazard.ID && fr.str("status") == "forwarded"
			})
			fr.decode(t, &shown)
			assert.Equal(t, "交警 traffic police", shown.ForwardedTo)
		}

		// Coordinators racing to resolve it: one does, the rest are told.
		resolved, conflicts := racing(8, func() (*response, error) {
			return f.admin.send(http.MethodPatch, path, map[string]any{"status": "resolved", "note": "water pumped away"})
		})
		assert.Equal(t, int32(1), resolved, "resolved once")
		assert.Equal(t, int32(7), conflicts, "the others get conflict")
		var now reportShown
		drv.get(path).must(t, http.StatusOK, &now)
		assert.Equal(t, "resolved", now.Status)
		assert.Equal(t, "water pumped away", now.Outcome, "the reporter sees what became of it")
		assert.Equal(t, "交警 traffic police", now.ForwardedTo)

		var unresolved struct{ Reports []reportShown }
		f.admin.get("/api/v1/reports?status=unresolved").must(t, http.StatusOK, &unresolved)
		ids := map[string]bool{}
		for _, r := range unresolved.Reports {
			ids[r.ID] = true
		}
		assert.False(t, ids[hazard.ID], "resolved: off the unresolved list")
		assert.True(t, ids[accident.ID])

		// A board that connects now has the unresolved reports.
		var snap struct{ Reports []reportShown }
		f.board().frames()[0].decode(t, &snap)
		ids = map[string]bool{}
		for _, r := range snap.Reports {
			ids[r.ID] = true
		}
		assert.True(t, ids[accident.ID], "the snapshot lists the open report")
		assert.False(t, ids[hazard.ID], "and not the resolved one")
		raw, _ := json.Marshal(snap)
		assert.NotContains(t, string(raw), "camera-serial")
	})
}
