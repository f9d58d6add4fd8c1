package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
	"github.com/heartlink/heartlink/redisstore"
	"github.com/heartlink/heartlink/scheduler"
)

// How long after the fact a missed firing is still worth running at start.
const (
	announceCatchUp = 6 * time.Hour
	remindAt        = 20 * time.Hour // 20:00 the evening before a shift
	bookEvery       = "*/10 * * * *"
	bookAhead       = 48 * time.Hour
)

// jobs builds every scheduled job from what the store holds: each
// campaign's opening and closing announcements and shift reminders, and
// the booking of recurring trips.
func jobs(ctx context.Context, store *redisstore.Store, clock heartlink.Clock, log *slog.Logger) ([]scheduler.Job, error) {
	cs, _, err := store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	book, _ := scheduler.Parse(bookEvery)
	out := []scheduler.Job{{
		Name: "recurring:book", Schedule: book, CatchUp: time.Hour, LatestOnly: true,
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := store.BookDue(ctx, bookAhead)
			if n > 0 {
				log.Info("booked recurring trips", "trips", n)
			}
			return err
		},
	}}
	for _, c := range cs {
		out = append(out, campaignJobs(store, clock, c)...)
	}
	return out, nil
}

func campaignJobs(store *redisstore.Store, clock heartlink.Clock, c *campaign.Campaign) []scheduler.Job {
	loc := c.Location()
	opens, err1 := scheduler.Parse(c.SignupOpens)
	closes, err2 := scheduler.Parse(c.SignupCloses)
	if err1 != nil || err2 != nil {
		return nil // refused at creation; nothing to schedule
	}
	announce := func(kind string) func(ctx context.Context, at time.Time) error {
		return func(ctx context.Context, at time.Time) error {
			now := clock.Now()
			if kind == campaign.SignupOpen && !c.WindowAt(now).Open {
				return nil // announced too late: it has closed again
			}
			return store.Announce(ctx, c.WindowNews(kind, now))
		}
	}
	out := []scheduler.Job{
		{Name: "campaign:" + c.ID + ":open", Schedule: opens, Location: loc, CatchUp: announceCatchUp, LatestOnly: true, Run: announce(campaign.SignupOpen)},
		{Name: "campaign:" + c.ID + ":close", Schedule: closes, Location: loc, CatchUp: announceCatchUp, LatestOnly: true, Run: announce(campaign.SignupClosed)},
	}
	for _, sh := range c.Shifts {
		start, _ := sh.Span(loc)
		day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
		evening := day.Add(-24 * time.Hour).Add(remindAt)
		out = append(out, scheduler.Job{
			Name: "campaign:" + c.ID + ":remind:" + sh.ID, Schedule: once(evening), Location: loc,
			// Still worth sending late, until the shift begins.
			CatchUp: start.Sub(evening),
			Run: func(ctx context.Context, _ time.Time) error {
				drivers, err := store.Confirmed(ctx, c.ID, sh.ID)
				if err != nil || len(drivers) == 0 {
					return err
				}
				return store.Notify(ctx, drivers, campaign.Announcement{Kind: campaign.ShiftReminder, CampaignID: c.ID,
					Campaign: c.Name, ShiftID: sh.ID, ShiftStart: &start})
			},
		})
	}
	return out
}

// once is a schedule that fires at one instant.
type once time.Time

var _ cron.Schedule = once{}

// Next is the instant when t is before it, else never (the zero time).
func (o once) Next(t time.Time) time.Time {
	if t.Before(time.Time(o)) {
		return time.Time(o)
	}
	return time.Time{}
}

// reschedule keeps the scheduler's jobs in step with the store: at once
// when told (a campaign was created or changed here), and every minute for
// changes made through other instances.
func reschedule(ctx context.Context, sched *scheduler.Scheduler, store *redisstore.Store, log *slog.Logger, changed <-chan struct{}) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		js, err := jobs(ctx, store, heartlink.SystemClock{}, log)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("scheduler: load jobs", "err", fmt.Errorf("%w", err))
			}
		} else {
			sched.Set(js)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-changed:
		}
	}
}
