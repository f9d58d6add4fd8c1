package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/heartlink/heartlink/redisstore"
)

// Start-up backoff between tries of a store that is not ready.
const (
	firstRetry = 250 * time.Millisecond
	maxRetry   = 5 * time.Second
	// tryTimeout bounds one try: a PING, and ROLE on every primary.
	tryTimeout = 5 * time.Second
)

// waitForStore calls try until it succeeds, for at most wait (once when
// wait is 0), pausing between tries from firstRetry up to maxRetry. A
// store that is starting, loading its data, slow or a replica (mid
// failover) may be ready soon: each failed try is logged with its reason.
// Any other error (a wrong password, say) ends the wait at once.
func waitForStore(ctx context.Context, wait time.Duration, log *slog.Logger, try func(context.Context) error) error {
	deadline := time.Now().Add(wait)
	pause := firstRetry
	for n := 1; ; n++ {
		tctx, cancel := context.WithTimeout(ctx, tryTimeout)
		err := try(tctx)
		cancel()
		switch {
		case err == nil:
			if n > 1 {
				log.Info("store: ready", "tries", n)
			}
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("stopped while waiting for the store: %w", err)
		case !redisstore.Unavailable(err) || wait == 0:
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("not ready after %d tries in %s (-redis-wait): %w", n, wait, err)
		}
		pause = min(pause, left)
		log.Warn("store: not ready; trying again", "try", n, "in", pause.Round(time.Millisecond), "reason", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped while waiting for the store: %w", err)
		case <-time.After(pause):
		}
		pause = min(2*pause, maxRetry)
	}
}
