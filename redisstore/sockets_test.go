package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/internal/redistest"
)

// TestSocketsPerAccount counts one driver's sockets as two instances
// would: the cap holds across them, a closed socket frees its place, and
// the sockets of an instance that stopped renewing them free theirs once
// their leases end.
func TestSocketsPerAccount(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		a, other := f.s, f.store()
		drv := heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_a"}
		const lease = time.Minute
		open := func(s *Store, id string) bool {
			t.Helper()
			ok, err := s.OpenSocket(f.ctx, drv, id, 2, lease)
			require.NoError(t, err)
			return ok
		}
		assert.True(t, open(a, "a-1"))
		assert.True(t, open(other, "b-1"))
		assert.False(t, open(a, "a-2"), "a third socket, on either instance")
		assert.False(t, open(other, "b-2"), "a third socket, on either instance")
		ok, err := a.OpenSocket(f.ctx, heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_b"}, "a-3", 2, lease)
		require.NoError(t, err)
		assert.True(t, ok, "another driver has places of their own")

		require.NoError(t, other.CloseSocket(f.ctx, drv, "b-1"))
		assert.True(t, open(a, "a-4"), "a closed socket frees its place")

		// Instance a renews its two; b's, had it any, would lapse.
		f.clock.Advance(lease / 2)
		require.NoError(t, a.KeepSockets(f.ctx, map[heartlink.Principal][]string{drv: {"a-1", "a-4"}}, lease))
		f.clock.Advance(lease * 3 / 4)
		assert.False(t, open(other, "b-3"), "renewed sockets still count")
		f.clock.Advance(lease)
		assert.True(t, open(other, "b-4"), "sockets not renewed for a lease no longer count")
	})
}
