package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
)

var now = time.Date(2027, 6, 7, 6, 0, 0, 0, time.UTC)

func ts(t time.Time) *heartlink.Timestamp { return &heartlink.Timestamp{Time: t} }

func validRequest() Request {
	return Request{
		Kind:     ExamEscort,
		Pickup:   &Place{Lat: 28.27, Lng: 117.06, Address: "12 Shengli Rd"},
		Dropoff:  &Place{Lat: 28.2602, Lng: 117.0693, Address: "No.1 Middle School"},
		Riders:   []Rider{{Name: "Li Ming", Phone: "13900000002"}},
		ArriveBy: ts(now.Add(2 * time.Hour)),
	}
}

func TestRequestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *Request)
		field string // "" means valid
	}{
		{"valid", func(r *Request) {}, ""},
		{"unknown kind", func(r *Request) { r.Kind = "taxi" }, "kind"},
		{"no pickup", func(r *Request) { r.Pickup = nil }, "pickup"},
		{"pickup lat out of range", func(r *Request) { r.Pickup.Lat = 91 }, "pickup.lat"},
		{"dropoff lng out of range", func(r *Request) { r.Dropoff.Lng = -181 }, "dropoff.lng"},
		{"pickup without address", func(r *Request) { r.Pickup.Address = "  " }, "pickup.address"},
		{"dropoff too far", func(r *Request) { r.Dropoff.Lat = 31.23; r.Dropoff.Lng = 121.47 }, "dropoff"},
		{"no riders", func(r *Request) { r.Riders = nil }, "riders"},
		{"nine riders", func(r *Request) { r.Riders = make([]Rider, 9) }, "riders"},
		{"rider without name", func(r *Request) { r.Riders[0].Name = "" }, "riders[0].name"},
		{"rider with bad phone", func(r *Request) { r.Riders[0].Phone = "call me" }, "riders[0].phone"},
		{"no arrive_by", func(r *Request) { r.ArriveBy = nil }, "arrive_by"},
		{"arrive_by in the past", func(r *Request) { r.ArriveBy = ts(now.Add(-time.Minute)) }, "arrive_by"},
		{"arrive_by in two years", func(r *Request) { r.ArriveBy = ts(now.AddDate(2, 0, 0)) }, "arrive_by"},
		{"pickup_after after arrive_by", func(r *Request) { r.PickupAfter = ts(now.Add(3 * time.Hour)) }, "pickup_after"},
		{"pickup_after before arrive_by", func(r *Request) { r.PickupAfter = ts(now.Add(time.Hour)) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.edit(&r)
			err := r.Validate(now)
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, heartlink.EInvalid, heartlink.ErrorCode(err))
			assert.Equal(t, tt.field, heartlink.ErrorField(err), "field named by %v", err)
		})
	}
}

func TestPlanTimes(t *testing.T) {
	p := DefaultPolicy()
	r := validRequest()
	trip := r.Trip(p, "trp_1", heartlink.Principal{Role: heartlink.RoleRequester, ID: "req_1"}, "req_1", now)
	ride := p.Travel.Duration(r.Pickup.Point(), r.Dropoff.Point())
	require.Greater(t, ride, time.Duration(0))
	assert.Equal(t, Queued, trip.Status)
	assert.Equal(t, "Li Ming", trip.Riders[0].Name)
	// Due the margin before arrive_by; collected no earlier than the ride
	// rule allows before that.
	assert.Equal(t, r.ArriveBy.Add(-p.Margin), trip.DropBy)
	assert.Equal(t, trip.DropBy.Add(-p.RideLimit(ride)-p.Board).Truncate(time.Second), trip.Earliest)
	// Planned alone, it arrives with the reserve to spare, not hours early.
	assert.Equal(t, trip.DropBy.Add(-p.Reserve), trip.DropoffAt, "dropped off the reserve before the margin")
	assert.Equal(t, trip.DropoffAt.Add(-ride-p.Board), trip.PickupAt)

	// An as-soon-as-possible trip is never planned in the past, and keeps
	// the margin when it can.
	r.ArriveBy = ts(now.Add(30 * time.Minute))
	trip = r.Trip(p, "trp_2", heartlink.Principal{}, "", now)
	assert.Equal(t, now, trip.Earliest)
	assert.False(t, trip.PickupAt.Before(now))
	assert.Equal(t, r.ArriveBy.Add(-p.Margin), trip.DropBy)

	// Booked too late for the margin: due by arrive_by itself.
	r.ArriveBy = ts(now.Add(ride + 2*time.Minute))
	trip = r.Trip(p, "trp_4", heartlink.Principal{}, "", now)
	assert.Equal(t, r.ArriveBy.Time, trip.DropBy)

	// A given pickup_after is the earliest pick-up.
	r.ArriveBy, r.PickupAfter = ts(now.Add(3*time.Hour)), ts(now.Add(time.Hour))
	trip = r.Trip(p, "trp_3", heartlink.Principal{}, "", now)
	assert.Equal(t, now.Add(time.Hour), trip.Earliest)
	assert.False(t, trip.PickupAt.Before(trip.Earliest))
}

func TestTravelDuration(t *testing.T) {
	m := Travel{Detour: 1.3, SpeedKmh: 25}
	a := heartlink.Point{Lat: 28.2602, Lng: 117.0693}
	b := heartlink.Point{Lat: 28.2602 + 0.09, Lng: 117.0693} // about 10 km north
	km := heartlink.DistanceKm(a, b)
	assert.InDelta(t, 10.0, km, 0.05)
	want := time.Duration(km*1.3/25*3600) * time.Second
	assert.InDelta(t, want.Seconds(), m.Duration(a, b).Seconds(), 1)
	assert.Zero(t, m.Duration(a, a))
}

// A request with several mistakes is refused with each of them, in the
// order of the form, and without checks that follow from a value already
// found wrong.
func TestRequestValidateEveryProblem(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(r *Request)
		fields []string
	}{
		{"one of each", func(r *Request) {
			r.Kind = "taxi"
			r.Pickup.Lat, r.Pickup.Address = 91, ""
			r.Riders = []Rider{{Name: "Li Ming"}, {Name: " ", Phone: "call me"}}
			r.ArriveBy = ts(now.Add(-time.Minute))
		}, []string{"kind", "pickup.lat", "pickup.address", "riders[1].name", "riders[1].phone", "arrive_by"}},
		{"places too far apart and times backwards", func(r *Request) {
			r.Dropoff.Lat, r.Dropoff.Lng = 31.23, 121.47
			r.PickupAfter = ts(now.Add(3 * time.Hour))
		}, []string{"dropoff", "pickup_after"}},
		{"no places, no time", func(r *Request) {
			r.Pickup, r.Dropoff, r.ArriveBy = nil, nil, nil
			r.PickupAfter = ts(now.Add(time.Hour))
			r.Return = &ReturnLeg{}
		}, []string{"pickup", "dropoff", "arrive_by"}},
		{"a return leg backwards", func(r *Request) {
			r.Riders = nil
			r.Return = &ReturnLeg{PickupAfter: ts(now.Add(time.Hour))}
		}, []string{"riders", "return.pickup_after"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.edit(&r)
			err := r.Validate(now)
			var fields []string
			for _, p := range heartlink.Problems(err) {
				assert.Equal(t, heartlink.EInvalid, p.Code, "%v", p)
				fields = append(fields, p.Field)
			}
			assert.Equal(t, tt.fields, fields, "Validate() = %v", err)
			assert.Equal(t, tt.fields[0], heartlink.ErrorField(err), "the first problem leads")
		})
	}
}
