package redisstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
)

// TestLiveRequestCutOffRunsAgain: a live request whose instance dies
// mid-answer (here: whose do never returns) leaves its request_id marked
// for seconds, not minutes; a repeat is told it is still being answered
// until then, and runs the request itself after.
func TestLiveRequestCutOffRunsAgain(t *testing.T) {
	for _, b := range []struct {
		name  string
		open  func(t *testing.T) (*redis.Client, string, *miniredis.Miniredis)
		lapse func(m *miniredis.Miniredis)
	}{
		{"redis", func(t *testing.T) (*redis.Client, string, *miniredis.Miniredis) {
			c, p := redistest.Client(t)
			return c, p, nil
		}, func(*miniredis.Miniredis) {}},
		{"embedded", func(t *testing.T) (*redis.Client, string, *miniredis.Miniredis) {
			c, m := redistest.Embedded(t)
			return c, redistest.Prefix(t), m
		}, func(m *miniredis.Miniredis) { m.FastForward(ReplyPending) }},
	} {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix, m := b.open(t)
			s := New(rdb, Options{Prefix: prefix})
			ctx := context.Background()
			key := "driver:drv_x:r-1"

			started, stuck := make(chan struct{}), make(chan struct{})
			dead := make(chan struct{})
			go func() {
				defer close(dead)
				s.Once(ctx, key, func() ([]byte, bool) {
					close(started)
					<-stuck // the instance froze, or died, here
					return []byte("late"), true
				})
			}()
			<-started
			_, err := s.Once(ctx, key, func() ([]byte, bool) { return []byte("twice"), true })
			assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "a repeat while the first is answered")
			ttl, err := rdb.PTTL(ctx, s.keys.reply(key)).Result()
			require.NoError(t, err)
			assert.LessOrEqual(t, ttl, ReplyPending, "the in-progress mark lapses within seconds")

			b.lapse(m)
			var answer []byte
			require.Eventually(t, func() bool {
				answer, err = s.Once(ctx, key, func() ([]byte, bool) { return []byte("again"), true })
				return err == nil
			}, ReplyPending+2*time.Second, 100*time.Millisecond, "the repeat runs once the mark lapses")
			assert.Equal(t, "again", string(answer))
			close(stuck)
			<-dead
		})
	}
}

// An accept or decline sent with a request_id marks it in its own step:
// one round trip to the answer, a repeat gets the first answer and the
// trip is acted on once however many repeats race.
func TestRequestMarkedInItsOwnStep(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		trip := f.request(f.requester(), time.Hour)
		// Loaded as a running service has it: the first call of a script
		// on a fresh Redis sends it whole, a second round trip.
		require.NoError(t, f.s.scripts.accept.Load(f.ctx, f.rdb).Err())

		var trips int64
		answer, err := f.s.OnceWithin(f.ctx, "accept-1", func(ctx context.Context) ([]byte, bool) {
			before := f.rt.n.Load()
			_, err := f.s.Accept(ctx, d, trip.ID)
			trips = f.rt.n.Load() - before
			require.NoError(t, err)
			return []byte("accepted"), true
		})
		require.NoError(t, err)
		assert.Equal(t, "accepted", string(answer))
		assert.EqualValues(t, 1, trips, "an accept with a request_id is one round trip")

		again, err := f.s.OnceWithin(f.ctx, "accept-1", func(ctx context.Context) ([]byte, bool) {
			_, err := f.s.Accept(ctx, d, trip.ID)
			assert.Error(t, err, "the repeat's step finds the mark and does nothing")
			return []byte("accepted again"), true
		})
		require.NoError(t, err)
		assert.Equal(t, "accepted", string(again), "the repeat gets the first answer")
		assert.Equal(t, []string{"requested queued", "offered offered", "accepted assigned"}, f.actions(trip.ID))
	})
}

func TestRepeatedDeclinesRaceToOneDecline(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		const n = 20
		f := newFixture(t, b, nil)
		first := f.driver(near(0.5))
		f.driver(near(1.5))
		trip := f.request(f.requester(), time.Hour)
		require.Equal(t, []string{trip.ID}, f.offers(first))

		var wg sync.WaitGroup
		answers := make([]string, n)
		for i := range answers {
			wg.Go(func() {
				a, err := f.store().OnceWithin(f.ctx, "decline-1", func(ctx context.Context) ([]byte, bool) {
					if err := f.s.Decline(ctx, first, trip.ID); err != nil {
						return []byte(err.Error()), true
					}
					return []byte("declined"), true
				})
				assert.NoError(t, err)
				answers[i] = string(a)
			})
		}
		wg.Wait()
		for i, a := range answers {
			assert.Equal(t, "declined", a, "repeat %d", i)
		}
		declines := 0
		for _, a := range f.actions(trip.ID) {
			if a == "declined offered" {
				declines++
			}
		}
		assert.Equal(t, 1, declines, "the trip is declined once: %v", f.actions(trip.ID))
	})
}

// A request refused before its step (bad input) is not kept: the mark was
// never made, and a corrected repeat runs.
func TestRequestRefusedBeforeItsStepRunsAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		trip := f.request(f.requester(), time.Hour)
		a, err := f.s.OnceWithin(f.ctx, "accept-2", func(ctx context.Context) ([]byte, bool) {
			return []byte("trip_id is required"), true
		})
		require.NoError(t, err)
		assert.Equal(t, "trip_id is required", string(a))
		a, err = f.s.OnceWithin(f.ctx, "accept-2", func(ctx context.Context) ([]byte, bool) {
			_, err := f.s.Accept(ctx, d, trip.ID)
			require.NoError(t, err)
			return []byte("accepted"), true
		})
		require.NoError(t, err)
		assert.Equal(t, "accepted", string(a))
		assert.Equal(t, dispatch.Assigned, f.trip(trip.ID).Status)
	})
}
