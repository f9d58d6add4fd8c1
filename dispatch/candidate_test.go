package dispatch

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

func examTrip(p Policy) *Trip {
	r := validRequest()
	return r.Trip(p, "trp_1", heartlink.Principal{Role: heartlink.RoleRequester, ID: "req_1"}, "req_1", now)
}

// online is a driver km north of the exam trip's pickup, free.
func online(id string, km float64) Candidate {
	at := heartlink.Point{Lat: 28.27 + km/111.2, Lng: 117.06}
	return Candidate{DriverID: id, DistanceKm: km, Status: fleet.Online, SeenAt: now, Seats: 4, VerifiedMinors: true,
		Origin: Origin{At: at, Time: now}, Route: DriverRoute{DriverID: id}}
}

func TestCheck(t *testing.T) {
	p := DefaultPolicy()
	trip := examTrip(p)
	tests := []struct {
		name string
		edit func(c *Candidate, t *Trip)
		want Reason
	}{
		{"eligible", func(*Candidate, *Trip) {}, Eligible},
		{"offline", func(c *Candidate, _ *Trip) { c.Status = fleet.Offline }, NotOnline},
		{"silent too long", func(c *Candidate, _ *Trip) { c.SeenAt = now.Add(-p.PresenceTTL - time.Second) }, NotOnline},
		{"too few seats", func(c *Candidate, t *Trip) { c.Seats = 2; t.Riders = make([]Rider, 3) }, TooFewSeats},
		{"needs wheelchair", func(c *Candidate, t *Trip) { t.Wheelchair = true }, NoWheelchair},
		{"wheelchair car", func(c *Candidate, t *Trip) { t.Wheelchair, c.Wheelchair = true, true }, Eligible},
		{"minors need verification", func(c *Candidate, _ *Trip) { c.VerifiedMinors = false }, NotVerified},
		{"hospital trips need none", func(c *Candidate, t *Trip) { c.VerifiedMinors = false; t.Kind = Hospital }, Eligible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, tr := online("drv_a", 1), *trip
			tt.edit(&c, &tr)
			if got := p.Check(&tr, &c, now); got != tt.want {
				t.Errorf("Check() = %q; want %q", got, tt.want)
			}
		})
	}
}

func ids(cs []Pick) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.DriverID
	}
	return out
}

func TestRank(t *testing.T) {
	p := DefaultPolicy()
	trip := examTrip(p)
	unverified := online("drv_unverified", 0.1)
	unverified.VerifiedMinors = false
	busy := online("drv_busy", 0.3)
	busy.RecentTrips = 5 // 0.3 km + 5 × 2 km
	tests := []struct {
		name  string
		k     int
		cands []Candidate
		tried map[string]bool
		want  []string
	}{
		{"nearest first", 1, []Candidate{online("drv_far", 5), online("drv_near", 1)}, nil, []string{"drv_near"}},
		{"ineligible skipped", 1, []Candidate{unverified, online("drv_ok", 2)}, nil, []string{"drv_ok"}},
		{"tried skipped", 1, []Candidate{online("drv_a", 1), online("drv_b", 2)}, map[string]bool{"drv_a": true}, []string{"drv_b"}},
		{"fairness within the radius", 1, []Candidate{busy, online("drv_rested", 2.5)}, nil, []string{"drv_rested"}},
		{"radius widens only when needed", 1, []Candidate{online("drv_close_busy", 2.9), online("drv_beyond", 3.5)}, nil, []string{"drv_close_busy"}},
		{"widens to find k", 2, []Candidate{online("drv_a", 1), online("drv_b", 7)}, nil, []string{"drv_a", "drv_b"}},
		{"beyond the maximum", 1, []Candidate{online("drv_far", 30)}, nil, []string{}},
		{"top k", 3, []Candidate{online("d4", 4), online("d1", 1), online("d3", 3), online("d2", 2)}, nil, []string{"d1", "d2", "d3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.OffersAtOnce = tt.k
			got := ids(p.Rank(trip, tt.cands, tt.tried, now))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRankFairnessOnlyInsideTheRadius(t *testing.T) {
	// A busy driver 1 km away still beats a rested one 20 km away: the
	// radius step is searched first, fairness orders within it.
	p := DefaultPolicy()
	busy := online("drv_busy", 1)
	busy.RecentTrips = 3
	got := ids(p.Rank(examTrip(p), []Candidate{online("drv_rested", 20), busy}, nil, now))
	assert.Equal(t, []string{"drv_busy"}, got)
}

func TestUsesLiveLocation(t *testing.T) {
	p := DefaultPolicy()
	trip := examTrip(p)
	trip.PickupAt = now.Add(30 * time.Minute)
	assert.True(t, p.UsesLiveLocation(trip, now), "pickup within the hour: live position")
	trip.PickupAt = now.Add(3 * time.Hour)
	assert.False(t, p.UsesLiveLocation(trip, now), "later pickup: home")
}

// Ranking places every candidate's insertion but settles only the picks':
// what it offers must be exactly what Fit, the one rule, gives, in the
// order Fit's scores give.
func TestRankGivesWhatFitGives(t *testing.T) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute)
	add := trip(p, "add", north(3.2), site, gate, 1)
	var cands []Candidate
	for i, held := range [][]*Trip{
		nil,
		{trip(p, "a", north(3), site, gate, 1)}, // pooled in
		{trip(p, "b", north(6), site, gate, 2)}, // on the way
		{trip(p, "c", site, siteB, gate.Add(3*time.Hour), 1)}, // chained before
		{trip(p, "d", north(1), site, gate, 1), trip(p, "e", north(2), site, gate, 1)},
		nil,
	} {
		c := online(fmt.Sprintf("drv_%d", i), 0.5+float64(i)*0.4)
		c.Origin.At = driverAt
		c.RecentTrips = i % 3
		c.Route = hold(t, p, c.Car(), held...)
		c.Route.DriverID = c.DriverID
		cands = append(cands, c)
	}
	p.OffersAtOnce = len(cands)
	picks := p.Rank(add, cands, nil, now)
	require.Len(t, picks, len(cands), "every candidate can take the trip")
	for i, pk := range picks {
		c := pk.Candidate
		want, why := p.Fit(add, &c)
		require.Equal(t, Eligible, why)
		assert.Equal(t, want, pk.Insertion, "pick %d (%s)", i, pk.DriverID)
		assert.Equal(t, p.Score(&c, &want), pk.Score)
		if i > 0 {
			assert.LessOrEqual(t, picks[i-1].Score, pk.Score, "picks are best first")
		}
	}
}
