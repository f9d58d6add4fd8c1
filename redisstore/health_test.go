package redisstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/internal/redistest"
)

func TestDurabilityOfPersistence(t *testing.T) {
	none, hourly := "", "3600 1"
	tests := []struct {
		name    string
		p       persistence
		durable bool
		warns   string // "" when none
	}{
		{"aof always", persistence{aof: 1, fsync: "always", save: &none}, true, ""},
		{"aof everysec", persistence{aof: 1, fsync: "everysec"}, false, "up to ~1 s of acknowledged accepts"},
		{"aof no fsync", persistence{aof: 1, fsync: "no"}, false, "the OS had not yet written"},
		{"aof, CONFIG refused", persistence{aof: 1}, false, "appendfsync unknown"},
		{"snapshots only", persistence{aof: 0, fsync: "always", save: &hourly}, false, "since the last RDB snapshot"},
		{"snapshots unknown", persistence{aof: 0}, false, "since the last RDB snapshot"},
		{"nothing", persistence{aof: 0, save: &none}, false, "loses everything"},
		{"INFO refused", persistence{aof: -1}, false, "does not say whether it persists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.p.durability()
			assert.Equal(t, tt.durable, d.Durable(), "%+v", d)
			if tt.warns == "" {
				assert.Empty(t, d.Warning)
			} else {
				assert.Contains(t, d.Warning, tt.warns)
			}
			if !d.AOF {
				assert.Empty(t, d.Fsync, "appendfsync means nothing without AOF")
			}
		})
	}
}

// privateStore is a store on a redis-server of the test's own, begun as
// at start-up, for tests that make Redis a replica or flush it.
func privateStore(t *testing.T, extra ...string) (*Store, *redistest.Server) {
	t.Helper()
	rs := redistest.Start(t, extra...)
	opt, err := redis.ParseURL(rs.URL)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	s := New(rdb, Options{})
	_, err = s.BeginEpoch(context.Background())
	require.NoError(t, err)
	require.NoError(t, s.CheckHealth(context.Background()))
	return s, rs
}

// TestHealthOfRedis walks one Redis through what an operator (or a
// failover) may do to it, checking after each step what the service would
// do: serve, refuse writes, or refuse everything, and why.
func TestHealthOfRedis(t *testing.T) {
	ctx := context.Background()
	s, rs := privateStore(t, "--appendonly", "yes", "--appendfsync", "always")
	check := func() {
		t.Helper()
		require.NoError(t, s.CheckHealth(ctx))
	}
	d, ok := s.Durability()
	require.True(t, ok)
	assert.Equal(t, Durability{AOF: true, Fsync: "always"}, d)
	assert.NoError(t, s.Ready(ctx))
	assert.NoError(t, s.Refuse(true))

	rs.Do("CONFIG", "SET", "appendfsync", "everysec")
	check()
	d, _ = s.Durability()
	assert.False(t, d.Durable())
	assert.Contains(t, d.Warning, "redis at 127.0.0.1:"+strconv.Itoa(rs.Port())+": appendfsync everysec")
	assert.NoError(t, s.Ready(ctx), "a store that could lose a second of accepts still serves")

	// A replica of a primary that is not there keeps its data, as a
	// demoted primary does until it syncs.
	rs.Do("REPLICAOF", "127.0.0.1", strconv.Itoa(redistest.FreePort(t)))
	check()
	assert.ErrorContains(t, s.Ready(ctx), "is a replica and refuses writes")
	assert.Equal(t, heartlink.EUnavailable, heartlink.ErrorCode(s.Refuse(true)))
	assert.NoError(t, s.Refuse(false), "reads are served from a replica")
	err := Probe(ctx, s.rdb)
	assert.ErrorIs(t, err, ErrReplica)
	assert.True(t, Unavailable(err), "start-up waits for a replica to be promoted")
	_, _, err = s.CreateCoordinator(ctx, coordinator, "Li Na")
	assert.True(t, Unavailable(err), "a write that reaches a replica anyway is unavailable, not internal: %v", err)

	rs.Do("REPLICAOF", "NO", "ONE")
	check()
	assert.NoError(t, s.Ready(ctx))
	assert.NoError(t, s.Refuse(true))
	assert.NoError(t, Probe(ctx, s.rdb))

	rs.Do("FLUSHALL")
	check()
	for _, err := range []error{s.Ready(ctx), s.Refuse(false), s.Refuse(true)} {
		assert.Equal(t, heartlink.EUnavailable, heartlink.ErrorCode(err))
		assert.ErrorContains(t, err, "the store lost its data (fleet epoch missing): restore Redis or restart Heart-Link to start a new fleet")
	}

	// Another instance restarts and begins a new fleet in the empty store.
	other := New(s.rdb, Options{})
	e, err := other.BeginEpoch(ctx)
	require.NoError(t, err)
	assert.True(t, e.Began)
	assert.False(t, e.Existing, "the store was empty")
	check()
	assert.ErrorContains(t, s.Ready(ctx), "fleet epoch changed")
	require.NoError(t, other.CheckHealth(ctx))
	assert.NoError(t, other.Ready(ctx), "the restarted instance serves the new fleet")
}

