package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// maxReads is how many contact reads a trip keeps, newest last.
const maxReads = 200

// phoneHash names a rider's index key: the phone's digits, hashed, so
// that no key holds a phone. A number written with China's country code
// (+86, 0086) is the same number without it.
func phoneHash(phone string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	digits = strings.TrimPrefix(digits, "00")
	if rest, ok := strings.CutPrefix(digits, "86"); ok && len(rest) == 11 {
		digits = rest
	}
	if digits == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("heartlink-rider:" + digits))
	return hex.EncodeToString(sum[:16])
}

// samePhone reports whether two phones have the same digits.
func samePhone(a, b string) bool {
	h := phoneHash(a)
	return h != "" && h == phoneHash(b)
}

// indexRiders queues on p that t's riders with a phone ride in t.
func (s *Store) indexRiders(ctx context.Context, p redis.Pipeliner, t *dispatch.Trip) {
	for _, r := range t.Riders {
		if h := phoneHash(r.Phone); h != "" {
			p.SAdd(ctx, s.keys.rider(h), t.ID)
		}
	}
}

// RiderTrips is every trip whose riders' data is still kept that carries
// a rider with this phone, for a coordinator answering the rider's request
// for their data. Each trip's audit trail records the export.
func (s *Store) RiderTrips(ctx context.Context, by heartlink.Principal, phone string) ([]*dispatch.Trip, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	trips, err := s.riderTrips(ctx, phone)
	if err != nil {
		return nil, err
	}
	now := s.now()
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range trips {
			p.RPush(ctx, s.keys.tripAudit(t.ID), auditJSON(now, by.String(), dispatch.ActExported, t.Status, t.Status, ""))
		}
		return nil
	})
	return trips, wrap(err, "export rider")
}

func (s *Store) riderTrips(ctx context.Context, phone string) ([]*dispatch.Trip, error) {
	h := phoneHash(phone)
	if h == "" {
		return nil, heartlink.FieldError(heartlink.EInvalid, "phone", "phone must hold digits")
	}
	if err := s.fillTripEnds(ctx); err != nil {
		return nil, err
	}
	ids, err := s.rdb.SMembers(ctx, s.keys.rider(h)).Result()
	if err != nil {
		return nil, wrap(err, "rider trips")
	}
	all, err := s.loadMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []*dispatch.Trip
	for _, t := range all {
		for _, r := range t.Riders {
			if samePhone(r.Phone, phone) {
				out = append(out, t)
				break
			}
		}
	}
	return out, nil
}

// EraseRider removes a rider's name and phone, at their request, from
// every trip that carried them and is over; a trip of theirs only, its
// addresses and PIN too (dispatch.Trip.Purge). Trips still to be driven
// are kept and named: their driver needs the contact, so they are
// cancelled first. Each erasure is in the trip's audit trail.
func (s *Store) EraseRider(ctx context.Context, by heartlink.Principal, phone string) (dispatch.Erasure, error) {
	if err := mustCoordinator(by); err != nil {
		return dispatch.Erasure{}, err
	}
	trips, err := s.riderTrips(ctx, phone)
	if err != nil {
		return dispatch.Erasure{}, err
	}
	now := s.now()
	out := dispatch.Erasure{Erased: []string{}, Kept: []string{}}
	var done []*redis.Cmd
	var erased []*dispatch.Trip
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range trips {
			if t.Status.Active() || t.Open() && now.Before(t.ArriveBy) {
				out.Kept = append(out.Kept, t.ID)
				continue
			}
			before := *t
			t.Riders = slices.Clone(t.Riders)
			left := 0
			for i, r := range t.Riders {
				if samePhone(r.Phone, phone) {
					t.Riders[i] = dispatch.Rider{}
				} else if r != (dispatch.Rider{}) {
					left++
				}
			}
			if left == 0 {
				t.Purge(now)
			}
			done = append(done, s.purgeTrip(ctx, p, &before, t, auditJSON(now, by.String(), dispatch.ActErased, t.Status, t.Status, "")))
			erased = append(erased, t)
		}
		return nil
	})
	if err != nil {
		return dispatch.Erasure{}, wrap(err, "erase rider")
	}
	for i, c := range done {
		if c.Val() == "purged" {
			out.Erased = append(out.Erased, erased[i].ID)
		} else {
			out.Kept = append(out.Kept, erased[i].ID) // it changed meanwhile: ask again
		}
	}
	return out, nil
}

// ContactRead records that by read the riders' contact of trips, via
// what (a trip read, a list, an accept), in each trip's read log. The
// trips' requesters and the service itself are not recorded: the data is
// theirs.
func (s *Store) ContactRead(ctx context.Context, by heartlink.Principal, via string, tripIDs []string) error {
	if len(tripIDs) == 0 || by.Is(heartlink.RoleRequester) || by.ID == "system" {
		return nil
	}
	b, _ := json.Marshal(contactRead{At: ms(s.now()), Actor: by.String(), Via: via})
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range tripIDs {
			p.RPush(ctx, s.keys.tripReads(id), b)
			p.LTrim(ctx, s.keys.tripReads(id), -maxReads, -1)
		}
		return nil
	})
	return wrap(err, "contact read")
}

type contactRead struct {
	At    int64  `json:"at,string"`
	Actor string `json:"actor"`
	Via   string `json:"via"`
}

// ContactReads is who read a trip's riders' contact, oldest first (the
// last maxReads), for coordinators. The drivers who were given the trip
// (an accept, a claim, an assignment by hand), and so its contact, are
// read from its audit trail: an accept logs nothing more, and stays one
// round trip.
func (s *Store) ContactReads(ctx context.Context, by heartlink.Principal, tripID string) ([]dispatch.ContactRead, error) {
	if err := mustCoordinator(by); err != nil {
		return nil, err
	}
	var n *redis.IntCmd
	var list, audit *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		n = p.Exists(ctx, s.keys.trip(tripID))
		list = p.LRange(ctx, s.keys.tripReads(tripID), 0, -1)
		audit = p.LRange(ctx, s.keys.tripAudit(tripID), 0, -1)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "contact reads")
	}
	if n.Val() == 0 {
		return nil, heartlink.Errorf(heartlink.ENotFound, "no trip %q", tripID)
	}
	out := make([]dispatch.ContactRead, 0, len(list.Val()))
	for _, raw := range audit.Val() {
		var e auditEntry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, wrap(err, "decode event")
		}
		switch e.Action {
		case dispatch.ActAccepted, dispatch.ActClaimed:
			out = append(out, dispatch.ContactRead{At: fromMs(e.At), Actor: e.Actor, Via: "accept"})
		case dispatch.ActAssigned, dispatch.ActReassigned:
			if e.Driver != "" {
				out = append(out, dispatch.ContactRead{At: fromMs(e.At), Actor: heartlink.Principal{Role: heartlink.RoleDriver, ID: e.Driver}.String(), Via: "assigned"})
			}
		}
	}
	for _, raw := range list.Val() {
		var e contactRead
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, wrap(err, "decode contact read")
		}
		out = append(out, dispatch.ContactRead{At: fromMs(e.At), Actor: e.Actor, Via: e.Via})
	}
	slices.SortStableFunc(out, func(a, b dispatch.ContactRead) int { return a.At.Compare(b.At) })
	return out, nil
}
