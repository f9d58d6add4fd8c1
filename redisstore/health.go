package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
)

// The store's health: whether its Redis takes writes (a primary, not a
// replica), how much of what it acknowledged survives a crash, and whether
// it still holds the fleet this instance began with. It is checked at
// start and every few seconds, so that the service refuses to work on a
// replica or on a store that came back empty, saying why, instead of
// failing every write with a 500 or every token with a 401.

// ErrReplica is the error of a Redis that is a replica: it refuses writes.
// Unavailable reports it: start-up waits for it to pass, as for a failover.
var ErrReplica = errors.New("is a replica, which refuses writes")

// Durability is how much of what the store acknowledged would survive a
// crash of Redis or of its machine.
type Durability struct {
	// AOF is whether every primary keeps an append-only file.
	AOF bool `json:"aof"`
	// Fsync is appendfsync where AOF is on: "always", "everysec", "no",
	// or "unknown" where CONFIG GET is refused.
	Fsync string `json:"fsync,omitempty"`
	// Warning says which acknowledged accepts could be lost; empty when
	// every one is on disk before it is acknowledged.
	Warning string `json:"warning,omitempty"`
}

// Durable reports whether every change is on disk before it is
// acknowledged: AOF with appendfsync always on every primary.
func (d Durability) Durable() bool { return d.AOF && d.Fsync == "always" }

// risk orders durabilities from nothing lost (0) to most.
func (d Durability) risk() int {
	switch {
	case !d.AOF:
		return 2
	case !d.Durable():
		return 1
	}
	return 0
}

// FleetEpoch is the random value the store holds from the fleet's first
// start on. An instance remembers it: a store without it, or with another,
// has lost the fleet's data (a Redis restarted without persistence, or
// flushed).
type FleetEpoch struct {
	ID string
	// Began is set when this start created the epoch: the store held none.
	// Then Existing says whether it held a fleet all the same (one begun
	// before epochs) rather than nothing (a first start, or lost data).
	Began, Existing bool
}

// health is what the last check found. It is replaced whole, so that
// every request can read it without a lock.
type health struct {
	replica     string // "redis at X (of Y)": a primary found to be a replica
	replicaAddr string // X, so that of several the same one is named each time
	lost        string // "missing" or "changed": the fleet epoch is not the one begun with
	durability  Durability
	known       bool // durability has been read
}

// monitor keeps the store's health and what checking it needs.
type monitor struct {
	state atomic.Pointer[health]

	mu    sync.Mutex // mu serializes checks, and guards epoch
	epoch string     // the fleet epoch this instance began or joined
}

// BeginEpoch makes sure the store holds the fleet's epoch, creating it
// when there is none, and remembers it for the health checks.
func (s *Store) BeginEpoch(ctx context.Context) (FleetEpoch, error) {
	var admin *redis.IntCmd
	var set *redis.BoolCmd
	var get *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		admin = p.Exists(ctx, s.keys.admin())
		set = p.SetNX(ctx, s.keys.epoch(), newID("epoch"), 0)
		get = p.Get(ctx, s.keys.epoch())
		return nil
	})
	if err != nil {
		return FleetEpoch{}, wrap(err, "fleet epoch")
	}
	e := FleetEpoch{ID: get.Val(), Began: set.Val()}
	e.Existing = e.Began && admin.Val() > 0
	s.health.mu.Lock()
	s.health.epoch = e.ID
	s.health.mu.Unlock()
	return e, nil
}

// Probe checks that the store answers and takes writes: every primary
// answers PING and says by ROLE that it is one. An error that Unavailable
// reports (refused, loading, timed out, a replica) may pass with time;
// another (a wrong password, say) will not.
func Probe(ctx context.Context, rdb redis.UniversalClient) error {
	err := eachPrimary(ctx, rdb, func(ctx context.Context, addr string, c redis.UniversalClient) error {
		if err := c.Ping(ctx).Err(); err != nil {
			return err
		}
		of, err := replicaOf(c.Do(ctx, "ROLE"))
		if err != nil {
			return err
		}
		if of != "" {
			return fmt.Errorf("%s (of %s) %w", redisAt(addr), of, ErrReplica)
		}
		return nil
	})
	if errors.Is(err, ErrReplica) {
		reloadTopology(rdb)
	}
	return err
}

// reloadTopology has a cluster client read again which node holds which
// slots when a primary it knew is found a replica: after a failover the
// next check asks the new primaries, rather than report the old one for
// as long as go-redis keeps its view (up to 10 s).
func reloadTopology(rdb redis.UniversalClient) {
	if c, ok := rdb.(*redis.ClusterClient); ok {
		c.ReloadState(context.Background())
	}
}

// eachPrimary calls f for every primary of a cluster, in parallel, or for
// the one server of any other client.
func eachPrimary(ctx context.Context, rdb redis.UniversalClient, f func(ctx context.Context, addr string, c redis.UniversalClient) error) error {
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
			return f(ctx, n.Options().Addr, n)
		})
	case *redis.Client:
		return f(ctx, c.Options().Addr, c)
	default:
		return f(ctx, "", rdb)
	}
}

