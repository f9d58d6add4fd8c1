package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

// TestClusterSlotMigration moves the fleet's slot from one primary of a
// Redis Cluster to another, as an operator rebalancing it would (CLUSTER
// SETSLOT IMPORTING/MIGRATING, MIGRATE a few keys at a time, SETSLOT
// NODE), while a school books trips and a driver accepts them: every trip
// booked is accepted, no answer is a 5xx other than a 503 to send again,
// /readyz is ready before and after, and the keys end on the new primary.
func TestClusterSlotMigration(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, 3, 0)
	b := backend{name: "cluster", cluster: c.Addrs, prefix: redistest.Prefix(t)}
	srv := startServer(t, b, healthCheck...)
	f := newFixture(t, srv)
	anon := srv.client("")
	school := f.addRequester("school")
	drv := f.addDriver(north(home, 1))
	drv.online(north(home, 1))
	awaitReady(t, anon, "the cluster", func(r ready) bool { return r.Durability != nil })

	ctx := context.Background()
	cc := c.Client(t)
	tag := "{" + b.prefix + "}"
	slot, err := cc.ClusterKeySlot(ctx, tag).Result()
	require.NoError(t, err)
	from, err := cc.MasterForKey(ctx, tag)
	require.NoError(t, err)
	source := c.Node(t, from.Options().Addr)
	var target *redis.Client
	for _, addr := range c.Addrs {
		if addr != from.Options().Addr {
			target = c.Node(t, addr)
			break
		}
	}

	tr := startTraffic(t, srv, school, drv)
	tr.await(2) // mid-run: once trips flow

	id := func(n *redis.Client) string {
		v, err := n.Do(ctx, "CLUSTER", "MYID").Text()
		require.NoError(t, err)
		return v
	}
	sourceID, targetID := id(source), id(target)
	host, port, _ := net.SplitHostPort(target.Options().Addr)
	require.NoError(t, target.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", sourceID).Err())
	require.NoError(t, source.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", targetID).Err())
	migrated := 0
	for {
		keys, err := source.ClusterGetKeysInSlot(ctx, int(slot), 2).Result()
		require.NoError(t, err)
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		require.NoError(t, source.Do(ctx, args...).Err(), "MIGRATE %v", keys)
		migrated += len(keys)
		time.Sleep(20 * time.Millisecond) // requests run between the batches
	}
	for _, n := range []*redis.Client{target, source} {
		require.NoError(t, n.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", targetID).Err())
	}
	for _, addr := range c.Addrs {
		if addr != source.Options().Addr && addr != target.Options().Addr {
			require.NoError(t, c.Node(t, addr).Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", targetID).Err())
		}
	}
	tr.stop()
	t.Logf("slot %d moved (%d keys) from %s to %s; %s",
		slot, migrated, source.Options().Addr, target.Options().Addr, tr)
	assert.Positive(t, migrated)
	n, err := source.ClusterCountKeysInSlot(ctx, int(slot)).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "no key of the fleet is left on the old primary")
	n, err = target.ClusterCountKeysInSlot(ctx, int(slot)).Result()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, int64(migrated), "the fleet's keys are on the new primary")
	awaitReady(t, anon, "the slot on its new primary", func(r ready) bool { return r.Status == "ready" })
}

// TestClusterFailover fails the primary that holds the fleet's slot over
// to its replica while a school books trips and a driver accepts them:
// planned (CLUSTER FAILOVER on the replica, as an operator does before
// taking a primary down), and by a crash (kill -9 of the primary, its
// replica promoted by the cluster once the others find it gone). Every
// trip booked is accepted and still held by the driver afterwards, no
// answer is a 5xx other than a 503 to send again, /readyz is 503 while the
// slot has no primary and ready once the replica has taken over.
//
// A planned failover loses nothing: the replica has caught up before it
// takes over. A crash loses what the primary acknowledged and had not yet
// sent to its replica (docs/cluster.md); here the traffic pauses and WAIT
// makes sure the replica has everything before the kill, so that the test
// checks the service's side, not the luck of replication timing.
// Not parallel: six nodes are enough load on a small machine.
func TestClusterFailover(t *testing.T) {
	for _, crash := range []bool{false, true} {
		name := map[bool]string{false: "planned", true: "crash"}[crash]
		t.Run(name, func(t *testing.T) { clusterFailover(t, crash) })
	}
}

func clusterFailover(t *testing.T, crash bool) {
	c := redistest.StartCluster(t, 3, 1)
	b := backend{name: "cluster", cluster: c.Addrs[:3], prefix: redistest.Prefix(t)}
	srv := startServer(t, b, healthCheck...)
	f := newFixture(t, srv)
	anon := srv.client("")
	school := f.addRequester("school")
	drv := f.addDriver(north(home, 1))
	drv.online(north(home, 1))
	awaitReady(t, anon, "the cluster", func(r ready) bool { return r.Durability != nil })

	ctx := context.Background()
	cc := c.Client(t)
	tag := "{" + b.prefix + "}"
	from, err := cc.MasterForKey(ctx, tag)
	require.NoError(t, err)
	primary := c.Node(t, from.Options().Addr)
	var replica *redis.Client
	for _, addr := range c.Addrs {
		n := c.Node(t, addr)
		if of, _ := n.Do(ctx, "ROLE").Slice(); len(of) >= 3 && of[0] == "slave" &&
			net.JoinHostPort(fmt.Sprint(of[1]), fmt.Sprint(of[2])) == from.Options().Addr {
			replica = n
		}
	}
	require.NotNil(t, replica, "the fleet's primary %s has a replica", from.Options().Addr)

	tr := startTraffic(t, srv, school, drv)
	tr.await(2)
	if crash {
		func() {
			tr.mu.Lock() // between two flows; unlocked even if a check fails
			defer tr.mu.Unlock()
			synced, err := primary.Wait(ctx, 1, 5*time.Second).Result()
			require.NoError(t, err)
			require.EqualValues(t, 1, synced, "the replica has every acknowledged write")
			c.Kill(primary.Options().Addr)
			awaitNotReady(t, anon, "")
		}()
	} else {
		require.NoError(t, replica.Do(ctx, "CLUSTER", "FAILOVER").Err())
	}
	eventually(t, 15*time.Second, "the replica to take over", func() bool {
		role, _ := replica.Do(ctx, "ROLE").Slice()
		return len(role) > 0 && role[0] == "master"
	})
	tr.stop()
	t.Logf("%s failed over to %s; %s", primary.Options().Addr, replica.Options().Addr, tr)

	awaitReady(t, anon, "the replica promoted", func(r ready) bool { return r.Status == "ready" })
	var mine struct{ Trips []trip }
	drv.get("/api/v1/trips").must(t, http.StatusOK, &mine)
	assert.Len(t, mine.Trips, int(tr.accepted.Load()), "every accept survived the failover")
	for _, got := range mine.Trips {
		assert.Equal(t, drv.ID, got.DriverID)
		assert.Equal(t, assigned, got.Status)
	}
}

// traffic is a school booking trips and a driver accepting each, one
// after the other, while a test changes the cluster under them: a 503 is
// sent again, as a client is told to (Retry-After), with the same
// Idempotency-Key for a booking; any other 5xx, an answer the OpenAPI
// document does not describe, a trip not offered or not accepted, or a
// /readyz that is neither 200 nor 503 or takes over a second fails it.
type traffic struct {
	t                         *testing.T
	mu                        sync.Mutex // held through each flow: a test holds it to act between two
	booked, accepted, retried atomic.Int64
	stopped, failed, done     chan struct{}
}

func startTraffic(t *testing.T, srv *server, school *requester, drv *driver) *traffic {
	tr := &traffic{t: t, stopped: make(chan struct{}), failed: make(chan struct{}), done: make(chan struct{})}
	anon := srv.client("")
	go func() {
		defer close(tr.done)
		after := -1
		for i := 0; after < 0 || i < after+3; i++ { // three whole flows once the change is made
			select {
			case <-tr.stopped:
				if after < 0 {
					after = i
				}
			default:
			}
			tr.mu.Lock()
			err := tr.flow(i, anon, school, drv)
			tr.mu.Unlock()
			if err != nil {
				t.Error(err)
				close(tr.failed)
				return
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-tr.stopped:
		default:
			close(tr.stopped)
		}
		<-tr.done
	})
	return tr
}

// flow is one trip booked, offered and accepted, then /readyz asked.
func (tr *traffic) flow(i int, anon *client, school *requester, drv *driver) error {
	var trip struct{ ID string }
	book := school.client.with("Idempotency-Key", fmt.Sprintf("cluster-%s-%d", runID, i))
	r, err := tr.again(book, http.MethodPost, "/api/v1/trips", examTrip(time.Duration(3+2*i)*time.Hour))
	if err != nil {
		return err
	}
	if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &trip) != nil {
		return fmt.Errorf("booking while the cluster changes: %s", r)
	}
	tr.booked.Add(1)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r, err := tr.again(drv.client, http.MethodGet, "/api/v1/drivers/me/offers", nil)
		if err != nil {
			return err
		}
		if strings.Contains(string(r.Body), trip.ID) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("trip %s was not offered within 10s: %s", trip.ID, r)
		}
	}
	r, err = tr.again(drv.client, http.MethodPost, "/api/v1/trips/"+trip.ID+"/accept", nil)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("accepting trip %s while the cluster changes: %s", trip.ID, r)
	}
	tr.accepted.Add(1)
	// Ready, or not with a reason: never a 500, never a wait.
	start := time.Now()
	r, err = anon.send(http.MethodGet, "/readyz", nil)
	switch {
	case err != nil:
		return err
	case r.Mismatch != "":
		return fmt.Errorf("%s does not match httpapi/openapi.json: %s", r, r.Mismatch)
	case r.Status != http.StatusOK && r.Status != http.StatusServiceUnavailable:
		return fmt.Errorf("/readyz while the cluster changes: %s", r)
	case time.Since(start) > time.Second:
		return fmt.Errorf("/readyz took %s while the cluster changes", time.Since(start))
	}
	return nil
}

