package httpapi

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// maxPage is the most items one page of a list holds, whatever limit asks.
const maxPage = 500

// maxCursor bounds a cursor's length; the store's are far shorter.
const maxCursor = 1024

// pageParams reads a list's limit (0 when not given: the list's default)
// and cursor ("" for the first page). Either, malformed, is a 400 naming
// it; whether a cursor is one the list gave out is the store's to say.
func pageParams(r *http.Request) (limit int, cursor string, err error) {
	q := r.URL.Query()
	if l, ok := q["limit"]; ok {
		n, err := strconv.Atoi(l[0])
		if err != nil || n < 1 || n > maxPage || len(l) > 1 {
			return 0, "", heartlink.FieldError(heartlink.EBadRequest, "limit", "limit must be one whole number from 1 to %d", maxPage)
		}
		limit = n
	}
	if c, ok := q["cursor"]; ok {
		if len(c) > 1 || c[0] == "" || len(c[0]) > maxCursor {
			return 0, "", heartlink.FieldError(heartlink.EBadRequest, "cursor", "cursor must be one next_cursor this list gave out")
		}
		cursor = c[0]
	}
	return limit, cursor, nil
}

// page answers one page of a list under key, with next_cursor when more
// follow.
func (s *Server) page(w http.ResponseWriter, key string, items any, next string) {
	body := map[string]any{key: items}
	if next != "" {
		body["next_cursor"] = next
	}
	s.json(w, http.StatusOK, body)
}

// pageSlice pages items, sorted by key with no key twice, strictly after
// the cursor of the list named: limit of them (0: every one left), with the
// cursor of the next page. For lists the store reads whole anyway.
func pageSlice[T any](items []T, key func(T) string, list string, limit int, after string) ([]T, string, error) {
	c, err := heartlink.ParseCursor(list, after)
	if err != nil {
		return nil, "", err
	}
	if c != nil {
		i, _ := slices.BinarySearchFunc(items, c.Member, func(it T, k string) int { return cmp.Compare(key(it), k) })
		for i < len(items) && key(items[i]) <= c.Member {
			i++
		}
		items = items[i:]
	}
	if limit > 0 && len(items) > limit {
		items = items[:limit]
		return items, heartlink.Cursor{List: list, Member: key(items[limit-1])}.String(), nil
	}
	return items, "", nil
}

// pageTrail pages an audit trail, which only grows at its end: the cursor
// counts the entries read before it.
func pageTrail(es []dispatch.Event, limit int, after string) ([]dispatch.Event, string, error) {
	c, err := heartlink.ParseCursor("events", after)
	if err != nil {
		return nil, "", err
	}
	from := 0
	if c != nil {
		from = int(min(c.Index, int64(len(es))))
	}
	es = es[from:]
	if limit > 0 && len(es) > limit {
		return es[:limit], heartlink.Cursor{List: "events", Index: int64(from + limit)}.String(), nil
	}
	return es, "", nil
}

// sortedBy sorts items by key, for one order on every page.
func sortedBy[T any](items []T, key func(T) string) []T {
	slices.SortStableFunc(items, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return items
}

// placeKey orders places by name (as before paging), then id.
func placeKey(p *fleet.Place) string { return p.Name + "\x00" + p.ID }

// recurrenceKey orders recurring bookings by when they were made, then id.
func recurrenceKey(r *dispatch.Recurrence) string {
	return fmt.Sprintf("%020d\x00%s", r.CreatedAt.UnixNano(), r.ID)
}
