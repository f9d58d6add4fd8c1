package httpapi

import (
	"fmt"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

func (s *Server) handlePlaceCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var d fleet.PlaceDraft
		if err := s.decode(w, r, &d); err != nil {
			s.error(w, r, err)
			return
		}
		p, err := s.cfg.Fleet.CreatePlace(r.Context(), by, d)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, p)
	})
}

// handlePlaceList lists the places, or searches them: ?kind=, ?q= (a
// name or alias), ?near=lat,lng (nearest first, with distance and
// travel time by the dispatch travel model) and ?open=true (only those
// open now; every place with hours says open_now). Every place is read in one
// round trip and searched in memory.
func (s *Server) handlePlaceList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		q, qerr := fleet.ParsePlaceQuery(v.Get("kind"), v.Get("q"), v.Get("near"), v.Get("open"))
		q.At, q.Loc = s.cfg.Clock.Now(), s.cfg.Policy.Location()
		limit, cursor, perr := pageParams(r)
		err := heartlink.Join(qerr, perr)
		if err != nil {
			s.error(w, r, err)
			return
		}
		ps, err := s.cfg.Fleet.Places(r.Context())
		if err != nil {
			s.error(w, r, err)
			return
		}
		found := q.Search(ps, s.cfg.Policy.Travel.Leg)
		// The plain list (and one filtered by kind) is in name order and
		// pages by name, stable under changes; a search ranks its finds
		// and pages by rank.
		key := func(f fleet.PlaceFound) string { return placeKey(f.Place) }
		if q.Text != "" || q.Near != nil {
			rank := make(map[*fleet.Place]int, len(found))
			for i, f := range found {
				rank[f.Place] = i
			}
			key = func(f fleet.PlaceFound) string { return fmt.Sprintf("%08d", rank[f.Place]) }
		}
		page, next, err := pageSlice(found, key, "places", limit, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "places", nonNil(page), next)
	})
}

// handleStats answers a driver's volunteer hours, kilometres and trips:
// their own (me), or any driver's for a coordinator or the driver
// themselves.
func (s *Server) handleStats(me bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		id, err := driverOf(r, by, me, "only drivers have volunteer hours")
		if err != nil {
			s.error(w, r, err)
			return
		}
		v, err := s.cfg.Dispatch.DriverStats(r.Context(), by, id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, v)
	})
}
