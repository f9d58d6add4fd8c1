package httpapi

import (
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
// name or alias) and ?near=lat,lng (nearest first, with distance and
// travel time by the dispatch travel model). Every place is read in one
// round trip and searched in memory.
func (s *Server) handlePlaceList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		q, err := fleet.ParsePlaceQuery(v.Get("kind"), v.Get("q"), v.Get("near"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		ps, err := s.cfg.Fleet.Places(r.Context())
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"places": q.Search(ps, s.cfg.Policy.Travel.Leg)})
	})
}

// handleStats answers a driver's volunteer hours, kilometres and trips:
// their own (me), or any driver's for a coordinator or the driver
// themselves.
func (s *Server) handleStats(me bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		id := r.PathValue("id")
		if me {
			if !by.Is(heartlink.RoleDriver) {
				s.error(w, r, heartlink.Errorf(heartlink.EForbidden, "only drivers have volunteer hours"))
				return
			}
			id = by.ID
		}
		v, err := s.cfg.Dispatch.DriverStats(r.Context(), by, id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, v)
	})
}
