package httpapi

import (
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

func (s *Server) handleDriverUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req fleet.DriverUpdate
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		d, err := s.cfg.Fleet.UpdateDriver(r.Context(), by, r.PathValue("id"), req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, d)
	})
}

func (s *Server) handleRequesterUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req fleet.RequesterUpdate
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		q, err := s.cfg.Fleet.UpdateRequester(r.Context(), by, r.PathValue("id"), req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, q)
	})
}

// handleChanges answers the record of coordinators' changes of a driver
// or requester.
func (s *Server) handleChanges(role heartlink.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by, id := principal(r), r.PathValue("id")
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		read := s.cfg.Fleet.DriverChanges
		if role == heartlink.RoleRequester {
			read = s.cfg.Fleet.RequesterChanges
		}
		cs, err := read(r.Context(), by, id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"changes": nonNil(cs)})
	})
}

// mustBeActive refuses a live channel to a driver or requester a
// coordinator deactivated; the sockets they held were closed then. Their
// token says so.
func mustBeActive(by heartlink.Principal) error {
	if by.Inactive {
		return heartlink.Errorf(heartlink.EForbidden, "this %s account is inactive: a coordinator deactivated it", by.Role)
	}
	return nil
}