// await waits until n trips are accepted, ending the test if the traffic
// failed first.
func (tr *traffic) await(n int64) {
	tr.t.Helper()
	for tr.accepted.Load() < n {
		select {
		case <-tr.failed:
			tr.t.FailNow()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop lets three more flows run, waits for them and checks that every
// trip booked was accepted.
func (tr *traffic) stop() {
	tr.t.Helper()
	close(tr.stopped)
	<-tr.done
	if tr.t.Failed() {
		tr.t.FailNow()
	}
	assert.Equal(tr.t, tr.booked.Load(), tr.accepted.Load(), "every trip booked was accepted")
}

func (tr *traffic) String() string {
	return fmt.Sprintf("%d trips booked, %d accepted, %d answers 503 sent again", tr.booked.Load(), tr.accepted.Load(), tr.retried.Load())
}

// again sends a request until it is answered with something other than
// 503, for up to 10 s; any other 5xx, or an answer the OpenAPI document
// does not describe, is an error. It is safe to call from any goroutine.
func (tr *traffic) again(c *client, method, path string, body any) (*response, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := c.send(method, path, body)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		case r.Mismatch != "":
			return nil, fmt.Errorf("%s does not match httpapi/openapi.json: %s", r, r.Mismatch)
		case r.Status == http.StatusServiceUnavailable && time.Now().Before(deadline):
			tr.retried.Add(1)
			time.Sleep(50 * time.Millisecond)
			continue
		case r.Status >= 500:
			return nil, fmt.Errorf("%s: a 5xx while the cluster changes", r)
		}
		return r, nil
	}
}
