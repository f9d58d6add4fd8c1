package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/fleet"
)

// The newly registered accounts: each record and, this once, its bearer token.
type (
	coordinatorCreated struct {
		*fleet.Coordinator
		Token string `json:"token"`
	}
	driverCreated struct {
		*fleet.Driver
		Token string `json:"token"`
	}
	requesterCreated struct {
		*fleet.Requester
		Token string `json:"token"`
	}
)

type coordinatorRequest struct {
	Name string `json:"name"`
}

func (c *coordinatorRequest) Validate() error { return heartlink.ValidName("name", c.Name) }

func (s *Server) handleCoordinatorCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req coordinatorRequest
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		c, tok, err := s.cfg.Fleet.CreateCoordinator(r.Context(), by, req.Name)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, coordinatorCreated{c, tok})
	})
}

func (s *Server) handleDriverCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req fleet.DriverRegistration
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		d, tok, err := s.cfg.Fleet.CreateDriver(r.Context(), by, req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, driverCreated{d, tok})
	})
}

func (s *Server) handleDriverList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := must(principal(r), heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		ds, next, err := s.cfg.Fleet.DriverPage(r.Context(), limit, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "drivers", nonNil(ds), next)
	})
}

func (s *Server) handleDriverGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by, id := principal(r), r.PathValue("id")
		if !by.Is(heartlink.RoleCoordinator) && !(by.Is(heartlink.RoleDriver) && by.ID == id) {
			s.error(w, r, heartlink.Errorf(heartlink.EForbidden, "only coordinators and the driver may see a driver"))
			return
		}
		s.driver(w, r, id)
	})
}

func (s *Server) handleDriverMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleDriver); err != nil {
			s.error(w, r, err)
			return
		}
		s.driver(w, r, by.ID)
	})
}

func (s *Server) driver(w http.ResponseWriter, r *http.Request, id string) {
	d, err := s.cfg.Fleet.Driver(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, d)
}

func (s *Server) handlePresence() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleDriver); err != nil {
			s.error(w, r, err)
			return
		}
		var req fleet.PresenceUpdate
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		d, source, err := s.setPresence(r.Context(), by.ID, req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, presenceSet{d, source})
	})
}

// presenceSet answers a presence change: the driver and, for one going
// online, where they were placed.
type presenceSet struct {
	*fleet.Driver
	LocationSource fleet.LocationSource `json:"location_source,omitempty"`
}

// setPresence puts the driver online or offline, over HTTP and the socket
// alike. A driver going online without a location (the minimum a client
// sends) is placed by u.Locate, from the driver as stored: one more round
// trip, on a change a driver makes a few times a day. A position the same
// driver shares in between is overwritten by the one read; their next
// location puts it right.
func (s *Server) setPresence(ctx context.Context, driverID string, u fleet.PresenceUpdate) (*fleet.Driver, fleet.LocationSource, error) {
	if err := u.Validate(); err != nil {
		return nil, "", err
	}
	var source fleet.LocationSource
	if u.Status == fleet.Online {
		source = fleet.LocationGiven
		if u.Location == nil {
			d, err := s.cfg.Fleet.Driver(ctx, driverID)
			if err != nil {
				return nil, "", err
			}
			source = u.Locate(d, s.cfg.Clock.Now(), s.cfg.Policy.PresenceTTL)
		}
	}
	d, err := s.cfg.Fleet.SetPresence(ctx, driverID, u)
	if err != nil {
		return nil, "", err
	}
	return d, source, nil
}

func (s *Server) handleRequesterCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req fleet.RequesterRegistration
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		q, tok, err := s.cfg.Fleet.CreateRequester(r.Context(), by, req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, requesterCreated{q, tok})
	})
}

func (s *Server) handleRequesterList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := must(principal(r), heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		qs, next, err := s.cfg.Fleet.RequesterPage(r.Context(), limit, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "requesters", nonNil(qs), next)
	})
}

func (s *Server) handleRequesterMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleRequester); err != nil {
			s.error(w, r, err)
			return
		}
		q, err := s.cfg.Fleet.Requester(r.Context(), by.ID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, q)
	})
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// handleRotate gives a driver, requester or coordinator a new token,
// revoking the old one (a lost phone, a leaked token).
func (s *Server) handleRotate(role heartlink.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		tok, err := s.cfg.Fleet.RotateToken(r.Context(), principal(r), role, id)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, map[string]string{"id": id, "token": tok})
	})
}
