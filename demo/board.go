package demo

import (
	"context"
	"encoding/json"
	"time"
)

// watchBoard plays the fleet office: it keeps the coordinators' board open
// and, when a trip nobody took raises an alert, searches again for it
// after a moment, while its deadline leaves time for a driver to get there.
func (s *sim) watchBoard(ctx context.Context) {
	rng := s.rngFor(rngBoard, 0)
	arriveBy := make(map[string]time.Time) // trips seen, by id
	requeued := make(map[string]int)       // requeues per trip
	var todo agenda
	defer todo.stop()
	frames := make(chan frame, 256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.follow(ctx, "ws board", "/ws/board", s.cfg.AdminToken, func(f frame) {
			select {
			case frames <- f:
			case <-ctx.Done():
			}
		})
	}()
	defer func() { <-done }()

	handle := func(f frame) {
		s.stats.boardFrames.Add(1)
		switch f.Type {
		case "snapshot":
			var snap struct {
				Drivers []struct{ Status string } `json:"drivers"`
				Trips   []boardTrip               `json:"trips"`
			}
			if json.Unmarshal(f.Data, &snap) != nil {
				s.stats.fail("ws board", "unreadable_snapshot", false)
				return
			}
			for _, d := range snap.Drivers {
				if d.Status == "online" {
					s.stats.seen(&s.stats.firstBoardDriver)
				}
			}
			for _, t := range snap.Trips {
				arriveBy[t.ID] = t.ArriveBy
				s.stats.seen(&s.stats.firstBoardTrip)
			}
		case "driver":
			var d struct{ Status string }
			if json.Unmarshal(f.Data, &d) == nil && d.Status == "online" {
				s.stats.seen(&s.stats.firstBoardDriver)
			}
		case "trip":
			var t boardTrip
			if json.Unmarshal(f.Data, &t) != nil {
				s.stats.fail("ws board", "unreadable_trip", false)
				return
			}
			s.stats.seen(&s.stats.firstBoardTrip)
			arriveBy[t.ID] = t.ArriveBy
			if t.Status == "completed" || t.Status == "cancelled" {
				delete(arriveBy, t.ID)
				delete(requeued, t.ID)
			}
		case "alert":
			var a struct {
				TripID string `json:"trip_id"`
				Reason string `json:"reason"`
			}
			if json.Unmarshal(f.Data, &a) != nil || a.Reason != "unassigned" {
				return
			}
			s.stats.unassignedAlerts.Add(1)
			if requeued[a.TripID] >= 2 {
				return
			}
			requeued[a.TripID]++
			todo.after(s.human(rng, 20*time.Second, time.Minute), func() {
				if by, ok := arriveBy[a.TripID]; ok && time.Until(by) < 20*time.Minute {
					return // too late to find someone: it would be done by phone
				}
				err := s.c.call(ctx, s.admin, "requeue", "POST", "/api/v1/trips/"+a.TripID+"/requeue", nil, nil, 200, "conflict")
				if err == nil {
					s.stats.requeued.Add(1)
				}
			})
		}
	}

	for {
		select {
		case <-ctx.Done():
			return
		case f := <-frames:
			handle(f)
		case <-todo.C():
			todo.runDue()
		}
	}
}

// boardTrip holds the fields of a board's trip the coordinator looks at.
type boardTrip struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	ArriveBy time.Time `json:"arrive_by"`
}
