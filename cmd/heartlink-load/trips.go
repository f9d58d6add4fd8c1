package main

import (
	"sync"
	"time"
)

// tripRec is what the client saw of one trip. An offer may reach a driver
// before the request's answer reaches the requester, so either side may
// create the record.
type tripRec struct {
	start      time.Time // just before POST /api/v1/trips
	created    time.Time // its 201 answer arrived
	firstOffer time.Time // the first offer frame for it arrived at a driver
	offers     int
	// seen is when the client itself first learned of each version of
	// the trip: from the request's answer and from the accept's ack.
	seen map[int64]time.Time
}

// tripBook holds every trip's record. The zero value is empty and ready.
type tripBook struct {
	mu sync.Mutex // mu guards m
	m  map[string]*tripRec
}

// recLocked returns id's record, making it; mu must be held.
func (b *tripBook) recLocked(id string) *tripRec {
	if b.m == nil {
		b.m = make(map[string]*tripRec)
	}
	r := b.m[id]
	if r == nil {
		r = &tripRec{}
		b.m[id] = r
	}
	return r
}

func (b *tripBook) created(id string, version int64, start, end time.Time) {
	b.mu.Lock()
	r := b.recLocked(id)
	r.start, r.created = start, end
	r.sawLocked(version, end)
	b.mu.Unlock()
}

// sawLocked notes that the client learned of version at; mu must be held.
func (r *tripRec) sawLocked(version int64, at time.Time) {
	if r.seen == nil {
		r.seen = make(map[int64]time.Time, 2)
	}
	if t, ok := r.seen[version]; !ok || at.Before(t) {
		r.seen[version] = at
	}
}

func (b *tripBook) offered(id string, at time.Time) {
	b.mu.Lock()
	r := b.recLocked(id)
	r.offers++
	if r.firstOffer.IsZero() {
		r.firstOffer = at
	}
	b.mu.Unlock()
}

// accepted notes the accept's ack, which holds the trip as assigned.
func (b *tripBook) accepted(id string, version int64, at time.Time) {
	b.mu.Lock()
	b.recLocked(id).sawLocked(version, at)
	b.mu.Unlock()
}

// offerFigures are the request → offer latencies of the trips this run
// created, and how many got no offer within timeout.
func (b *tripBook) offerFigures(timeout time.Duration) (lat []time.Duration, missed, offers int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.m {
		offers += r.offers
		if r.start.IsZero() {
			continue // offered, but its request failed on the client side
		}
		d := r.firstOffer.Sub(r.start)
		if r.firstOffer.IsZero() || d > timeout {
			missed++
			continue
		}
		lat = append(lat, d)
	}
	return lat, missed, offers
}

// reference is when the client itself first learned of version of trip
// id, if it did: the request's answer holds the trip as first dispatched,
// the accept's ack the trip as assigned. A board frame showing the same
// version shows the same state.
func (b *tripBook) reference(id string, version int64) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.m[id]
	if r == nil {
		return time.Time{}, false
	}
	t, ok := r.seen[version]
	return t, ok
}
