package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
)

// Recurring keeps recurring bookings, whose trips the scheduler books
// ahead of time.
type Recurring interface {
	CreateRecurrence(ctx context.Context, by heartlink.Principal, d dispatch.RecurrenceDraft) (*dispatch.Recurrence, error)
	Recurrences(ctx context.Context, by heartlink.Principal) ([]*dispatch.Recurrence, error)
	StopRecurrence(ctx context.Context, by heartlink.Principal, id string) error
}

func (s *Server) needRecurring(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Recurring == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "recurring bookings are off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) handleRecurringCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleRequester, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var d dispatch.RecurrenceDraft
		if err := s.decode(w, r, &d); err != nil {
			s.error(w, r, err)
			return
		}
		rec, err := s.cfg.Recurring.CreateRecurrence(r.Context(), by, d)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, rec)
	})
}

func (s *Server) handleRecurringList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleRequester, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		rs, err := s.cfg.Recurring.Recurrences(r.Context(), by)
		if err != nil {
			s.error(w, r, err)
			return
		}
		rs, next, err := pageSlice(sortedBy(rs, recurrenceKey), recurrenceKey, "recurring", limit, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "recurring_trips", nonNil(rs), next)
	})
}

func (s *Server) handleRecurringStop() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleRequester, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		if err := s.cfg.Recurring.StopRecurrence(r.Context(), by, r.PathValue("id")); err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "stopped": true})
	})
}
