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

func (s *Server) handlePlaceList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		ps, err := s.cfg.Fleet.Places(r.Context())
		if err != nil {
			s.error(w, r, err)
			return
		}
		ps, next, err := pageSlice(sortedBy(ps, placeKey), placeKey, "places", limit, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "places", nonNil(ps), next)
	})
}

func (s *Server) handleStats() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.cfg.Dispatch.DriverStats(r.Context(), principal(r))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, v)
	})
}
