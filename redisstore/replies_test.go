package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
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
