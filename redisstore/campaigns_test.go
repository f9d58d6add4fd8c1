package redisstore

import (
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
)

// gaokao creates a campaign whose sign-up window opens on 20 May at 09:00
// and closes on 25 May at 21:00, Shanghai time, with one shift on 7 June
// for cars cars; the clock stands on 21 May, inside the window.
func (f *fixture) gaokao(cars int, verified bool) *campaign.Campaign {
	f.tb.Helper()
	f.clock.t = time.Date(2027, 5, 21, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	c, err := f.s.CreateCampaign(f.ctx, coordinator, campaign.Draft{
		Name: "2027 Gaokao Escort", SignupOpens: "0 9 20 5 *", SignupCloses: "0 21 25 5 *",
		Shifts: []campaign.ShiftDraft{{Date: "2027-06-07", Start: "06:30", End: "09:00",
			Area: &campaign.Area{Lat: centre.Lat, Lng: centre.Lng, RadiusKm: 10}, CarsNeeded: cars, VerifiedMinors: verified}},
	})
	require.NoError(f.tb, err)
	return c
}

func TestSignupRushNeverOverfills(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		const drivers, places = 1000, 100
		f := newFixture(t, b, nil)
		c := f.gaokao(places, false)
		shift := c.Shifts[0].ID
		ds := make([]heartlink.Principal, drivers)
		for i := range ds {
			ds[i] = f.driver(near(float64(i%50) / 10))
		}
		results := make([]campaign.Signup, drivers)
		var wg sync.WaitGroup
		for i, d := range ds {
			wg.Go(func() {
				var err error
				results[i], err = f.s.SignUp(f.ctx, d, c.ID, shift)
				assert.NoError(t, err)
			})
		}
		wg.Wait()

		confirmed, positions := 0, []int{}
		for _, r := range results {
			switch r.Status {
			case campaign.Confirmed:
				confirmed++
			case campaign.Waiting:
				positions = append(positions, r.Position)
			}
		}
		assert.Equal(t, places, confirmed)
		require.Len(t, positions, drivers-places)
		sort.Ints(positions)
		for i, p := range positions {
			require.Equal(t, i+1, p, "waiting positions are 1..900, each once")
		}
		_, fills, err := f.s.Campaign(f.ctx, c.ID)
		require.NoError(t, err)
		assert.Equal(t, campaign.Fill{Confirmed: places, Waiting: drivers - places}, fills[shift])
	})
}

func TestWithdrawPromotesTheFirstWaiting(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(1, false)
		shift := c.Shifts[0].ID
		first, second, third := f.driver(near(1)), f.driver(near(2)), f.driver(near(3))
		for _, d := range []heartlink.Principal{first, second, third} {
			_, err := f.s.SignUp(f.ctx, d, c.ID, shift)
			require.NoError(t, err)
		}
		again, err := f.s.SignUp(f.ctx, second, c.ID, shift)
		require.NoError(t, err)
		assert.Equal(t, campaign.Signup{CampaignID: c.ID, ShiftID: shift, Status: campaign.Waiting, Position: 1}.Of(c.Shifts[0]), again, "signing up twice is harmless")

		start, _ := f.s.LastChange(f.ctx)
		require.NoError(t, f.s.Withdraw(f.ctx, first, c.ID, shift))
		mine, err := f.s.Signups(f.ctx, second)
		require.NoError(t, err)
		assert.Equal(t, []campaign.Signup{campaign.Signup{CampaignID: c.ID, ShiftID: shift, Status: campaign.Confirmed}.Of(c.Shifts[0])}, mine)
		theirs, _ := f.s.Signups(f.ctx, third)
		assert.Equal(t, 1, theirs[0].Position)
		assert.Equal(t, []string{"signup:confirmed" + campaign.PlaceFreed}, f.changes(start, "driver:"+second.ID), "the promoted driver is told why")
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(f.s.Withdraw(f.ctx, first, c.ID, shift)))
	})
}

func TestSignupOutsideTheWindow(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		c := f.gaokao(10, true)
		d := f.driver(near(1))
		f.clock.t = time.Date(2027, 5, 26, 2, 0, 0, 0, time.UTC) // closed since the 25th
		_, err := f.s.SignUp(f.ctx, d, c.ID, c.Shifts[0].ID)
		assert.Equal(t, heartlink.EConflict, heartlink.ErrorCode(err))
		assert.Contains(t, err.Error(), "opens at 2028-05-20T09:00:00+08:00")

		f.clock.t = time.Date(2027, 5, 21, 2, 0, 0, 0, time.UTC)
		unverified := f.driver(near(1), unverified)
		_, err = f.s.SignUp(f.ctx, unverified, c.ID, c.Shifts[0].ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "minors ride on this shift")
		_, err = f.s.SignUp(f.ctx, d, c.ID, "shf_nope")
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
	})
}

func TestCampaignTripsGoToItsDriversFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		for _, openToAll := range []bool{false, true} {
			f := newFixture(t, b, nil)
			c := f.gaokao(5, true)
			if openToAll {
				_, err := f.s.UpdateCampaign(f.ctx, coordinator, c.ID, campaign.Update{OpenToAll: &openToAll})
				require.NoError(t, err)
			}
			nearer := f.driver(near(0.2))
			signed := f.driver(near(2))
			_, err := f.s.SignUp(f.ctx, signed, c.ID, c.Shifts[0].ID)
			require.NoError(t, err)

			// Exam morning, inside the shift (06:30–09:00 Shanghai) and its area.
			f.clock.t = time.Date(2027, 6, 6, 22, 0, 0, 0, time.UTC)  // 06:00 in Shanghai
			for _, d := range []heartlink.Principal{nearer, signed} { // still online on the morning
				_, err := f.s.SetPresence(f.ctx, d.ID, presenceAt(near(0.5)))
				require.NoError(t, err)
			}
			r := f.tripRequest(2*time.Hour + 30*time.Minute) // arrive 08:30
			r.CampaignID = c.ID
			trip, err := f.s.Request(f.ctx, f.requester(), r)
			require.NoError(t, err)
			assert.Equal(t, []string{trip.ID}, f.offers(signed), "the campaign's driver first")

			require.NoError(t, f.s.Decline(f.ctx, signed, trip.ID))
			if openToAll {
				assert.Equal(t, []string{trip.ID}, f.offers(nearer), "then anyone, as the campaign allows")
			} else {
				assert.Empty(t, f.offers(nearer), "never to drivers who did not sign up")
				assert.Equal(t, dispatch.Unassigned, f.trip(trip.ID).Status)
			}
		}
	})
}

func TestRecurringTripsAreBookedOnceEach(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil) // Monday 7 June 2027, 14:00 in Shanghai
		care := f.requester()
		trip := f.tripRequest(0)
		trip.Kind, trip.ArriveBy = dispatch.Hospital, nil
		rec, err := f.s.CreateRecurrence(f.ctx, care, dispatch.RecurrenceDraft{
			Trip: trip, Weekdays: []int{1, 3, 5}, ArriveAt: "07:30", Until: "2027-06-30"})
		require.NoError(t, err)

		// Three instances book what falls within the next 48 hours, at once.
		var wg sync.WaitGroup
		var total atomic.Int64
		for range 3 {
			wg.Go(func() {
				n, err := f.store().BookDue(f.ctx, 48*time.Hour)
				assert.NoError(t, err)
				total.Add(int64(n))
			})
		}
		wg.Wait()
		assert.EqualValues(t, 1, total.Load(), "Wednesday's trip, booked once")
		f.clock.Advance(48 * time.Hour)
		n, err := f.s.BookDue(f.ctx, 48*time.Hour)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "then Friday's")

		mine, err := f.s.Trips(f.ctx, care, dispatch.Filter{})
		require.NoError(t, err)
		require.Len(t, mine, 2)
		sh, _ := time.LoadLocation("Asia/Shanghai")
		for _, tr := range mine {
			assert.Equal(t, "07:30", tr.ArriveBy.In(sh).Format("15:04"))
		}
		require.NoError(t, f.s.StopRecurrence(f.ctx, care, rec.ID))
		f.clock.Advance(72 * time.Hour)
		n, _ = f.s.BookDue(f.ctx, 48*time.Hour)
		assert.Zero(t, n, "a stopped booking books nothing more")
	})
}

func TestAWindowOpenAtCreationIsAnnounced(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		start, _ := f.s.LastChange(f.ctx)
		c := f.gaokao(5, false) // created on 21 May, inside its window
		cs, _, err := f.s.History(f.ctx, start, []string{"drivers"}, 10)
		require.NoError(t, err)
		require.Len(t, cs, 1)
		assert.Contains(t, string(cs[0].Data), `"kind":"signup_open"`)
		assert.Contains(t, string(cs[0].Data), c.ID)
	})
}

func TestPlacesAndDriverStats(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		lat, lng := 28.26, 117.07
		_, err := f.s.CreatePlace(f.ctx, coordinator, fleet.PlaceDraft{Name: "Yingtan No.1 Middle School", Kind: fleet.ExamSite, Lat: &lat, Lng: &lng})
		require.NoError(t, err)
		_, err = f.s.CreatePlace(f.ctx, f.requester(), fleet.PlaceDraft{Name: "x", Kind: fleet.Station, Lat: &lat, Lng: &lng})
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err))
		far := 86.0
		_, err = f.s.CreatePlace(f.ctx, coordinator, fleet.PlaceDraft{Name: "Pole", Kind: fleet.Station, Lat: &far, Lng: &lng})
		assert.Equal(t, "lat", heartlink.ErrorField(err))
		ps, err := f.s.Places(f.ctx)
		require.NoError(t, err)
		require.Len(t, ps, 1)
		assert.Equal(t, fleet.ExamSite, ps[0].Kind)

		d := f.driver(near(0.5))
		trip := f.request(f.requester(), time.Hour)
		_, err = f.s.Accept(f.ctx, d, trip.ID)
		require.NoError(t, err)
		for _, step := range []dispatch.Step{dispatch.StepArrived, dispatch.StepPickedUp, dispatch.StepCompleted} {
			_, err := f.s.Progress(f.ctx, d, trip.ID, f.report(trip.ID, step))
			require.NoError(t, err)
		}
		v, err := f.s.DriverStats(f.ctx, d, d.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, v.TripsCompleted)
		assert.Greater(t, v.Hours, 0.0)
		seen, err := f.s.DriverStats(f.ctx, coordinator, d.ID)
		require.NoError(t, err)
		assert.Equal(t, v, seen, "a coordinator reads the driver's own figures")
		_, err = f.s.DriverStats(f.ctx, f.driver(near(1)), d.ID)
		assert.Equal(t, heartlink.EForbidden, heartlink.ErrorCode(err), "another driver may not")
		_, err = f.s.DriverStats(f.ctx, coordinator, "drv_nobody")
		assert.Equal(t, heartlink.ENotFound, heartlink.ErrorCode(err))
	})
}
