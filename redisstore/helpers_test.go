package redisstore

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
)

// clock is a controllable heartlink.Clock.
type clock struct {
	mu sync.Mutex // mu guards t
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	coordinator = heartlink.Principal{Role: heartlink.RoleCoordinator, ID: "crd_admin"}
	centre      = heartlink.Point{Lat: 28.2602, Lng: 117.0693}
)

// roundTrips counts what a client sends to Redis: each command outside a
// pipeline and each pipeline is one round trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// fixture is one store on one backend with a controllable clock.
type fixture struct {
	tb     testing.TB
	ctx    context.Context
	s      *Store
	rdb    redis.UniversalClient
	clock  *clock
	rt     *roundTrips
	pol    dispatch.Policy
	prefix string
}

func newFixture(tb testing.TB, b redistest.Backend, edit func(p *dispatch.Policy)) *fixture {
	tb.Helper()
	rdb, prefix := b.New(tb)
	f := &fixture{tb: tb, ctx: context.Background(), rdb: rdb, prefix: prefix,
		clock: &clock{t: time.Date(2027, 6, 7, 6, 0, 0, 0, time.UTC)}, rt: &roundTrips{}, pol: dispatch.DefaultPolicy()}
	if edit != nil {
		edit(&f.pol)
	}
	rdb.AddHook(f.rt)
	f.s = f.store()
	return f
}

// store returns another Store over the same data, as a second instance or
// a restarted process would have.
func (f *fixture) store() *Store {
	return New(f.rdb, Options{Prefix: f.prefix, Clock: f.clock, Policy: &f.pol})
}

// eachBackend runs fn against real Redis, a Redis Cluster and the
// embedded store.
func eachBackend(t *testing.T, fn func(t *testing.T, b redistest.Backend)) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

type driverOpt func(r *fleet.DriverRegistration)

func unverified(r *fleet.DriverRegistration) { r.VerifiedMinors = false }

// driver registers a driver and puts them online at p.
func (f *fixture) driver(p heartlink.Point, opts ...driverOpt) heartlink.Principal {
	f.tb.Helper()
	r := fleet.DriverRegistration{Name: "Driver", Phone: "13800000000",
		Vehicle: &fleet.Vehicle{Plate: "赣L00000", Seats: 4}, VerifiedMinors: true, Home: &p}
	for _, o := range opts {
		o(&r)
	}
	d, _, err := f.s.CreateDriver(f.ctx, coordinator, r)
	require.NoError(f.tb, err)
	_, err = f.s.SetPresence(f.ctx, d.ID, fleet.PresenceUpdate{Status: fleet.Online, Location: &p})
	require.NoError(f.tb, err)
	return heartlink.Principal{Role: heartlink.RoleDriver, ID: d.ID}
}

func (f *fixture) requester() heartlink.Principal {
	f.tb.Helper()
	q, _, err := f.s.CreateRequester(f.ctx, coordinator, fleet.RequesterRegistration{Name: "School", Kind: fleet.School, Phone: "07016221234"})
	require.NoError(f.tb, err)
	return heartlink.Principal{Role: heartlink.RoleRequester, ID: q.ID}
}

// near returns a point about km kilometres north of centre.
func near(km float64) heartlink.Point {
	return heartlink.Point{Lat: centre.Lat + km/111.2, Lng: centre.Lng}
}

// request books an exam escort from centre arriving in `in`.
func (f *fixture) request(by heartlink.Principal, in time.Duration) *dispatch.Trip {
	f.tb.Helper()
	t, err := f.s.Request(f.ctx, by, f.tripRequest(in))
	require.NoError(f.tb, err)
	return t
}

func (f *fixture) tripRequest(in time.Duration) dispatch.Request {
	return dispatch.Request{
		Kind:     dispatch.ExamEscort,
		Pickup:   &dispatch.Place{Lat: centre.Lat, Lng: centre.Lng, Address: "1 Renmin Rd"},
		Dropoff:  &dispatch.Place{Lat: centre.Lat + 0.03, Lng: centre.Lng + 0.02, Address: "No.2 Middle School"},
		Riders:   []dispatch.Rider{{Name: "Zhang San", Phone: "13911112222"}},
		ArriveBy: &heartlink.Timestamp{Time: f.clock.Now().Add(in)},
	}
}

