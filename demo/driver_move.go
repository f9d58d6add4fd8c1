package demo

import (
	"context"
	"math"
	"time"
)

// tick moves the car and shares where it is: every few seconds while
// cruising, more often while driving a trip, never above the server's one
// update a second.
func (d *driver) tick(ctx context.Context) {
	every := d.s.human(d.rng, 4*time.Second, 6*time.Second)
	defer func() { d.todo.after(max(every, 1100*time.Millisecond), func() { d.tick(ctx) }) }()
	if !d.online {
		return
	}
	now := time.Now()
	if j := d.current(); j != nil {
		if j.leg != 1 && j.dur > 0 {
			d.pos = j.from.toward(j.to, float64(now.Sub(j.start))/float64(j.dur))
			every = d.s.scaled(2 * time.Second)
		}
	} else {
		d.wander(now)
	}
	d.moved = now
	if now.Sub(d.located) < 1100*time.Millisecond {
		return
	}
	d.located = now
	d.send("location", map[string]any{"lat": d.pos.Lat, "lng": d.pos.Lng}, request{kind: "location"})
}

// wander cruises along a slowly turning heading, back towards the centre
// when the edge of town is near.
func (d *driver) wander(now time.Time) {
	secs := min(now.Sub(d.moved).Seconds(), 10) * d.s.cfg.Pace
	d.heading += d.rng.NormFloat64() * 0.4
	if d.pos.km(centre) > cityRadiusKm {
		d.heading = d.pos.heading(centre)
	}
	km := d.speed * secs / 1000
	d.pos = d.pos.offset(km*math.Cos(d.heading), km*math.Sin(d.heading))
}
