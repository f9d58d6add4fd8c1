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
	_, d := m.Leg(a, b)
	return d
}

// Leg is RoadKm and Duration at once, for the inner loops that need both.
func (m Travel) Leg(a, b heartlink.Point) (km float64, d time.Duration) {
	km = m.RoadKm(a, b)
	return km, time.Duration(math.Round(km/m.SpeedKmh*3600)) * time.Second
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
	// Margin is kept between a drop-off and the rider's arrive-by time
	// (the exam gate, the appointment), unless the trip was booked too late
	// to keep it.
	Margin time.Duration
	// Reserve is the slack a route keeps when it times its pick-ups: a car
	// sets out as late as leaves Reserve on every drop-off, not earlier.
	Reserve time.Duration
	// PromiseTolerance is how much earlier than told a rider may be picked
	// up once their pick-up time is planned on a route.
	PromiseTolerance time.Duration
	// Board and Alight are the time a rider takes to get in and out.
	Board, Alight time.Duration
	// A rider sits in the car at most max(MinRideLimit, RideFactor × the
	// direct drive + RideAdd).
	MinRideLimit time.Duration
	RideFactor   float64
	RideAdd      time.Duration
	// SlackKm is what each minute of slack below Reserve weighs, in
	// kilometres, when ranking insertions: a tight route is a risky one.
	SlackKm float64
	// IdleReturn: a driver whose car would stand empty for longer than this
	// before a pick-up goes back to where they set out meanwhile, so the
	// next trip's distance counts from there.
	IdleReturn time.Duration
	// Horizon: a trip whose earliest pick-up is further ahead than this is
	// not offered one by one to whoever is online; it joins the rolling
	// plan of advance trips, planned in batches over the drivers available
	// then. Still unplanned at Horizon before its pick-up, it is offered
	// the ordinary way.
	Horizon time.Duration
	// LeadTime is how long before a planned route's first pick-up it is
	// offered to its driver (a coordinator may publish sooner).
	LeadTime time.Duration
	// PlanAhead is how far ahead advance trips are planned.
	PlanAhead time.Duration
	// RouteTTL is how long a driver has to confirm a route offered whole.
	RouteTTL time.Duration
	// RescueLead: an assigned trip whose driver has gone silent (offline,
	// or not heard from for PresenceTTL) is taken back and dispatched again
	// once its latest safe pick-up is this close; one whose driver, by
	// their live position, can no longer reach the pick-up in time, at once.
	RescueLead time.Duration
	// NoShowWait is how long after the planned pick-up a driver at the door
	// waits before they may report the rider absent.
	NoShowWait time.Duration
	// Zone is the city's time zone: availability and plans go by its days.
	Zone *time.Location
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
	// Handover is what a driver must show at the pick-up and drop-off.
	Handover Handover
	// RiderRetention is how long after a trip's arrive_by its riders'
	// names, phones and addresses are kept (see Trip.Purge).
	RiderRetention time.Duration
	// Share is how long guardian links live.
	Share Share
}

// DefaultPolicy returns the defaults documented in the README.
func DefaultPolicy() Policy {
	return Policy{
		Travel:           Travel{Detour: 1.3, SpeedKmh: 25},
		OfferTTL:         30 * time.Second,
		OffersAtOnce:     1,
		RadiusStartKm:    3,
		RadiusMaxKm:      25,
		SearchLimit:      30,
		Margin:           10 * time.Minute,
		Reserve:          15 * time.Minute,
		PromiseTolerance: 5 * time.Minute,
		Board:            time.Minute,
		Alight:           30 * time.Second,
		MinRideLimit:     45 * time.Minute,
		RideFactor:       1.5,
		RideAdd:          10 * time.Minute,
		SlackKm:          0.2,
		IdleReturn:       time.Hour,
		Horizon:          2 * time.Hour,
		LeadTime:         12 * time.Hour,
		PlanAhead:        72 * time.Hour,
		RouteTTL:         10 * time.Minute,
		RescueLead:       45 * time.Minute,
		NoShowWait:       5 * time.Minute,
		Zone:             cityZone(),
		LiveWindow:       time.Hour,
		FairnessKm:       2,
		LoadWindow:       7 * 24 * time.Hour,
		PresenceTTL:      10 * time.Minute,
		ContactGrace:     2 * time.Hour,
		Lease:            10 * time.Second,
		RetryAfter:       time.Minute,
		Handover:         DefaultHandover(),
		RiderRetention:   30 * 24 * time.Hour,
		Share:            DefaultShare(),
	}
}

