package dispatch

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRank: one dispatch's ranking, 30 drivers found near the pickup
// (the search's SearchLimit), every third holding a route of two trips to
// the same site, as on a busy exam morning.
func BenchmarkRank(b *testing.B) {
	p := DefaultPolicy()
	gate := now.Add(2*time.Hour + 15*time.Minute)
	add := trip(p, "add", north(3.2), site, gate, 1)
	cands := make([]Candidate, 30)
	for i := range cands {
		c := online(fmt.Sprintf("drv_%02d", i), 0.2+float64(i)*0.1)
		c.Origin.At = north(2 + float64(i)*0.1).Point()
		c.RecentTrips = i % 3
		if i%3 == 0 {
			c.Route = hold(b, p, c.Car(),
				trip(p, fmt.Sprintf("a%d", i), north(2.5+float64(i)*0.05), site, gate, 1),
				trip(p, fmt.Sprintf("b%d", i), north(4+float64(i)*0.05), site, gate, 1))
			c.Route.DriverID = c.DriverID
		}
		cands[i] = c
	}
	b.ReportAllocs()
	for b.Loop() {
		if picks := p.Rank(add, cands, nil, now); len(picks) != 1 {
			b.Fatalf("%d picks", len(picks))
		}
	}
}
