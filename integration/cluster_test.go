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

	// The school books and the driver accepts, over and over, while the
	// slot moves; a 503 is sent again, as a client is told to.
	var (
		booked, accepted, retried atomic.Int64
		moved                     = make(chan struct{})
		wg                        sync.WaitGroup
	)
	trip := func(i int) error {
		var tr struct{ ID string }
		book := school.client.with("Idempotency-Key", fmt.Sprintf("migration-%s-%d", runID, i))
		r, err := again(&retried, book, http.MethodPost, "/api/v1/trips", examTrip(time.Duration(3+2*i)*time.Hour))
		if err != nil {
			return err
		}
		if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &tr) != nil {
			return fmt.Errorf("booking while the slot moves: %s", r)
		}
		booked.Add(1)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			r, err := again(&retried, drv.client, http.MethodGet, "/api/v1/drivers/me/offers", nil)
			if err != nil {
				return err
			}
			if strings.Contains(string(r.Body), tr.ID) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("trip %s was not offered within 10s: %s", tr.ID, r)
			}
		}
		r, err = again(&retried, drv.client, http.MethodPost, "/api/v1/trips/"+tr.ID+"/accept", nil)
		if err != nil {
			return err
		}
		if r.Status != http.StatusOK {
			return fmt.Errorf("accepting trip %s while the slot moves: %s", tr.ID, r)
		}
		accepted.Add(1)
		// Ready, or not with a reason: never a 500, never a wait.
		start := time.Now()
		r, err = anon.send(http.MethodGet, "/readyz", nil)
		switch {
		case err != nil:
			return err
		case r.Mismatch != "":
			return fmt.Errorf("%s does not match httpapi/openapi.json: %s", r, r.Mismatch)
		case r.Status != http.StatusOK && r.Status != http.StatusServiceUnavailable:
			return fmt.Errorf("/readyz while the slot moves: %s", r)
		case time.Since(start) > time.Second:
			return fmt.Errorf("/readyz took %s while the slot moves", time.Since(start))
		}
		return nil
	}
	failed := make(chan struct{})
	wg.Go(func() {
		after := -1
		for i := 0; ; i++ {
			select {
			case <-moved:
				if after < 0 {
					after = i
				}
			default:
			}
			if after >= 0 && i >= after+3 {
				return // three whole flows on the slot's new primary
			}
			if err := trip(i); err != nil {
				t.Error(err)
				close(failed)
				return
			}
		}
	})

	id := func(n *redis.Client) string {
		v, err := n.Do(ctx, "CLUSTER", "MYID").Text()
		require.NoError(t, err)
		return v
	}
	sourceID, targetID := id(source), id(target)
	host, port, _ := net.SplitHostPort(target.Options().Addr)
	for accepted.Load() < 2 { // mid-run: once trips flow
		select {
		case <-failed:
			wg.Wait()
			t.FailNow()
		case <-time.After(10 * time.Millisecond):
		}
	}
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
	close(moved)
	wg.Wait()
	t.Logf("slot %d moved (%d keys) from %s to %s; %d trips booked, %d accepted, %d answers 503 sent again",
		slot, migrated, source.Options().Addr, target.Options().Addr, booked.Load(), accepted.Load(), retried.Load())

	assert.Equal(t, booked.Load(), accepted.Load(), "every trip booked was accepted")
	assert.Positive(t, migrated)
	n, err := source.ClusterCountKeysInSlot(ctx, int(slot)).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "no key of the fleet is left on the old primary")
	n, err = target.ClusterCountKeysInSlot(ctx, int(slot)).Result()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, int64(migrated), "the fleet's keys are on the new primary")
	awaitReady(t, anon, "the slot on its new primary", func(r ready) bool { return r.Status == "ready" })
}

// again sends a request until it is answered with something other than
// 503, as a client told Retry-After would, for up to 10 s; any other 5xx,
// or an answer the OpenAPI document does not describe, is an error. It
// counts the 503s in retried. It is safe to call from any goroutine.
func again(retried *atomic.Int64, c *client, method, path string, body any) (*response, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := c.send(method, path, body)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		case r.Mismatch != "":
			return nil, fmt.Errorf("%s does not match httpapi/openapi.json: %s", r, r.Mismatch)
		case r.Status == http.StatusServiceUnavailable && time.Now().Before(deadline):
			retried.Add(1)
			time.Sleep(50 * time.Millisecond)
			continue
		case r.Status >= 500:
			return nil, fmt.Errorf("%s: a 5xx while the slot moves", r)
		}
		return r, nil
	}
}
