package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
	"github.com/heartlink/heartlink/safety"
)

// A guardian link shows the trip as a family may see it, the car's
// position only while the rider is aboard, and stops Grace after the
// trip ends; the store holds its hash, never the token.
func TestGuardianLinkLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(centre)
		school := f.requester()
		trip := f.request(school, 2*time.Hour)

		_, _, err := f.s.Share(f.ctx, d, trip.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "a driver shares nothing")
		_, _, err = f.s.Share(f.ctx, f.requester(), trip.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "nor another school")

		link, tok, err := f.s.Share(f.ctx, school, trip.ID)
		require.NoError(t, err)
		assert.Len(t, tok, 55)
		assert.Equal(t, trip.ArriveBy.Add(12*time.Hour), link.ExpiresAt, "a link ends with its trip's day at the latest")
		keys := f.allKeys(f.s.keys.p + "*")
		require.NoError(t, err)
		assert.NotContains(t, strings.Join(keys, " "), tok[3:], "no key holds the token")
		assert.Contains(t, keys, f.s.keys.share(shareHash(tok)), "the link is keyed by the token's hash")

		v, err := f.s.Shared(f.ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, dispatch.Offered, v.Status)
		assert.Equal(t, "No.2 Middle School", v.Dropoff.Name)
		assert.Equal(t, trip.PIN, v.PIN, "the family sees the handover PIN")
		assert.Nil(t, v.Driver, "no driver yet")

		_, err = f.s.Accept(f.ctx, d, trip.ID)
		require.NoError(t, err)
		v, err = f.s.Shared(f.ctx, tok)
		require.NoError(t, err)
		require.NotNil(t, v.Driver)
		assert.Equal(t, dispatch.GuardianCar{FirstName: "Driver", Plate: "赣L00000"}, *v.Driver)
		assert.Nil(t, v.Position, "no position before the pick-up")

		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepArrived))
		require.NoError(t, err)
		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepPickedUp))
		require.NoError(t, err)
		require.NoError(t, f.s.Move(f.ctx, d.ID, near(1)))
		v, err = f.s.Shared(f.ctx, tok)
		require.NoError(t, err)
		require.NotNil(t, v.Position, "the car's position while the rider is aboard")
		assert.InDelta(t, near(1).Lat, v.Position.Lat, 1e-6)

		_, err = f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, dispatch.StepCompleted))
		require.NoError(t, err)
		v, err = f.s.Shared(f.ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, dispatch.Completed, v.Status)
		assert.Nil(t, v.Position, "none after the drop-off")
		assert.Empty(t, v.PIN, "nor the PIN")
		assert.Equal(t, f.clock.Now().Add(f.pol.Share.Grace), v.ExpiresAt, "the link ends Grace after the trip")

		f.clock.Advance(f.pol.Share.Grace)
		_, err = f.s.Shared(f.ctx, tok)
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err), "expired")
		_, _, err = f.s.Share(f.ctx, school, trip.ID)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "a trip over is shared no more")
		assert.Equal(t, []string{"shared offered"}, filterActions(f.actions(trip.ID), "shared"), "the link is on the trip's record")
	})
}

func filterActions(as []string, prefix string) []string {
	var out []string
	for _, a := range as {
		if strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	return out
}

// Revoking one link leaves the others; revoking all ends every one.
func TestGuardianLinksRevoked(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		trip := f.request(school, 2*time.Hour)
		one, tok1, err := f.s.Share(f.ctx, school, trip.ID)
		require.NoError(t, err)
		_, tok2, err := f.s.Share(f.ctx, coordinator, trip.ID)
		require.NoError(t, err)
		_, tok3, err := f.s.Share(f.ctx, school, trip.ID)
		require.NoError(t, err)

		_, err = f.s.Unshare(f.ctx, f.requester(), trip.ID, "")
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))
		n, err := f.s.Unshare(f.ctx, school, trip.ID, one.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = f.s.Shared(f.ctx, tok1)
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
		_, err = f.s.Shared(f.ctx, tok2)
		require.NoError(t, err, "the others still work")
		_, err = f.s.Unshare(f.ctx, school, trip.ID, one.ID)
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err), "gone already")

		n, err = f.s.Unshare(f.ctx, school, trip.ID, "")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		for _, tok := range []string{tok2, tok3, "gl_" + strings.Repeat("a", 52), "nonsense"} {
			_, err = f.s.Shared(f.ctx, tok)
			assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
		}
	})
}

