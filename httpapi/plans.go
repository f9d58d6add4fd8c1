package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// Plans pools a campaign shift's exam escorts into routes for its drivers,
// publishes them as one offer each, and takes the drivers' answers.
type Plans interface {
	PlanShift(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (*dispatch.RoutePlan, error)
	Plan(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (*dispatch.RoutePlan, error)
	PublishPlan(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (*dispatch.RoutePlan, error)
	AcceptRoute(ctx context.Context, by heartlink.Principal, routeID string) (*dispatch.Route, error)
	DeclineRoute(ctx context.Context, by heartlink.Principal, routeID string) error
}

func (s *Server) needPlans(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Plans == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "planning is off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// planAction answers a plan request with the plan.
func (s *Server) planAction(status int, do func(r *http.Request, by heartlink.Principal, cid, sid string) (*dispatch.RoutePlan, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := do(r, principal(r), r.PathValue("id"), r.PathValue("shift"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, status, p)
	})
}

func (s *Server) handlePlanCreate() http.Handler {
	return s.planAction(http.StatusCreated, func(r *http.Request, by heartlink.Principal, cid, sid string) (*dispatch.RoutePlan, error) {
		return s.cfg.Plans.PlanShift(r.Context(), by, cid, sid)
	})
}

func (s *Server) handlePlanGet() http.Handler {
	return s.planAction(http.StatusOK, func(r *http.Request, by heartlink.Principal, cid, sid string) (*dispatch.RoutePlan, error) {
		return s.cfg.Plans.Plan(r.Context(), by, cid, sid)
	})
}

func (s *Server) handlePlanPublish() http.Handler {
	return s.planAction(http.StatusOK, func(r *http.Request, by heartlink.Principal, cid, sid string) (*dispatch.RoutePlan, error) {
		return s.cfg.Plans.PublishPlan(r.Context(), by, cid, sid)
	})
}

func (s *Server) handleRouteAccept() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, err := s.cfg.Plans.AcceptRoute(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, rt)
	})
}

func (s *Server) handleRouteDecline() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.cfg.Plans.DeclineRoute(r.Context(), principal(r), r.PathValue("id")); err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"route_id": r.PathValue("id"), "declined": true})
	})
}
