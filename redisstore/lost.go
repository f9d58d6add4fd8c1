package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/lost"
	"github.com/heartlink/heartlink/report"
)

// The lists of found items a caller may page through.
const (
	lostAll       = "lost"
	lostUnclaimed = "lost:unclaimed"
	lostOwn       = "lost:own"
)

// LogLostItem logs an item found in a car, by a driver (after a trip they
// drove, if it names one) or a coordinator, with an optional photo. Boards
// and the trip's requester are told.
func (s *Store) LogLostItem(ctx context.Context, by heartlink.Principal, d lost.Draft, photo *report.Upload) (lost.Item, error) {
	if !by.Is(heartlink.RoleDriver) && !by.Is(heartlink.RoleCoordinator) {
		return lost.Item{}, heartlink.Errorf(heartlink.EForbidden, "drivers and coordinators log lost property; a requester sees the items of its trips")
	}
	if err := d.Validate(); err != nil {
		return lost.Item{}, err
	}
	requester := ""
	if d.TripID != "" {
		t, err := s.load(ctx, d.TripID)
		if heartlink.ErrorCode(err) == heartlink.ENotFound {
			return lost.Item{}, heartlink.FieldError(heartlink.EInvalid, "trip_id", "no trip %q: log the item without trip_id, or with the trip it was found after", d.TripID)
		}
		if err != nil {
			return lost.Item{}, err
		}
		if by.Is(heartlink.RoleDriver) && t.DriverID != by.ID {
			return lost.Item{}, heartlink.FieldError(heartlink.EForbidden, "trip_id", "trip %q is not one you drove", d.TripID)
		}
		requester = t.RequesterID
	}
	now := s.now().Truncate(time.Millisecond) // as stored
	it := lost.Item{ID: newID("lst"), TripID: d.TripID, Description: d.Description, KeptAt: d.KeptAt,
		Status: lost.Unclaimed, FoundBy: by.String(), CreatedAt: now, UpdatedAt: now}
	photoMeta, photoData := "", []byte{}
	if photo != nil {
		photoMeta, photoData = photo.ContentType+":"+strconv.Itoa(len(photo.Data)), photo.Data
		it.Photo = &report.Photo{URL: lost.PhotoURL(it.ID), ContentType: photo.ContentType, Bytes: len(photo.Data)}
	}
	data, _ := json.Marshal(it)
	reqList := s.keys.lostBy(by.String())
	if requester != "" {
		reqList = s.keys.lostFor(requester)
	}
	err := s.scripts.lostLog.Run(ctx, s.rdb,
		[]string{s.keys.lost(it.ID), s.keys.lostItems(), s.keys.lostUnclaimed(), s.keys.lostBy(by.String()), reqList,
			s.keys.lostAudit(it.ID), s.keys.events(), s.keys.lostPhoto(it.ID)},
		it.ID, ms(now), by.String(), d.TripID, requester, d.Description, d.KeptAt, photoMeta, data, photoData).Err()
	if err != nil {
		return lost.Item{}, wrap(err, "log lost item")
	}
	s.log.Info("lost item logged", "item", it.ID, "by", by.String(), "trip", d.TripID)
	return it, nil
}

// LostItem reads one item: for coordinators, whoever logged it and the
// requester of the trip it names.
func (s *Store) LostItem(ctx context.Context, by heartlink.Principal, id string) (lost.Item, error) {
	it, requester, err := s.lostItem(ctx, id)
	if err != nil {
		return lost.Item{}, err
	}
	if !mayReadLost(by, it, requester) {
		return lost.Item{}, heartlink.Errorf(heartlink.EForbidden, "item %q is not one you logged or one of your trips'", id)
	}
	return it, nil
}

func mayReadLost(by heartlink.Principal, it lost.Item, requester string) bool {
	return by.Is(heartlink.RoleCoordinator) || it.FoundBy == by.String() ||
		by.Is(heartlink.RoleRequester) && requester != "" && requester == by.ID
}

