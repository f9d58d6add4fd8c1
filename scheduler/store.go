package scheduler

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store keeps what instances share: the claim of each firing and how far
// each job's firings have been handled.
type Store interface {
	// Claim reports whether this caller won the firing of job at at; of
	// all callers for one firing exactly one wins (until the claim expires).
	Claim(ctx context.Context, job string, at time.Time) (bool, error)
	// Last returns the instant through which job's firings are handled:
	// its latest firing handled, or when the job was first planned.
	Last(ctx context.Context, job string) (time.Time, bool, error)
	// SetLast moves Last forward to at; it never moves it back.
	SetLast(ctx context.Context, job string, at time.Time) error
}

// ClaimTTL is how long the Redis store keeps a claim. A firing's claim only
// matters while instances may still try it: at its time, or at a restart
// within the job's CatchUp, which should be shorter.
const ClaimTTL = 14 * 24 * time.Hour

//go:embed setlast.lua
var setLastSrc string

var setLastScript = redis.NewScript(setLastSrc)

// redisStore is the Store in Redis.
type redisStore struct {
	rdb redis.UniversalClient
	p   string // key prefix, hash tag included
}

var _ Store = (*redisStore)(nil)

// NewRedisStore returns the Store in rdb: a claim is a key set with SET NX
// and ClaimTTL, named by job and scheduled instant (UTC unix seconds), and
// the last firings are one hash. All keys share one hash tag, so it works on
// Redis Cluster and with the embedded miniredis alike. The prefix is the caller's hash
// tag: "hl" is used as "{hl}:", as the rest of the service's keys are; a
// prefix with braces, such as "{hl}:", is used as it is; "" means "hl".
func NewRedisStore(rdb redis.UniversalClient, prefix string) Store {
	switch {
	case prefix == "":
		prefix = "{hl}:"
	case !strings.Contains(prefix, "{"):
		prefix = "{" + prefix + "}:"
	}
	return &redisStore{rdb: rdb, p: prefix}
}

func (s *redisStore) claimKey(job string, at time.Time) string {
	// The instant comes last and has no colon, so no two (job, at) share a key.
	return s.p + "sched:claim:" + job + ":" + strconv.FormatInt(at.Unix(), 10)
}

func (s *redisStore) lastKey() string { return s.p + "sched:last" }

// Claim sets the firing's key if it is not set.
func (s *redisStore) Claim(ctx context.Context, job string, at time.Time) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.claimKey(job, at), "1", ClaimTTL).Result()
	if err != nil {
		return false, fmt.Errorf("scheduler: claim %s at %d: %w", job, at.Unix(), err)
	}
	return ok, nil
}

// Last reads the job's field of the hash of last firings.
func (s *redisStore) Last(ctx context.Context, job string) (time.Time, bool, error) {
	v, err := s.rdb.HGet(ctx, s.lastKey(), job).Result()
	if err == redis.Nil {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("scheduler: last firing of %s: %w", job, err)
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("scheduler: last firing of %s: bad value %q", job, v)
	}
	return time.Unix(sec, 0).UTC(), true, nil
}

// SetLast raises the job's field of the hash of last firings to at.
func (s *redisStore) SetLast(ctx context.Context, job string, at time.Time) error {
	err := setLastScript.Run(ctx, s.rdb, []string{s.lastKey()}, job, at.Unix()).Err()
	if err != nil && err != redis.Nil {
		return fmt.Errorf("scheduler: record last firing of %s: %w", job, err)
	}
	return nil
}
