package dispatch

import (
	"math"
	"time"

	"github.com/heartlink/heartlink"
)

// Travel is the travel model: road distance is the straight line times
// Detour, driven at SpeedKmh. The zero Travel is not usable; start from
// DefaultPolicy.
type Travel struct {
	Detour   float64
	SpeedKmh float64
}

// RoadKm estimates the road distance from a to b.
func (m Travel) RoadKm(a, b heartlink.Point) float64 {
	return heartlink.DistanceKm(a, b) * m.Detour
}

// Duration estimates the driving time from a to b, to the whole second.
func (m Travel) Duration(a, b heartlink.Point) time.Duration {
	s := m.RoadKm(a, b) / m.SpeedKmh * 3600
	return time.Duration(math.Round(s)) * time.Second
}

// Policy holds the tunable rules of dispatch.
type Policy struct {
	Travel Travel
	// OfferTTL is how long a driver has to answer an offer.
	OfferTTL time.Duration
	// OffersAtOnce is how many candidates are offered a trip at the same time.
	OffersAtOnce int
	// The candidate search starts at RadiusStartKm around the pickup and
	// doubles up to RadiusMaxKm. SearchLimit drivers nearest the pickup are
	// read first; more only when none of them can take the trip.
	RadiusStartKm float64
	RadiusMaxKm   float64
	SearchLimit   int
	// Buffer pads a trip's span on both sides, so that a driver's trips do
	// not follow each other too tightly.
	Buffer time.Duration
	// LiveWindow: pickups sooner than this are measured from drivers' live
	// positions, later ones from their homes.
	LiveWindow time.Duration
	// FairnessKm is how many kilometres of extra distance one recent trip
	// is worth when ranking, so volunteers who carried less come first.
	FairnessKm float64
	// LoadWindow is how far back "recent trips" reach.
	LoadWindow time.Duration
	// PresenceTTL: an online driver not heard from for this long is not
	// offered trips (the app was closed without going offline).
	PresenceTTL time.Duration
	// ContactGrace is how long after a trip ends its driver still sees the
	// riders' contact.
	ContactGrace time.Duration
	// Lease is how long a dispatcher holds a queued trip before another
	// instance may take it over, should the first one die.
	Lease time.Duration
	// RetryAfter is when a trip that found no driver at all is searched
	// again, while there is still time for it.
	RetryAfter time.Duration
}

// DefaultPolicy returns the defaults documented in the README.
func DefaultPolicy() Policy {
	return Policy{
		Travel:        Travel{Detour: 1.3, SpeedKmh: 25},
		OfferTTL:      30 * time.Second,
		OffersAtOnce:  1,
		RadiusStartKm: 3,
		RadiusMaxKm:   25,
		SearchLimit:   30,
		Buffer:        15 * time.Minute,
		LiveWindow:    time.Hour,
		FairnessKm:    2,
		LoadWindow:    7 * 24 * time.Hour,
		PresenceTTL:   10 * time.Minute,
		ContactGrace:  2 * time.Hour,
		Lease:         10 * time.Second,
		RetryAfter:    time.Minute,
	}
}

// Plan fixes a new trip's planned pickup and the span a driver commits to:
// from the pickup (PickupAfter, or just in time to arrive by ArriveBy, and
// never in the past) to the estimated arrival, padded by the buffer.
func (p Policy) Plan(t *Trip, now time.Time) {
	ride := p.Travel.Duration(t.Pickup.Point(), t.Dropoff.Point())
	pickup := t.ArriveBy.Add(-ride)
	if !t.PickupAfter.IsZero() {
		pickup = t.PickupAfter
	}
	if pickup.Before(now) {
		pickup = now
	}
	t.PickupAt = pickup.Truncate(time.Second)
	t.Span = Span{Start: t.PickupAt.Add(-p.Buffer), End: t.PickupAt.Add(ride + p.Buffer)}
}
