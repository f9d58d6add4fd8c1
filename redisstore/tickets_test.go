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
