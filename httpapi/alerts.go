package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// Alerts keeps the board's alerts for trips that ended unserved (still
// open at arrive_by) until a coordinator closes them.
type Alerts interface {
	UnservedTrips(ctx context.Context) ([]*dispatch.Trip, error)
	CloseAlert(ctx context.Context, by heartlink.Principal, tripID string) error
}

func (s *Server) handleAlertClose() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		if s.cfg.Alerts == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "alerts are off"))
			return
		}
		id := r.PathValue("id")
		if err := s.cfg.Alerts.CloseAlert(r.Context(), by, id); err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"trip_id": id, "closed": true})
	})
}
