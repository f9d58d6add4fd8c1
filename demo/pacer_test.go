package demo

import (
	"context"
	"testing"
	"time"
)

// TestPacerBurstThenRate checks what keeps the simulation under the
// server's limits: a burst goes at once, the rest at the rate.
func TestPacerBurstThenRate(t *testing.T) {
	p := newPacer(100, 5)
	ctx := context.Background()
	start := time.Now()
	for range 5 {
		p.wait(ctx)
	}
	if d := time.Since(start); d > 5*time.Millisecond {
		t.Fatalf("a burst of 5 took %v; want no wait", d)
	}
	for range 10 {
		p.wait(ctx)
	}
	if d := time.Since(start); d < 95*time.Millisecond {
		t.Errorf("15 calls at 100/s with a burst of 5 took %v; want at least 100ms", d)
	}
}

func TestPacerHold(t *testing.T) {
	p := newPacer(1000, 10)
	p.hold(50 * time.Millisecond)
	start := time.Now()
	p.wait(context.Background())
	if d := time.Since(start); d < 45*time.Millisecond {
		t.Errorf("wait after hold(50ms) returned after %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.hold(time.Hour)
	if err := p.wait(ctx); err == nil {
		t.Error("wait with an ended context returned nil")
	}
}
