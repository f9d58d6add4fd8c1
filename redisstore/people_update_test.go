package redisstore

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
)

func ptr[T any](v T) *T { return &v }

// TestDeactivationIsInTheToken: a deactivated school's token says so, so
// booking refuses it without reading the account; a new token keeps the
// mark, and reactivating clears it.
func TestDeactivationIsInTheToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		f.driver(near(1))
		q, tok, err := f.s.CreateRequester(f.ctx, coordinator, fleet.RequesterRegistration{Name: "School", Kind: fleet.School, Phone: "07016221234"})
		require.NoError(t, err)
		auth := func(tok string) heartlink.Principal {
			t.Helper()
			p, err := f.s.Authenticate(f.ctx, tok)
			require.NoError(t, err)
			return p
		}
		assert.False(t, auth(tok).Inactive)

		_, err = f.s.UpdateRequester(f.ctx, coordinator, q.ID, fleet.RequesterUpdate{Active: ptr(false)})
		require.NoError(t, err)
		by := auth(tok)
		assert.Equal(t, heartlink.Principal{Role: heartlink.RoleRequester, ID: q.ID, Inactive: true}, by)
		_, err = f.s.Request(f.ctx, by, f.tripRequest(2*time.Hour))
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "a deactivated school books nothing")

		fresh, err := f.s.RotateToken(f.ctx, coordinator, heartlink.RoleRequester, q.ID)
		require.NoError(t, err)
		assert.True(t, auth(fresh).Inactive, "a new token does not reactivate the account")

		_, err = f.s.UpdateRequester(f.ctx, coordinator, q.ID, fleet.RequesterUpdate{Active: ptr(true)})
		require.NoError(t, err)
		by = auth(fresh)
		assert.False(t, by.Inactive)
		_, err = f.s.Request(f.ctx, by, f.tripRequest(2*time.Hour))
		assert.NoError(t, err, "reactivated, the school books again")
	})
}

// TestDeactivationRacesRotation: a driver rotating their token while a
// coordinator deactivates them never ends up with a working token that
// says active.
func TestDeactivationRacesRotation(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		for range 20 {
			d, _, err := f.s.CreateDriver(f.ctx, coordinator, fleet.DriverRegistration{Name: "W", Phone: "13800000001",
				Vehicle: &fleet.Vehicle{Plate: "A1", Seats: 4}, Home: &centre})
			require.NoError(t, err)
			me := heartlink.Principal{Role: heartlink.RoleDriver, ID: d.ID}
			var wg sync.WaitGroup
			var tokens sync.Map
			for range 4 {
				wg.Go(func() {
					if tok, err := f.s.RotateToken(f.ctx, me, heartlink.RoleDriver, d.ID); err == nil {
						tokens.Store(tok, true)
					} else {
						assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "%v", err)
					}
				})
			}
			wg.Go(func() {
				_, err := f.s.UpdateDriver(f.ctx, coordinator, d.ID, fleet.DriverUpdate{Active: ptr(false)})
				assert.NoError(t, err)
			})
			wg.Wait()
			working := 0
			tokens.Range(func(k, _ any) bool {
				if p, err := f.s.Authenticate(f.ctx, k.(string)); err == nil {
					working++
					assert.True(t, p.Inactive, "the working token says the driver is inactive")
				}
				return true
			})
			assert.LessOrEqual(t, working, 1, "one token works at most")
		}
	})
}

// TestTokensOfEarlierDeactivationsAreMarked: accounts deactivated before
// tokens carried the mark get it at start, once.
func TestTokensOfEarlierDeactivationsAreMarked(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		q, tok, err := f.s.CreateRequester(f.ctx, coordinator, fleet.RequesterRegistration{Name: "School", Kind: fleet.School, Phone: "07016221234"})
		require.NoError(t, err)
		q.Active = false
		// As an earlier version left it: the account inactive, its token
		// unmarked.
		require.NoError(t, f.rdb.Set(f.ctx, f.s.keys.requester(q.ID), encodeRequester(q), 0).Err())
		p, err := f.s.Authenticate(f.ctx, tok)
		require.NoError(t, err)
		require.False(t, p.Inactive)

		require.NoError(t, f.s.MarkInactiveTokens(f.ctx))
		p, err = f.s.Authenticate(f.ctx, tok)
		require.NoError(t, err)
		assert.True(t, p.Inactive)
		require.NoError(t, f.s.MarkInactiveTokens(f.ctx), "a second start finds the work done")
	})
}
