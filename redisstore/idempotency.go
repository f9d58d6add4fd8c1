package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
)

// idempotencyKey is where the record of an Idempotency-Key lives: its
// scope (caller and key) hashed, so that whatever a client puts in a key
// never reaches a key name.
func (s *Store) idempotencyKey(scope string) string {
	h := sha256.Sum256([]byte(scope))
	return s.keys.idempotency(hex.EncodeToString(h[:16]))
}

// ReserveKey takes the Idempotency-Key of scope for a request whose
// fingerprint (method, path and body) is fp, on behalf of owner, or says
// who has it: an earlier answer to repeat, a request still being answered,
// or what a request that died had created. A key sent with another request
// is refused with EKeyReused.
func (s *Store) ReserveKey(ctx context.Context, scope, fp, owner string) (heartlink.Reservation, error) {
	res, err := s.scripts.idemReserve.Run(ctx, s.rdb, []string{s.idempotencyKey(scope)},
		fp, owner, ms(s.now()), heartlink.IdempotencyLease.Milliseconds(), heartlink.IdempotencyTTL.Milliseconds()).StringSlice()
	if err != nil {
		return heartlink.Reservation{}, wrap(err, "reserve idempotency key")
	}
	switch res[0] {
	case "run":
		return heartlink.Reservation{Outcome: heartlink.Run}, nil
	case "busy":
		return heartlink.Reservation{Outcome: heartlink.Busy}, nil
	case "created":
		return heartlink.Reservation{Outcome: heartlink.Created, Ref: res[1]}, nil
	case "done":
		status, _ := strconv.Atoi(res[1])
		return heartlink.Reservation{Outcome: heartlink.Replay, Answer: heartlink.Answer{Status: status, Location: res[2], Body: []byte(res[3])}}, nil
	}
	return heartlink.Reservation{}, heartlink.FieldError(heartlink.EKeyReused, heartlink.IdempotencyHeader,
		"this Idempotency-Key was sent before with another request; use a new key for a new request")
}

// RenewKey extends owner's hold on the key while it is still answering.
func (s *Store) RenewKey(ctx context.Context, scope, owner string) error {
	return s.finish(ctx, scope, owner, "renew")
}

// CompleteKey keeps a for the key, to repeat for IdempotencyTTL.
func (s *Store) CompleteKey(ctx context.Context, scope, owner string, a heartlink.Answer) error {
	return s.finish(ctx, scope, owner, "done", a.Status, a.Location, a.Body)
}

// FreeKey frees the key after a request that failed or was refused, so
// that the same key may be sent again, with the same request or a mended
// one. A key under which something was created is not freed: a retry
// answers from what was created.
func (s *Store) FreeKey(ctx context.Context, scope, owner string) error {
	return s.finish(ctx, scope, owner, "release")
}

func (s *Store) finish(ctx context.Context, scope, owner, mode string, answer ...any) error {
	args := append([]any{owner, mode, ms(s.now()), heartlink.IdempotencyLease.Milliseconds(), heartlink.IdempotencyTTL.Milliseconds()}, answer...)
	return wrap(s.scripts.idemFinish.Run(ctx, s.rdb, []string{s.idempotencyKey(scope)}, args...).Err(), "idempotency key: "+mode)
}

// markCreated records, inside the transaction p that creates id, that the
// Idempotency-Key ctx answers for (if any) created it.
func (s *Store) markCreated(ctx context.Context, p redis.Pipeliner, id string) {
	scope := heartlink.IdempotencyScope(ctx)
	if scope == "" {
		return
	}
	k := s.idempotencyKey(scope)
	p.HSet(ctx, k, "ref", id)
	// Never a record without an end, whatever became of the reservation.
	p.PExpire(ctx, k, heartlink.IdempotencyTTL)
}