// cityZone is Asia/Shanghai, the fleet's city, or UTC where the system
// has no zone database (the binary embeds one: see cmd/heartlink).
func cityZone() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.UTC
}

// LatestPickup is the last moment t's riders can be collected and still
// be dropped off by its deadline, driven straight there.
func (p Policy) LatestPickup(t *Trip) time.Time {
	return t.DropBy.Add(-p.Travel.Duration(t.Pickup.Point(), t.Dropoff.Point()) - p.Board)
}

// AtRisk says whether an assigned trip must be rescued now: its driver
// went silent (not online, or not heard from for PresenceTTL) and the
// latest safe pick-up is within RescueLead, or their live position is too
// far to reach the pick-up by then. It returns the slack left.
func (p Policy) AtRisk(t *Trip, online bool, seen time.Time, at *heartlink.Point, now time.Time) (bool, time.Duration) {
	latest := p.LatestPickup(t)
	slack := latest.Sub(now)
	silent := !online || now.Sub(seen) > p.PresenceTTL
	switch {
	case silent:
		return slack <= p.RescueLead, slack
	case at != nil && t.PickupAt.Sub(now) < p.LiveWindow:
		if eta := now.Add(p.Travel.Duration(*at, t.Pickup.Point())); eta.After(latest) {
			return true, slack
		}
	}
	return false, slack
}

// NoShowFrom is when t's driver may report its rider absent: NoShowWait
// after the planned pick-up.
func (p Policy) NoShowFrom(t *Trip) time.Time { return t.PickupAt.Add(p.NoShowWait) }

// Location is the city's time zone: Zone, or UTC when none is set.
func (p Policy) Location() *time.Location {
	if p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}

// Advance reports whether t, booked at now, joins the rolling plan rather
// than being offered at once.
func (p Policy) Advance(t *Trip, now time.Time) bool {
	return p.Horizon > 0 && t.Earliest.Sub(now) > p.Horizon
}

// Plan fixes a new trip's time rules and its first planned times, at
// request time now. No pick-up comes before PickupAfter (or, when none is
// given, before the rider could ride as long as the ride rule allows and
// still arrive by ArriveBy less the margin), nor in the past. The drop-off
// is due by ArriveBy less the margin, or by ArriveBy itself when even a
// car at the door now could not keep the margin. The planned times are the
// trip alone, timed as a route would time it.
func (p Policy) Plan(t *Trip, now time.Time) {
	direct := p.Travel.Duration(t.Pickup.Point(), t.Dropoff.Point())
	t.DropBy = t.ArriveBy.Add(-p.Margin)
	earliest := t.PickupAfter
	if earliest.IsZero() {
		earliest = t.DropBy.Add(-p.RideLimit(direct) - p.Board)
	}
	t.Earliest = maxTime(earliest, now).Truncate(time.Second)
	if t.Earliest.Add(p.Board + direct).After(t.DropBy) {
		t.DropBy = t.ArriveBy
	}
	pick, drop := p.StopsOf(t)
	stops := []RouteStop{pick, drop}
	p.Time(Origin{At: t.Pickup.Point(), Time: t.Earliest}, Car{Seats: MaxRiders, Wheelchair: true}, stops)
	t.PickupAt, t.DropoffAt = stops[0].At.Truncate(time.Second), stops[1].At.Truncate(time.Second)
}
