package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// view renders t, just listed or changed by the caller, as the caller may
// see it: a driver who may no longer take it (having released it, say)
// sees its redacted form.
func (s *Server) view(r *http.Request, t *dispatch.Trip) dispatch.View {
	return s.views(r, []*dispatch.Trip{t})[0]
}

// views renders trips as the caller may see them, naming the assigned
// driver and car to those who see a trip whole (one read for all), and
// logs the contact reads.
func (s *Server) views(r *http.Request, ts []*dispatch.Trip) []dispatch.View {
	return s.viewsLogged(r, ts, "trip")
}

// viewsLogged is views with the contact reads logged as via ("": not).
func (s *Server) viewsLogged(r *http.Request, ts []*dispatch.Trip, via string) []dispatch.View {
	now := s.cfg.Clock.Now()
	out := make([]dispatch.View, len(ts))
	var ids []string
	for i, t := range ts {
		a := s.cfg.Policy.AccessFor(t, principal(r), true, now)
		if a == dispatch.NoAccess {
			a = dispatch.Redacted
		}
		out[i] = dispatch.ViewOf(t, a)
		if a >= dispatch.Full && t.DriverID != "" {
			ids = append(ids, t.DriverID)
		}
	}
	s.nameDrivers(r.Context(), out, ids)
	s.contactRead(r.Context(), principal(r), via, out)
	return out
}

// nameDrivers fills in the Driver of views that have one and show riders
// (whole views). A failure to read drivers only leaves the names out.
func (s *Server) nameDrivers(ctx context.Context, vs []dispatch.View, ids []string) {
	if len(ids) == 0 {
		return
	}
	ds, err := s.cfg.Fleet.DriversByID(ctx, ids)
	if err != nil {
		s.log.Warn("name drivers", "err", err)
		return
	}
	for i := range vs {
		if d := ds[vs[i].DriverID]; d != nil && !vs[i].Approximate {
			vs[i].Driver = &dispatch.DriverBrief{ID: d.ID, Name: d.Name, Plate: d.Vehicle.Plate, Seats: d.Vehicle.Seats}
		}
	}
}

func (s *Server) handleTripCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleRequester, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req dispatch.Request
		if err := s.decode(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		t, err := s.cfg.Dispatch.Request(r.Context(), by, req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/trips/"+t.ID)
		s.json(w, http.StatusCreated, s.view(r, t))
	})
}

func (s *Server) handleTripGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, a, err := s.cfg.Dispatch.Trip(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		v := []dispatch.View{dispatch.ViewOf(t, a)}
		if a >= dispatch.Full && t.DriverID != "" {
			s.nameDrivers(r.Context(), v, []string{t.DriverID})
		}
		s.contactRead(r.Context(), principal(r), "trip", v)
		s.json(w, http.StatusOK, v[0])
	})
}

func (s *Server) handleTripList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var f dispatch.Filter
		switch st := q.Get("status"); {
		case st == "open":
			f.Open = true
		case st == "":
		case dispatch.Status(st).Valid():
			f.Status = dispatch.Status(st)
		default:
			s.error(w, r, heartlink.FieldError(heartlink.EInvalid, "status", "unknown status %q", st))
			return
		}
		var err error
		if f.Limit, f.Cursor, err = pageParams(r); err != nil {
			s.error(w, r, err)
			return
		}
		ts, next, err := s.cfg.Dispatch.TripPage(r.Context(), principal(r), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "trips", s.viewsLogged(r, ts, "list"), next)
	})
}

func (s *Server) handleOffers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		os, err := s.cfg.Dispatch.Offers(r.Context(), principal(r))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"offers": nonNil(os)})
	})
}

// driverOf is the driver a /drivers/me/… (me) or /drivers/{id}/… path
// names; on a me path a caller who is no driver is refused with why.
func driverOf(r *http.Request, by heartlink.Principal, me bool, why string) (string, error) {
	if !me {
		return r.PathValue("id"), nil
	}
	if !by.Is(heartlink.RoleDriver) {
		return "", heartlink.Errorf(heartlink.EForbidden, "%s", why)
	}
	return by.ID, nil
}

