package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// point is a coordinate, as the API writes it.
type point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// centre is Yingtan's city centre; the run's drivers and pickups are
// within a few kilometres of it.
var centre = point{Lat: 28.26, Lng: 117.07}

// around is a random point within km of p, uniform over the disc.
func around(rng *rand.Rand, p point, km float64) point {
	r := km * math.Sqrt(rng.Float64())
	a := 2 * math.Pi * rng.Float64()
	const kmPerDegree = 111.32
	return point{
		Lat: p.Lat + r*math.Sin(a)/kmPerDegree,
		Lng: p.Lng + r*math.Cos(a)/(kmPerDegree*math.Cos(p.Lat*math.Pi/180)),
	}
}

// booking is one trip a requester asked for, with one Idempotency-Key
// however often the request was sent.
type booking struct {
	k         int
	requester int
	key       string
	marker    string // the pickup address, unique to the booking: how its trips are found
	answered  bool
	status    int
	code      string
	tripID    string
	replayed  bool   // the answer said Idempotent-Replayed
	other     string // a trip an earlier answer to the same request named, when not tripID
}

// bookings are the run's trip requests.
type bookings struct {
	mu   sync.Mutex // mu guards all
	all  []*booking
	wait sync.WaitGroup
}

func (b *bookings) list() []*booking {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*booking(nil), b.all...)
}

// book requests trips at cfg.TripsPerSec until ctx ends, each sent until it
// is answered or answers ends.
func (w *world) book(ctx, answers context.Context) {
	every := time.Duration(float64(time.Second) / w.cfg.TripsPerSec)
	t := time.NewTicker(every)
	defer t.Stop()
	for k := 0; ; k++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b := &booking{
			k:         k,
			requester: k % len(w.requesters),
			key:       fmt.Sprintf("chaos-%d-trip-%d", w.cfg.Seed, k),
			marker:    "Chaos pickup " + strconv.Itoa(k),
		}
		w.trips.mu.Lock()
		w.trips.all = append(w.trips.all, b)
		w.trips.mu.Unlock()
		w.trips.wait.Go(func() { w.bookOne(answers, b) })
	}
}

// loseShare is the share of trip requests and sign-ups whose first answer
// the client gives up on.
const loseShare = 0.2

// bookOne sends one trip request until it is answered.
func (w *world) bookOne(ctx context.Context, b *booking) {
	rng := rand.New(rand.NewPCG(w.cfg.Seed, uint64(1000+b.k)))
	pickup, dropoff := around(rng, centre, 4), around(rng, centre, 4)
	kind := "hospital"
	if rng.IntN(2) == 0 {
		kind = "exam_escort"
	}
	riders := []map[string]string{{"name": "Chaos Rider " + strconv.Itoa(b.k), "phone": "13900000000"}}
	if rng.IntN(4) == 0 {
		riders = append(riders, map[string]string{"name": "Chaos Companion " + strconv.Itoa(b.k), "phone": "13900000001"})
	}
	// Three to six hours ahead: a driver can carry several, pooled or one
	// after the other, and none is at risk while its driver is offline at
	// the end of the run.
	arrive := time.Now().Add(3*time.Hour + time.Duration(rng.Int64N(int64(3*time.Hour)))).UTC().Truncate(time.Minute)
	body := map[string]any{
		"kind":      kind,
		"pickup":    map[string]any{"lat": pickup.Lat, "lng": pickup.Lng, "address": b.marker},
		"dropoff":   map[string]any{"lat": dropoff.Lat, "lng": dropoff.Lng, "address": "Chaos drop-off " + strconv.Itoa(b.k)},
		"riders":    riders,
		"arrive_by": arrive.Format(time.RFC3339),
	}
	req := request{
		token: w.requesters[b.requester].Token, method: http.MethodPost, path: "/api/v1/trips",
		body: body, header: map[string]string{"Idempotency-Key": b.key},
		loseFirst: rng.Float64() < loseShare,
	}
	a, err := w.api.call(ctx, req)
	if err == nil && a.Status == http.StatusCreated && rng.Float64() < loseShare {
		// The school's app lost this answer after the trip was booked:
		// it sends the request again, and must get the same trip.
		w.stats.sentAgain.Add(1)
		req.loseFirst = false
		first := a
		if a, err = w.api.call(ctx, req); err == nil && a.Status == http.StatusCreated && tripID(a) != tripID(first) {
			w.trips.mu.Lock()
			b.other = tripID(first)
			w.trips.mu.Unlock()
		}
	}
	w.trips.mu.Lock()
	defer w.trips.mu.Unlock()
	if err != nil {
		return // left without an answer
	}
	b.answered, b.status = true, a.Status
	if a.Status != http.StatusCreated {
		b.code = a.code()
		return
	}
	b.tripID = tripID(a)
	b.replayed = a.Header.Get("Idempotent-Replayed") == "true"
}

// tripID is the id of the trip an answer holds.
func tripID(a answer) string {
	var t struct {
		ID string `json:"id"`
	}
	a.decode(&t)
	return t.ID
}
