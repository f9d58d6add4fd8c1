package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
	"github.com/heartlink/heartlink/safety"
)

// Past the retention, no rider's name, phone or address is left anywhere
// in the store (the whole keyspace is read), the PIN is gone, and what
// reports count (the driver's trips, hours and km) is unchanged.
func TestRidersArePurgedAfterTheRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		school := f.requester()
		secrets := []string{"Purge Rider One", "13955501234", "Purge Rider Two", "13955505678",
			"17 Purge Lane", "Purge Hospital Gate 3"}
		book := func(in time.Duration, back bool) *dispatch.Trip {
			r := f.tripRequest(in)
			r.Riders = []dispatch.Rider{{Name: secrets[0], Phone: secrets[1]}, {Name: secrets[2], Phone: secrets[3]}}
			r.Pickup.Address, r.Dropoff.Address = secrets[4], secrets[5]
			if back {
				r.Return = &dispatch.ReturnLeg{PickupAfter: &heartlink.Timestamp{Time: f.clock.Now().Add(in + time.Hour)}}
			}
			tr, err := f.s.Request(f.ctx, school, r)
			require.NoError(t, err)
			return tr
		}
		driven := book(40*time.Minute, false)
		_, err := f.s.Accept(f.ctx, d, driven.ID)
		require.NoError(t, err)
		for _, step := range []dispatch.Step{dispatch.StepArrived, dispatch.StepPickedUp, dispatch.StepCompleted} {
			_, err := f.s.Progress(f.ctx, d, driven.ID, f.report(driven.ID, step))
			require.NoError(t, err)
		}
		cancelled := book(5*time.Hour, true)
		_, err = f.s.Cancel(f.ctx, school, cancelled.ID)
		require.NoError(t, err)
		book(6*time.Hour, false) // never carried
		before, err := f.s.DriverStats(f.ctx, coordinator, d.ID)
		require.NoError(t, err)
		require.NotEmpty(t, findSecrets(t, f, secrets), "the riders are in the store before")

		f.clock.Advance(f.pol.RiderRetention - time.Hour)
		n, err := f.s.PurgeRiders(f.ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is purged before the retention is over")

		f.clock.Advance(10 * time.Hour)
		n, err = f.s.PurgeRiders(f.ctx)
		require.NoError(t, err)
		assert.Equal(t, 4, n, "every trip, the way back too")
		assert.Empty(t, findSecrets(t, f, secrets), "no rider's name, phone or address is left")
		for _, phone := range []string{secrets[1], secrets[3]} {
			assert.Zero(t, f.rdb.SCard(f.ctx, f.s.keys.rider(phoneHash(phone))).Val(), "the riders' index forgets them too")
		}

		after, err := f.s.DriverStats(f.ctx, coordinator, d.ID)
		require.NoError(t, err)
		assert.Equal(t, before, after, "the driver's trips, hours and km stay")
		got := f.trip(driven.ID)
		assert.Equal(t, dispatch.Completed, got.Status)
		assert.Len(t, got.Riders, 2, "how many rode stays")
		assert.Empty(t, got.PIN)
		assert.False(t, got.PurgedAt.IsZero())
		v := dispatch.ViewOf(got, dispatch.Owner)
		require.NotNil(t, v.PurgedAt, "the view says the riders' data was removed")

		n, err = f.store().PurgeRiders(f.ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "a trip is purged once")
	})
}

// Trips booked before the purge had its work list are found too.
func TestTripsBookedBeforeThePurgeArePurged(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		tr := f.request(f.requester(), time.Hour)
		require.NoError(t, f.rdb.Del(f.ctx, f.s.keys.tripEnds()).Err()) // as an older version left it
		f.clock.Advance(f.pol.RiderRetention + 2*time.Hour)
		n, err := f.s.PurgeRiders(f.ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Empty(t, f.trip(tr.ID).Riders[0].Name)
	})
}

