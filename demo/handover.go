package demo

import (
	"context"
	"sync"
)

// pins are the handover PINs of the trips the simulated requesters booked,
// by trip id. The simulation plays the riders too: a rider tells the
// driver their PIN at the door, so the driver reads it here, never from
// the API (which does not show it to drivers).
type pins struct {
	mu sync.Mutex // guards m
	m  map[string]string
}

func (p *pins) set(tripID, pin string) {
	if pin == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[tripID] = pin
}

func (p *pins) get(tripID string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pin, ok := p.m[tripID]
	return pin, ok
}

// pinOf is the PIN the rider of a trip gives: the one its requester was
// told when booking or, for a trip booked with it (the way back), as the
// coordinator reads it.
func (s *sim) pinOf(ctx context.Context, tripID string) string {
	if pin, ok := s.pins.get(tripID); ok {
		return pin
	}
	var t struct {
		PIN string `json:"pin"`
	}
	if s.c.call(ctx, s.admin, "read pin", "GET", "/api/v1/trips/"+tripID, nil, &t, 200) != nil {
		return ""
	}
	s.pins.set(tripID, t.PIN)
	return t.PIN
}
