package main

import "sync"

// ledger keeps every answer the drivers got to their accepts and
// declines: what the service told them, which the checks hold it to.
type ledger struct {
	mu      sync.Mutex                   // mu guards the maps
	acked   map[string]map[string]bool   // trip → drivers told the trip is theirs
	refused map[string]map[string]string // trip → driver → the code an accept was refused with
	asked   map[string]map[string]bool   // trip → drivers who sent an accept
	codes   map[string]int               // refusals of accepts, by code
	decline map[string]int               // answers to declines: "ack" or the code
	acks    int
}

func newLedger() *ledger {
	return &ledger{
		acked:   map[string]map[string]bool{},
		refused: map[string]map[string]string{},
		asked:   map[string]map[string]bool{},
		codes:   map[string]int{},
		decline: map[string]int{},
	}
}

// answered records the final answer to q: an ack when code is empty, else
// the error code.
func (l *ledger) answered(d *driver, q *ask, code string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q.typ == "decline" {
		if code == "" {
			code = "ack"
		}
		l.decline[code]++
		return
	}
	if code == "" {
		l.acks++
		add(l.acked, q.trip, d.id, true)
		return
	}
	l.codes[code]++
	add(l.refused, q.trip, d.id, code)
}

// sent records that d sent an accept of trip.
func (l *ledger) sent(d *driver, trip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	add(l.asked, trip, d.id, true)
}

func add[V any](m map[string]map[string]V, k1, k2 string, v V) {
	if m[k1] == nil {
		m[k1] = map[string]V{}
	}
	m[k1][k2] = v
}
