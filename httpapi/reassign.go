package httpapi

import (
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// handleReassign moves a held trip to another driver: {"driver_id"}.
func (s *Server) handleReassign() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req assignRequest
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		t, err := s.cfg.Dispatch.Reassign(r.Context(), by, r.PathValue("id"), req.DriverID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, s.view(r, t))
	})
}

// handleUnassign takes a held trip back from its driver.
func (s *Server) handleUnassign() http.Handler {
	return s.tripAction(func(r *http.Request, by heartlink.Principal, id string) (*dispatch.Trip, error) {
		return s.cfg.Dispatch.Unassign(r.Context(), by, id)
	})
}
