package redisstore

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
)

// The benchmarks run against real Redis only: the figures in
// docs/PERFORMANCE.md are for a local Redis server.
var realRedis = redistest.Backend{Name: "redis", New: func(tb testing.TB) (redis.UniversalClient, string) { return redistest.Client(tb) }}

// reportLatency adds p50, p99 and max of the samples to the benchmark.
func reportLatency(b *testing.B, samples []time.Duration) {
	slices.Sort(samples)
	at := func(q float64) float64 {
		return float64(samples[min(len(samples)-1, int(q*float64(len(samples))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(samples[len(samples)-1].Microseconds())/1000, "max-ms")
}

// cityOfDrivers puts n drivers online, spread over about 10 km around the
// centre.
func cityOfDrivers(b *testing.B, f *fixture, n int) {
	for i := range n {
		p := heartlink.Point{Lat: centre.Lat + float64(i%40-20)*0.0045, Lng: centre.Lng + float64(i/40-n/80)*0.005}
		f.driver(p)
	}
}

// benchRequest books trips from points across the city; each request
// stores the trip and ends with offers stored for the best drivers.
func benchRequest(b *testing.B, pace time.Duration) {
	f := newFixture(b, realRedis, nil)
	f.clock.t = time.Now()
	cityOfDrivers(b, f, 1000)
	school := f.requester()
	reqs := make([]dispatch.Request, b.N)
	for i := range reqs {
		reqs[i] = f.tripRequest(time.Hour)
		reqs[i].Pickup.Lat += float64(i%20-10) * 0.004
		reqs[i].Pickup.Lng += float64(i%17-8) * 0.004
	}
	samples := make([]time.Duration, 0, b.N)
	var tick <-chan time.Time
	if pace > 0 {
		t := time.NewTicker(pace)
		defer t.Stop()
		tick = t.C
	}
	rt0 := f.rt.n.Load()
	b.ResetTimer()
	for i := range b.N {
		if tick != nil {
			<-tick
		}
		start := time.Now()
		trip, err := f.s.Request(f.ctx, school, reqs[i])
		samples = append(samples, time.Since(start))
		if err != nil || trip.Status != dispatch.Offered {
			b.Fatalf("request %d: status %v, err %v", i, trip.Status, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.rt.n.Load()-rt0)/float64(b.N), "roundtrips/op")
	reportLatency(b, samples)
}

// BenchmarkRequest: request → offers stored, back to back.
func BenchmarkRequest(b *testing.B) { benchRequest(b, 0) }

// BenchmarkRequestAt100PerSecond: request → offers stored, one trip every
// 10 ms as on a busy exam morning. Run with -benchtime 1000x (10 s).
func BenchmarkRequestAt100PerSecond(b *testing.B) { benchRequest(b, 10*time.Millisecond) }

// BenchmarkAccept: a driver accepts the trip offered to them.
func BenchmarkAccept(b *testing.B) {
	f := newFixture(b, realRedis, nil)
	f.clock.t = time.Now()
	school := f.requester()
	type pair struct {
		driver heartlink.Principal
		trip   string
	}
	pairs := make([]pair, b.N)
	for i := range pairs {
		// Alone online when its trip is requested, so it gets the offer.
		p := heartlink.Point{Lat: centre.Lat + float64(i%100)*0.001, Lng: centre.Lng + float64(i/100%100)*0.001}
		d := f.driver(p)
		r := f.tripRequest(time.Hour)
		r.Pickup.Lat, r.Pickup.Lng = p.Lat, p.Lng
		trip, err := f.s.Request(f.ctx, school, r)
		require.NoError(b, err)
		require.Equal(b, dispatch.Offered, trip.Status)
		_, err = f.s.SetPresence(f.ctx, d.ID, fleet.PresenceUpdate{Status: fleet.Offline})
		require.NoError(b, err)
		pairs[i] = pair{d, trip.ID}
	}
	samples := make([]time.Duration, 0, b.N)
	rt0 := f.rt.n.Load()
	b.ResetTimer()
	for _, p := range pairs {
		start := time.Now()
		trip, err := f.s.Accept(f.ctx, p.driver, p.trip)
		samples = append(samples, time.Since(start))
		if err != nil || trip.DriverID != p.driver.ID {
			b.Fatalf("accept %s: %v", p.trip, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(f.rt.n.Load()-rt0)/float64(b.N), "roundtrips/op")
	reportLatency(b, samples)
}

// BenchmarkPingAt100PerSecond is the floor under the paced figures: one
// PING every 10 ms to the same Redis, no Heart-Link code at all. On a
// machine whose idle cores sleep, waking up dominates the tail.
func BenchmarkPingAt100PerSecond(b *testing.B) {
	f := newFixture(b, realRedis, nil)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		<-t.C
		start := time.Now()
		if err := f.rdb.Ping(f.ctx).Err(); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, samples)
}

// BenchmarkSignupRush: 5,000 drivers sign up within one second for 1,000
// places, as when a campaign's window opens. Each iteration is one rush
// on a fresh shift; it fails on any over-fill.
func BenchmarkSignupRush(b *testing.B) {
	const drivers, places = 5000, 1000
	f := newFixture(b, realRedis, nil)
	ds := make([]heartlink.Principal, drivers)
	for i := range ds {
		ds[i] = f.driver(near(float64(i%100) / 20))
	}
	var samples []time.Duration
	var mu sync.Mutex
	for range b.N {
		c := f.gaokao(places, false)
		shift := c.Shifts[0].ID
		start := time.Now()
		var wg sync.WaitGroup
		b.StartTimer()
		for i, d := range ds {
			// Spread over one second, as people press the button.
			at := start.Add(time.Duration(i) * time.Second / drivers)
			wg.Go(func() {
				time.Sleep(time.Until(at))
				t0 := time.Now()
				_, err := f.s.SignUp(f.ctx, d, c.ID, shift)
				el := time.Since(t0)
				if err != nil {
					b.Error(err)
				}
				mu.Lock()
				samples = append(samples, el)
				mu.Unlock()
			})
		}
		wg.Wait()
		b.StopTimer()
		_, fills, err := f.s.Campaign(f.ctx, c.ID)
		require.NoError(b, err)
		if fills[shift].Confirmed != places || fills[shift].Waiting != drivers-places {
			b.Fatalf("fill %+v; want %d confirmed, %d waiting", fills[shift], places, drivers-places)
		}
	}
	b.ReportMetric(0, "overfilled")
	reportLatency(b, samples)
}
