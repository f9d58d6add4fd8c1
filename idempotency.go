package heartlink

import (
	"context"
	"time"
)

// IdempotencyHeader names the request header that makes a creation safe to
// retry: the same caller sending the same key and body gets the first
// answer again instead of a second trip, import, booking or sign-up.
const IdempotencyHeader = "Idempotency-Key"

// IdempotencyTTL is how long the answer kept for a key is repeated.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyLease is how long a key stays reserved for a request still
// being answered without word from it. The instance answering renews it
// while it works; one that dies lets a retry run the request again after
// at most this long.
const IdempotencyLease = 10 * time.Second

// MaxIdempotencyKey is the longest key accepted, in bytes.
const MaxIdempotencyKey = 255

// CheckIdempotencyKey reports what is wrong with a key: empty, longer than
// MaxIdempotencyKey or holding anything but printable ASCII (a UUID, a
// ULID or "import-2027-06-07-batch-3" all pass). The error is a 400 naming
// the header.
func CheckIdempotencyKey(key string) error {
	switch {
	case key == "":
		return FieldError(EBadRequest, IdempotencyHeader, "an Idempotency-Key must not be empty")
	case len(key) > MaxIdempotencyKey:
		return FieldError(EBadRequest, IdempotencyHeader, "an Idempotency-Key may have at most %d characters", MaxIdempotencyKey)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return FieldError(EBadRequest, IdempotencyHeader, "an Idempotency-Key may hold only printable ASCII characters")
		}
	}
	return nil
}

// Outcome is what a reservation of an idempotency key found.
type Outcome int

const (
	// Run: the key is this request's; answer it and keep the answer.
	Run Outcome = iota
	// Replay: the key was answered before; repeat Answer.
	Replay
	// Created: the request that held the key created Ref and died before
	// answering; answer from what it created, and keep that answer.
	Created
	// Busy: another request with the key is being answered right now.
	Busy
)

// Answer is an HTTP answer kept for a key: its status, Location and body.
type Answer struct {
	Status   int
	Location string
	Body     []byte
}

// Reservation is what reserving a key gave.
type Reservation struct {
	Outcome Outcome
	Answer  Answer // for Replay
	Ref     string // for Created: the id of what was created
}

type idemKey struct{}

// WithIdempotencyScope marks ctx as answering the idempotency key of
// scope, so that the store records what it creates under the key in the
// same transaction as the creation: an instance that dies before answering
// leaves the key pointing at the creation rather than free for a second.
func WithIdempotencyScope(ctx context.Context, scope string) context.Context {
	return context.WithValue(ctx, idemKey{}, scope)
}

// IdempotencyScope returns the scope ctx answers for, or "".
func IdempotencyScope(ctx context.Context) string {
	s, _ := ctx.Value(idemKey{}).(string)
	return s
}
