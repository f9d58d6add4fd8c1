package fleet

import (
	"testing"
	"time"

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
		{"online without a location", PresenceUpdate{Status: Online}, ""},
		{"online off the globe", PresenceUpdate{Status: Online, Location: &heartlink.Point{Lat: 91, Lng: 117}}, "location.lat"},
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

func TestPresenceUpdateLocate(t *testing.T) {
	now := time.Date(2027, 6, 7, 6, 0, 0, 0, time.UTC)
	home := heartlink.Point{Lat: 28.26, Lng: 117.07}
	live := heartlink.Point{Lat: 28.30, Lng: 117.10}
	given := heartlink.Point{Lat: 28.20, Lng: 117.00}
	tests := []struct {
		name   string
		u      PresenceUpdate
		d      Driver
		want   LocationSource
		wantAt *heartlink.Point
	}{
		{"given", PresenceUpdate{Status: Online, Location: &given},
			Driver{Home: home, Status: Online, Location: &live, SeenAt: now}, LocationGiven, &given},
		{"online and heard from", PresenceUpdate{Status: Online},
			Driver{Home: home, Status: Online, Location: &live, SeenAt: now.Add(-time.Minute)}, LocationLive, &live},
		{"online but silent too long", PresenceUpdate{Status: Online},
			Driver{Home: home, Status: Online, Location: &live, SeenAt: now.Add(-11 * time.Minute)}, LocationHome, &home},
		{"offline", PresenceUpdate{Status: Online},
			Driver{Home: home, Status: Offline, SeenAt: now}, LocationHome, &home},
		{"never online", PresenceUpdate{Status: Online}, Driver{Home: home, Status: Offline}, LocationHome, &home},
		{"going offline", PresenceUpdate{Status: Offline}, Driver{Home: home, Status: Online, Location: &live}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.u
			got := u.Locate(&tt.d, now, 10*time.Minute)
			if got != tt.want {
				t.Errorf("Locate() = %q; want %q", got, tt.want)
			}
			assert.Equal(t, tt.wantAt, u.Location, "the update's location")
		})
	}
}

func TestRequesterRegistrationValidate(t *testing.T) {
	r := RequesterRegistration{Name: "Yuehu Community", Kind: Community, Phone: "0701-6221234"}
	assert.NoError(t, r.Validate())
	r.Kind = "hospital"
	assert.Equal(t, "kind", heartlink.ErrorField(r.Validate()))
}