// LostPhoto reads an item's photo, for whoever may read the item.
func (s *Store) LostPhoto(ctx context.Context, by heartlink.Principal, id string) ([]byte, string, error) {
	it, err := s.LostItem(ctx, by, id)
	if err != nil {
		return nil, "", err
	}
	if it.Photo == nil {
		return nil, "", heartlink.Errorf(heartlink.ENotFound, "item %q has no photo", id)
	}
	b, err := s.rdb.Get(ctx, s.keys.lostPhoto(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, "", heartlink.Errorf(heartlink.ENotFound, "item %q has no photo", id)
	}
	if err != nil {
		return nil, "", wrap(err, "lost item photo")
	}
	return b, it.Photo.ContentType, nil
}

// LostItems lists found items, newest first: every one to coordinators,
// those they logged to drivers, those of its trips to a requester. A page
// may hold fewer than Limit when Status leaves some out; next is "" at
// the end.
func (s *Store) LostItems(ctx context.Context, by heartlink.Principal, f lost.Filter) ([]lost.Item, string, error) {
	key, list := s.keys.lostItems(), lostAll
	switch {
	case by.Is(heartlink.RoleCoordinator):
		if f.Status == lost.Unclaimed {
			key, list = s.keys.lostUnclaimed(), lostUnclaimed
		}
	case by.Is(heartlink.RoleDriver):
		key, list = s.keys.lostBy(by.String()), lostOwn
	case by.Is(heartlink.RoleRequester):
		key, list = s.keys.lostFor(by.ID), lostOwn
	default:
		return nil, "", heartlink.Errorf(heartlink.EForbidden, "only coordinators, drivers and requesters see lost property")
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	ids, next, err := s.zlist(ctx, key, list, true, limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if len(ids) > 0 {
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.HGetAll(ctx, s.keys.lost(id))
			}
			return nil
		}); err != nil {
			return nil, "", wrap(err, "lost items")
		}
	}
	out := make([]lost.Item, 0, len(ids))
	for _, c := range cmds {
		if h := c.Val(); len(h) > 0 {
			if it := lostFrom(h); f.Status == "" || it.Status == f.Status {
				out = append(out, it)
			}
		}
	}
	return out, next, nil
}

// ReturnLostItem records an item handed back to its owner. The trip's
// requester confirms it by recording it; a driver (the one who logged it)
// or a coordinator gives the owner's phone, which must be one of the
// trip's riders' or its requester's (it is checked, never stored). A
// coordinator may record a hand-back without a phone, audited as theirs;
// an item that names no trip is handed back through a coordinator.
func (s *Store) ReturnLostItem(ctx context.Context, by heartlink.Principal, id string, h lost.Handback) (lost.Item, error) {
	if err := h.Validate(); err != nil {
		return lost.Item{}, err
	}
	it, requester, err := s.lostItem(ctx, id)
	if err != nil {
		return lost.Item{}, err
	}
	if !mayReadLost(by, it, requester) {
		return lost.Item{}, heartlink.Errorf(heartlink.EForbidden, "item %q is not one you logged or one of your trips'", id)
	}
	if it.Status == lost.Returned {
		return lost.Item{}, heartlink.Errorf(heartlink.EConflict, "item %q was handed back already", id)
	}
	confirmed, err := s.confirmHandback(ctx, by, it, requester, h.Phone)
	if err != nil {
		return lost.Item{}, err
	}
	now := s.now().Truncate(time.Millisecond)
	it.Status, it.UpdatedAt = lost.Returned, now
	it.Return = &lost.Return{To: h.To, Where: h.Where, At: now, By: by.String(), ConfirmedBy: confirmed}
	data, _ := json.Marshal(it)
	var also []string
	if d, ok := strings.CutPrefix(it.FoundBy, string(heartlink.RoleDriver)+":"); ok {
		also = append(also, "driver:"+d)
	}
	if requester != "" {
		also = append(also, "requester:"+requester)
	}
	res, err := s.scripts.lostReturn.Run(ctx, s.rdb,
		[]string{s.keys.lost(id), s.keys.lostUnclaimed(), s.keys.lostAudit(id), s.keys.events()},
		id, ms(now), by.String(), h.To, h.Where, confirmed, data, strings.Join(also, " ")).Text()
	if err != nil {
		return lost.Item{}, wrap(err, "return lost item")
	}
	switch res {
	case "ok":
		s.log.Info("lost item returned", "item", id, "by", by.String(), "confirmed_by", confirmed)
		return it, nil
	case "missing":
		return lost.Item{}, heartlink.Errorf(heartlink.ENotFound, "no lost item %q", id)
	}
	return lost.Item{}, heartlink.Errorf(heartlink.EConflict, "item %q was handed back already", id)
}

