package campaign

import (
	"testing"
	"time"

	"github.com/heartlink/heartlink"
)

func TestShiftUpdateApply(t *testing.T) {
	loc, _ := time.LoadLocation(DefaultTimeZone)
	now := time.Date(2027, 5, 21, 2, 0, 0, 0, time.UTC)
	sh := Shift{ID: "shf_a", Date: "2027-06-07", Start: "06:30", End: "09:00",
		Area: Area{Lat: 28.26, Lng: 117.07, RadiusKm: 5}, CarsNeeded: 10, Version: 3,
		PlaceID: "plc_1", PlaceName: "Yingtan No.1"}
	places := map[string]string{"plc_1": "Yingtan No.1", "plc_2": "Yingtan No.2"}
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	tests := []struct {
		name   string
		u      ShiftUpdate
		fields []string // every problem, in order; nil: applies
		code   string   // the code of a refusal that names no field
		check  func(Shift) bool
	}{
		{name: "fewer cars", u: ShiftUpdate{CarsNeeded: num(4)},
			check: func(s Shift) bool { return s.CarsNeeded == 4 && s.Version == 4 && s.PlaceName == "Yingtan No.1" }},
		{name: "another exam site", u: ShiftUpdate{PlaceID: str("plc_2")},
			check: func(s Shift) bool { return s.PlaceID == "plc_2" && s.PlaceName == "Yingtan No.2" }},
		{name: "no exam site", u: ShiftUpdate{PlaceID: str("")},
			check: func(s Shift) bool { return s.PlaceID == "" && s.PlaceName == "" }},
		{name: "named", u: ShiftUpdate{Name: str(" Chinese paper ")},
			check: func(s Shift) bool { return s.Name == "Chinese paper" }},
		{name: "at the version read", u: ShiftUpdate{CarsNeeded: num(4), Version: num(3)},
			check: func(s Shift) bool { return s.Version == 4 }},
		{name: "stale version", u: ShiftUpdate{CarsNeeded: num(4), Version: num(2)}, code: heartlink.EConflict},
		{name: "every problem at once",
			u:      ShiftUpdate{CarsNeeded: num(0), End: str("06:00"), PlaceID: str("plc_9"), Area: &Area{Lat: 91, Lng: 117, RadiusKm: 0}},
			fields: []string{"end", "area.lat", "area.radius_km", "cars_needed", "place_id"}},
		{name: "into the past", u: ShiftUpdate{Date: str("2027-05-01")}, fields: []string{"date"}},
		{name: "a name that shows nothing", u: ShiftUpdate{Name: str("\u200b")}, fields: []string{"name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.u.Apply(sh, loc, now, places)
			if tt.fields == nil && tt.code == "" {
				if err != nil || !tt.check(got) {
					t.Fatalf("Apply(%+v) = %+v, %v", tt.u, got, err)
				}
				return
			}
			if tt.code != "" {
				if heartlink.ErrorCode(err) != tt.code {
					t.Fatalf("Apply(%+v) error %v; want code %s", tt.u, err, tt.code)
				}
				return
			}
			var fields []string
			for _, e := range heartlink.Problems(err) {
				fields = append(fields, e.Field)
			}
			if len(fields) != len(tt.fields) {
				t.Fatalf("Apply(%+v) problems %q; want %q", tt.u, fields, tt.fields)
			}
			for i := range fields {
				if fields[i] != tt.fields[i] {
					t.Fatalf("Apply(%+v) problems %q; want %q", tt.u, fields, tt.fields)
				}
			}
		})
	}
}

func TestShiftsOfACampaign(t *testing.T) {
	now := time.Date(2027, 5, 21, 2, 0, 0, 0, time.UTC)
	c := &Campaign{ID: "cmp_a", Shifts: []Shift{{ID: "shf_a"}}}
	if _, err := c.WithoutShift("shf_a", now); heartlink.ErrorCode(err) != heartlink.EConflict {
		t.Errorf("WithoutShift(the only shift) = %v; want a conflict", err)
	}
	if _, err := c.WithoutShift("shf_x", now); heartlink.ErrorCode(err) != heartlink.ENotFound {
		t.Errorf("WithoutShift(unknown) = %v; want not found", err)
	}
	two, err := c.WithShift(Shift{ID: "shf_b"}, now)
	if err != nil || len(two.Shifts) != 2 || len(c.Shifts) != 1 {
		t.Fatalf("WithShift(new) = %+v, %v; want two shifts, the original untouched", two, err)
	}
	one, err := two.WithoutShift("shf_a", now)
	if err != nil || len(one.Shifts) != 1 || one.Shifts[0].ID != "shf_b" {
		t.Errorf("WithoutShift(shf_a) = %+v, %v", one, err)
	}
	full := &Campaign{ID: "cmp_f"}
	for range MaxShifts {
		full.Shifts = append(full.Shifts, Shift{})
	}
	if _, err := full.WithShift(Shift{ID: "shf_z"}, now); heartlink.ErrorCode(err) != heartlink.EConflict {
		t.Errorf("WithShift(one too many) = %v; want a conflict", err)
	}
}
