package main

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/fleet"
	"github.com/heartlink/heartlink/internal/redistest"
	"github.com/heartlink/heartlink/redisstore"
	"github.com/heartlink/heartlink/scheduler"
)

type fixedClock struct {
	mu sync.Mutex // mu guards t
	t  time.Time
}

func (c *fixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func TestCampaignJobs(t *testing.T) {
	for _, b := range redistest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			rdb, prefix := b.New(t)
			sh, _ := time.LoadLocation("Asia/Shanghai")
			clock := &fixedClock{t: time.Date(2027, 5, 19, 12, 0, 0, 0, sh)}
			store := redisstore.New(rdb, redisstore.Options{Prefix: prefix, Clock: clock})
			admin := heartlink.Principal{Role: heartlink.RoleCoordinator, ID: "crd_admin"}
			c, err := store.CreateCampaign(ctx, admin, campaign.Draft{
				Name: "2027 Gaokao Escort", SignupOpens: "0 9 20 5 *", SignupCloses: "0 21 25 5 *",
				Shifts: []campaign.ShiftDraft{{Date: "2027-06-07", Start: "06:30", End: "09:00",
					Area: &campaign.Area{Lat: 28.26, Lng: 117.07, RadiusKm: 10}, CarsNeeded: 10}},
			})
			require.NoError(t, err)
			js, err := jobs(ctx, store, clock, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			byName := map[string]scheduler.Job{}
			for _, j := range js {
				byName[j.Name] = j
			}
			open := byName["campaign:"+c.ID+":open"]
			remind := byName["campaign:"+c.ID+":remind:"+c.Shifts[0].ID]
			require.NotNil(t, open.Run)
			require.NotNil(t, remind.Run)
			assert.Equal(t, time.Date(2027, 5, 20, 9, 0, 0, 0, sh), scheduler.Next(open.Schedule, clock.Now(), sh).In(sh))
			assert.Equal(t, time.Date(2027, 6, 6, 20, 0, 0, 0, sh), remind.Schedule.Next(clock.Now()).In(sh), "the evening before")

			// The window opens: every online driver is told.
			start, _ := store.LastChange(ctx)
			clock.t = time.Date(2027, 5, 20, 9, 0, 0, 0, sh)
			require.NoError(t, open.Run(ctx, clock.Now()))
			cs, _, err := store.History(ctx, start, []string{"drivers"}, 10)
			require.NoError(t, err)
			require.Len(t, cs, 1)
			assert.Contains(t, string(cs[0].Data), `"kind":"signup_open"`)

			// The evening before the shift, its confirmed drivers are reminded.
			d, _, err := store.CreateDriver(ctx, admin, fleet.DriverRegistration{Name: "W", Phone: "13800000001",
				Vehicle: &fleet.Vehicle{Plate: "A1", Seats: 4}, Home: &heartlink.Point{Lat: 28.26, Lng: 117.07}})
			require.NoError(t, err)
			_, err = store.SignUp(ctx, heartlink.Principal{Role: heartlink.RoleDriver, ID: d.ID}, c.ID, c.Shifts[0].ID)
			require.NoError(t, err)
			start, _ = store.LastChange(ctx)
			require.NoError(t, remind.Run(ctx, clock.Now()))
			cs, _, err = store.History(ctx, start, []string{"driver:" + d.ID}, 10)
			require.NoError(t, err)
			require.Len(t, cs, 1)
			assert.Contains(t, string(cs[0].Data), `"kind":"shift_reminder"`)
		})
	}
}
