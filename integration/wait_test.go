package integration

import (
	"testing"
	"time"
)

// pollEvery is how often eventually looks again.
const pollEvery = 20 * time.Millisecond

// eventually polls cond until it holds, failing the test with what it
// waited for once timeout has passed. Things the service does in the
// background (offers, expiries, restarts) are awaited this way, never by
// sleeping a guessed time.
func eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(pollEvery)
	}
}
