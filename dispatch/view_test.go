package dispatch

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

func TestAccessFor(t *testing.T) {
	p := DefaultPolicy()
	coord := heartlink.Principal{Role: heartlink.RoleCoordinator, ID: "crd_1"}
	owner := heartlink.Principal{Role: heartlink.RoleRequester, ID: "req_1"}
	other := heartlink.Principal{Role: heartlink.RoleRequester, ID: "req_2"}
	driver := heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_1"}
	stranger := heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_2"}

	tests := []struct {
		name    string
		by      heartlink.Principal
		status  Status
		driver  string
		offered bool
		ended   time.Duration // how long ago the trip ended
		want    Access
	}{
		{"coordinator", coord, Assigned, "drv_1", false, 0, Owner},
		{"its requester", owner, Queued, "", false, 0, Owner},
		{"another requester", other, Queued, "", false, 0, NoAccess},
		{"assigned driver", driver, Assigned, "drv_1", false, 0, Full},
		{"driver shortly after", driver, Completed, "drv_1", false, time.Hour, Full},
		{"driver long after", driver, Completed, "drv_1", false, 3 * time.Hour, Redacted},
		{"driver with an offer", stranger, Offered, "", true, 0, Redacted},
		{"driver eligible for an open trip", stranger, Queued, "", true, 0, Redacted},
		{"driver not offered nor eligible", stranger, Queued, "", false, 0, NoAccess},
		{"driver of someone else's trip", stranger, Assigned, "drv_1", false, 0, NoAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trip := examTrip(p)
			trip.Status, trip.DriverID = tt.status, tt.driver
			if tt.status.Ended() {
				trip.EndedAt = now.Add(-tt.ended)
			}
			if got := p.AccessFor(trip, tt.by, tt.offered, now); got != tt.want {
				t.Errorf("AccessFor(%s) = %v; want %v", tt.by, got, tt.want)
			}
		})
	}
}

func TestRedactedViewHoldsNoPersonalData(t *testing.T) {
	trip := examTrip(DefaultPolicy())
	trip.Pickup.Lat, trip.Pickup.Lng = 28.27345, 117.06123
	for name, v := range map[string]any{
		"view":  ViewOf(trip, Redacted),
		"offer": DefaultPolicy().OfferOf(trip, now.Add(30*time.Second), nil),
	} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		for _, secret := range []string{"Li Ming", "13900000002", "12 Shengli Rd", "No.1 Middle School", "req_1", "28.27345", "117.06123", "117.0693"} {
			assert.NotContains(t, string(b), secret, "%s leaks %q: %s", name, secret, b)
		}
	}
	full, _ := json.Marshal(ViewOf(trip, Full))
	assert.Contains(t, string(full), "13900000002")
	assert.Contains(t, string(full), "12 Shengli Rd")
}

// The PIN proves the driver met the rider: the driver must never see it.
func TestOnlyOwnersSeeThePIN(t *testing.T) {
	trip := examTrip(DefaultPolicy())
	trip.PIN = "4821"
	for a, want := range map[Access]string{Redacted: "", Full: "", Owner: "4821"} {
		if got := ViewOf(trip, a).PIN; got != want {
			t.Errorf("ViewOf(trip, %d).PIN = %q; want %q", a, got, want)
		}
	}
	b, _ := json.Marshal(DefaultPolicy().OfferOf(trip, now.Add(30*time.Second), nil))
	assert.NotContains(t, string(b), "4821", "an offer holds no PIN")
}

func TestTally(t *testing.T) {
	p := DefaultPolicy()
	done := examTrip(p)
	done.Status, done.DriverID, done.EndedAt = Completed, "drv_1", done.PickupAt.Add(30*time.Minute)
	other := examTrip(p)
	other.Status, other.DriverID = Completed, "drv_2"
	now := examTrip(p)
	now.Status, now.DriverID = Assigned, "drv_1"
	v := Tally([]*Trip{done, other, now}, "drv_1")
	assert.Equal(t, Volunteering{TripsCompleted: 1, Hours: 0.5, Upcoming: 1}, v)
}

func TestRedactedTimesDoNotGiveTheRideAway(t *testing.T) {
	p := DefaultPolicy()
	trip := examTrip(p)
	trip.PickupAt = trip.ArriveBy.Add(-23*time.Minute - 17*time.Second)
	v := ViewOf(trip, Redacted)
	assert.Zero(t, v.PickupAt.Sub(v.PickupAt.Truncate(5*time.Minute)), "a redacted pick-up time is to five minutes: %v", v.PickupAt)
	assert.Equal(t, trip.PickupAt, ViewOf(trip, Full).PickupAt, "those who see the trip whole see the time exactly")
	o := p.OfferOf(trip, now.Add(30*time.Second), nil)
	assert.Zero(t, o.PickupAt.Sub(o.PickupAt.Truncate(5*time.Minute)), "nor does an offer")
}
