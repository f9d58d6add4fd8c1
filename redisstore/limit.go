package redisstore

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Allow takes one request from key's budget of rate per second with the
// given burst (GCRA, shared by every instance through Redis). A store
// that refuses writes (a replica, see health.go) cannot keep the budget:
// every request is let through, as when Redis does not answer, without a
// round trip that would fail.
func (s *Store) Allow(ctx context.Context, key string, rate, burst int) (bool, time.Duration, error) {
	if s.Refuse(true) != nil {
		return true, 0, nil
	}
	res, err := s.limiter.Allow(ctx, s.keys.rate(key), redis_rate.Limit{Rate: rate, Burst: burst, Period: time.Second})
	if err != nil {
		return false, 0, wrap(err, "rate limit")
	}
	return res.Allowed > 0, res.RetryAfter, nil
}
