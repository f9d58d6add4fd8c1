package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// heldTrips are the trips drivers accepted, in no order. The zero value is
// empty and ready.
type heldTrips struct {
	mu    sync.Mutex
	trips []heldTrip
}

type heldTrip struct {
	d  *driver
	id string
}

func (h *heldTrips) add(d *driver, id string) {
	h.mu.Lock()
	h.trips = append(h.trips, heldTrip{d, id})
	h.mu.Unlock()
}

// take removes and returns a random held trip.
func (h *heldTrips) take() (heldTrip, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.trips) == 0 {
		return heldTrip{}, false
	}
	i := rand.IntN(len(h.trips))
	t := h.trips[i]
	h.trips[i] = h.trips[len(h.trips)-1]
	h.trips = h.trips[:len(h.trips)-1]
	return t, true
}

// freeDrivers cancels, as a coordinator, one held trip every FreeEvery,
// and notes when its driver was freed: their next offer is timed from
// then (freeToOffer). In a full fleet this is how fast a driver becoming
// free is given a waiting trip.
func (r *runner) freeDrivers(ctx context.Context) {
	if r.cfg.FreeEvery <= 0 {
		return
	}
	t := time.NewTicker(r.cfg.FreeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h, ok := r.held.take()
		if !ok {
			continue
		}
		err := r.api.call(ctx, "POST", "/api/v1/trips/"+h.id+"/cancel", r.cfg.AdminToken, nil, nil, http.StatusOK)
		if err != nil {
			if ctx.Err() == nil {
				r.tripFailures.add("free: " + err.Error())
			}
			continue
		}
		r.frees.Add(1)
		r.freedAt.Store(h.d, time.Now())
	}
}
