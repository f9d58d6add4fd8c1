package demo

import (
	"context"
	"sync"
	"time"
)

// reportEvery is how often Run logs its counts.
const reportEvery = 30 * time.Second

// Run seeds the city and plays it until ctx ends, then closes every socket
// and waits for every actor; it returns nil when ctx ends, and an error
// only when the city cannot be seeded (a wrong AdminToken, say).
//
// ready, if not nil, is called with the tokens for a person as soon as
// they exist, within a second or so, while the rest of the city is still
// being registered; it should return quickly. The board has online
// drivers within seconds and trips soon after.
func Run(ctx context.Context, c Config, ready func(Tokens)) error {
	c = c.withDefaults()
	if err := c.check(); err != nil {
		return err
	}
	s := newSim(c)
	defer s.c.close()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		s.log.Info("demo: stopped", "stats", s.stats.String())
	}()

	wg.Go(func() { s.watchBoard(ctx) })
	wg.Go(func() { s.report(ctx) })
	start := time.Now()
	city, _, err := s.seed(ctx, hooks{
		tokens: func(t Tokens) {
			if ready != nil {
				ready(t)
			}
		},
		requesters: func(accs []*RequesterAccount) {
			for _, acc := range accs {
				wg.Go(func() { s.followRequester(ctx, acc) })
			}
			wg.Go(func() { s.book(ctx, accs) })
		},
		driver: func(acc *DriverAccount, i int) {
			wg.Go(func() { newDriver(s, acc, i).run(ctx) })
		},
		campaign: func(cmp *Campaign) { s.campaign.Store(cmp) },
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	s.log.Info("demo: city seeded", "drivers", len(city.Drivers), "requesters", len(city.Requesters),
		"places", s.stats.places.Load(), "campaign", city.Campaign != nil, "took", time.Since(start).Round(time.Millisecond))
	<-ctx.Done()
	return nil
}

// report logs the counts every reportEvery until ctx ends.
func (s *sim) report(ctx context.Context) {
	t := time.NewTicker(reportEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ctx.Err() == nil { // both may be ready at once; the final line says it then
				s.log.Info("demo: running", "stats", s.stats.String())
			}
		}
	}
}
