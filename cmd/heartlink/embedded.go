package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// embedded starts an in-process Redis-compatible store (miniredis) so that
// the service runs with nothing installed. The same store code and scripts
// run on it as on Redis. miniredis expires keys only when told to, so a
// goroutine moves its clock along with the wall clock; it keeps nothing on
// disk.
func embedded(log *slog.Logger, timeout time.Duration) (redis.UniversalClient, func(), error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("embedded store: %w", err)
	}
	log.Warn("store: embedded, in memory only; everything is lost when the process stops. " +
		"Point it at Redis with -redis redis://127.0.0.1:6379/0 or REDIS_URL.")
	opt := &redis.Options{Addr: m.Addr(), DisableIdentity: true}
	withTimeouts(opt, timeout)
	rdb := redis.NewClient(opt)

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return rdb, func() {
		close(stop)
		<-done
		rdb.Close()
		m.Close()
	}, nil
}
