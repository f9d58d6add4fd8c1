package httpapi

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/heartlink/heartlink"
)

// FuzzReadReport sends any bytes as a multipart/form-data report, read as
// POST /reports reads it (parts, photos checked and cleaned): never a
// panic, and whatever is refused is refused as the client's fault.
func FuzzReadReport(f *testing.F) {
	const boundary = "heartlinkfuzzboundary"
	form := func(parts [][2]string, photos ...[]byte) []byte {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.SetBoundary(boundary)
		for _, p := range parts {
			w.WriteField(p[0], p[1])
		}
		for _, ph := range photos {
			fw, _ := w.CreateFormFile("photo", "p.png")
			fw.Write(ph)
		}
		w.Close()
		return b.Bytes()
	}
	var img bytes.Buffer
	pic := image.NewRGBA(image.Rect(0, 0, 4, 3))
	pic.Set(1, 1, color.RGBA{200, 10, 10, 255})
	png.Encode(&img, pic)
	f.Add(form([][2]string{{"kind", "hazard"}, {"location", "28.24,117.03"}, {"note", "积水"}}, img.Bytes()))
	f.Add(form([][2]string{{"report", `{"kind":"help","location":{"lat":28.2,"lng":117}}`}}))
	f.Add(form([][2]string{{"kind", "accident"}, {"location", `{"lat":28.2,"lng":117}`}}, img.Bytes()[:20]))
	f.Add(form([][2]string{{"kind", "x"}, {"kind", "y"}}))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nGIF89a\r\n--" + boundary + "--\r\n"))
	f.Add([]byte("not multipart at all"))
	s := NewServer(Config{MaxBody: 4096, MaxPhoto: 8192})
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/v1/reports", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		_, _, err := s.readReport(w, r)
		if err == nil {
			return
		}
		code := heartlink.ErrorCode(err)
		if st := StatusOf(code); st < 400 || st > 499 {
			t.Fatalf("body %q: %v is a %d (%s); want a 4xx", body, err, st, code)
		}
		if b := errorBody(err); b.Error.Code == "" || b.Error.Message == "" {
			t.Fatalf("body %q: error body %+v lacks a code or message", body, b)
		}
	})
}
