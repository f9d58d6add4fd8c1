package safety

import (
	"strings"
	"testing"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

func TestRaiseValidate(t *testing.T) {
	here := &heartlink.Point{Lat: 28.26, Lng: 117.07}
	for _, tc := range []struct {
		name  string
		r     Raise
		field string
	}{
		{"a position", Raise{Location: here}, ""},
		{"and a trip", Raise{Location: here, TripID: "trp_x"}, ""},
		{"no position", Raise{TripID: "trp_x"}, "location"},
		{"off the map", Raise{Location: &heartlink.Point{Lat: 90, Lng: 0}}, "location.lat"},
		{"a trip id too long", Raise{Location: here, TripID: strings.Repeat("x", 65)}, "trip_id"},
	} {
		err := tc.r.Validate()
		if got := heartlink.ErrorField(err); got != tc.field || (tc.field == "") != (err == nil) {
			t.Errorf("%s: Validate() = %v (field %q); want field %q", tc.name, err, got, tc.field)
		}
	}
}

// Only the driver holding a trip names it in an SOS.
func TestMayRaiseOn(t *testing.T) {
	p := dispatch.DefaultPolicy()
	now := time.Date(2027, 6, 7, 6, 0, 0, 0, time.UTC)
	tr := &dispatch.Trip{ID: "trp_x", Status: dispatch.PickedUp, DriverID: "drv_a"}
	for _, tc := range []struct {
		by   heartlink.Principal
		want string
	}{
		{heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_a"}, ""},
		{heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_b"}, heartlink.EForbidden},
	} {
		if got := heartlink.ErrorCode(MayRaiseOn(p, tr, tc.by, now)); got != tc.want {
			t.Errorf("MayRaiseOn(%s) = %q; want %q", tc.by, got, tc.want)
		}
	}
}

// The board's alarm carries whom to call.
func TestAlarmOf(t *testing.T) {
	d := &fleet.Driver{ID: "drv_a", Name: "Wang Wei", Phone: "13800000001", Vehicle: fleet.Vehicle{Plate: "赣L12345"}}
	tr := &dispatch.Trip{ID: "trp_x", Riders: []dispatch.Rider{{Name: "Li Ming", Phone: "13900000002"}}}
	q := &fleet.Requester{ID: "req_a", Name: "No.1 Middle School", Phone: "0701-6221234"}
	a := AlarmOf(SOS{ID: "sos_x"}, d, tr, q)
	if a.Driver.Phone != d.Phone || a.Driver.Plate != "赣L12345" || a.Trip.ID != "trp_x" || a.Riders[0].Phone != "13900000002" || a.Requester.Phone != q.Phone {
		t.Errorf("AlarmOf = %+v; want the driver, trip, riders and requester to call", a)
	}
	if b := AlarmOf(SOS{ID: "sos_y"}, d, nil, nil); b.Trip != nil || b.Riders != nil || b.Requester != nil {
		t.Errorf("AlarmOf without a trip = %+v; want no trip, riders or requester", b)
	}
}
