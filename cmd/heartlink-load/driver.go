package main

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// driver is one simulated volunteer on its own websocket.
type driver struct {
	socket
	acc account
	r   *runner

	// answers receives the answer to a presence request: "" for an ack,
	// else the error code. Setup and teardown wait on it.
	answers chan string

	pmu     sync.Mutex           // pmu guards pending
	pending map[string]time.Time // accept request_id → when it was sent; nil when none

	locations int // location frames sent; only the location scheduler touches it
}

// driverData holds the fields of every frame a driver reads that the tool
// looks at.
type driverData struct {
	TripID    string `json:"trip_id"`
	RequestID string `json:"request_id"`
	Code      string `json:"code"`
	Reason    string `json:"reason"`
	Result    struct {
		Trip struct {
			Version int64 `json:"version"`
		} `json:"trip"`
	} `json:"result"`
}

// driverReads are the frames a driver decodes; the rest are only counted.
var driverReads = map[string]bool{"offer": true, "offer_withdrawn": true, "ack": true, "error": true}

// read handles the driver's frames until the socket ends.
func (d *driver) read() {
	defer d.ws.Close()
	for {
		_, msg, err := d.ws.ReadMessage()
		if err != nil {
			d.r.ended(err)
			return
		}
		at := time.Now()
		if typ, ok := typeOf(msg); ok && !driverReads[typ] {
			d.r.driverFrames.add(typ) // counted, not read
			continue
		}
		var f struct {
			Type string     `json:"type"`
			Data driverData `json:"data"`
		}
		if json.Unmarshal(msg, &f) != nil {
			d.r.errorFrames.add("unreadable frame")
			continue
		}
		data := f.Data
		d.r.driverFrames.add(f.Type)
		switch f.Type {
		case "offer":
			d.r.trips.offered(data.TripID, at)
			if freed, ok := d.r.freedAt.LoadAndDelete(d); ok {
				d.r.freeToOffer.add(at.Sub(freed.(time.Time)))
			}
			d.r.answer(d, data.TripID)
		case "offer_withdrawn":
			d.r.withdrawn.add(data.Reason)
		case "ack":
			d.answered(data, "", at)
		case "error":
			d.r.errorFrames.add(requestKind(data.RequestID) + ": " + data.Code)
			d.answered(data, data.Code, at)
		}
	}
}

// requestKind names a request by its request_id's prefix.
func requestKind(id string) string {
	kind, _, _ := strings.Cut(id, ":")
	switch kind {
	case "a":
		return "accept"
	case "d":
		return "decline"
	case "l":
		return "location"
	case "p":
		return "presence"
	}
	return "frame"
}

// answered takes the server's answer to a request: code is "" for an ack.
func (d *driver) answered(data driverData, code string, at time.Time) {
	id := data.RequestID
	switch requestKind(id) {
	case "accept":
		d.pmu.Lock()
		sent, ok := d.pending[id]
		delete(d.pending, id)
		d.pmu.Unlock()
		if !ok {
			return
		}
		if code == "" {
			d.r.acceptRTT.add(at.Sub(sent))
			trip := strings.TrimPrefix(id, "a:")
			d.r.trips.accepted(trip, data.Result.Trip.Version, at)
			d.r.held.add(d, trip)
		}
	case "presence":
		select {
		case d.answers <- code:
		default:
		}
	case "location":
		if code == "" {
			d.r.locationAcks.Add(1)
		}
	}
}

// setPresence sends a presence request and waits for its answer.
func (d *driver) setPresence(online bool, timeout time.Duration) string {
	data := map[string]any{"request_id": "p:off", "status": "offline"}
	if online {
		data = map[string]any{"request_id": "p:on", "status": "online", "location": d.acc.Home}
	}
	if err := d.send(request{Type: "presence", Data: data}); err != nil {
		return "write failed"
	}
	select {
	case code := <-d.answers:
		return code
	case <-time.After(timeout):
		return "no answer"
	}
}

// respond accepts or declines an offer.
func (d *driver) respond(kind, tripID string) {
	id := kind[:1] + ":" + tripID
	if kind == "accept" {
		d.pmu.Lock()
		if d.pending == nil {
			d.pending = make(map[string]time.Time)
		}
		d.pending[id] = time.Now()
		d.pmu.Unlock()
	}
	if err := d.send(request{Type: kind, Data: map[string]string{"request_id": id, "trip_id": tripID}}); err != nil {
		d.r.errorFrames.add(kind + ": write failed")
	}
}

// sendLocation reports a position near the driver's home.
func (d *driver) sendLocation() {
	d.locations++
	p := around(d.acc.Home, 0.3)
	err := d.send(request{Type: "location", Data: map[string]any{
		"request_id": "l:" + strconv.Itoa(d.locations), "lat": p.Lat, "lng": p.Lng,
	}})
	if err != nil {
		d.r.errorFrames.add("location: write failed")
		return
	}
	d.r.locationsSent.Add(1)
}

// answer decides what the driver does with an offer: accept a share of
// them, decline or ignore the rest, after a random pause or at once.
func (r *runner) answer(d *driver, tripID string) {
	kind := "accept"
	if rand.Float64() >= r.cfg.AcceptFraction {
		if rand.Float64() < r.cfg.ExpireFraction {
			r.decisions.add("ignored")
			return
		}
		kind = "decline"
	}
	r.decisions.add(kind)
	if r.cfg.Think == 0 {
		d.respond(kind, tripID)
		return
	}
	r.amu.Lock()
	defer r.amu.Unlock()
	if r.answersOff {
		return
	}
	r.thinking.Add(1)
	time.AfterFunc(rand.N(r.cfg.Think), func() {
		defer r.thinking.Done()
		d.respond(kind, tripID)
	})
}