// handleDriverRoute answers the route a driver holds: their own (me), or
// any driver's for a coordinator.
func (s *Server) handleDriverRoute(me bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		id, err := driverOf(r, by, me, "only drivers have a route of their own")
		if err != nil {
			s.error(w, r, err)
			return
		}
		route, err := s.cfg.Dispatch.DriverRoute(r.Context(), by, id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, route)
	})
}

// tripAction answers a change of one trip with the trip as it now is.
func (s *Server) tripAction(do func(r *http.Request, by heartlink.Principal, id string) (*dispatch.Trip, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := do(r, principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, s.view(r, t))
	})
}

func (s *Server) handleAccept() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := s.cfg.Dispatch.Accept(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		// The contact shown here is in the trip's audit trail already
		// (accepted, by this driver): see Privacy.ContactReads.
		s.json(w, http.StatusOK, s.viewsLogged(r, []*dispatch.Trip{t}, "")[0])
	})
}

func (s *Server) handleDecline() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if err := s.cfg.Dispatch.Decline(r.Context(), principal(r), id); err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"trip_id": id, "declined": true})
	})
}

type progressRequest struct {
	Step dispatch.Step `json:"step"`
	// PIN is the rider's handover PIN, for picked_up and (minors)
	// completed; optional in the body, as steps that need none take none.
	PIN string `json:"pin"`
}

func (p *progressRequest) Validate() error {
	if _, ok := dispatch.StepTransition(p.Step); !ok {
		return heartlink.FieldError(heartlink.EInvalid, "step", "step must be arrived, picked_up or completed")
	}
	return nil
}

func (s *Server) handleProgress() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Coordinators confirm a handover for the driver (an override of
		// the rider's PIN); the store says which steps they may.
		if err := must(principal(r), heartlink.RoleDriver, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req progressRequest
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		t, err := s.cfg.Dispatch.Progress(r.Context(), principal(r), r.PathValue("id"),
			dispatch.ProgressReport{Step: req.Step, PIN: req.PIN})
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, s.view(r, t))
	})
}

func (s *Server) handleRelease() http.Handler {
	return s.tripAction(func(r *http.Request, by heartlink.Principal, id string) (*dispatch.Trip, error) {
		return s.cfg.Dispatch.Release(r.Context(), by, id)
	})
}

func (s *Server) handleCancel() http.Handler {
	return s.tripAction(func(r *http.Request, by heartlink.Principal, id string) (*dispatch.Trip, error) {
		return s.cfg.Dispatch.Cancel(r.Context(), by, id)
	})
}

func (s *Server) handleRequeue() http.Handler {
	return s.tripAction(func(r *http.Request, by heartlink.Principal, id string) (*dispatch.Trip, error) {
		return s.cfg.Dispatch.Requeue(r.Context(), by, id)
	})
}

type assignRequest struct {
	DriverID string `json:"driver_id"`
}

func (a *assignRequest) Validate() error {
	if a.DriverID == "" {
		return heartlink.FieldError(heartlink.EInvalid, "driver_id", "driver_id is required")
	}
	return nil
}

func (s *Server) handleAssign() http.Handler {
	return s.toDriver(func(ctx context.Context, by heartlink.Principal, tripID, driverID string) (*dispatch.Trip, error) {
		return s.cfg.Dispatch.Assign(ctx, by, tripID, driverID)
	})
}

// toDriver serves a coordinator giving the trip of the path to the driver
// of the body, {"driver_id"}: assign or reassign.
func (s *Server) toDriver(give func(ctx context.Context, by heartlink.Principal, tripID, driverID string) (*dispatch.Trip, error)) http.Handler {
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
		t, err := give(r.Context(), by, r.PathValue("id"), req.DriverID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, s.view(r, t))
	})
}

func (s *Server) handleEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		es, err := s.cfg.Dispatch.Events(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		es, next, err := pageTrail(es, limit, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "events", nonNil(es), next)
	})
}