func (f *fixture) trip(id string) *dispatch.Trip {
	f.tb.Helper()
	t, _, err := f.s.Trip(f.ctx, coordinator, id)
	require.NoError(f.tb, err)
	return t
}

func (f *fixture) offers(d heartlink.Principal) []string {
	f.tb.Helper()
	os, err := f.s.Offers(f.ctx, d)
	require.NoError(f.tb, err)
	ids := make([]string, len(os))
	for i, o := range os {
		ids[i] = o.TripID
	}
	return ids
}

func (f *fixture) actions(id string) []string {
	f.tb.Helper()
	es, err := f.s.Events(f.ctx, coordinator, id)
	require.NoError(f.tb, err)
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%s %s", e.Action, e.To)
	}
	return out
}

type redisPipeliner = redis.Pipeliner

func zmember(score int64, m string) redis.Z { return redis.Z{Score: float64(score), Member: m} }

func presenceAt(p heartlink.Point) fleet.PresenceUpdate {
	return fleet.PresenceUpdate{Status: fleet.Online, Location: &p}
}

// checkRoutes asserts what must hold of every driver's route whatever
// raced: no leg over the car's seats, every drop-off by its deadline and
// after its pick-up, every trip on a route assigned to that driver, and no
// trip on two routes. It returns how many trips each driver holds.
func (f *fixture) checkRoutes(seats int, drivers ...heartlink.Principal) map[string]int {
	f.tb.Helper()
	held := map[string]int{}
	onRoute := map[string]string{}
	for _, d := range drivers {
		r, err := f.s.DriverRoute(f.ctx, coordinator, d.ID)
		require.NoError(f.tb, err)
		load := 0
		picked := map[string]bool{}
		for _, st := range r.Stops {
			if st.Kind == dispatch.PickupStop {
				load += st.Seats
				picked[st.TripID] = true
				assert.False(f.tb, st.At.Before(st.NotBefore), "trip %s collected before its earliest", st.TripID)
				if other, ok := onRoute[st.TripID]; ok {
					f.tb.Errorf("trip %s is on the routes of %s and %s", st.TripID, other, d.ID)
				}
				onRoute[st.TripID] = d.ID
				held[d.ID]++
				trip := f.trip(st.TripID)
				assert.Equal(f.tb, d.ID, trip.DriverID, "trip %s on %s's route is theirs", st.TripID, d.ID)
				assert.True(f.tb, trip.Status.Active(), "trip %s on a route is active", st.TripID)
			} else {
				load -= st.Seats
				assert.True(f.tb, picked[st.TripID], "trip %s dropped off after its pick-up", st.TripID)
				assert.False(f.tb, st.At.After(st.Due), "trip %s dropped off by its deadline", st.TripID)
			}
			assert.LessOrEqual(f.tb, load, seats, "no leg of %s's route over the car's seats", d.ID)
		}
		assert.Zero(f.tb, load, "everyone picked up is dropped off")
	}
	return held
}

// report is step on trip id as its driver reports it, with the rider's PIN
// (read as a coordinator) where the step needs one.
func (f *fixture) report(id string, s dispatch.Step) dispatch.ProgressReport {
	f.tb.Helper()
	return dispatch.ProgressReport{Step: s, PIN: f.trip(id).PIN}
}

// allKeys is every key matching pattern, on every primary of a cluster.
func (f *fixture) allKeys(pattern string) []string {
	f.tb.Helper()
	var mu sync.Mutex
	var out []string
	each := func(ctx context.Context, node *redis.Client) error {
		keys, err := node.Keys(ctx, pattern).Result()
		mu.Lock()
		out = append(out, keys...)
		mu.Unlock()
		return err
	}
	switch c := f.rdb.(type) {
	case *redis.ClusterClient:
		require.NoError(f.tb, c.ForEachMaster(f.ctx, each))
	case *redis.Client:
		require.NoError(f.tb, each(f.ctx, c))
	default:
		f.tb.Fatalf("no way to list the keys of a %T", f.rdb)
	}
	return out
}

// stream is every change on the event stream so far.
func (f *fixture) stream(t testing.TB) []redis.XMessage {
	t.Helper()
	ms, err := f.rdb.XRange(f.ctx, f.s.keys.events(), "-", "+").Result()
	require.NoError(t, err)
	return ms
}