// TestHealthOfACluster checks every primary of a Redis Cluster: the
// durability is that of the least durable, naming each such primary (the
// same way at every check, whatever order they answered in), and the fleet
// epoch is read from the primary that holds the fleet's slot.
func TestHealthOfACluster(t *testing.T) {
	ctx := context.Background()
	c := redistest.StartCluster(t, 3, 0)
	rdb := c.Client(t)
	s := New(rdb, Options{Prefix: redistest.Prefix(t)})
	_, err := s.BeginEpoch(ctx)
	require.NoError(t, err)
	require.NoError(t, Probe(ctx, rdb))
	require.NoError(t, s.CheckHealth(ctx))
	addrs := slices.Sorted(slices.Values(c.Addrs))
	d, ok := s.Durability()
	require.True(t, ok)
	assert.Equal(t, "redis at "+strings.Join(addrs, ", ")+": no AOF and no RDB snapshots (appendonly no, save \"\"): a Redis restart loses everything, every acknowledged accept with it", d.Warning)
	for range 3 {
		require.NoError(t, s.CheckHealth(ctx))
		again, _ := s.Durability()
		assert.Equal(t, d, again, "the same primaries, named in the same order, at every check")
	}
	assert.NoError(t, s.Ready(ctx))

	for _, addr := range addrs[1:] {
		n := c.Node(t, addr)
		require.NoError(t, n.ConfigSet(ctx, "appendonly", "yes").Err())
		require.NoError(t, n.ConfigSet(ctx, "appendfsync", "always").Err())
	}
	require.NoError(t, s.CheckHealth(ctx))
	d, _ = s.Durability()
	assert.False(t, d.Durable())
	assert.True(t, strings.HasPrefix(d.Warning, "redis at "+addrs[0]+": no AOF"), "only the primary without AOF is named: %q", d.Warning)
	require.NoError(t, c.Node(t, addrs[0]).ConfigSet(ctx, "appendonly", "yes").Err())
	require.NoError(t, c.Node(t, addrs[0]).ConfigSet(ctx, "appendfsync", "always").Err())
	require.NoError(t, s.CheckHealth(ctx))
	d, _ = s.Durability()
	assert.Equal(t, Durability{AOF: true, Fsync: "always"}, d, "durable once every primary is")

	require.NoError(t, rdb.Del(ctx, s.keys.epoch()).Err())
	require.NoError(t, s.CheckHealth(ctx))
	assert.ErrorContains(t, s.Ready(ctx), "fleet epoch missing")
}

func TestBeginEpoch(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			rdb, prefix := b.New(t)
			first, err := New(rdb, Options{Prefix: prefix}).BeginEpoch(ctx)
			require.NoError(t, err)
			assert.True(t, first.Began)
			assert.False(t, first.Existing)
			again, err := New(rdb, Options{Prefix: prefix}).BeginEpoch(ctx)
			require.NoError(t, err)
			assert.Equal(t, FleetEpoch{ID: first.ID}, again, "every later start joins the fleet's epoch")

			// A fleet begun before epochs gets one, and is said to be there.
			prefix = redistest.Prefix(t)
			old := New(rdb, Options{Prefix: prefix})
			_, _, err = old.EnsureAdmin(ctx, "")
			require.NoError(t, err)
			e, err := old.BeginEpoch(ctx)
			require.NoError(t, err)
			assert.True(t, e.Began)
			assert.True(t, e.Existing)
		})
	}
}

// TestHealthOfEmbedded: the embedded store has no roles or persistence to
// read; it serves, and says that nothing persists. miniredis as a server
// that lacks ROLE and INFO persistence is not taken for a broken one.
func TestHealthOfEmbedded(t *testing.T) {
	ctx := context.Background()
	rdb, _ := redistest.Embedded(t)
	for _, embedded := range []bool{true, false} {
		s := New(rdb, Options{Prefix: redistest.Prefix(t), Embedded: embedded})
		_, err := s.BeginEpoch(ctx)
		require.NoError(t, err)
		require.NoError(t, s.CheckHealth(ctx))
		require.NoError(t, s.Ready(ctx))
		require.NoError(t, s.Refuse(true))
		require.NoError(t, Probe(ctx, rdb))
		d, ok := s.Durability()
		require.True(t, ok)
		assert.False(t, d.Durable())
		if embedded {
			assert.Equal(t, "embedded store: nothing persists; everything is lost when Heart-Link stops", d.Warning)
		} else {
			assert.Contains(t, d.Warning, "does not say whether it persists")
		}
	}
}
