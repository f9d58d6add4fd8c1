package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// CreateRecurrence stores a recurring booking; BookDue books its trips.
func (s *Store) CreateRecurrence(ctx context.Context, by heartlink.Principal, d dispatch.RecurrenceDraft) (*dispatch.Recurrence, error) {
	requester := ""
	switch by.Role {
	case heartlink.RoleRequester:
		if d.Trip.RequesterID != "" && d.Trip.RequesterID != by.ID {
			return nil, heartlink.FieldError(heartlink.EForbidden, "trip.requester_id", "a requester books only for itself")
		}
		requester = by.ID
	case heartlink.RoleCoordinator:
		requester = d.Trip.RequesterID
		if requester != "" {
			if _, err := s.Requester(ctx, requester); err != nil {
				if heartlink.ErrorCode(err) == heartlink.ENotFound {
					return nil, heartlink.FieldError(heartlink.EInvalid, "trip.requester_id", "no requester %q", requester)
				}
				return nil, err
			}
		}
	default:
		return nil, heartlink.Errorf(heartlink.EForbidden, "only requesters and coordinators may book trips")
	}
	if err := d.Validate(s.now()); err != nil {
		return nil, err
	}
	r := d.Recurrence(newID("rec"), by, requester, s.now())
	b, _ := json.Marshal(r)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.keys.recurrences(), r.ID, b)
		return nil
	})
	return r, wrap(err, "create recurrence")
}

// Recurrences lists the recurring bookings by may see: a requester its
// own, coordinators all.
func (s *Store) Recurrences(ctx context.Context, by heartlink.Principal) ([]*dispatch.Recurrence, error) {
	all, err := s.rdb.HGetAll(ctx, s.keys.recurrences()).Result()
	if err != nil {
		return nil, wrap(err, "recurrences")
	}
	out := []*dispatch.Recurrence{}
	for _, v := range all {
		var r dispatch.Recurrence
		if json.Unmarshal([]byte(v), &r) != nil {
			continue
		}
		if by.Is(heartlink.RoleCoordinator) || by.Is(heartlink.RoleRequester) && r.RequesterID == by.ID {
			out = append(out, &r)
		}
	}
	return out, nil
}

// StopRecurrence ends a recurring booking; trips already booked stay.
func (s *Store) StopRecurrence(ctx context.Context, by heartlink.Principal, id string) error {
	v, err := s.rdb.HGet(ctx, s.keys.recurrences(), id).Result()
	if errors.Is(err, redis.Nil) {
		return heartlink.Errorf(heartlink.ENotFound, "no recurring booking %q", id)
	}
	if err != nil {
		return wrap(err, "stop recurrence")
	}
	var r dispatch.Recurrence
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return wrap(err, "decode recurrence")
	}
	if !by.Is(heartlink.RoleCoordinator) && !(by.Is(heartlink.RoleRequester) && r.RequesterID == by.ID) {
		return heartlink.Errorf(heartlink.EForbidden, "this booking is not yours")
	}
	return wrap(s.rdb.HDel(ctx, s.keys.recurrences(), id).Err(), "stop recurrence")
}

// BookDue books every trip of every recurring booking that is due to
// arrive within ahead from now and is not booked yet. Each is booked once
// however many instances run it at once: a marker per booking and date is
// claimed before the trip is requested. It returns how many it booked.
func (s *Store) BookDue(ctx context.Context, ahead time.Duration) (int, error) {
	rs, err := s.Recurrences(ctx, system)
	if err != nil {
		return 0, err
	}
	now := s.now()
	booked := 0
	var errs []error
	for _, r := range rs {
		for _, o := range r.Occurrences(now, now.Add(ahead)) {
			marker := s.keys.recurrenceBooked(r.ID, o.Date)
			ok, err := s.rdb.SetNX(ctx, marker, "", ahead+48*time.Hour).Result()
			if err != nil {
				errs = append(errs, wrap(err, "book due"))
				continue
			}
			if !ok {
				continue // booked already
			}
			req := r.Trip
			req.ArriveBy = &heartlink.Timestamp{Time: o.ArriveBy}
			if !o.PickupAfter.IsZero() {
				req.PickupAfter = &heartlink.Timestamp{Time: o.PickupAfter}
			}
			owner, err := s.owner(ctx, r.CreatedBy)
			if err == nil {
				_, err = s.Request(ctx, owner, req)
			}
			if err != nil {
				s.rdb.Del(ctx, marker) // let a later round try again
				errs = append(errs, err)
				continue
			}
			booked++
		}
	}
	return booked, errors.Join(errs...)
}

// owner is who booked a recurring trip, as its occurrences are booked in
// their name: a requester deactivated since books none.
func (s *Store) owner(ctx context.Context, createdBy string) (heartlink.Principal, error) {
	p := parseHolder(createdBy)
	inactive, err := s.inactive(ctx, s.rdb, p)
	p.Inactive = inactive
	return p, wrap(err, "recurring trip's owner")
}
