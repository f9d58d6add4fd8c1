package demo

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// driver is one simulated volunteer: its own websocket, its own token, and
// a loop that does one thing at a time, as a person with a phone would.
// Only its loop touches its fields.
type driver struct {
	s    *sim
	acc  *DriverAccount
	who  caller
	rng  *rand.Rand
	sock *socket
	todo agenda

	lastID  string             // the last event id seen, to resume after a drop
	seq     int                // numbers request_ids
	pending map[string]request // requests sent and not yet answered, by request_id
	online  bool               // the server has the driver online
	pos     point
	heading float64 // radians, 0 is east
	speed   float64 // metres a second while cruising
	moved   time.Time
	located time.Time // when the last location went out

	offers   map[string]bool // live offers by trip id
	jobs     []*job          // trips held, in the order they will be driven
	known    map[string]bool // trips taken on, so that the ack and the assigned frame start one job
	pondered bool            // has thought about the campaign once
}

// request is what a request_id asked for.
type request struct{ kind, tripID string }

// job is a trip the driver holds.
type job struct {
	id              string
	pickup, dropoff point
	leg             int // 0 driving to the pickup, 1 boarding, 2 driving to the drop-off
	from, to        point
	start           time.Time
	dur             time.Duration
	over            bool // completed, dropped or released: anything planned for it is void
}

// tripView holds the fields of a trip the driver looks at.
type tripView struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	DriverID string `json:"driver_id"`
	Pickup   point  `json:"pickup"`
	Dropoff  point  `json:"dropoff"`
	Seats    int    `json:"seats"`
	Wheel    bool   `json:"wheelchair"`
}

