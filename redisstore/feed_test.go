package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/internal/redistest"
)

// changes returns what the stream holds after id for one audience, as
// "kind" or "kind:detail".
func (f *fixture) changes(after, audience string) []string {
	f.tb.Helper()
	cs, complete, err := f.s.History(f.ctx, after, []string{audience}, 1000)
	require.NoError(f.tb, err)
	require.True(f.tb, complete)
	out := make([]string, len(cs))
	for i, c := range cs {
		var d struct {
			Status, Reason string
		}
		json.Unmarshal(c.Data, &d)
		out[i] = c.Kind + ":" + d.Status + d.Reason
	}
	return out
}

func TestEveryChangeReachesItsAudiences(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, func(p *dispatch.Policy) { p.OffersAtOnce = 2 })
		winner := f.driver(near(0.5))
		loser := f.driver(near(1))
		school := f.requester()
		start, err := f.s.LastChange(f.ctx)
		require.NoError(t, err)

		trip := f.request(school, time.Hour)
		_, err = f.s.Accept(f.ctx, winner, trip.ID)
		require.NoError(t, err)
		_, err = f.s.Progress(f.ctx, winner, trip.ID, f.report(trip.ID, dispatch.StepArrived))
		require.NoError(t, err)

		assert.Equal(t, []string{"offer:", "assigned:", "driver_route:", "trip:arrived"}, f.changes(start, "driver:"+winner.ID), "the winner is told once that the trip is theirs, and that their route changed")
		assert.Equal(t, []string{"offer:", "offer_withdrawn:taken"}, f.changes(start, "driver:"+loser.ID))
		assert.Equal(t, []string{"trip:queued", "trip:offered", "trip:assigned", "trip:arrived"}, f.changes(start, "requester:"+school.ID))
		assert.Equal(t, []string{"trip:queued", "trip:offered", "trip:assigned", "trip:arrived"}, f.changes(start, "board"))
	})
}

func TestOffersCarryNoPersonalData(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		start, _ := f.s.LastChange(f.ctx)
		f.request(f.requester(), time.Hour)
		cs, _, err := f.s.History(f.ctx, start, []string{"driver:" + d.ID}, 10)
		require.NoError(t, err)
		require.Len(t, cs, 1)
		for _, secret := range []string{"Zhang San", "13911112222", "Renmin Rd", "No.2 Middle School"} {
			assert.NotContains(t, string(cs[0].Data), secret)
		}
	})
}

func TestExpiryAndCancelWithdrawOffers(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		first := f.driver(near(0.5))
		second := f.driver(near(1))
		school := f.requester()
		start, _ := f.s.LastChange(f.ctx)
		trip := f.request(school, time.Hour)
		f.clock.Advance(f.pol.OfferTTL + time.Millisecond)
		require.NoError(t, f.s.Work(f.ctx))
		_, err := f.s.Cancel(f.ctx, school, trip.ID)
		require.NoError(t, err)

		assert.Equal(t, []string{"offer:", "offer_withdrawn:expired"}, f.changes(start, "driver:"+first.ID))
		assert.Equal(t, []string{"offer:", "offer_withdrawn:cancelled"}, f.changes(start, "driver:"+second.ID))
	})
}

func TestUnassignedRaisesAnAlert(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		start, _ := f.s.LastChange(f.ctx)
		trip := f.request(f.requester(), time.Hour)
		require.NoError(t, f.s.Decline(f.ctx, d, trip.ID))
		assert.Contains(t, f.changes(start, "board"), "alert:unassigned")
	})
}

func TestFollowSeesChangesFromAnotherInstance(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		d := f.driver(near(0.5))
		start, _ := f.s.LastChange(f.ctx)
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		got := make(chan dispatch.Change, 16)
		go f.store().Follow(ctx, start, func(cs []dispatch.Change) {
			for _, c := range cs {
				if c.For("driver:" + d.ID) {
					got <- c
				}
			}
		})
		trip := f.request(f.requester(), time.Hour)
		select {
		case c := <-got:
			assert.Equal(t, dispatch.ChangeOffer, c.Kind)
			assert.Contains(t, string(c.Data), trip.ID)
		case <-time.After(5 * time.Second):
			t.Fatal("no offer followed within 5s")
		}
	})
}

func TestHistoryTooOldAsksForASnapshot(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		rdb, prefix := b.New(t)
		s := New(rdb, Options{Prefix: prefix, History: 1})
		for range 5 {
			_, err := s.rdb.Pipelined(context.Background(), func(p redisPipeliner) error {
				s.emit(context.Background(), p, "x", "board", []byte(`{}`))
				return nil
			})
			require.NoError(t, err)
		}
		// Approximate trimming may keep a few; trim exactly for the test.
		require.NoError(t, rdb.XTrimMaxLen(context.Background(), s.keys.events(), 1).Err())
		_, complete, err := s.History(context.Background(), "1-0", []string{"board"}, 10)
		require.NoError(t, err)
		assert.False(t, complete)
	})
}

// Follow's reader runs ahead of its handler (see Follow): with the
// handler held on its first batch while many writers add changes, every
// change still reaches the handler once, in the stream's order, and Follow
// returns once its context ends. That the read-ahead saves time is shown
// by the load tool (docs/PERFORMANCE.md), not here.
func TestFollowKeepsOrderWhileTheHandlerWorks(t *testing.T) {
	eachBackend(t, func(t *testing.T, b redistest.Backend) {
		f := newFixture(t, b, nil)
		start, err := f.s.LastChange(f.ctx)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		const writers, each = 4, 50
		written := make(chan struct{})
		var got []string
		all := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- f.store().Follow(ctx, start, func(cs []dispatch.Change) {
				if got == nil {
					<-written // held while everything else is written
				}
				for _, c := range cs {
					got = append(got, c.ID)
				}
				if len(got) == writers*each+1 {
					close(all)
				}
			})
		}()
		add := func(i int) {
			require.NoError(t, f.rdb.XAdd(f.ctx, &redis.XAddArgs{Stream: f.s.keys.events(),
				Values: []any{"k", "trip", "to", "board", "d", fmt.Sprintf(`{"n":%d}`, i)}}).Err())
		}
		add(-1)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					add(w*each + i)
				}
			})
		}
		wg.Wait()
		close(written)
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			t.Fatalf("not all %d changes followed within 10s", writers*each+1)
		}
		msgs := f.stream(t)
		want := make([]string, 0, len(msgs))
		for _, m := range msgs {
			if idAfter(m.ID, start) {
				want = append(want, m.ID)
			}
		}
		cancel()
		require.NoError(t, <-done, "Follow returns when its context ends")
		assert.Equal(t, want, got, "every change once, in order")
	})
}
