package redisstore

import (
	"context"
	"strconv"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// Lists page by cursor (heartlink.Cursor): where the last page ended, the
// (score, member) of its last item in a sorted set. A page goes on strictly
// after it in the set's order, so items that exist throughout a walk of the
// pages are each seen once, however many are added or removed meanwhile.

// cursor is a decoded page cursor.
type cursor = heartlink.Cursor

// parseCursor decodes a cursor of the list named; "" is the first page.
func parseCursor(list, s string) (*cursor, error) { return heartlink.ParseCursor(list, s) }

// scored is one member of a sorted set, with its score.
type scored struct {
	id    string
	score float64
}

// cursorAt is the cursor just after m in list.
func cursorAt(list string, m scored) string {
	return cursor{List: list, Score: m.score, Member: m.id}.String()
}

// zpage reads up to count members of key, in ascending (or, desc,
// descending) (score, member) order, strictly after c (from the start when
// nil); ascending, none scored below min ("" for no bound).
func (s *Store) zpage(ctx context.Context, key string, desc bool, c *cursor, min string, count int) ([]scored, error) {
	order, cs, cm := "asc", "", ""
	if desc {
		order = "desc"
	}
	if c != nil {
		cs, cm = strconv.FormatFloat(c.Score, 'f', -1, 64), c.Member
	}
	res, err := s.scripts.page.Run(ctx, s.rdb, []string{key}, order, cs, cm, min, count).StringSlice()
	if err != nil {
		return nil, wrap(err, "page")
	}
	out := make([]scored, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		sc, _ := strconv.ParseFloat(res[i+1], 64)
		out = append(out, scored{res[i], sc})
	}
	return out, nil
}

// allOpen reads every open trip, page after page.
func (s *Store) allOpen(ctx context.Context) ([]*dispatch.Trip, error) {
	var out []*dispatch.Trip
	f := dispatch.Filter{Open: true, Limit: 500}
	for {
		ts, next, err := s.TripPage(ctx, system, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// zlist reads a page of ids of the sorted set key, the list named list,
// after the cursor: limit of them (0: every one left), and the cursor of
// the next page when more follow.
func (s *Store) zlist(ctx context.Context, key, list string, desc bool, limit int, after string) ([]string, string, error) {
	c, err := parseCursor(list, after)
	if err != nil {
		return nil, "", err
	}
	count := 0 // every one left
	if limit > 0 {
		count = limit + 1 // one more, to tell whether a next page follows
	}
	page, err := s.zpage(ctx, key, desc, c, "", count)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if limit > 0 && len(page) > limit {
		page = page[:limit]
		next = cursorAt(list, page[limit-1])
	}
	ids := make([]string, len(page))
	for i, m := range page {
		ids[i] = m.id
	}
	return ids, next, nil
}
