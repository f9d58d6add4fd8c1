package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/realtime"
)

// FuzzReadFrame sends any bytes as a client's websocket frame: reading it
// never panics, and a frame refused is answered by an error frame the
// client can read, with a 4xx code and a message, never an internal error.
func FuzzReadFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"accept","data":{"request_id":"r1","trip_id":"trp_a"}}`,
		`{"type":"decline","data":{"trip_id":"trp_a"}}`,
		`{"type":"location","data":{"lat":28.26,"lng":117.07}}`,
		`{"type":"presence","data":{"status":"online","location":{"lat":28.26,"lng":117.07}}}`,
		`{"type":"presence","data":{"status":"offline"}}`,
		`{"type":"accept","type":"decline"}`, `{"type":"accept","data":{"trip_id":1}}`,
		`{"type":"location","data":{"lat":1e999}}`, `{"type":""}`, `{"type":null}`, `[]`, `null`, `{`, ``,
		`{"type":"accept","id":5}`, `{"type":"accept","data":{"request_id":"` + string(make([]byte, 70)) + `"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		_, _, ferr := readFrame(frame)
		if ferr == nil {
			return
		}
		code := heartlink.ErrorCode(ferr.err)
		if st := StatusOf(code); st < 400 || st > 499 {
			t.Fatalf("frame %q: %v is a %d (%s); want a 4xx", frame, ferr.err, st, code)
		}
		out := errorFrame(ferr.requestID, ferr.err)
		m, err := realtime.Decode(out)
		if err != nil || m.Type != "error" {
			t.Fatalf("frame %q: the answer %q is no error frame: %v", frame, out, err)
		}
		var e struct{ Code, Message string }
		if err := json.Unmarshal(m.Data, &e); err != nil || e.Code != code || e.Message == "" {
			t.Fatalf("frame %q: the error frame %s lacks its code or message", frame, out)
		}
	})
}