// redisAt names a server in messages.
func redisAt(addr string) string {
	if addr == "" {
		return "redis"
	}
	return "redis at " + addr
}

// replicaOf reads a ROLE reply: the primary's address when the server is
// a replica, "" when it is a primary or does not say (a Redis-like store
// without ROLE is taken for a primary; its writes would say otherwise).
func replicaOf(role *redis.Cmd) (string, error) {
	r, err := role.Slice()
	switch {
	case refused(err):
		return "", nil
	case err != nil:
		return "", err
	case len(r) >= 3 && r[0] == "slave":
		return fmt.Sprintf("%v:%v", r[1], r[2]), nil
	}
	return "", nil
}

// refused reports whether err is the server refusing a command (unknown,
// renamed, or not permitted to this user), not failing to answer.
func refused(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && !errors.Is(err, redis.Nil) && !Unavailable(err)
}

// CheckHealth reads, once, what the store is: each primary's ROLE, INFO
// persistence and appendfsync, and the fleet epoch. It logs what changed
// since the last check. An error is the store not answering: what the last
// check found stands.
func (s *Store) CheckHealth(ctx context.Context) error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	var h health
	if s.embedded {
		h.durability = Durability{Warning: "embedded store: nothing persists; everything is lost when Heart-Link stops"}
		h.known = true
	} else {
		var mu sync.Mutex // mu guards h and found, which primaries are checked in parallel to fill
		var found []nodeDurability
		err := eachPrimary(ctx, s.rdb, func(ctx context.Context, addr string, c redis.UniversalClient) error {
			of, d, err := checkNode(ctx, c)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if of != "" && (h.replica == "" || addr < h.replicaAddr) {
				h.replica, h.replicaAddr = redisAt(addr)+" (of "+of+")", addr
			}
			found = append(found, nodeDurability{addr, d})
			return nil
		})
		if err != nil {
			return err
		}
		h.durability, h.known = least(found), len(found) > 0
		if h.replica != "" {
			reloadTopology(s.rdb)
		}
	}
	if s.health.epoch != "" {
		v, err := s.rdb.Get(ctx, s.keys.epoch()).Result()
		switch {
		case errors.Is(err, redis.Nil):
			h.lost = "missing"
		case err != nil:
			return err
		case v != s.health.epoch:
			h.lost = "changed"
		}
	}
	s.logChanges(s.health.state.Swap(&h), &h)
	return nil
}

// RunHealth checks the store's health every interval until ctx ends.
func (s *Store) RunHealth(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := s.CheckHealth(ctx); err != nil && ctx.Err() == nil {
			// Requests and /readyz show an outage; the log need not, every tick.
			s.log.Debug("store health check", "err", err)
		}
	}
}

// logChanges logs what is new in h since old (nil at the first check).
func (s *Store) logChanges(old, h *health) {
	if old == nil {
		old = &health{}
	}
	if h.known && (!old.known || old.durability != h.durability) && !s.embedded {
		if d := h.durability; d.Warning != "" {
			s.log.Warn("store: acknowledged accepts could be lost", "warning", d.Warning, "aof", d.AOF, "fsync", d.Fsync)
		} else {
			s.log.Info("store: durable: every change is on disk before it is acknowledged (AOF, appendfsync always)")
		}
	}
	switch {
	case h.replica != "" && old.replica == "":
		s.log.Error("store: " + h.replica + " is a replica: writes are refused until it is a primary again")
	case h.replica == "" && old.replica != "":
		s.log.Info("store: redis is a primary again: writes are served", "was_replica", old.replica)
	}
	switch {
	case h.lost != "" && old.lost != h.lost:
		s.log.Error(lostMessage(h.lost), "fleet_epoch", h.lost)
	case h.lost == "" && old.lost != "":
		s.log.Info("store: the fleet's data is back (fleet epoch found): serving again")
	}
}

// Durability is how durable the store was found at the last check; ok is
// false before one has read it.
func (s *Store) Durability() (d Durability, ok bool) {
	if h := s.health.state.Load(); h != nil {
		return h.durability, h.known
	}
	return Durability{}, false
}

// Ready reports whether the store may be used, for /readyz: the server
// that holds the fleet's keys answers now, and the last check found it
// neither a replica nor without the fleet's data. The error says why not:
// a heartlink.Error (unavailable) for a reason an operator can act on,
// else what the call met. It asks with EXISTS of the fleet's epoch, not
// PING, which a cluster client sends to any primary: that one answering
// says nothing of the one holding the fleet's slot.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.rdb.Exists(ctx, s.keys.epoch()).Err(); err != nil {
		if strings.HasPrefix(err.Error(), "LOADING") {
			return heartlink.Errorf(heartlink.EUnavailable, "redis is loading its data; ready once it has")
		}
		return err
	}
	h := s.health.state.Load()
	switch {
	case h == nil:
	case h.lost != "":
		return lostError(h.lost)
	case h.replica != "":
		return heartlink.Errorf(heartlink.EUnavailable, "%s is a replica and refuses writes: point Heart-Link at the primary, or promote it (REPLICAOF NO ONE)", h.replica)
	}
	return nil
}

