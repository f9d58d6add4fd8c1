package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/heartlink/heartlink"
)

func TestFirstName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Wang Wei", "Wang"},
		{"  Li  Ming ", "Li"},
		{"王伟", "王"},
		{"欧阳娜娜", "欧"},
		{"Volunteer", "Volunteer"},
		{"", ""},
	} {
		if got := FirstName(tc.name); got != tc.want {
			t.Errorf("FirstName(%q) = %q; want %q", tc.name, got, tc.want)
		}
	}
}

// A link lives at most MaxAge, never past its trip's day, and stops Grace
// after the trip ends.
func TestShareExpiry(t *testing.T) {
	now := time.Date(2027, 6, 7, 6, 0, 0, 0, time.UTC)
	s := Share{Grace: time.Hour, MaxAge: 72 * time.Hour}
	soon := &Trip{ArriveBy: now.Add(2 * time.Hour), Status: Assigned}
	later := &Trip{ArriveBy: now.Add(10 * 24 * time.Hour), Status: Queued}
	assert.Equal(t, soon.ArriveBy.Add(12*time.Hour), s.Expiry(soon, now), "a trip today: its day")
	assert.Equal(t, now.Add(72*time.Hour), s.Expiry(later, now), "a trip in ten days: MaxAge")

	l := ShareLink{ExpiresAt: s.Expiry(soon, now)}
	assert.Equal(t, l.ExpiresAt, s.Until(l, soon), "a trip under way: the link's own expiry")
	ended := *soon
	ended.Status, ended.EndedAt = Completed, now.Add(time.Hour)
	assert.Equal(t, now.Add(2*time.Hour), s.Until(l, &ended), "Grace after the end")
	assert.NoError(t, s.CanShare(&ended, now.Add(90*time.Minute)))
	assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(s.CanShare(&ended, now.Add(2*time.Hour))), "a trip over")
}

// The car shows only while the rider is aboard; the PIN only until the end;
// never the driver's full name or a rider.
func TestGuardianViewOf(t *testing.T) {
	seen := time.Date(2027, 6, 7, 6, 0, 0, 0, time.UTC)
	d := &Driving{Name: "Wang Wei", Plate: "赣L12345", Location: &heartlink.Point{Lat: 28.26, Lng: 117.07}, SeenAt: seen}
	for _, tc := range []struct {
		status           Status
		driver, pos, pin bool
	}{
		{Offered, false, false, true},
		{Assigned, true, false, true},
		{Arrived, true, false, true},
		{PickedUp, true, true, true},
		{Completed, true, false, false},
		{Cancelled, true, false, false},
	} {
		tr := &Trip{Status: tc.status, DriverID: "drv_a", PIN: "1234", Riders: []Rider{{Name: "Li Ming", Phone: "139"}},
			Pickup: Place{Address: "12 Shengli Rd"}, Dropoff: Place{Address: "No.1 Middle School"}}
		v := GuardianViewOf(tr, d, seen)
		assert.Equal(t, tc.driver, v.Driver != nil, "%s: driver", tc.status)
		assert.Equal(t, tc.pos, v.Position != nil, "%s: position", tc.status)
		assert.Equal(t, tc.pin, v.PIN != "", "%s: pin", tc.status)
		if v.Driver != nil {
			assert.Equal(t, GuardianCar{FirstName: "Wang", Plate: "赣L12345"}, *v.Driver)
		}
		assert.Equal(t, "No.1 Middle School", v.Dropoff.Name)
	}
}
