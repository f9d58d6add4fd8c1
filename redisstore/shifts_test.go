package redisstore

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/internal/redistest"
)

// signupNews is what a driver was told of their place on shifts since
// the event after: each signup change addressed to them, in order.
func (f *fixture) signupNews(after, driverID string) []map[string]any {
	f.tb.Helper()
	cs, _, err := f.s.History(f.ctx, after, []string{"driver:" + driverID}, 1000)
	require.NoError(f.tb, err)
	var out []map[string]any
	for _, c := range cs {
		if c.Kind != "signup" {
			continue
		}
		var m map[string]any
		require.NoError(f.tb, json.Unmarshal(c.Data, &m))
		out = append(out, m)
	}
	return out
}

// TestShiftResize: a shift of 4 with 3 waiting shrinks to 2: its two
// latest confirmed go, in order, to the head of the waiting list and are
// told; grown to 6, the first four waiting are confirmed in order, and
// told. Removed, every driver is released and told.
func TestShiftResize(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(4, false)
		sid := c.Shifts[0].ID
		ds := make([]heartlink.Principal, 7)
		for i := range ds {
			ds[i] = f.driver(near(1))
			_, err := f.s.SignUp(f.ctx, ds[i], c.ID, sid)
			require.NoError(t, err)
		}
		mark, err := f.s.LastChange(f.ctx)
		require.NoError(t, err)
		order := func() (conf, wait []string) {
			t.Helper()
			conf, wait, err := f.s.shiftDrivers(f.ctx, c.ID, sid)
			require.NoError(t, err)
			return conf, wait
		}

		two := 2
		sh, fill, err := f.s.EditShift(f.ctx, coordinator, c.ID, sid, campaign.ShiftUpdate{CarsNeeded: &two})
		require.NoError(t, err)
		assert.Equal(t, 2, sh.CarsNeeded)
		assert.Equal(t, campaign.Fill{Confirmed: 2, Waiting: 5}, fill)
		conf, wait := order()
		assert.Equal(t, []string{ds[0].ID, ds[1].ID}, conf, "the earliest two stay confirmed")
		assert.Equal(t, []string{ds[2].ID, ds[3].ID, ds[4].ID, ds[5].ID, ds[6].ID}, wait,
			"the two latest confirmed head the waiting list, in sign-up order")
		for i, d := range []heartlink.Principal{ds[2], ds[3]} {
			news := f.signupNews(mark, d.ID)
			require.Len(t, news, 1, "driver %d is told once", i+2)
			assert.Equal(t, "waiting", news[0]["status"])
			assert.EqualValues(t, i+1, news[0]["position"])
			assert.Equal(t, campaign.ShiftShrunk, news[0]["reason"])
		}
		assert.Empty(t, f.signupNews(mark, ds[0].ID), "a driver who stays confirmed is not told")
		assert.Empty(t, f.signupNews(mark, ds[4].ID), "a driver who was waiting already is not told")
		su, err := f.s.Signups(f.ctx, ds[3])
		require.NoError(t, err)
		require.Len(t, su, 1)
		assert.Equal(t, campaign.Waiting, su[0].Status)
		assert.Equal(t, 2, su[0].Position)

		mark, _ = f.s.LastChange(f.ctx)
		six := 6
		_, fill, err = f.s.EditShift(f.ctx, coordinator, c.ID, sid, campaign.ShiftUpdate{CarsNeeded: &six})
		require.NoError(t, err)
		assert.Equal(t, campaign.Fill{Confirmed: 6, Waiting: 1}, fill)
		conf, wait = order()
		assert.Equal(t, []string{ds[0].ID, ds[1].ID, ds[2].ID, ds[3].ID, ds[4].ID, ds[5].ID}, conf)
		assert.Equal(t, []string{ds[6].ID}, wait)
		for i := 2; i < 6; i++ {
			news := f.signupNews(mark, ds[i].ID)
			require.Len(t, news, 1, "driver %d is told once", i)
			assert.Equal(t, "confirmed", news[0]["status"])
			assert.Equal(t, campaign.ShiftGrown, news[0]["reason"])
		}
		assert.Empty(t, f.signupNews(mark, ds[6].ID))

		// A stale version changes nothing.
		stale, three := 1, 3
		_, _, err = f.s.EditShift(f.ctx, coordinator, c.ID, sid, campaign.ShiftUpdate{CarsNeeded: &three, Version: &stale})
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "%v", err)
		conf, _ = order()
		assert.Len(t, conf, 6)

		// The only shift cannot go; with another beside it, it can.
		_, err = f.s.RemoveShift(f.ctx, coordinator, c.ID, sid)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err), "%v", err)
		other, _, err := f.s.AddShift(f.ctx, coordinator, c.ID, campaign.ShiftDraft{Date: "2027-06-08", Start: "06:30", End: "09:00",
			Area: &campaign.Area{Lat: centre.Lat, Lng: centre.Lng, RadiusKm: 10}, CarsNeeded: 3})
		require.NoError(t, err)
		mark, _ = f.s.LastChange(f.ctx)
		rm, err := f.s.RemoveShift(f.ctx, coordinator, c.ID, sid)
		require.NoError(t, err)
		assert.Len(t, rm.Confirmed, 6)
		assert.Equal(t, []string{ds[6].ID}, rm.Waiting)
		for i, d := range ds {
			news := f.signupNews(mark, d.ID)
			require.Len(t, news, 1, "driver %d is told once", i)
			assert.Equal(t, "released", news[0]["status"])
			su, err := f.s.Signups(f.ctx, d)
			require.NoError(t, err)
			assert.Empty(t, su, "driver %d's sign-ups after the shift went", i)
		}
		got, fills, err := f.s.Campaign(f.ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, got.Shifts, 1)
		assert.Equal(t, other.ID, got.Shifts[0].ID)
		assert.Equal(t, campaign.Fill{}, fills[other.ID])
		_, err = f.s.SignUp(f.ctx, ds[0], c.ID, sid)
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err), "signing up for a removed shift: %v", err)
	})
}