// offerView holds the fields of an offer the driver looks at.
type offerView struct {
	TripID    string    `json:"trip_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// reply is an ack or error frame's data.
type reply struct {
	RequestID string          `json:"request_id"`
	Code      string          `json:"code"`
	Result    json.RawMessage `json:"result"`
}

func newDriver(s *sim, acc *DriverAccount, i int) *driver {
	rng := s.rngFor(rngDriver, i)
	return &driver{
		s: s, acc: acc, rng: rng,
		who:     newCaller(acc.Token, actorRate, actorBurst),
		pending: make(map[string]request),
		offers:  make(map[string]bool),
		known:   make(map[string]bool),
		pos:     acc.Home,
		heading: rng.Float64() * 2 * math.Pi,
		speed:   2 + 4*rng.Float64(),
	}
}

// run plays the driver until ctx ends.
func (d *driver) run(ctx context.Context) {
	if !d.connect(ctx) {
		return
	}
	defer d.todo.stop()
	defer func() { d.leave() }()

	// Most volunteers are at the wheel when the demo starts; the board
	// fills within seconds. The rest drift in.
	if d.rng.Float64() < 0.9 {
		d.todo.after(d.s.human(d.rng, 0, 2*time.Second), func() { d.goOnline() })
	} else {
		d.todo.after(d.s.human(d.rng, 20*time.Second, 2*time.Minute), func() { d.goOnline() })
	}
	d.todo.after(d.s.human(d.rng, 4*time.Second, 6*time.Second), func() { d.tick(ctx) })
	d.todo.after(d.s.spell(d.rng, 8*time.Minute, time.Minute), func() { d.browse(ctx) })

	for {
		select {
		case <-ctx.Done():
			return
		case f, ok := <-d.sock.frames:
			if !ok {
				if !d.reconnect(ctx) {
					return
				}
				continue
			}
			d.handle(ctx, f)
		case <-d.todo.C():
			d.todo.runDue()
		}
	}
}

// connect opens the driver's socket, trying again while the server is not
// there yet; false when ctx ended first.
func (d *driver) connect(ctx context.Context) bool {
	for wait := time.Second; ; wait = min(2*wait, 10*time.Second) {
		sock, err := d.s.c.dial(ctx, "/ws/driver", d.acc.Token, d.lastID)
		if err == nil {
			d.sock = sock
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		d.s.stats.fail("ws driver dial", errCode(err), false)
		if sleep(ctx, wait) != nil {
			return false
		}
	}
}

// reconnect opens the socket again after the server dropped it, resuming
// where it left off, and goes back online if it was.
func (d *driver) reconnect(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if !d.sock.closedByServer() {
		d.s.stats.fail("ws driver", "dropped", false)
	}
	d.sock.shutdown()
	was := d.online
	d.setOnline(false)
	clear(d.pending)
	if !d.connect(ctx) {
		return false
	}
	d.s.stats.reconnects.Add(1)
	if was {
		d.goOnline()
	}
	return true
}

// leave goes offline, as a volunteer closing the app would, and closes the
// socket.
func (d *driver) leave() {
	if d.online {
		d.send("presence", map[string]any{"status": "offline"}, request{kind: "presence"})
		d.setOnline(false)
	}
	d.sock.shutdown()
}

func (d *driver) setOnline(on bool) {
	if on != d.online {
		d.online = on
		if on {
			d.s.stats.online.Add(1)
		} else {
			d.s.stats.online.Add(-1)
		}
	}
}

// send writes a request frame with a fresh request_id and remembers it.
func (d *driver) send(kind string, data map[string]any, r request) {
	d.seq++
	id := kind[:1] + strconv.Itoa(d.seq)
	data["request_id"] = id
	d.pending[id] = r
	if err := d.sock.send(outgoing{Type: kind, Data: data}); err != nil {
		delete(d.pending, id)
		d.s.stats.fail("ws "+kind, "write_failed", false)
	}
}

// handle takes one frame from the server.
func (d *driver) handle(ctx context.Context, f frame) {
	if f.ID != "" {
		d.lastID = f.ID
	}
	switch f.Type {
	case "snapshot":
		var snap struct {
			Offers []offerView `json:"offers"`
			Trips  []tripView  `json:"trips"`
		}
		if !d.decode(f, &snap) {
			return
		}
		for _, o := range snap.Offers {
			d.offered(o)
		}
		for _, t := range snap.Trips {
			if t.DriverID == d.acc.ID && (t.Status == "assigned" || t.Status == "arrived" || t.Status == "picked_up") {
				d.take(ctx, t)
			}
		}
	case "offer":
		var o offerView
		if d.decode(f, &o) {
			d.offered(o)
		}
	case "offer_withdrawn":
		var w offerView
		if d.decode(f, &w) && d.offers[w.TripID] {
			delete(d.offers, w.TripID)
			d.s.stats.withdrawn.Add(1)
		}
	case "assigned":
		var t tripView
		if d.decode(f, &t) {
			d.take(ctx, t)
		}
	case "trip":
		var t tripView
		if d.decode(f, &t) && (t.Status == "cancelled" || t.DriverID != d.acc.ID) {
			d.drop(ctx, t.ID)
		}
	case "announcement":
		var a struct{ Kind string }
		if d.decode(f, &a) {
			d.s.stats.announcements.Add(1)
			if a.Kind == "signup_open" {
				d.ponder(ctx, 0.6)
			}
		}
	case "signup":
		d.s.stats.promoted.Add(1)
	case "shift_fill", "route_offer", "route", "driver_route":
		// Fill levels and routes are for people's eyes; simulated
		// volunteers answer offers one at a time.
	case "ack":
		var r reply
		if d.decode(f, &r) {
			d.acked(ctx, r)
		}
	case "error":
		var r reply
		if d.decode(f, &r) {
			d.refused(r)
		}
	default:
		d.s.stats.fail("ws driver", "unknown_frame_"+f.Type, false)
	}
}

// decode reads a frame's data, counting one that cannot be read.
func (d *driver) decode(f frame, v any) bool {
	if err := json.Unmarshal(f.Data, v); err != nil {
		d.s.stats.fail("ws driver", "unreadable_"+f.Type, false)
		return false
	}
	return true
}

// acked takes the server's yes to a request.
func (d *driver) acked(ctx context.Context, r reply) {
	req, ok := d.pending[r.RequestID]
	if !ok {
		return
	}
	delete(d.pending, r.RequestID)
	switch req.kind {
	case "location":
		d.s.stats.locations.Add(1)
	case "presence-online":
		d.setOnline(true)
		d.moved = time.Now()
		d.todo.after(d.s.spell(d.rng, 10*time.Minute, 30*time.Second), func() { d.goOffline() })
		if d.s.campaign.Load() != nil {
			d.ponder(ctx, 0.3) // back at the wheel, the campaign comes to mind
		}
	case "accept":
		var res struct{ Trip tripView }
		if json.Unmarshal(r.Result, &res) != nil || res.Trip.ID == "" {
			d.s.stats.fail("ws accept", "bad_answer", false)
			return
		}
		d.s.stats.accepted.Add(1)
		d.take(ctx, res.Trip)
	case "decline":
		d.s.stats.declined.Add(1)
	}
}

// refused takes the server's no to a request.
func (d *driver) refused(r reply) {
	req, ok := d.pending[r.RequestID]
	delete(d.pending, r.RequestID)
	switch {
	case !ok:
		d.s.stats.fail("ws unknown request", r.Code, false)
	case req.kind == "accept":
		// Another driver was quicker, the offer ran out, or the trip was
		// called off: part of life.
		d.s.stats.lost.Add(1)
		d.s.stats.fail("ws accept", r.Code, r.Code == "trip_taken" || r.Code == "schedule_clash" || r.Code == "conflict")
		if r.Code == "schedule_clash" {
			// The driver took another trip at that time meanwhile: say no,
			// so that the offer moves on rather than running out.
			d.send("decline", map[string]any{"trip_id": req.tripID}, request{kind: "decline", tripID: req.tripID})
		}
	case req.kind == "decline":
		d.s.stats.fail("ws decline", r.Code, r.Code == "conflict")
	case req.kind == "presence-online":
		d.s.stats.fail("ws presence", r.Code, false)
		d.todo.after(d.s.scaled(30*time.Second), func() { d.goOnline() })
	default:
		d.s.stats.fail("ws "+req.kind, r.Code, false)
	}
}

// goOnline shares the driver's position and asks to go online.
func (d *driver) goOnline() {
	if d.online {
		return
	}
	d.send("presence", map[string]any{"status": "online", "location": d.pos}, request{kind: "presence-online"})
}

// goOffline takes a break, once no trip is under way.
func (d *driver) goOffline() {
	if !d.online {
		return
	}
	if len(d.jobs) > 0 || d.awaiting("accept") {
		d.todo.after(d.s.scaled(30*time.Second), func() { d.goOffline() })
		return
	}
	d.send("presence", map[string]any{"status": "offline"}, request{kind: "presence"})
	d.setOnline(false)
	d.todo.after(d.s.spell(d.rng, 90*time.Second, 15*time.Second), func() { d.goOnline() })
}

// awaiting reports whether a request of kind is unanswered.
func (d *driver) awaiting(kind string) bool {
	for _, r := range d.pending {
		if r.kind == kind {
			return true
		}
	}
	return false
}
