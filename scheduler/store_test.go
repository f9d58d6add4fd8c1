package scheduler

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/internal/redistest"
)

func TestRedisStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, newStore func() Store) {
		ctx := context.Background()
		at := sh(2028, 3, 5, 9, 0)

		t.Run("one claim wins", func(t *testing.T) {
			var won atomic.Int32
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					ok, err := newStore().Claim(ctx, "open", at.UTC())
					assert.NoError(t, err)
					if ok {
						won.Add(1)
					}
				})
			}
			wg.Wait()
			assert.EqualValues(t, 1, won.Load())
			// The same instant in another zone is the same firing.
			ok, err := newStore().Claim(ctx, "open", at.In(time.UTC))
			require.NoError(t, err)
			assert.False(t, ok)
		})

		t.Run("firings are claimed apart", func(t *testing.T) {
			s := newStore()
			for _, c := range []struct {
				job string
				at  time.Time
			}{{"a", at}, {"a", at.Add(time.Minute)}, {"a:1", at}, {"b", at}} {
				ok, err := s.Claim(ctx, c.job, c.at)
				require.NoError(t, err)
				assert.True(t, ok, "Claim(%q, %v)", c.job, c.at)
			}
		})

		t.Run("last only moves forward", func(t *testing.T) {
			s := newStore()
			_, ok, err := s.Last(ctx, "j")
			require.NoError(t, err)
			assert.False(t, ok, "no Last before the first SetLast")
			for _, c := range []struct{ set, want time.Time }{
				{at, at},
				{at.Add(-time.Hour), at},
				{at.Add(24 * time.Hour), at.Add(24 * time.Hour)},
			} {
				require.NoError(t, s.SetLast(ctx, "j", c.set))
				got, ok, err := s.Last(ctx, "j")
				require.NoError(t, err)
				require.True(t, ok)
				assert.True(t, got.Equal(c.want), "after SetLast(%v): Last = %v; want %v", c.set, got, c.want)
			}
		})
	})
}

func TestRedisStoreKeys(t *testing.T) {
	c, _ := redistest.Embedded(t)
	prefix := redistest.Prefix(t)
	tests := []struct{ prefix, want string }{
		{"", "{hl}:"},
		{"hl", "{hl}:"},
		{prefix, "{" + prefix + "}:"},
		{"{city-7}:", "{city-7}:"},
	}
	for _, tt := range tests {
		s := NewRedisStore(c, tt.prefix).(*redisStore)
		for _, k := range []string{s.claimKey("j", time.Unix(1, 0)), s.lastKey()} {
			assert.True(t, strings.HasPrefix(k, tt.want), "NewRedisStore(%q) key %q; want prefix %q", tt.prefix, k, tt.want)
		}
	}
}

func TestRedisClaimsExpire(t *testing.T) {
	c, m := redistest.Embedded(t)
	s := NewRedisStore(c, "hl")
	ctx := context.Background()
	at := sh(2028, 3, 5, 9, 0)
	ok, err := s.Claim(ctx, "open", at)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, ClaimTTL, m.TTL(s.(*redisStore).claimKey("open", at)))
	m.FastForward(ClaimTTL - time.Second)
	ok, _ = s.Claim(ctx, "open", at)
	assert.False(t, ok, "claim held within its TTL")
	m.FastForward(time.Second)
	ok, _ = s.Claim(ctx, "open", at)
	assert.True(t, ok, "claim gone after its TTL")
}