// An SOS reaches the board at once with the driver, the trip and its
// riders to call; pressed again it is the same SOS at the new position;
// a coordinator resolves it, and the driver may raise another.
func TestSOS(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d, other := f.driver(centre), f.driver(near(2))
		school := f.requester()
		trip := f.request(school, 2*time.Hour)
		_, err := f.s.Accept(f.ctx, d, trip.ID)
		require.NoError(t, err)
		here := near(0.5)

		_, _, err = f.s.RaiseSOS(f.ctx, other, safety.Raise{Location: &here, TripID: trip.ID})
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "another's trip")
		assert.Equal(t, "trip_id", heartlink.ErrorField(err))
		_, _, err = f.s.RaiseSOS(f.ctx, other, safety.Raise{Location: &here, TripID: "trp_nope"})
		assert.Equal(t, heartlink.EInvalid, heartlink.ErrorCode(err), "a trip that is not there")
		_, _, err = f.s.RaiseSOS(f.ctx, school, safety.Raise{Location: &here})
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "drivers only")
		_, _, err = f.s.RaiseSOS(f.ctx, d, safety.Raise{})
		assert.Equal(t, "location", heartlink.ErrorField(err))
		open, err := f.s.OpenSOS(f.ctx, coordinator)
		require.NoError(t, err)
		assert.Empty(t, open, "refusals raise nothing")

		sos, fresh, err := f.s.RaiseSOS(f.ctx, d, safety.Raise{Location: &here, TripID: trip.ID})
		require.NoError(t, err)
		assert.True(t, fresh)
		again := near(0.7)
		sos2, fresh, err := f.s.RaiseSOS(f.ctx, d, safety.Raise{Location: &again})
		require.NoError(t, err)
		assert.False(t, fresh, "pressed again")
		assert.Equal(t, sos.ID, sos2.ID, "the same SOS")
		f.clock.Advance(time.Second)
		alone, _, err := f.s.RaiseSOS(f.ctx, other, safety.Raise{Location: &here})
		require.NoError(t, err, "a driver with no trip raises an SOS too")

		rt0 := f.rt.n.Load()
		open, err = f.s.OpenSOS(f.ctx, coordinator)
		require.NoError(t, err)
		require.Len(t, open, 2)
		assert.EqualValues(t, 4, f.rt.n.Load()-rt0, "the open SOS and their people in four round trips, however many")
		a := open[0]
		assert.Equal(t, sos.ID, a.ID)
		assert.InDelta(t, again.Lat, a.Location.Lat, 1e-9, "at the new position")
		require.NotNil(t, a.Trip)
		assert.Equal(t, trip.ID, a.Trip.ID, "it keeps its trip")
		assert.Equal(t, trip.Riders, a.Riders, "the riders to call")
		require.NotNil(t, a.Requester)
		assert.Equal(t, "07016221234", a.Requester.Phone)
		assert.Equal(t, "13800000000", a.Driver.Phone)
		assert.Equal(t, alone.ID, open[1].ID)
		assert.Nil(t, open[1].Trip)
		_, err = f.s.OpenSOS(f.ctx, d)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))

		_, err = f.s.ResolveSOS(f.ctx, d, sos.ID, safety.Resolution{})
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))
		done, err := f.s.ResolveSOS(f.ctx, coordinator, sos.ID, safety.Resolution{Note: "called the driver: a flat tyre"})
		require.NoError(t, err)
		assert.Equal(t, safety.Resolved, done.Status)
		_, err = f.s.ResolveSOS(f.ctx, coordinator, sos.ID, safety.Resolution{})
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "resolved already")
		_, err = f.s.ResolveSOS(f.ctx, coordinator, "sos_nope", safety.Resolution{})
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
		next, fresh, err := f.s.RaiseSOS(f.ctx, d, safety.Raise{Location: &here})
		require.NoError(t, err)
		assert.True(t, fresh, "once resolved, a new one")
		assert.NotEqual(t, sos.ID, next.ID)
		assert.Equal(t, []string{"sos assigned", "sos_resolved assigned"}, filterActions(f.actions(trip.ID), "sos"), "on the trip's record")

		changes, _, err := f.s.History(f.ctx, "0-0", []string{"board", "driver:" + d.ID}, 1000)
		require.NoError(t, err)
		var kinds []string
		for _, c := range changes {
			if strings.HasPrefix(c.Kind, "sos") {
				kinds = append(kinds, c.Kind+" "+strings.Join(c.To, ","))
				// Boards render an SOS with its people as they push it: the
				// stream, which erasing a rider cannot reach, holds no phone.
				for _, phone := range []string{"07016221234", "13800000000", trip.Riders[0].Phone} {
					assert.NotContains(t, string(c.Data), phone, "a phone in the stream's %s", c.Kind)
				}
			}
		}
		assert.Equal(t, []string{"sos board", "sos board", "sos board", "sos_resolved board,driver:" + d.ID, "sos board"}, kinds)
	})
}
