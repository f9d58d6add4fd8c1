package fleet

import (
	"slices"
	"testing"

	"github.com/heartlink/heartlink"
)

func ptr[T any](v T) *T { return &v }

func TestDriverUpdateValidate(t *testing.T) {
	tests := []struct {
		name   string
		u      DriverUpdate
		fields []string // of the problems, in order; nil: valid
	}{
		{"verification", DriverUpdate{VerifiedMinors: ptr(true)}, nil},
		{"deactivation", DriverUpdate{Active: ptr(false)}, nil},
		{"seats only", DriverUpdate{Vehicle: &VehicleUpdate{Seats: ptr(6)}}, nil},
		{"nothing", DriverUpdate{}, []string{""}},
		{"empty vehicle", DriverUpdate{Vehicle: &VehicleUpdate{}}, []string{"vehicle"}},
		{"every problem", DriverUpdate{Name: ptr(" "), Phone: ptr("x"), Vehicle: &VehicleUpdate{Plate: ptr(""), Seats: ptr(9)}},
			[]string{"name", "phone", "vehicle.plate", "vehicle.seats"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range heartlink.Problems(tt.u.Validate()) {
			got = append(got, p.Field)
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%s: Validate() fields = %q; want %q", tt.name, got, tt.fields)
		}
	}
}

func TestDriverUpdateApplyNamesWhatChanged(t *testing.T) {
	d := &Driver{Name: "Wang Wei", Phone: "13800000001", Vehicle: Vehicle{Plate: "赣L1", Seats: 4}, Active: true}
	u := DriverUpdate{Name: ptr(" Wang Wei "), Vehicle: &VehicleUpdate{Seats: ptr(6)}, VerifiedMinors: ptr(true), Active: ptr(true)}
	got := u.Apply(d)
	if want := []string{"vehicle.seats", "verified_minors"}; !slices.Equal(got, want) {
		t.Errorf("Apply() = %q; want %q (a value sent unchanged is no change)", got, want)
	}
	if d.Vehicle.Seats != 6 || !d.VerifiedMinors || d.Vehicle.Plate != "赣L1" {
		t.Errorf("Apply() left %+v", d)
	}
}
