package demo

import (
	"context"
	"time"
)

// offered weighs an offer: most volunteers take it after a moment's
// thought, some decline, a few let it run out.
func (d *driver) offered(o offerView) {
	if d.offers[o.TripID] || d.known[o.TripID] {
		return
	}
	d.s.stats.offers.Add(1)
	d.offers[o.TripID] = true
	accept, decline := 0.8, 0.15
	if len(d.jobs) > 0 {
		accept, decline = 0.25, 0.55 // already on a trip: less keen
	}
	think := d.s.human(d.rng, 2*time.Second, 15*time.Second)
	r := d.rng.Float64()
	if r >= accept+decline || !o.ExpiresAt.IsZero() && time.Until(o.ExpiresAt) < think+500*time.Millisecond {
		d.s.stats.ignored.Add(1)
		return
	}
	kind := "accept"
	if r >= accept {
		kind = "decline"
	}
	d.todo.after(think, func() {
		if !d.offers[o.TripID] {
			return // withdrawn while thinking
		}
		delete(d.offers, o.TripID)
		d.send(kind, map[string]any{"trip_id": o.TripID}, request{kind: kind, tripID: o.TripID})
	})
}

// take starts on a trip the driver now holds, after the current one.
func (d *driver) take(ctx context.Context, t tripView) {
	if d.known[t.ID] {
		return
	}
	d.known[t.ID] = true
	delete(d.offers, t.ID)
	j := &job{id: t.ID, pickup: t.Pickup, dropoff: t.Dropoff}
	switch t.Status { // after a reconnect, a trip may be under way
	case "arrived":
		j.leg = 1
	case "picked_up":
		j.leg = 2
	}
	d.jobs = append(d.jobs, j)
	if len(d.jobs) == 1 {
		d.begin(ctx, j)
	}
	if j.leg == 0 && d.rng.Float64() < 0.03 {
		// Now and then something comes up and the driver drops out.
		d.todo.after(d.s.human(d.rng, 3*time.Second, 20*time.Second), func() { d.release(ctx, j) })
	}
}

func (d *driver) current() *job {
	if len(d.jobs) == 0 {
		return nil
	}
	return d.jobs[0]
}

// begin carries on with the job from the leg it is at.
func (d *driver) begin(ctx context.Context, j *job) {
	switch j.leg {
	case 0:
		d.drive(j, j.pickup, func() {
			if d.step(ctx, j, "arrived") {
				d.s.stats.arrived.Add(1)
				j.leg = 1
				d.begin(ctx, j)
			}
		})
	case 1:
		// Riders come down, say goodbye, load a wheelchair.
		d.todo.after(d.s.human(d.rng, 10*time.Second, 40*time.Second), func() {
			if !j.over && d.step(ctx, j, "picked_up") {
				d.s.stats.pickedUp.Add(1)
				j.leg = 2
				d.begin(ctx, j)
			}
		})
	case 2:
		d.drive(j, j.dropoff, func() {
			if d.step(ctx, j, "completed") {
				d.s.stats.completed.Add(1)
				d.finish(ctx, j)
			}
		})
	}
}

// drive heads for to and calls then on arrival, unless the job is over by
// then.
func (d *driver) drive(j *job, to point, then func()) {
	j.from, j.to, j.start = d.pos, to, time.Now()
	j.dur = d.s.driveTime(d.pos, to)
	d.todo.after(j.dur, func() {
		if j.over {
			return
		}
		d.pos = to
		then()
	})
}

// step reports progress; a trip called off meanwhile is dropped. At the
// door the app shares where it is, as the server checks that a driver who
// says they arrived is near; the rider tells the driver their PIN, which
// the pick-up and a student's drop-off need.
func (d *driver) step(ctx context.Context, j *job, step string) bool {
	body := map[string]string{"step": step}
	switch step {
	case "arrived":
		if d.online {
			d.s.c.call(ctx, d.who, "share location", "POST", "/api/v1/drivers/me/presence",
				map[string]any{"status": "online", "location": map[string]float64{"lat": d.pos.Lat, "lng": d.pos.Lng}}, nil, 200)
		}
	case "picked_up", "completed":
		body["pin"] = d.s.pinOf(ctx, j.id)
	}
	err := d.s.c.call(ctx, d.who, "progress "+step, "POST", "/api/v1/trips/"+j.id+"/progress",
		body, nil, 200, "conflict", "forbidden")
	if err != nil {
		if ctx.Err() == nil {
			d.drop(ctx, j.id)
		}
		return false
	}
	return true
}

// release drops out of a trip before the pickup; it goes back to the queue.
func (d *driver) release(ctx context.Context, j *job) {
	if j.over || j.leg != 0 {
		return
	}
	err := d.s.c.call(ctx, d.who, "release", "POST", "/api/v1/trips/"+j.id+"/release", nil, nil, 200, "conflict", "forbidden")
	if err == nil {
		d.s.stats.released.Add(1)
		d.finish(ctx, j)
	}
}

// drop stops carrying a trip that was called off or taken away.
func (d *driver) drop(ctx context.Context, id string) {
	for _, j := range d.jobs {
		if j.id == id && !j.over {
			d.s.stats.dropped.Add(1)
			d.finish(ctx, j)
			return
		}
	}
}

// finish ends a job and starts the next one.
func (d *driver) finish(ctx context.Context, j *job) {
	j.over = true
	was := d.current() == j
	for i, x := range d.jobs {
		if x == j {
			d.jobs = append(d.jobs[:i], d.jobs[i+1:]...)
			break
		}
	}
	if next := d.current(); was && next != nil {
		d.begin(ctx, next)
	}
}

// browse looks at the open trips now and then, as an idle volunteer
// might, and claims one nearby.
func (d *driver) browse(ctx context.Context) {
	defer d.todo.after(d.s.spell(d.rng, 8*time.Minute, time.Minute), func() { d.browse(ctx) })
	if !d.online || len(d.jobs) > 0 {
		return
	}
	var list struct{ Trips []tripView }
	if d.s.c.call(ctx, d.who, "open trips", "GET", "/api/v1/trips?status=open&limit=50", nil, &list, 200) != nil {
		return
	}
	for _, t := range list.Trips {
		if t.Pickup.km(d.pos) > 4 || t.Seats > d.acc.Seats || t.Wheel && !d.acc.Wheelchair {
			continue
		}
		var got tripView
		err := d.s.c.call(ctx, d.who, "claim", "POST", "/api/v1/trips/"+t.ID+"/accept", nil, &got, 200,
			"trip_taken", "schedule_clash", "conflict", "forbidden")
		if err == nil {
			d.s.stats.claimed.Add(1)
			d.take(ctx, got)
		}
		return
	}
}
