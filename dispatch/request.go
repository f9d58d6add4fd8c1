package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

// Request is what a requester or coordinator supplies to book a trip.
type Request struct {
	Kind        Kind                 `json:"kind"`
	Pickup      *Place               `json:"pickup"`
	Dropoff     *Place               `json:"dropoff"`
	Riders      []Rider              `json:"riders"`
	PickupAfter *heartlink.Timestamp `json:"pickup_after"`
	ArriveBy    *heartlink.Timestamp `json:"arrive_by"`
	Wheelchair  bool                 `json:"wheelchair"`
	// RequesterID books the trip on behalf of a requester; coordinators only.
	RequesterID string `json:"requester_id"`
	// CampaignID ties the trip to a campaign: during one of its shifts, in
	// the shift's area, the shift's confirmed drivers are offered it first.
	CampaignID string `json:"campaign_id"`
	// Return books the way back too: from the drop-off to the pick-up, once
	// the paper or the appointment is over. Optional.
	Return *ReturnLeg `json:"return"`
}

// ReturnLeg is when the way back may begin and must be done by.
type ReturnLeg struct {
	PickupAfter *heartlink.Timestamp `json:"pickup_after"`
	// ArriveBy defaults to two hours after PickupAfter.
	ArriveBy *heartlink.Timestamp `json:"arrive_by"`
}

// ReturnWithin is how long a return leg has by default.
const ReturnWithin = 2 * time.Hour

// ReturnRequest is the request of r's way back: the same riders from its
// drop-off to its pick-up, with the return leg's times.
func (r *Request) ReturnRequest() Request {
	back := *r
	back.Pickup, back.Dropoff = r.Dropoff, r.Pickup
	back.PickupAfter = r.Return.PickupAfter
	back.ArriveBy = r.Return.ArriveBy
	if back.ArriveBy == nil {
		back.ArriveBy = &heartlink.Timestamp{Time: r.Return.PickupAfter.Add(ReturnWithin)}
	}
	back.Return = nil
	return back
}

// MaxRiders is the most riders one trip may carry: the largest car.
const MaxRiders = fleet.MaxSeats

// MaxTripKm bounds the straight-line length of a trip: this is a city
// fleet.
const MaxTripKm = 200

// MaxAhead is how far ahead a trip may be booked.
const MaxAhead = 366 * 24 * time.Hour

// Validate reports every problem with r at time now, each naming its
// field, in the order of the form. A check that needs a value found wrong
// (the distance between two bad places, the way back from a missing
// arrive_by) is left out rather than reported twice.
func (r *Request) Validate(now time.Time) error {
	var errs []error
	problem := func(field, format string, args ...any) {
		errs = append(errs, heartlink.FieldError(heartlink.EInvalid, field, format, args...))
	}
	switch r.Kind {
	case ExamEscort, Hospital:
	default:
		problem("kind", "kind must be exam_escort or hospital")
	}
	pickup, dropoff := validPlace("pickup", r.Pickup), validPlace("dropoff", r.Dropoff)
	errs = append(errs, pickup, dropoff)
	switch {
	case len(r.Riders) == 0:
		problem("riders", "at least one rider is required")
	case len(r.Riders) > MaxRiders:
		problem("riders", "at most %d riders fit in one car", MaxRiders)
	default:
		for i, rd := range r.Riders {
			f := "riders[" + strconv.Itoa(i) + "]"
			errs = append(errs, heartlink.ValidName(f+".name", rd.Name))
			if rd.Phone != "" {
				errs = append(errs, fleet.ValidPhone(f+".phone", rd.Phone))
			}
		}
	}
	if pickup == nil && dropoff == nil && heartlink.DistanceKm(r.Pickup.Point(), r.Dropoff.Point()) > MaxTripKm {
		problem("dropoff", "dropoff must be within %d km of pickup", MaxTripKm)
	}
	switch {
	case r.ArriveBy == nil:
		problem("arrive_by", "arrive_by is required (RFC 3339)")
		return heartlink.Join(errs...)
	case !r.ArriveBy.Time.After(now):
		problem("arrive_by", "arrive_by must be in the future")
	case r.ArriveBy.Time.After(now.Add(MaxAhead)):
		problem("arrive_by", "arrive_by must be within a year")
	}
	if r.PickupAfter != nil && !r.PickupAfter.Time.Before(r.ArriveBy.Time) {
		problem("pickup_after", "pickup_after must be before arrive_by")
	}
	if r.Return != nil {
		switch {
		case r.Return.PickupAfter == nil:
			problem("return.pickup_after", "return.pickup_after is required: when the way back may begin")
		case r.Return.PickupAfter.Before(r.ArriveBy.Time):
			problem("return.pickup_after", "the way back begins after arrive_by")
		case r.Return.ArriveBy != nil && !r.Return.ArriveBy.After(r.Return.PickupAfter.Time):
			problem("return.arrive_by", "return.arrive_by must be after return.pickup_after")
		default:
			if back := r.ReturnRequest(); back.ArriveBy.After(now.Add(MaxAhead)) {
				problem("return.arrive_by", "the way back must be within a year")
			}
		}
	}
	return heartlink.Join(errs...)
}

// Trip builds the trip that r books, planned under p at time now.
func (r *Request) Trip(p Policy, id string, by heartlink.Principal, requesterID string, now time.Time) *Trip {
	t := &Trip{
		ID:          id,
		Kind:        r.Kind,
		Status:      Queued,
		RequesterID: requesterID,
		CreatedBy:   by.String(),
		Pickup:      trimPlace(*r.Pickup),
		Dropoff:     trimPlace(*r.Dropoff),
		Riders:      make([]Rider, len(r.Riders)),
		Wheelchair:  r.Wheelchair,
		CampaignID:  r.CampaignID,
		ArriveBy:    r.ArriveBy.UTC().Truncate(time.Second),
		CreatedAt:   now.UTC().Truncate(time.Millisecond),
		UpdatedAt:   now.UTC().Truncate(time.Millisecond),
		Version:     1,
	}
	for i, rd := range r.Riders {
		t.Riders[i] = Rider{Name: strings.TrimSpace(rd.Name), Phone: strings.TrimSpace(rd.Phone)}
	}
	if r.PickupAfter != nil {
		t.PickupAfter = r.PickupAfter.UTC().Truncate(time.Second)
	}
	p.Plan(t, now.UTC())
	return t
}

func trimPlace(p Place) Place {
	p.Address = strings.TrimSpace(p.Address)
	return p
}

// validPlace reports every problem with a pick-up or drop-off: its
// coordinates and its address.
func validPlace(field string, p *Place) error {
	if p == nil {
		return heartlink.FieldError(heartlink.EInvalid, field, "%s is required", field)
	}
	pt := p.Point()
	var address error
	if a := strings.TrimSpace(p.Address); a == "" || len([]rune(a)) > 200 {
		address = heartlink.FieldError(heartlink.EInvalid, field+".address", "address must be 1 to 200 characters")
	}
	return heartlink.Join(fleet.ValidPoint(field, &pt), address)
}
