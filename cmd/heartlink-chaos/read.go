package main

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// The API's JSON, as a client written from the contract reads it.

type tripView struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	DriverID string    `json:"driver_id"`
	Seats    int       `json:"seats"`
	ArriveBy time.Time `json:"arrive_by"`
	Pickup   struct {
		Address string `json:"address"`
	} `json:"pickup"`
}

type event struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	DriverID string    `json:"driver_id"`
}

type routeView struct {
	DriverID string `json:"driver_id"`
	Version  int    `json:"version"`
	Stops    []struct {
		Kind   string    `json:"kind"`
		TripID string    `json:"trip_id"`
		At     time.Time `json:"at"`
		Seats  int       `json:"seats"`
		Done   bool      `json:"done"`
	} `json:"stops"`
}

type offerView struct {
	TripID    string    `json:"trip_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

type signupView struct {
	CampaignID string `json:"campaign_id"`
	ShiftID    string `json:"shift_id"`
	Status     string `json:"status"`
	Position   int    `json:"position"`
}

// listTrips reads every trip, as a coordinator, page by page; status
// keeps one status ("" every trip).
func (w *world) listTrips(ctx context.Context, status string) ([]tripView, error) {
	var out []tripView
	cursor := ""
	for {
		q := url.Values{"limit": {"500"}}
		if status != "" {
			q.Set("status", status)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Trips      []tripView `json:"trips"`
			NextCursor string     `json:"next_cursor"`
		}
		if err := w.api.must(ctx, request{token: adminToken, method: http.MethodGet, path: "/api/v1/trips?" + q.Encode()}, http.StatusOK, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Trips...)
		if page.NextCursor == "" {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// events reads a trip's whole audit trail, oldest first.
func (w *world) events(ctx context.Context, tripID string) ([]event, error) {
	var out []event
	cursor := ""
	for {
		q := url.Values{"limit": {"500"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Events     []event `json:"events"`
			NextCursor string  `json:"next_cursor"`
		}
		if err := w.api.must(ctx, request{token: adminToken, method: http.MethodGet, path: "/api/v1/trips/" + tripID + "/events?" + q.Encode()}, http.StatusOK, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Events...)
		if page.NextCursor == "" {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// each runs f for 0..n-1, eight at a time, and returns the first error.
func each(n int, f func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = f(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
