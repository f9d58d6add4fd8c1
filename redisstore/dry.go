package redisstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/heartlink/heartlink/dispatch"
)

// When the fleet runs dry, every driver near a pick-up is busy, and a
// search that finds nobody reads hundreds of drivers to learn it. A dry
// mark remembers, for a few seconds, that a full search from one area for
// one hour's trips found nobody, and under which count of freed drivers
// (wake.lua counts every driver freed anywhere). A trip booked while the
// mark holds and nobody has been freed since joins the waiting trips at
// once, without a search: a driver freed later brings it forward
// (wake.lua), and it is searched again at its retry in any case. Once
// someone has been freed, a new trip is searched among the nearest drivers
// the first search that finds any finds, no wider: the freed driver is
// near the waiting trips they woke, which were there first.

// dryTTL bounds how long a dry mark stands.
const dryTTL = 10 * time.Second

// dryCellDeg is the side of a dry mark's area, in degrees: about 5 km.
const dryCellDeg = 0.05

func (s *Store) dryKey(t *dispatch.Trip) string {
	lat := int(math.Floor(t.Pickup.Lat / dryCellDeg))
	lng := int(math.Floor(t.Pickup.Lng / dryCellDeg))
	return s.keys.dry(fmt.Sprintf("%d:%d:%d", lat, lng, t.ArriveBy.Unix()/3600))
}

// drySearch is how much of a search a trip needs.
type drySearch int

const (
	searchFull    drySearch = iota // widen until someone can take it
	searchNearest                  // the nearest found only: the area was dry, but someone was freed since
	searchNone                     // the area is dry: wait for a freed driver
)

// dryRead queues on p the reads a booking needs to know how dry its area
// is; dryCheck reads the answer.
func (s *Store) dryRead(ctx context.Context, p redis.Pipeliner, t *dispatch.Trip) *redis.SliceCmd {
	return p.MGet(ctx, s.dryKey(t), s.keys.freedSeq())
}

// dryCheck says how much to search for t, and the freed count read, for
// dryMark.
func dryCheck(t *dispatch.Trip, read *redis.SliceCmd) (drySearch, string) {
	v := read.Val()
	if len(v) != 2 {
		return searchFull, ""
	}
	seq := str(v[1])
	mark := strings.Split(str(v[0]), "|")
	if len(mark) != 4 {
		return searchFull, seq
	}
	seats, _ := strconv.Atoi(mark[1])
	// Nobody could take an easier trip: nobody can take this one.
	harder := t.Seats() >= seats && (t.Wheelchair || mark[2] == "0") && (t.MinorsRide() || mark[3] == "0")
	switch {
	case !harder:
		return searchFull, seq
	case mark[0] == seq:
		return searchNone, seq
	}
	return searchNearest, seq
}

// dryMark notes that a full search for t found nobody, while seq drivers
// had been freed.
func (s *Store) dryMark(ctx context.Context, t *dispatch.Trip, seq string) {
	v := fmt.Sprintf("%s|%d|%d|%d", seq, t.Seats(), boolInt(t.Wheelchair), boolInt(t.MinorsRide()))
	if err := s.rdb.Set(ctx, s.dryKey(t), v, dryTTL).Err(); err != nil {
		s.log.Warn("dry mark", "trip", t.ID, "err", err)
	}
}
