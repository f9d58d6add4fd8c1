package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/fleet"
)

// Plans pools a campaign shift's exam escorts into routes for its drivers,
// publishes them as one offer each, and takes the drivers' answers.
type Plans interface {
	PlanShift(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (*dispatch.RoutePlan, error)
	Plan(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (*dispatch.RoutePlan, error)
	PublishPlan(ctx context.Context, by heartlink.Principal, campaignID, shiftID string) (*dispatch.RoutePlan, error)
	AcceptRoute(ctx context.Context, by heartlink.Principal, routeID string) (*dispatch.Route, error)
	DeclineRoute(ctx context.Context, by heartlink.Principal, routeID string) error
	// AdvancePlan and PublishAdvance are the rolling plan of trips booked
	// ahead, by day (YYYY-MM-DD in the city).
	AdvancePlan(ctx context.Context, by heartlink.Principal, date string) (*dispatch.RoutePlan, error)
	PublishAdvance(ctx context.Context, by heartlink.Principal, date string) (*dispatch.RoutePlan, error)
	// Availability is when a driver can drive, for planning ahead.
	Availability(ctx context.Context, by heartlink.Principal, driverID string) (*fleet.Availability, error)
	SetAvailability(ctx context.Context, by heartlink.Principal, driverID string, a fleet.Availability) (*fleet.Availability, error)
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

func (s *Server) handleAdvancePlan() http.Handler {
	return s.planAction(http.StatusOK, func(r *http.Request, by heartlink.Principal, _, _ string) (*dispatch.RoutePlan, error) {
		return s.cfg.Plans.AdvancePlan(r.Context(), by, r.PathValue("date"))
	})
}

func (s *Server) handleAdvancePublish() http.Handler {
	return s.planAction(http.StatusOK, func(r *http.Request, by heartlink.Principal, _, _ string) (*dispatch.RoutePlan, error) {
		return s.cfg.Plans.PublishAdvance(r.Context(), by, r.PathValue("date"))
	})
}

// availabilityOf is whose availability a request is about: the calling
// driver's for /me, else the path's.
func availabilityOf(r *http.Request, me bool) (string, error) {
	by := principal(r)
	if !me {
		return r.PathValue("id"), nil
	}
	if !by.Is(heartlink.RoleDriver) {
		return "", heartlink.Errorf(heartlink.EForbidden, "only drivers have an availability of their own")
	}
	return by.ID, nil
}

func (s *Server) handleAvailabilityGet(me bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := availabilityOf(r, me)
		if err != nil {
			s.error(w, r, err)
			return
		}
		a, err := s.cfg.Plans.Availability(r.Context(), principal(r), id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, a)
	})
}

func (s *Server) handleAvailabilitySet(me bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := availabilityOf(r, me)
		if err != nil {
			s.error(w, r, err)
			return
		}
		var a fleet.Availability
		if err := s.decodeValid(w, r, &a); err != nil {
			s.error(w, r, err)
			return
		}
		got, err := s.cfg.Plans.SetAvailability(r.Context(), principal(r), id, a)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, got)
	})
}
