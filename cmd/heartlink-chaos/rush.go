package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database
)

// rush is the campaign sign-up rush: every driver signs up for one shift
// at the same instant, while an instance is killed.
type rush struct {
	campaign, shift string

	mu      sync.Mutex // mu guards answers
	answers map[string]*signup
	wait    sync.WaitGroup
}

// signup is one driver's sign-up, as the service answered it.
type signup struct {
	answered bool
	status   int
	code     string
	differs  string // the answers to the same sign-up sent twice, when they differ
	Status   string `json:"status"`
	Position int    `json:"position"`
}

// openCampaign creates a campaign whose sign-up window opened two minutes
// ago and closes in an hour, with one shift of cfg.Places cars.
func (w *world) openCampaign(ctx context.Context) error {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	now := time.Now().In(shanghai)
	daily := func(t time.Time) string { return fmt.Sprintf("%d %d * * *", t.Minute(), t.Hour()) }
	body := map[string]any{
		"name":          fmt.Sprintf("Chaos Gaokao Escort %d", w.cfg.Seed),
		"signup_opens":  daily(now.Add(-2 * time.Minute)),
		"signup_closes": daily(now.Add(time.Hour)),
		"shifts": []map[string]any{{
			"date": now.AddDate(0, 0, 2).Format("2006-01-02"), "start": "07:00", "end": "11:00",
			"area":        map[string]any{"lat": centre.Lat, "lng": centre.Lng, "radius_km": 5},
			"cars_needed": w.cfg.Places,
		}},
	}
	var c struct {
		ID     string `json:"id"`
		Window struct {
			Open bool `json:"open"`
		} `json:"window"`
		Shifts []struct {
			ID string `json:"id"`
		} `json:"shifts"`
	}
	if err := w.api.must(ctx, request{token: adminToken, method: http.MethodPost, path: "/api/v1/campaigns", body: body}, http.StatusCreated, &c); err != nil {
		return err
	}
	if !c.Window.Open || len(c.Shifts) != 1 {
		return fmt.Errorf("campaign %s: window open %v, %d shifts; want open, 1", c.ID, c.Window.Open, len(c.Shifts))
	}
	w.rush = &rush{campaign: c.ID, shift: c.Shifts[0].ID, answers: map[string]*signup{}}
	return nil
}

func (r *rush) path() string {
	return "/api/v1/campaigns/" + r.campaign + "/shifts/" + r.shift + "/signup"
}

// run releases every driver's sign-up at once and kills an instance while
// they are being answered. Each sign-up is sent, with its Idempotency-Key,
// until it is answered or answers ends.
func (w *world) runRush(ctx, answers context.Context) {
	r := w.rush
	start := make(chan struct{})
	rng := rand.New(rand.NewPCG(w.cfg.Seed, 6))
	for _, d := range w.drivers {
		lose, again := rng.Float64() < loseShare, rng.Float64() < loseShare
		s := &signup{}
		r.answers[d.id] = s
		r.wait.Go(func() {
			<-start
			req := request{
				token: d.token, method: http.MethodPost, path: r.path(),
				header:    map[string]string{"Idempotency-Key": fmt.Sprintf("chaos-%d-signup-%s", w.cfg.Seed, d.id)},
				loseFirst: lose,
			}
			a, err := w.api.call(answers, req)
			if err == nil && a.Status == http.StatusCreated && again {
				// The answer was lost after the sign-up was made: the
				// driver's app signs up again, and must be told the same.
				w.stats.sentAgain.Add(1)
				first := a
				req.loseFirst = false
				if a, err = w.api.call(answers, req); err == nil && string(a.Body) != string(first.Body) {
					r.mu.Lock()
					s.differs = fmt.Sprintf("first %d %s, then %d %s", first.Status, first.Body, a.Status, a.Body)
					r.mu.Unlock()
				}
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			if err != nil {
				return
			}
			s.answered, s.status = true, a.Status
			if a.Status != http.StatusCreated {
				s.code = a.code()
				return
			}
			a.decode(s)
		})
	}
	w.log.Info("sign-up rush", "drivers", len(w.drivers), "places", w.cfg.Places)
	close(start)
	sleep(ctx, 30*time.Millisecond)
	w.r.killInstance(ctx, "mid-rush")
}
