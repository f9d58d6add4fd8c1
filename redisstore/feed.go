package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// emitTrip queues on p the change notice of t.
func (s *Store) emitTrip(ctx context.Context, p redis.Pipeliner, t *dispatch.Trip, a dispatch.Action) {
	to := "board"
	if t.RequesterID != "" {
		to += " requester:" + t.RequesterID
	}
	if t.DriverID != "" {
		to += " driver:" + t.DriverID
	}
	data, _ := json.Marshal(dispatch.TripChange{TripID: t.ID, Action: a, Status: t.Status, Version: t.Version, DriverID: t.DriverID})
	s.emit(ctx, p, dispatch.ChangeTrip, to, data)
}

// emit queues on p one change on the event stream.
func (s *Store) emit(ctx context.Context, p redis.Pipeliner, kind, to string, data []byte) {
	p.XAdd(ctx, &redis.XAddArgs{
		Stream: s.keys.events(), MaxLen: int64(s.history), Approx: true,
		Values: []any{"k", kind, "to", to, "d", data},
	})
}

// Announce tells every online driver something, e.g. that a sign-up
// window opened.
func (s *Store) Announce(ctx context.Context, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.emit(ctx, p, dispatch.ChangeAnnouncement, "drivers", b)
		return nil
	})
	return wrap(err, "announce")
}

func decodeChanges(msgs []redis.XMessage) []dispatch.Change {
	out := make([]dispatch.Change, 0, len(msgs))
	for _, m := range msgs {
		kind, _ := m.Values["k"].(string)
		to, _ := m.Values["to"].(string)
		data, _ := m.Values["d"].(string)
		out = append(out, dispatch.Change{ID: m.ID, Kind: kind, To: dispatch.ParseAudiences(to), Data: json.RawMessage(data)})
	}
	return out
}

// LastChange returns the id of the newest change, "0-0" when there is none.
func (s *Store) LastChange(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.keys.events(), "+", "-", 1).Result()
	if err != nil {
		return "", wrap(err, "last change")
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// Follow calls fn with every change after the id after, in order, as they
// are written by any instance, until ctx ends. A Redis failure is retried.
//
// The next changes are read while fn handles the last ones, so that a
// change written meanwhile (an offer, say, behind a batch of board
// frames) waits for fn only, not for fn and then a round trip.
func (s *Store) Follow(ctx context.Context, after string, fn func([]dispatch.Change)) error {
	batches := make(chan []dispatch.Change, 1)
	go func() {
		defer close(batches)
		s.follow(ctx, after, batches)
	}()
	for cs := range batches {
		fn(cs)
	}
	return nil
}

// follow reads the changes after the id after into out until ctx ends.
func (s *Store) follow(ctx context.Context, after string, out chan<- []dispatch.Change) {
	for ctx.Err() == nil {
		res, err := s.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{s.keys.events(), after}, Count: 512, Block: followBlock,
		}).Result()
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("follow changes", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		for _, st := range res {
			if len(st.Messages) == 0 {
				continue
			}
			after = st.Messages[len(st.Messages)-1].ID
			select {
			case out <- decodeChanges(st.Messages):
			case <-ctx.Done():
				return
			}
		}
	}
}

// History returns the changes after the id after that are addressed to any
// of audiences, at most limit of them. complete is false when the stream no
// longer reaches back that far: the caller must start from a snapshot.
func (s *Store) History(ctx context.Context, after string, audiences []string, limit int) (changes []dispatch.Change, complete bool, err error) {
	first, err := s.rdb.XRangeN(ctx, s.keys.events(), "-", "+", 1).Result()
	if err != nil {
		return nil, false, wrap(err, "history")
	}
	if len(first) > 0 && idAfter(first[0].ID, after) {
		// The oldest change kept is newer than the client's last: what lay
		// between is gone if the stream was ever trimmed, which it is only
		// once it holds the history length (MAXLEN ~ keeps at least that).
		n, err := s.rdb.XLen(ctx, s.keys.events()).Result()
		if err != nil {
			return nil, false, wrap(err, "history")
		}
		if n >= int64(s.history) {
			return nil, false, nil
		}
	}
	cursor := "(" + after
	for len(changes) < limit {
		msgs, err := s.rdb.XRangeN(ctx, s.keys.events(), cursor, "+", 512).Result()
		if err != nil {
			return nil, false, wrap(err, "history")
		}
		for _, c := range decodeChanges(msgs) {
			for _, a := range audiences {
				if c.For(a) {
					changes = append(changes, c)
					break
				}
			}
		}
		if len(msgs) < 512 {
			return changes, true, nil
		}
		cursor = "(" + msgs[len(msgs)-1].ID
	}
	return changes, false, nil
}

// idAfter reports whether stream id a comes after b.
func idAfter(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	if len(am) != len(bm) {
		return len(am) > len(bm)
	}
	if am != bm {
		return am > bm
	}
	if len(as) != len(bs) {
		return len(as) > len(bs)
	}
	return as > bs
}

// FollowPositions calls fn with every driver position published by any
// instance until ctx ends. Positions are not kept: a late subscriber gets
// only what comes after it.
func (s *Store) FollowPositions(ctx context.Context, fn func(dispatch.DriverChange)) error {
	sub := s.rdb.Subscribe(ctx, s.keys.positions())
	defer sub.Close()
	ch := sub.Channel(redis.WithChannelSize(4096))
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			var c dispatch.DriverChange
			if json.Unmarshal([]byte(m.Payload), &c) == nil {
				fn(c)
			}
		}
	}
}

// Move records an online driver's new position: the geo index dispatch
// searches moves and boards are told. Offline drivers are refused.
func (s *Store) Move(ctx context.Context, driverID string, p heartlink.Point) error {
	if err := fleet.ValidPoint("location", &p); err != nil {
		return err
	}
	res, err := s.scripts.move.Run(ctx, s.rdb,
		[]string{s.keys.driver(driverID), s.keys.geoLive(), s.keys.positions()},
		driverID, p.Lat, p.Lng, ms(s.now())).Text()
	if err != nil {
		return wrap(err, "move")
	}
	if res == "offline" {
		return heartlink.Errorf(heartlink.EConflict, "go online before sharing a location")
	}
	return nil
}

// followBlock is how long one read of the stream waits for news. go-redis
// cannot interrupt a blocked read, so this also bounds how long a shutdown
// waits for the follower.
const followBlock = 250 * time.Millisecond

// Notify tells some drivers something, e.g. a reminder of tomorrow's shift.
func (s *Store) Notify(ctx context.Context, driverIDs []string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	to := make([]string, len(driverIDs))
	for i, id := range driverIDs {
		to[i] = "driver:" + id
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.emit(ctx, p, dispatch.ChangeAnnouncement, strings.Join(to, " "), b)
		return nil
	})
	return wrap(err, "notify")
}

// KeyPrefix is the prefix, hash tag included, of every key of the store,
// for other packages' keys that must live beside them (the scheduler's).
func (s *Store) KeyPrefix() string { return s.keys.p }
