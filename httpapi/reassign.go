package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// handleReassign moves a held trip to another driver: {"driver_id"}.
func (s *Server) handleReassign() http.Handler {
	return s.toDriver(func(ctx context.Context, by heartlink.Principal, tripID, driverID string) (*dispatch.Trip, error) {
		return s.cfg.Dispatch.Reassign(ctx, by, tripID, driverID)
	})
}

// handleUnassign takes a held trip back from its driver.
func (s *Server) handleUnassign() http.Handler {
	return s.tripAction(func(r *http.Request, by heartlink.Principal, id string) (*dispatch.Trip, error) {
		return s.cfg.Dispatch.Unassign(r.Context(), by, id)
	})
}
