package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
)

// A rider asks for their data, then for it to be erased: the export finds
// every trip of theirs by phone (however it was written), the erasure
// removes their name and phone from the trips that are over and keeps
// the one still to be driven, and the other riders of a shared trip keep
// theirs. Both are in the trips' audit trails.
func TestARidersDataIsExportedAndErasedOnRequest(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		school := f.requester()
		book := func(in time.Duration, riders ...dispatch.Rider) *dispatch.Trip {
			r := f.tripRequest(in)
			r.Riders = riders
			tr, err := f.s.Request(f.ctx, school, r)
			require.NoError(t, err)
			return tr
		}
		me := dispatch.Rider{Name: "Erase Me", Phone: "139 5550 1111"}
		other := dispatch.Rider{Name: "Keep Me", Phone: "13955502222"}
		alone := book(time.Hour, me)
		shared := book(time.Hour, dispatch.Rider{Name: "Erase Me", Phone: "+86 13955501111"}, other)
		later := book(5*time.Hour, me)
		book(time.Hour, other)
		for _, tr := range []*dispatch.Trip{alone, shared} {
			_, err := f.s.Cancel(f.ctx, school, tr.ID)
			require.NoError(t, err)
		}

		_, err := f.s.RiderTrips(f.ctx, school, "13955501111")
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "only coordinators")
		_, err = f.s.RiderTrips(f.ctx, coordinator, "no digits")
		assert.Equal(t, heartlink.EInvalid, heartlink.ErrorCode(err))
		got, err := f.s.RiderTrips(f.ctx, coordinator, "13955501111")
		require.NoError(t, err)
		var ids []string
		for _, tr := range got {
			ids = append(ids, tr.ID)
		}
		assert.ElementsMatch(t, []string{alone.ID, shared.ID, later.ID}, ids, "every trip of theirs, the phone written any way")
		assert.Contains(t, f.actions(alone.ID), "exported cancelled")

		e, err := f.s.EraseRider(f.ctx, coordinator, "13955501111")
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{alone.ID, shared.ID}, e.Erased)
		assert.Equal(t, []string{later.ID}, e.Kept, "a trip still to be driven keeps the contact its driver needs")

		a := f.trip(alone.ID)
		assert.Empty(t, a.Riders[0].Name)
		assert.Empty(t, a.PIN, "a trip of theirs alone is purged whole")
		assert.False(t, a.PurgedAt.IsZero())
		s := f.trip(shared.ID)
		assert.Equal(t, []dispatch.Rider{{}, other}, s.Riders, "the other rider keeps their data")
		assert.NotEmpty(t, s.PIN)
		assert.Contains(t, f.actions(shared.ID), "erased cancelled")
		assert.Equal(t, "Erase Me", f.trip(later.ID).Riders[0].Name)
		assert.ElementsMatch(t, []string{later.ID}, f.rdb.SMembers(f.ctx, f.s.keys.rider(phoneHash(me.Phone))).Val(),
			"the index keeps only the trip kept")

		got, err = f.s.RiderTrips(f.ctx, coordinator, "13955501111")
		require.NoError(t, err)
		require.Len(t, got, 1, "only the trip kept")
		got, err = f.s.RiderTrips(f.ctx, coordinator, "13955502222")
		require.NoError(t, err)
		assert.Len(t, got, 2, "the other rider is still found")
	})
}

// Who read a trip's riders' contact is logged, newest last, and only
// coordinators read the log; the trip's requester reading its own trips
// is not logged.
func TestContactReadsAreLogged(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		school := f.requester()
		tr := f.request(school, time.Hour)
		require.NoError(t, f.s.ContactRead(f.ctx, school, "trip", []string{tr.ID}))
		require.NoError(t, f.s.ContactRead(f.ctx, d, "accept", []string{tr.ID}))
		require.NoError(t, f.s.ContactRead(f.ctx, coordinator, "list", []string{tr.ID}))

		_, err := f.s.ContactReads(f.ctx, d, tr.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))
		_, err = f.s.ContactReads(f.ctx, coordinator, "trp_nowhere")
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
		reads, err := f.s.ContactReads(f.ctx, coordinator, tr.ID)
		require.NoError(t, err)
		require.Len(t, reads, 2)
		assert.Equal(t, d.String(), reads[0].Actor)
		assert.Equal(t, "accept", reads[0].Via)
		assert.Equal(t, coordinator.String(), reads[1].Actor)
		assert.Equal(t, f.clock.Now().UnixMilli(), reads[1].At.UnixMilli())
	})
}
