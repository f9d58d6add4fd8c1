package httpapi

import (
	"context"
	"net/http"
	"strings"
	"unicode"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// Privacy answers a rider's requests for their data, and keeps the log of
// who read riders' contact.
type Privacy interface {
	// RiderTrips is every trip still holding a rider with this phone.
	RiderTrips(ctx context.Context, by heartlink.Principal, phone string) ([]*dispatch.Trip, error)
	// EraseRider removes the rider's name and phone from their trips that
	// are over, naming those still to be driven.
	EraseRider(ctx context.Context, by heartlink.Principal, phone string) (dispatch.Erasure, error)
	// ContactRead records that by read the riders' contact of trips.
	ContactRead(ctx context.Context, by heartlink.Principal, via string, tripIDs []string) error
	// ContactReads is a trip's log of contact reads.
	ContactReads(ctx context.Context, by heartlink.Principal, tripID string) ([]dispatch.ContactRead, error)
}

// riderRequest names a rider by phone, in a body: a phone in a URL would
// stay in every proxy's and server's access log.
type riderRequest struct {
	Phone string `json:"phone"`
}

func (q *riderRequest) Validate() error {
	digits := 0
	for _, r := range q.Phone {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	switch {
	case strings.TrimSpace(q.Phone) == "":
		return heartlink.FieldError(heartlink.EInvalid, "phone", "phone is required")
	case digits < 5 || len(q.Phone) > 32:
		return heartlink.FieldError(heartlink.EInvalid, "phone", "phone must be a phone number (5 to 32 characters, mostly digits)")
	}
	return nil
}

func (s *Server) needPrivacy(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Privacy == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "rider data requests are off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// riderCall reads a rider's request as a coordinator makes it, or answers
// why it is refused.
func (s *Server) riderCall(w http.ResponseWriter, r *http.Request) (heartlink.Principal, riderRequest, bool) {
	by := principal(r)
	var q riderRequest
	err := must(by, heartlink.RoleCoordinator)
	if err == nil {
		err = s.decodeValid(w, r, &q)
	}
	if err != nil {
		s.error(w, r, err)
		return by, q, false
	}
	return by, q, true
}

// handleRiderExport answers a rider's request for their data: every trip
// that still holds it, whole.
func (s *Server) handleRiderExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by, q, ok := s.riderCall(w, r)
		if !ok {
			return
		}
		ts, err := s.cfg.Privacy.RiderTrips(r.Context(), by, q.Phone)
		if err != nil {
			s.error(w, r, err)
			return
		}
		// The export is logged in the trips' audit trails, not again as
		// a contact read.
		s.json(w, http.StatusOK, map[string]any{"trips": s.viewsLogged(r, ts, "")})
	})
}

// handleRiderErase erases a rider's name and phone at their request.
func (s *Server) handleRiderErase() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by, q, ok := s.riderCall(w, r)
		if !ok {
			return
		}
		e, err := s.cfg.Privacy.EraseRider(r.Context(), by, q.Phone)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, e)
	})
}

// handleContactReads lists who read a trip's riders' contact.
func (s *Server) handleContactReads() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads, err := s.cfg.Privacy.ContactReads(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"trip_id": r.PathValue("id"), "reads": reads})
	})
}

// contactRead logs that the caller was shown the riders' contact of the
// trips whose views carry it. A failure to log is logged, not answered:
// the read itself was allowed.
func (s *Server) contactRead(ctx context.Context, by heartlink.Principal, via string, vs []dispatch.View) {
	if s.cfg.Privacy == nil || via == "" {
		return
	}
	var ids []string
	for _, v := range vs {
		if len(v.Riders) > 0 {
			ids = append(ids, v.ID)
		}
	}
	if err := s.cfg.Privacy.ContactRead(ctx, by, via, ids); err != nil {
		s.log.Warn("log a contact read", "err", err)
	}
}
