package redisstore

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
)

// TestRotationRevokesTicketsAndTellsTheLiveChannels: a ticket asked for
// with a token stops working when the token is rotated, and the rotation
// is on the change stream, naming the old token as the sockets know it.
func TestRotationRevokesTicketsAndTellsTheLiveChannels(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d, old, err := f.s.CreateDriver(f.ctx, coordinator, fleet.DriverRegistration{Name: "W", Phone: "13800000001",
			Vehicle: &fleet.Vehicle{Plate: "A1", Seats: 4}, Home: &centre})
		require.NoError(t, err)
		me := heartlink.Principal{Role: heartlink.RoleDriver, ID: d.ID}
		before, _, err := f.s.IssueTicket(f.ctx, me, old)
		require.NoError(t, err)
		spare, _, err := f.s.IssueTicket(f.ctx, me, old)
		require.NoError(t, err)
		p, id, err := f.s.RedeemTicket(f.ctx, spare)
		require.NoError(t, err, "a ticket works before rotation")
		assert.Equal(t, me, p)
		assert.Equal(t, fleet.TokenID(old), id, "the ticket names the token it was issued under")

		last, err := f.s.LastChange(f.ctx)
		require.NoError(t, err)
		fresh, err := f.s.RotateToken(f.ctx, coordinator, heartlink.RoleDriver, d.ID)
		require.NoError(t, err)

		_, _, err = f.s.RedeemTicket(f.ctx, before)
		assert.Equal(t, heartlink.EUnauthorized, heartlink.ErrorCode(err), "a ticket issued before rotation")
		after, _, err := f.s.IssueTicket(f.ctx, me, fresh)
		require.NoError(t, err)
		_, id, err = f.s.RedeemTicket(f.ctx, after)
		require.NoError(t, err, "a ticket issued with the new token")
		assert.Equal(t, fleet.TokenID(fresh), id)

		changes, complete, err := f.s.History(f.ctx, last, []string{"sessions"}, 10)
		require.NoError(t, err)
		require.True(t, complete)
		require.Len(t, changes, 1, "one revocation: %+v", changes)
		assert.Equal(t, fleet.ChangeRevoked, changes[0].Kind)
		var r fleet.Revocation
		require.NoError(t, json.Unmarshal(changes[0].Data, &r))
		assert.Equal(t, fleet.Revocation{Role: heartlink.RoleDriver, ID: d.ID, TokenID: fleet.TokenID(old)}, r)
	})
}

// TestRotatingACoordinatorsToken: coordinators' tokens rotate like the
// others', including those saved before coordinators kept their token's
// hash, and the first coordinator's stays in step with admin:token.
func TestRotatingACoordinatorsToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c, old, err := f.s.CreateCoordinator(f.ctx, coordinator, "Office")
		require.NoError(t, err)
		// As a coordinator registered before: no hash beside the record.
		require.NoError(t, f.s.rdb.Del(f.ctx, f.s.keys.tokenOf(heartlink.RoleCoordinator, c.ID)).Err())
		them := heartlink.Principal{Role: heartlink.RoleCoordinator, ID: c.ID}
		_, err = f.s.RotateToken(f.ctx, heartlink.Principal{Role: heartlink.RoleDriver, ID: "drv_x"}, heartlink.RoleCoordinator, c.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "a driver cannot rotate a coordinator's token")
		fresh, err := f.s.RotateToken(f.ctx, coordinator, heartlink.RoleCoordinator, c.ID)
		require.NoError(t, err)
		again, err := f.s.RotateToken(f.ctx, them, heartlink.RoleCoordinator, c.ID)
		require.NoError(t, err)
		for tok, ok := range map[string]bool{old: false, fresh: false, again: true} {
			p, err := f.s.Authenticate(f.ctx, tok)
			assert.Equal(t, ok, err == nil, "token %q", tok)
			if ok {
				assert.Equal(t, them, p)
			}
		}
		_, err = f.s.RotateToken(f.ctx, coordinator, heartlink.RoleCoordinator, "crd_nobody")
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))

		_, admin, err := f.s.EnsureAdmin(f.ctx, "")
		require.NoError(t, err)
		require.NotEmpty(t, admin, "a fresh store generates the first coordinator's token")
		rotated, err := f.s.RotateToken(f.ctx, coordinator, heartlink.RoleCoordinator, adminID)
		require.NoError(t, err)
		_, err = f.s.Authenticate(f.ctx, admin)
		assert.Error(t, err, "the first coordinator's old token")
		_, err = f.s.Authenticate(f.ctx, rotated)
		assert.NoError(t, err)
		// A start with HEARTLINK_ADMIN_TOKEN set takes the token back.
		const chosen = "admin-token-chosen-0123456789"
		_, _, err = f.s.EnsureAdmin(f.ctx, chosen)
		require.NoError(t, err)
		_, err = f.s.Authenticate(f.ctx, rotated)
		assert.Error(t, err, "the rotated token, once HEARTLINK_ADMIN_TOKEN is set again")
		_, err = f.s.Authenticate(f.ctx, chosen)
		assert.NoError(t, err)
	})
}
