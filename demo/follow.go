package demo

import (
	"context"
	"time"
)

// follow holds a live channel open until ctx ends, handing each frame to
// handle and reconnecting, with the last event id, when the server drops
// it. op names the channel in the error counts.
func (s *sim) follow(ctx context.Context, op, path, token string, handle func(frame)) {
	var lastID string
	for wait := time.Second; ctx.Err() == nil; wait = min(2*wait, 10*time.Second) {
		sock, err := s.c.dial(ctx, path, token, lastID)
		if err != nil {
			if ctx.Err() == nil {
				s.stats.fail(op+" dial", errCode(err), false)
				sleep(ctx, wait)
			}
			continue
		}
		if lastID != "" {
			s.stats.reconnects.Add(1)
		}
	read:
		for {
			select {
			case <-ctx.Done():
				break read
			case f, ok := <-sock.frames:
				if !ok {
					break read
				}
				if f.ID != "" {
					lastID = f.ID
				}
				handle(f)
			}
		}
		sock.shutdown()
		if ctx.Err() == nil && !sock.closedByServer() {
			s.stats.fail(op, "dropped", false)
		}
		wait = time.Second / 2
	}
}
