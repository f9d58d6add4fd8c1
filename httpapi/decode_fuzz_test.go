package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/lost"
	"github.com/heartlink/heartlink/report"
)

// bodyTypes are the JSON bodies the API accepts, each as its handler
// decodes and checks it before anything is stored: decoded strictly, then
// validated the way the handler or the store does before its first write.
var bodyTypes = []struct {
	name  string
	check func(w http.ResponseWriter, r *http.Request, s *Server, now time.Time) error
}{
	{"coordinator", valid(func() validator { return &coordinatorRequest{} })},
	{"driver", valid(func() validator { return &fleet.DriverRegistration{} })},
	{"requester", valid(func() validator { return &fleet.RequesterRegistration{} })},
	{"presence", valid(func() validator { return &fleet.PresenceUpdate{} })},
	{"place", valid(func() validator { return &fleet.PlaceDraft{} })},
	{"progress", valid(func() validator { return &progressRequest{} })},
	{"assign", valid(func() validator { return &assignRequest{} })},
	{"availability", valid(func() validator { return &fleet.Availability{} })},
	{"report", valid(func() validator { return &report.Draft{} })},
	{"report update", valid(func() validator { return &report.Update{} })},
	{"lost item", valid(func() validator { return &lost.Draft{} })},
	{"hand-back", valid(func() validator { return &lost.Handback{} })},
	{"check-in", valid(func() validator { return &checkInRequest{} })},
	{"trip", func(w http.ResponseWriter, r *http.Request, s *Server, now time.Time) error {
		var v dispatch.Request
		if err := s.decode(w, r, &v); err != nil {
			return err
		}
		return v.Validate(now)
	}},
	{"recurring", func(w http.ResponseWriter, r *http.Request, s *Server, now time.Time) error {
		var v dispatch.RecurrenceDraft
		if err := s.decode(w, r, &v); err != nil {
			return err
		}
		return v.Validate(now)
	}},
	{"campaign", func(w http.ResponseWriter, r *http.Request, s *Server, now time.Time) error {
		var v campaign.Draft
		if err := s.decode(w, r, &v); err != nil {
			return err
		}
		return v.Validate(now)
	}},
	{"campaign update", func(w http.ResponseWriter, r *http.Request, s *Server, now time.Time) error {
		var v campaign.Update
		if err := s.decode(w, r, &v); err != nil {
			return err
		}
		d := campaign.Draft{Name: "Gaokao Escort", SignupOpens: "0 8 * * *", SignupCloses: "0 20 * * *",
			Shifts: []campaign.ShiftDraft{{Date: "2027-06-07", Start: "07:00", End: "11:00", CarsNeeded: 3,
				Area: &campaign.Area{Lat: 28.26, Lng: 117.07, RadiusKm: 5}}}}
		c := d.Campaign("cmp_a", func(p string) string { return p + "_a" }, now, nil)
		return v.Apply(c, now)
	}},
}

func valid(newV func() validator) func(w http.ResponseWriter, r *http.Request, s *Server, now time.Time) error {
	return func(w http.ResponseWriter, r *http.Request, s *Server, _ time.Time) error {
		return s.decodeValid(w, r, newV())
	}
}

// FuzzDecodeBodies sends any bytes as each body type: decoding and
// checking never panic, and whatever is refused is refused as the client's
// fault (a 4xx with a code and a message), never as a 5xx.
func FuzzDecodeBodies(f *testing.F) {
	seeds := []string{
		`{"name":"Fleet office"}`,
		`{"name":"Wang Wei","phone":"13800000001","vehicle":{"plate":"赣L12345","seats":4,"wheelchair":false},"verified_minors":true,"home":{"lat":28.262,"lng":117.071}}`,
		`{"name":"Yingtan No.1 Middle School","kind":"school","phone":"0701-6221234"}`,
		`{"status":"online","location":{"lat":28.262,"lng":117.071}}`,
		`{"name":"Exam site","kind":"exam_site","lat":28.26,"lng":117.07,"address":"Gate 2"}`,
		`{"step":"arrived"}`, `{"driver_id":"drv_a"}`,
		`{"weekly":[{"days":["mon","wed"],"from":"06:00","to":"12:00"}],"dates":[{"date":"2027-06-07","from":"06:00","to":"12:00"}]}`,
		`{"kind":"exam_escort","pickup":{"lat":28.27,"lng":117.06,"address":"12 Shengli Rd"},"dropoff":{"lat":28.26,"lng":117.07,"address":"School"},"riders":[{"name":"Li Ming","phone":"13900000002"}],"arrive_by":"2027-06-07T00:15:00Z","return":{"pickup_after":"2027-06-07T04:00:00Z"}}`,
		`{"trip":{"kind":"hospital","pickup":{"lat":28.27,"lng":117.06},"dropoff":{"lat":28.24,"lng":117.03},"riders":[{"name":"Li"}]},"weekdays":[1,3,5],"arrive_at":"08:30","until":"2027-07-01"}`,
		`{"name":"Gaokao","signup_opens":"0 8 * * *","signup_closes":"0 20 * * *","shifts":[{"date":"2027-06-07","start":"07:00","end":"11:00","cars_needed":3}]}`,
		`{"kind":"hazard","location":{"lat":28.24,"lng":117.03},"note":"积水"}`,
		`{"status":"forwarded","forwarded_to":"交警","note":"on their way"}`,
		`{"trip_id":"trp_a","description":"蓝色雨伞","kept_at":"服务中心"}`, `{"to":"Li Ming","where":"gate","phone":"+86 139 0000 0002"}`,
		`{"name":"x","name":"y"}`, `{"a":1}`, `[]`, `null`, `"x"`, `{"lat":1e999}`, `{} {}`, ``, `{"riders":[{"name":"\u202e"}]}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	s := NewServer(Config{MaxBody: 4096})
	now := time.Date(2027, 6, 1, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		bt := bodyTypes[int(kind)%len(bodyTypes)]
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		err := bt.check(w, r, s, now)
		if err == nil {
			return
		}
		code := heartlink.ErrorCode(err)
		if st := StatusOf(code); st < 400 || st > 499 {
			t.Fatalf("%s body %q: %v is a %d (%s); want a 4xx", bt.name, body, err, st, code)
		}
		b := errorBody(err)
		if b.Error.Code == "" || b.Error.Message == "" {
			t.Fatalf("%s body %q: error body %+v lacks a code or message", bt.name, body, b)
		}
		if _, err := json.Marshal(b); err != nil {
			t.Fatalf("%s body %q: error body does not encode: %v", bt.name, body, err)
		}
	})
}
