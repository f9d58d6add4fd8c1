package demo

import (
	"context"
	"sync"
	"time"
)

// pacer spaces calls to at most rate a second, letting up to burst through
// at once after a quiet spell: the server's limits are token buckets, so
// staying under them on our side means never seeing a 429. The zero value
// is not usable; use newPacer.
type pacer struct {
	interval time.Duration
	slack    time.Duration // how far behind now next may lag: the burst

	mu   sync.Mutex // mu guards next
	next time.Time  // the earliest a new call may go
}

func newPacer(rate float64, burst int) *pacer {
	iv := time.Duration(float64(time.Second) / rate)
	return &pacer{interval: iv, slack: time.Duration(max(burst-1, 0)) * iv}
}

// wait blocks until a call may go, or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	at := later(p.next, now.Add(-p.slack))
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	return sleep(ctx, at.Sub(now))
}

// hold keeps every call back for d, as the server asked with Retry-After.
func (p *pacer) hold(d time.Duration) {
	p.mu.Lock()
	p.next = later(p.next, time.Now().Add(d))
	p.mu.Unlock()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sleep waits d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
