package demo

import (
	"context"
	"time"
)

// ponder decides, once, whether the driver signs up for the campaign's
// shifts, with probability p; those who do, do it after a moment, as the
// news of an open window reaches them.
func (d *driver) ponder(ctx context.Context, p float64) {
	if d.pondered || !d.acc.VerifiedMinors {
		return // gaokao shifts carry minors: only verified drivers may sign up
	}
	d.pondered = true
	if d.rng.Float64() >= p {
		return
	}
	d.todo.after(d.s.human(d.rng, 3*time.Second, 40*time.Second), func() { d.signUp(ctx) })
}

// signUp takes one or two shifts, favouring the first ones listed, so
// that those fill and others wait.
func (d *driver) signUp(ctx context.Context) {
	cmp := d.s.campaign.Load()
	if cmp == nil || len(cmp.Shifts) == 0 {
		return
	}
	n := 1
	if d.rng.Float64() < 0.3 {
		n = 2
	}
	for range n {
		r := d.rng.Float64()
		sh := cmp.Shifts[int(r*r*float64(len(cmp.Shifts)))]
		var got struct {
			Status   string `json:"status"`
			Position int    `json:"position"`
		}
		path := "/api/v1/campaigns/" + cmp.ID + "/shifts/" + sh.ID + "/signup"
		// 409: the window shut meanwhile.
		if d.s.c.call(ctx, d.who, "sign up", "POST", path, nil, &got, 201, "conflict") != nil {
			return
		}
		switch got.Status {
		case "confirmed":
			d.s.stats.confirmed.Add(1)
		case "waiting":
			d.s.stats.waiting.Add(1)
		}
		if d.rng.Float64() < 0.1 {
			// Plans change: a place freed goes to the first one waiting.
			d.todo.after(d.s.human(d.rng, time.Minute, 5*time.Minute), func() {
				if d.s.c.call(ctx, d.who, "withdraw", "DELETE", path, nil, nil, 200) == nil {
					d.s.stats.withdrawals.Add(1)
				}
			})
		}
	}
}