// findSecrets reads every key of the store, on every primary of a
// cluster, whatever its type, and returns where any of secrets appears.
func findSecrets(t *testing.T, f *fixture, secrets []string) []string {
	t.Helper()
	ctx := context.Background()
	var found []string
	scan := func(ctx context.Context, node *redis.Client) error {
		var cursor uint64
		for {
			keys, next, err := node.Scan(ctx, cursor, "*", 1000).Result()
			if err != nil {
				return err
			}
			for _, k := range keys {
				if !strings.Contains(k, f.prefix) {
					continue // another test's, on a shared Redis
				}
				text := dumpKey(t, ctx, node, k)
				for _, s := range secrets {
					if strings.Contains(text, s) {
						found = append(found, fmt.Sprintf("%s holds %q", k, s))
					}
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	switch c := f.rdb.(type) {
	case *redis.ClusterClient:
		var mu sync.Mutex
		require.NoError(t, c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			return scan(ctx, node)
		}))
	case *redis.Client:
		require.NoError(t, scan(ctx, c))
	default:
		t.Fatalf("no way to read every key of a %T", f.rdb)
	}
	return found
}

func dumpKey(t *testing.T, ctx context.Context, rdb redis.Cmdable, k string) string {
	t.Helper()
	typ, err := rdb.Type(ctx, k).Result()
	require.NoError(t, err)
	var v any
	switch typ {
	case "string":
		v, err = rdb.Get(ctx, k).Result()
	case "hash":
		v, err = rdb.HGetAll(ctx, k).Result()
	case "list":
		v, err = rdb.LRange(ctx, k, 0, -1).Result()
	case "set":
		v, err = rdb.SMembers(ctx, k).Result()
	case "zset":
		v, err = rdb.ZRange(ctx, k, 0, -1).Result()
	case "stream":
		v, err = rdb.XRange(ctx, k, "-", "+").Result()
	case "none":
		return ""
	default:
		t.Fatalf("key %s of type %s is not read", k, typ)
	}
	require.NoError(t, err)
	return fmt.Sprint(v)
}

// A shift's plan and its routes copy the stops' addresses: they go too,
// the retention after their last stop.
func TestPlannedRoutesArePurgedAfterTheRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(10, true)
		shift := c.Shifts[0].ID
		d := f.driver(near(1))
		_, err := f.s.SignUp(f.ctx, d, c.ID, shift)
		require.NoError(t, err)
		school := f.requester()
		sh, _ := time.LoadLocation("Asia/Shanghai")
		secrets := []string{"Purge Plan Rider", "13955509999", "9 Planned Lane"}
		r := f.tripRequest(0)
		r.Riders = []dispatch.Rider{{Name: secrets[0], Phone: secrets[1]}}
		r.Pickup.Address = secrets[2]
		r.ArriveBy = &heartlink.Timestamp{Time: time.Date(2027, 6, 7, 6, 58, 0, 0, sh)}
		r.CampaignID = c.ID
		_, err = f.s.Request(f.ctx, school, r)
		require.NoError(t, err)
		plan, err := f.s.PlanShift(f.ctx, coordinator, c.ID, shift)
		require.NoError(t, err)
		require.Len(t, plan.Routes, 1)
		require.NotEmpty(t, findSecrets(t, f, secrets))

		f.clock.Advance(r.ArriveBy.Sub(f.clock.Now()) + f.pol.RiderRetention - time.Hour)
		_, err = f.s.PurgeRiders(f.ctx)
		require.NoError(t, err)
		require.NotEmpty(t, findSecrets(t, f, secrets), "kept until the retention is over")
		f.clock.Advance(2 * time.Hour)
		_, err = f.s.PurgeRiders(f.ctx)
		require.NoError(t, err)
		assert.Empty(t, findSecrets(t, f, secrets), "no plan or route keeps the riders' addresses")
	})
}

// An SOS goes through the change stream without its riders' phones (boards
// render them as they push it); past the retention the stream no longer
// holds the SOS either. The stream's ids are Redis's clock, so the
// retention here is a millisecond.
func TestAnSOSLeavesTheStreamAfterTheRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, func(p *dispatch.Policy) { p.RiderRetention = time.Millisecond })
		d := f.driver(near(0.5))
		r := f.tripRequest(40 * time.Minute)
		r.Riders = []dispatch.Rider{{Name: "Purge SOS Rider", Phone: "13955507777"}}
		tr, err := f.s.Request(f.ctx, f.requester(), r)
		require.NoError(t, err)
		_, err = f.s.Accept(f.ctx, d, tr.ID)
		require.NoError(t, err)
		sos, _, err := f.s.RaiseSOS(f.ctx, d, safety.Raise{Location: &heartlink.Point{Lat: centre.Lat, Lng: centre.Lng}, TripID: tr.ID})
		require.NoError(t, err)
		stream := func() string { return dumpKey(t, f.ctx, f.rdb, f.s.keys.events()) }
		inStream := func() bool { return strings.Contains(stream(), sos.ID) }
		require.True(t, inStream(), "the SOS went through the stream")
		assert.NotContains(t, stream(), "13955507777", "without the riders' phones")
		assert.NotContains(t, stream(), "Purge SOS Rider")

		require.Eventually(t, func() bool {
			_, err := f.s.PurgeRiders(f.ctx)
			require.NoError(t, err)
			return !inStream()
		}, 2*time.Second, 5*time.Millisecond, "the SOS leaves the stream once older than the retention")
	})
}
