// Package redisstore keeps Heart-Link's state in Redis and carries out the
// dispatch rules atomically: each change of a trip is one Lua script checked
// against the trip's current state. It is the only package that knows key
// names and Lua. It runs the same against a Redis server, a Redis Cluster
// (every key a script or transaction touches shares the fleet's hash tag;
// see keys.go) and the embedded in-process store.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// Store is the Redis-backed fleet and dispatch service.
type Store struct {
	rdb    redis.UniversalClient
	keys   keys
	clock  heartlink.Clock
	policy dispatch.Policy
	log    *slog.Logger

	limiter *redis_rate.Limiter
	scripts scripts
	history int
	radii   *radii
	routes  routeCache // decoded routes of candidates, see readCandidates

	embedded bool    // Options.Embedded
	health   monitor // what the store's Redis is, see health.go

	// wake nudges the background workers when work is queued locally;
	// planWake the planning loop, when a planned route was turned down.
	wake, planWake chan struct{}

	// mu guards stats and lastWatch, when this instance last ran the
	// deadline watch.
	mu        sync.Mutex
	stats     Stats
	lastWatch time.Time
	lastSweep time.Time // mu guards it too: when unserved trips were last swept
	lastPurge time.Time // and when riders' data was last purged
}

// Stats counts what the store did, for /metrics.
type Stats struct {
	Offered, Accepted, Declined, Expired, Unassigned int64
}

var (
	_ fleet.Service    = (*Store)(nil)
	_ dispatch.Service = (*Store)(nil)
)

// Options configure a Store. The zero Options use the system clock, the
// default policy and the key prefix "hl".
type Options struct {
	Prefix string
	// History is how many events the event stream keeps for clients that
	// reconnect; zero means DefaultHistory.
	History int
	Clock   heartlink.Clock
	Policy  *dispatch.Policy
	Logger  *slog.Logger
	// Embedded says the store is the embedded in-memory one, which has no
	// persistence or role to check: its health says nothing persists.
	Embedded bool
}

// DefaultHistory is how many events are kept for resuming clients: at a
// city's exam-morning peak, some minutes' worth.
const DefaultHistory = 20000

// New returns a Store over rdb.
func New(rdb redis.UniversalClient, o Options) *Store {
	s := &Store{
		rdb:      rdb,
		keys:     newKeys(o.Prefix),
		clock:    o.Clock,
		log:      o.Logger,
		limiter:  redis_rate.NewLimiter(rdb),
		embedded: o.Embedded,
		wake:     make(chan struct{}, 1),
		planWake: make(chan struct{}, 1),
	}
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	s.history = o.History
	s.scripts = newScripts(o.History)
	if s.clock == nil {
		s.clock = heartlink.SystemClock{}
	}
	if o.Policy != nil {
		s.policy = *o.Policy
	} else {
		s.policy = dispatch.DefaultPolicy()
	}
	s.radii = newRadii(s.policy.RadiusStartKm)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Policy returns the dispatch policy the store applies.
func (s *Store) Policy() dispatch.Policy { return s.policy }

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// Stats returns a copy of the counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Store) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

func (s *Store) now() time.Time { return s.clock.Now().UTC() }

// newID returns a random, unguessable id with a readable prefix.
func newID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// newToken returns a random bearer token: 32 bytes, 256 bits.
func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return "hl_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMs(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// wrap adds context to a Redis failure. heartlink.Errors pass through.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if heartlink.ErrorCode(err) != heartlink.EInternal {
		return err
	}
	return fmt.Errorf("redisstore: %s: %w", what, err)
}
