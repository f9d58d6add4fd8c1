package main

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// stats counts what the run's clients did and saw. Every field is safe
// for concurrent use.
type stats struct {
	// HTTP.
	networkErrors atomic.Int64 // requests that got no answer (the instance died, say)
	retries       atomic.Int64 // requests sent again
	answersLost   atomic.Int64 // first sends whose answer the client gave up on
	sentAgain     atomic.Int64 // requests answered and sent again, as if the answer was lost
	http503       atomic.Int64
	http503Outage atomic.Int64 // of them, while Redis was down or just after

	// Live.
	offersSeen        atomic.Int64
	acceptsSent       atomic.Int64
	declinesSent      atomic.Int64
	resent            atomic.Int64 // accepts and declines sent again, same request_id
	stillAnswering    atomic.Int64 // answered "still being answered": sent again
	unavailableFrames atomic.Int64
	socketsCut        atomic.Int64 // by the tool: at random, and right after a request
	cutsAfterRequest  atomic.Int64
	socketDrops       atomic.Int64 // sockets that ended under a driver, however
	reconnects        atomic.Int64
	dialFailures      atomic.Int64

	mu      sync.Mutex // mu guards the fields below
	fivexx  []string   // HTTP answers 5xx other than 503, and live `internal` errors
	outage5 int        // of them, while Redis was down or just after
}

// httpAnswer counts one answer of the service.
func (s *stats) httpAnswer(r *rig, op string, a answer) {
	switch {
	case a.Status == http.StatusServiceUnavailable:
		s.http503.Add(1)
		if r.duringOutage(time.Now()) {
			s.http503Outage.Add(1)
		}
	case a.Status >= 500:
		s.serverError(r, fmt.Sprintf("%s: HTTP %d %s", op, a.Status, bytes.TrimSpace(a.Body)))
	}
}

// internalFrames counts a live `internal` error, the socket's 500.
func (s *stats) internalFrames(r *rig, message string) {
	s.serverError(r, "live request: error internal: "+message)
}

func (s *stats) serverError(r *rig, what string) {
	during := r.duringOutage(time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	if during {
		s.outage5++
		what += " (during a store outage)"
	}
	s.fivexx = append(s.fivexx, what)
}

func (s *stats) serverErrors() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.fivexx...), s.outage5
}
