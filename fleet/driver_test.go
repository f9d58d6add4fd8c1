package fleet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

func validDriver() DriverRegistration {
	return DriverRegistration{
		Name: "Wang Wei", Phone: "+86 138-0000-0001",
		Vehicle: &Vehicle{Plate: "赣L12345", Seats: 4}, Home: &heartlink.Point{Lat: 28.26, Lng: 117.07},
	}
}

func TestDriverRegistrationValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *DriverRegistration)
		field string
	}{
		{"valid", func(*DriverRegistration) {}, ""},
		{"no name", func(r *DriverRegistration) { r.Name = " " }, "name"},
		{"phone with letters", func(r *DriverRegistration) { r.Phone = "138abc" }, "phone"},
		{"phone too short", func(r *DriverRegistration) { r.Phone = "123" }, "phone"},
		{"no vehicle", func(r *DriverRegistration) { r.Vehicle = nil }, "vehicle"},
		{"no plate", func(r *DriverRegistration) { r.Vehicle.Plate = "" }, "vehicle.plate"},
		{"16-character Chinese plate", func(r *DriverRegistration) { r.Vehicle.Plate = "赣赣赣赣赣赣赣赣赣赣赣赣赣赣赣赣" }, ""},
		{"17-character plate", func(r *DriverRegistration) { r.Vehicle.Plate = "ABCDEFGHIJKLMNOPQ" }, "vehicle.plate"},
		{"no seats", func(r *DriverRegistration) { r.Vehicle.Seats = 0 }, "vehicle.seats"},
		{"nine seats", func(r *DriverRegistration) { r.Vehicle.Seats = 9 }, "vehicle.seats"},
		{"eight seats", func(r *DriverRegistration) { r.Vehicle.Seats = 8 }, ""},
		{"no home", func(r *DriverRegistration) { r.Home = nil }, "home"},
		{"home off the globe", func(r *DriverRegistration) { r.Home.Lat = -91 }, "home.lat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validDriver()
			tt.edit(&r)
			err := r.Validate()
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, heartlink.EInvalid, heartlink.ErrorCode(err))
			assert.Equal(t, tt.field, heartlink.ErrorField(err))
		})
	}
}

func TestPresenceUpdateValidate(t *testing.T) {
	here := &heartlink.Point{Lat: 28.26, Lng: 117.07}
	tests := []struct {
		name  string
		u     PresenceUpdate
		field string
	}{
		{"online here", PresenceUpdate{Status: Online, Location: here}, ""},
		{"online nowhere", PresenceUpdate{Status: Online}, "location"},
		{"offline", PresenceUpdate{Status: Offline}, ""},
		{"away", PresenceUpdate{Status: "away", Location: here}, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.u.Validate()
			assert.Equal(t, tt.field, heartlink.ErrorField(err), "Validate() = %v", err)
		})
	}
}

func TestRequesterRegistrationValidate(t *testing.T) {
	r := RequesterRegistration{Name: "Yuehu Community", Kind: Community, Phone: "0701-6221234"}
	assert.NoError(t, r.Validate())
	r.Kind = "hospital"
	assert.Equal(t, "kind", heartlink.ErrorField(r.Validate()))
}
