package httpapi

import (
	"context"
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/lost"
	"github.com/heartlink/heartlink/report"
)

// LostProperty keeps the lost-property log.
type LostProperty interface {
	LogLostItem(ctx context.Context, by heartlink.Principal, d lost.Draft, photo *report.Upload) (lost.Item, error)
	LostItem(ctx context.Context, by heartlink.Principal, id string) (lost.Item, error)
	LostPhoto(ctx context.Context, by heartlink.Principal, id string) ([]byte, string, error)
	LostItems(ctx context.Context, by heartlink.Principal, f lost.Filter) ([]lost.Item, string, error)
	ReturnLostItem(ctx context.Context, by heartlink.Principal, id string, h lost.Handback) (lost.Item, error)
}

// needLost answers 404 when the lost-property log is off.
func (s *Server) needLost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Lost == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "the lost-property log is off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// handleLostLog logs a found item: a JSON body, or multipart/form-data
// with the item (a part "item" holding its JSON, or parts "trip_id",
// "description" and "kept_at") and at most one "photo".
func (s *Server) handleLostLog() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if !by.Is(heartlink.RoleDriver) && !by.Is(heartlink.RoleCoordinator) {
			s.error(w, r, heartlink.Errorf(heartlink.EForbidden, "drivers and coordinators log lost property"))
			return
		}
		var d lost.Draft
		photos, err := s.readUpload(w, r, upload{
			json: "item", into: &d, maxPhotos: 1,
			fields: map[string]func(string) error{
				"trip_id":     func(v string) error { d.TripID = v; return nil },
				"description": func(v string) error { d.Description = v; return nil },
				"kept_at":     func(v string) error { d.KeptAt = v; return nil },
			},
		})
		if err != nil {
			s.error(w, r, err)
			return
		}
		var photo *report.Upload
		if len(photos) == 1 {
			photo = &photos[0]
		}
		it, err := s.cfg.Lost.LogLostItem(r.Context(), by, d, photo)
		if err != nil {
			s.error(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/lost-items/"+it.ID)
		s.json(w, http.StatusCreated, it)
	})
}

func (s *Server) handleLostList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		f := lost.Filter{Limit: limit, Cursor: cursor}
		switch st := lost.Status(r.URL.Query().Get("status")); st {
		case "", lost.Unclaimed, lost.Returned:
			f.Status = st
		default:
			s.error(w, r, heartlink.FieldError(heartlink.EInvalid, "status", "status must be unclaimed or returned"))
			return
		}
		list, next, err := s.cfg.Lost.LostItems(r.Context(), principal(r), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.page(w, "items", list, next)
	})
}

func (s *Server) handleLostGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		it, err := s.cfg.Lost.LostItem(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, it)
	})
}

func (s *Server) handleLostPhoto() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, typ, err := s.cfg.Lost.LostPhoto(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		servePhoto(w, b, typ)
	})
}

func (s *Server) handleLostReturned() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var h lost.Handback
		if err := s.decodeValid(w, r, &h); err != nil {
			s.error(w, r, err)
			return
		}
		it, err := s.cfg.Lost.ReturnLostItem(r.Context(), principal(r), r.PathValue("id"), h)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, it)
	})
}
