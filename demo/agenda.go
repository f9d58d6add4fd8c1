package demo

import (
	"container/heap"
	"time"
)

// agenda is an actor's list of things to do later, run by the actor's own
// loop: no goroutine per timer, nothing left running when the loop ends.
// The zero value is an empty agenda.
type agenda struct {
	items agendaHeap
	seq   int
	timer *time.Timer
}

type agendaItem struct {
	at  time.Time
	seq int // keeps items due at the same time in the order added
	fn  func()
}

// after plans fn to run d from now.
func (a *agenda) after(d time.Duration, fn func()) {
	a.seq++
	heap.Push(&a.items, agendaItem{at: time.Now().Add(d), seq: a.seq, fn: fn})
}

// C returns a channel that fires when the earliest item is due, or nil
// (never fires) when there is none.
func (a *agenda) C() <-chan time.Time {
	if len(a.items) == 0 {
		return nil
	}
	d := time.Until(a.items[0].at)
	if a.timer == nil {
		a.timer = time.NewTimer(d)
	} else {
		a.timer.Reset(d)
	}
	return a.timer.C
}

// runDue runs every item that was due when it was called; what those
// items add runs on a later turn of the loop.
func (a *agenda) runDue() {
	now := time.Now()
	for len(a.items) > 0 && !a.items[0].at.After(now) {
		it := heap.Pop(&a.items).(agendaItem)
		it.fn()
	}
}

// stop releases the timer.
func (a *agenda) stop() {
	if a.timer != nil {
		a.timer.Stop()
	}
}

type agendaHeap []agendaItem

func (h agendaHeap) Len() int { return len(h) }
func (h agendaHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h agendaHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *agendaHeap) Push(x any)   { *h = append(*h, x.(agendaItem)) }
func (h *agendaHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
