package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// Gates keeps the check-ins at drop-offs' gates (exam sites').
type Gates interface {
	CheckIn(ctx context.Context, by heartlink.Principal, tripID, pin string) (*dispatch.Trip, error)
	Arrivals(ctx context.Context, by heartlink.Principal, date time.Time) ([]dispatch.SiteArrivals, error)
}

// needGates answers 404 when gate check-in is off.
func (s *Server) needGates(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Gates == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "gate check-in is off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// checkInRequest is a gate's check-in: the rider's PIN, needed from
// staff of another requester than the trip's.
type checkInRequest struct {
	PIN string `json:"pin"`
}

func (c *checkInRequest) Validate() error {
	if len(c.PIN) > 16 {
		return heartlink.FieldError(heartlink.EInvalid, "pin", "pin must be the rider's handover PIN")
	}
	return nil
}

func (s *Server) handleCheckIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator, heartlink.RoleRequester); err != nil {
			s.error(w, r, err)
			return
		}
		var req checkInRequest
		if r.ContentLength != 0 {
			if err := s.decodeValid(w, r, &req); err != nil {
				s.error(w, r, err)
				return
			}
		}
		t, err := s.cfg.Gates.CheckIn(r.Context(), by, r.PathValue("id"), req.PIN)
		if err != nil {
			s.error(w, r, err)
			return
		}
		// Staff at the gate may be another school's: they get no more of
		// the trip than that it arrived.
		s.json(w, http.StatusOK, map[string]any{"trip_id": t.ID, "status": t.Status, "checked_in_at": t.CheckedInAt,
			"checked_in_by": t.CheckedInBy, "dropoff": t.Dropoff.Address})
	})
}

func (s *Server) handleArrivals() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := s.cfg.Policy.Location()
		day := s.cfg.Clock.Now().In(loc)
		if q := r.URL.Query().Get("date"); q != "" {
			d, err := time.ParseInLocation("2006-01-02", q, loc)
			if err != nil {
				s.error(w, r, heartlink.FieldError(heartlink.EInvalid, "date", "date must be a day as 2027-06-07"))
				return
			}
			day = d
		}
		sites, err := s.cfg.Gates.Arrivals(r.Context(), principal(r), day)
		if err == nil && len(sites) == 0 && r.URL.Query().Get("date") == "" {
			// Late in the evening the next exam morning is tomorrow's.
			day = day.AddDate(0, 0, 1)
			sites, err = s.cfg.Gates.Arrivals(r.Context(), principal(r), day)
		}
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"date": day.Format("2006-01-02"), "sites": sites})
	})
}