// Refuse says, without a round trip, why a request must not reach the
// store: its data is lost (any request), or it is a replica (a write).
// Nil when nothing is wrong, or nothing known to be.
func (s *Store) Refuse(write bool) error {
	h := s.health.state.Load()
	switch {
	case h == nil:
	case h.lost != "":
		return lostError(h.lost)
	case write && h.replica != "":
		return heartlink.Errorf(heartlink.EUnavailable, "the store is a replica and refuses changes; send the request again shortly")
	}
	return nil
}

// lostError is what everyone is told while the store has lost the fleet's
// data: a missing epoch (Redis restarted empty, or flushed), or another
// (and another instance has begun a new fleet there since).
func lostError(how string) error {
	return heartlink.Errorf(heartlink.EUnavailable, "%s", lostMessage(how))
}

func lostMessage(how string) string {
	if how == "changed" {
		return "the store lost its data and a new fleet began in it (fleet epoch changed): restart this Heart-Link to serve the new fleet, or restore Redis"
	}
	return "the store lost its data (fleet epoch missing): restore Redis or restart Heart-Link to start a new fleet"
}

// nodeDurability is what one primary, at addr, said of its durability.
type nodeDurability struct {
	addr string
	d    Durability
}

// least is the durability of the least durable primaries, its warning
// naming every one of them, in the same order at every check (a
// cluster's primaries answer in any order), so that a change is logged
// once, not at every check.
func least(nodes []nodeDurability) Durability {
	slices.SortFunc(nodes, func(a, b nodeDurability) int { return strings.Compare(a.addr, b.addr) })
	var worst Durability
	var addrs []string
	for i, n := range nodes {
		switch {
		case i == 0 || n.d.risk() > worst.risk():
			worst, addrs = n.d, []string{n.addr}
		case n.d == worst && n.addr != "":
			addrs = append(addrs, n.addr)
		}
	}
	if worst.Warning != "" {
		worst.Warning = redisAt(strings.Join(addrs, ", ")) + ": " + worst.Warning
	}
	return worst
}

// checkNode reads one primary's role and durability in one round trip.
func checkNode(ctx context.Context, c redis.UniversalClient) (replica string, d Durability, err error) {
	var role *redis.Cmd
	var info *redis.StringCmd
	var fsync, save *redis.MapStringStringCmd
	// Each command's own error says more than the pipeline's first.
	_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error {
		role = p.Do(ctx, "ROLE")
		info = p.Info(ctx, "persistence")
		fsync = p.ConfigGet(ctx, "appendfsync")
		save = p.ConfigGet(ctx, "save")
		return nil
	})
	if replica, err = replicaOf(role); err != nil {
		return "", d, err
	}
	p := persistence{aof: -1}
	switch text, err := info.Result(); {
	case refused(err):
	case err != nil:
		return "", d, err
	default:
		p.aof = infoFlag(text, "aof_enabled")
	}
	if m, err := fsync.Result(); err == nil {
		p.fsync = m["appendfsync"]
	} else if !refused(err) {
		return "", d, err
	}
	if m, err := save.Result(); err == nil {
		if v, ok := m["save"]; ok {
			p.save = &v
		}
	} else if !refused(err) {
		return "", d, err
	}
	return replica, p.durability(), nil
}

// persistence is what a primary said of its persistence: aof is 1 or 0
// (-1: it did not say), fsync its appendfsync ("" where CONFIG GET was
// refused), save its RDB snapshot schedule (nil where refused).
type persistence struct {
	aof   int
	fsync string
	save  *string
}

// durability says what a crash could lose with p.
func (p persistence) durability() Durability {
	switch {
	case p.aof < 0:
		return Durability{Warning: "it does not say whether it persists (INFO persistence refused): acknowledged accepts may not survive a restart"}
	case p.aof == 0 && p.save != nil && strings.TrimSpace(*p.save) == "":
		return Durability{Warning: "no AOF and no RDB snapshots (appendonly no, save \"\"): a Redis restart loses everything, every acknowledged accept with it"}
	case p.aof == 0:
		return Durability{Warning: "no AOF (appendonly no): a Redis restart loses every acknowledged accept since the last RDB snapshot"}
	}
	d := Durability{AOF: true, Fsync: p.fsync}
	switch p.fsync {
	case "always":
	case "everysec":
		d.Warning = "appendfsync everysec: a crash of Redis or its machine can lose up to ~1 s of acknowledged accepts"
	case "no":
		d.Warning = "appendfsync no: a crash of Redis's machine can lose the acknowledged accepts the OS had not yet written, up to ~30 s of them"
	default:
		d.Fsync = "unknown"
		d.Warning = "appendfsync unknown (CONFIG GET refused): unless it is always, a crash can lose up to ~1 s of acknowledged accepts"
	}
	return d
}

// infoFlag reads a 0-or-1 field of an INFO reply; -1 when absent.
func infoFlag(text, name string) int {
	for line := range strings.Lines(text) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			switch v {
			case "0":
				return 0
			case "1":
				return 1
			}
		}
	}
	return -1
}