// confirmHandback says how a hand-back by by is confirmed, or why not.
func (s *Store) confirmHandback(ctx context.Context, by heartlink.Principal, it lost.Item, requester, phone string) (string, error) {
	if by.Is(heartlink.RoleRequester) {
		return lost.ByRequester, nil // mayReadLost checked it is the trip's
	}
	if it.TripID == "" {
		if by.Is(heartlink.RoleCoordinator) {
			return lost.ByHand, nil
		}
		return "", heartlink.Errorf(heartlink.EForbidden, "an item that names no trip is handed back through the fleet office")
	}
	if phone == "" {
		if by.Is(heartlink.RoleCoordinator) {
			return lost.ByHand, nil
		}
		return "", heartlink.FieldError(heartlink.EInvalid, "phone", "phone is required: the owner's phone, one of the trip's riders' or its requester's")
	}
	t, err := s.load(ctx, it.TripID)
	if err != nil && heartlink.ErrorCode(err) != heartlink.ENotFound {
		return "", err
	}
	if t != nil && phoneOfTrip(ctx, s, t, phone) {
		return lost.ByOwnerPhone, nil
	}
	return "", heartlink.FieldError(heartlink.EInvalid, "phone", "that is not the phone of the trip's riders or its requester")
}

// phoneOfTrip reports whether phone is one of t's riders' or its
// requester's.
func phoneOfTrip(ctx context.Context, s *Store, t *dispatch.Trip, phone string) bool {
	for _, r := range t.Riders {
		if samePhone(r.Phone, phone) {
			return true
		}
	}
	if t.RequesterID == "" {
		return false
	}
	qs, err := s.requestersByID(ctx, []string{t.RequesterID})
	return err == nil && len(qs) == 1 && samePhone(qs[0].Phone, phone)
}

// lostItem reads one item and the requester of the trip it names; a
// missing one is ENotFound.
func (s *Store) lostItem(ctx context.Context, id string) (lost.Item, string, error) {
	h, err := s.rdb.HGetAll(ctx, s.keys.lost(id)).Result()
	if err != nil {
		return lost.Item{}, "", wrap(err, "lost item")
	}
	if len(h) == 0 {
		return lost.Item{}, "", heartlink.Errorf(heartlink.ENotFound, "no lost item %q", id)
	}
	return lostFrom(h), h["requester"], nil
}

// lostFrom is an item from its stored hash.
func lostFrom(h map[string]string) lost.Item {
	num := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	it := lost.Item{ID: h["id"], TripID: h["trip"], Description: h["description"], KeptAt: h["kept_at"],
		Status: lost.Status(h["status"]), FoundBy: h["found_by"],
		CreatedAt: fromMs(num("created")), UpdatedAt: fromMs(num("updated"))}
	if typ, size, ok := strings.Cut(h["photo"], ":"); ok {
		n, _ := strconv.Atoi(size)
		it.Photo = &report.Photo{URL: lost.PhotoURL(it.ID), ContentType: typ, Bytes: n}
	}
	if it.Status == lost.Returned {
		it.Return = &lost.Return{To: h["returned_to"], Where: h["returned_where"], At: fromMs(num("returned_at")),
			By: h["returned_by"], ConfirmedBy: h["confirmed_by"]}
	}
	return it
}
