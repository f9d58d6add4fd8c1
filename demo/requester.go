package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// requester is a simulated school, community or care station: it books
// through its own token and follows its trips on its own socket.
type requester struct {
	acc *RequesterAccount
	who caller
}

// booking is how fast the city books: an exam-morning rush, then a
// trickle. The gaps are for 200 drivers at Pace 1 and shrink with more
// drivers and a faster pace.
const (
	rushFor       = 2 * time.Minute
	rushGapMin    = 400 * time.Millisecond
	rushGapMax    = 1200 * time.Millisecond
	trickleGapMin = time.Second
	trickleGapMax = 3 * time.Second
	cancelShare   = 0.06 // of trips are called off before pickup
)

// book plays the requesters until ctx ends: schools book exam escorts from
// students' homes in the communities to the exam sites; the community and
// the care station book hospital rides. Now and then one is called off.
func (s *sim) book(ctx context.Context, accs []*RequesterAccount) {
	var schools, others []*requester
	for _, a := range accs {
		r := &requester{acc: a, who: newCaller(a.Token, 5, 10)}
		if a.Kind == "school" {
			schools = append(schools, r)
		} else {
			others = append(others, r)
		}
	}
	homes, sites, hospitals := s.ofKind(community), s.ofKind(examSite), s.ofKind(hospital)
	if len(homes) == 0 || len(schools)+len(others) == 0 {
		return
	}
	// Requests wait for the first volunteers to be online, as a school
	// would not book before the fleet is at the wheel.
	for wait := time.Now().Add(10 * time.Second); s.stats.online.Load() < int64(min(5, s.cfg.Drivers)) && time.Now().Before(wait); {
		if sleep(ctx, 100*time.Millisecond) != nil {
			return
		}
	}
	rng := s.rngFor(rngBooking, 0)
	start := time.Now()
	scale := 200 / float64(s.cfg.Drivers)
	gap := func() time.Duration {
		lo, hi := trickleGapMin, trickleGapMax
		if time.Since(start) < s.scaled(rushFor) {
			lo, hi = rushGapMin, rushGapMax
		}
		return time.Duration(float64(s.human(rng, lo, hi)) * scale)
	}

	var todo agenda
	defer todo.stop()
	var next func()
	next = func() {
		defer todo.after(gap(), next)
		rush := time.Since(start) < s.scaled(rushFor)
		share := 0.55 // of trips are exam escorts; the rest hospital rides
		if rush {
			share = 0.85
		}
		exam := len(schools) > 0 && len(sites) > 0 && (len(others) == 0 || len(hospitals) == 0 || rng.Float64() < share)
		var r *requester
		var body map[string]any
		home := homes[rng.IntN(len(homes))]
		if exam {
			r = schools[rng.IntN(len(schools))]
			body = s.examEscort(rng, home, sites[rng.IntN(len(sites))])
		} else {
			r = others[rng.IntN(len(others))]
			body = s.hospitalRide(rng, home, hospitals[rng.IntN(len(hospitals))])
		}
		var t struct {
			ID  string
			PIN string `json:"pin"`
		}
		if s.c.call(ctx, r.who, "request trip", "POST", "/api/v1/trips", body, &t, 201) != nil {
			return
		}
		s.pins.set(t.ID, t.PIN) // the rider knows it
		s.stats.requested.Add(1)
		if rng.Float64() < cancelShare {
			todo.after(s.human(rng, 10*time.Second, 2*time.Minute), func() {
				// 409 once the riders are on board or the trip is over.
				if s.c.call(ctx, r.who, "cancel", "POST", "/api/v1/trips/"+t.ID+"/cancel", nil, nil, 200, "conflict") == nil {
					s.stats.cancelled.Add(1)
				}
			})
		}
	}
	todo.after(0, next)
	for {
		select {
		case <-ctx.Done():
			return
		case <-todo.C():
			todo.runDue()
		}
	}
}

// examEscort is a trip request for one to three students from home to an
// exam site, to arrive 30 to 90 minutes from now.
func (s *sim) examEscort(rng *rand.Rand, home, site Place) map[string]any {
	n := 1
	if r := rng.Float64(); r < 0.07 {
		n = 3
	} else if r < 0.25 {
		n = 2 // classmates from the same block share a car
	}
	var riders []map[string]string
	for range n {
		riders = append(riders, map[string]string{"name": "考生 " + personName(rng), "phone": mobile(rng)})
	}
	body := map[string]any{
		"kind":      "exam_escort",
		"pickup":    s.doorstep(rng, home),
		"dropoff":   map[string]any{"lat": site.Lat, "lng": site.Lng, "address": site.Name + ", " + site.Address},
		"riders":    riders,
		"arrive_by": arriveBy(rng),
	}
	if cmp := s.campaign.Load(); cmp != nil {
		body["campaign_id"] = cmp.ID
	}
	return body
}

// hospitalRide is a trip request for an elderly or disabled resident, now
// and then with a companion or a wheelchair, to a hospital appointment.
func (s *sim) hospitalRide(rng *rand.Rand, home, h Place) map[string]any {
	riders := []map[string]string{{"name": personName(rng), "phone": mobile(rng)}}
	if rng.Float64() < 0.3 {
		riders = append(riders, map[string]string{"name": "陪护 " + personName(rng)})
	}
	return map[string]any{
		"kind":       "hospital",
		"pickup":     s.doorstep(rng, home),
		"dropoff":    map[string]any{"lat": h.Lat, "lng": h.Lng, "address": h.Name + ", " + h.Address},
		"riders":     riders,
		"wheelchair": rng.Float64() < 0.12,
		"arrive_by":  arriveBy(rng),
	}
}

// doorstep is a home in a community: a building and unit near its centre.
func (s *sim) doorstep(rng *rand.Rand, c Place) map[string]any {
	p := near(rng, c.point(), 0.5)
	b, u := 1+rng.IntN(30), 1+rng.IntN(4)
	return map[string]any{
		"lat": round6(p.Lat), "lng": round6(p.Lng),
		"address": fmt.Sprintf("%s %d栋%d单元 Bldg %d Unit %d", c.Name, b, u, b, u),
	}
}

// arriveBy is a deadline 30 to 90 minutes from now.
func arriveBy(rng *rand.Rand) string {
	d := 30*time.Minute + time.Duration(rng.Int64N(int64(time.Hour)))
	return time.Now().Add(d).UTC().Format(time.RFC3339)
}

// followRequester keeps a requester's live channel open, as its page would.
func (s *sim) followRequester(ctx context.Context, acc *RequesterAccount) {
	s.follow(ctx, "ws requester", "/ws/requester", acc.Token, func(frame) { s.stats.requesterFrames.Add(1) })
}
