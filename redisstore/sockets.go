package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
)

// OpenSocket counts the live socket id (unique across instances) for
// holder unless holder already holds limit sockets on all instances
// together. The count holds for lease: the instance renews it with
// KeepSockets while the socket is open, so that the sockets of an instance
// that died stop counting once their leases end.
func (s *Store) OpenSocket(ctx context.Context, holder heartlink.Principal, id string, limit int, lease time.Duration) (bool, error) {
	k := s.keys.sockets(holder)
	now := s.now()
	var held *redis.IntCmd
	// Add first, then count, in one transaction: two sockets opening at
	// once on two instances cannot both squeeze into the last place.
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, k, "-inf", strconv.FormatInt(ms(now), 10))
		p.ZAdd(ctx, k, redis.Z{Score: float64(ms(now.Add(lease))), Member: id})
		held = p.ZCard(ctx, k)
		p.PExpire(ctx, k, lease)
		return nil
	})
	if err != nil {
		return false, wrap(err, "open socket")
	}
	if held.Val() > int64(limit) {
		if err := s.rdb.ZRem(ctx, k, id).Err(); err != nil {
			return false, wrap(err, "open socket")
		}
		return false, nil
	}
	return true, nil
}

// CloseSocket stops counting the socket id for holder.
func (s *Store) CloseSocket(ctx context.Context, holder heartlink.Principal, id string) error {
	return wrap(s.rdb.ZRem(ctx, s.keys.sockets(holder), id).Err(), "close socket")
}

// KeepSockets renews for lease the sockets still open here, by holder, in
// one round trip. A socket whose lease ended meanwhile (Redis was out of
// reach) is not counted again: it is let be.
func (s *Store) KeepSockets(ctx context.Context, open map[heartlink.Principal][]string, lease time.Duration) error {
	if len(open) == 0 {
		return nil
	}
	until := float64(ms(s.now().Add(lease)))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for holder, ids := range open {
			k := s.keys.sockets(holder)
			zs := make([]redis.Z, len(ids))
			for i, id := range ids {
				zs[i] = redis.Z{Score: until, Member: id}
			}
			p.ZAddXX(ctx, k, zs...)
			p.PExpire(ctx, k, lease)
		}
		return nil
	})
	return wrap(err, "keep sockets")
}
