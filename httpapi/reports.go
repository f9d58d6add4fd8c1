package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/report"
)

// Reports keeps what drivers report from the road.
type Reports interface {
	FileReport(ctx context.Context, by heartlink.Principal, d report.Draft, photos []report.Upload) (report.Report, error)
	Report(ctx context.Context, by heartlink.Principal, id string) (report.Report, error)
	ReportPhoto(ctx context.Context, by heartlink.Principal, id string, n int) ([]byte, string, error)
	Reports(ctx context.Context, by heartlink.Principal, f report.Filter) ([]report.Report, string, error)
	UnresolvedReports(ctx context.Context, by heartlink.Principal) ([]report.Report, error)
	UpdateReport(ctx context.Context, by heartlink.Principal, id string, u report.Update) (report.Report, error)
}

// needReports answers 404 when reports are off.
func (s *Server) needReports(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Reports == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "reports are off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) handleReportFile() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleDriver); err != nil {
			s.error(w, r, err)
			return
		}
		d, photos, err := s.readReport(w, r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		rep, err := s.cfg.Reports.FileReport(r.Context(), by, d, photos)
		if err != nil {
			s.error(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/reports/"+rep.ID)
		s.json(w, http.StatusCreated, rep)
	})
}

// readReport reads a report as filed: a JSON body, or multipart/form-data
// whose parts are the report (a part "report" holding its JSON, or parts
// "kind", "note" and "location", the last as JSON or "lat,lng") and up to
// three "photo" parts. Photos are checked and cleaned (report.Clean) before
// anything is stored: one bad photo refuses the whole report.
func (s *Server) readReport(w http.ResponseWriter, r *http.Request) (report.Draft, []report.Upload, error) {
	var d report.Draft
	photos, err := s.readUpload(w, r, upload{
		json: "report", into: &d, maxPhotos: report.MaxPhotos,
		fields: map[string]func(string) error{
			"kind": func(v string) error { d.Kind = report.Kind(strings.TrimSpace(v)); return nil },
			"note": func(v string) error { d.Note = v; return nil },
			"location": func(v string) error {
				p, err := parseLocation(v)
				d.Location = p
				return err
			},
		},
	})
	if err != nil {
		return d, nil, err
	}
	return d, photos, nil
}

// upload says what a body with photos holds: JSON into into, either as
// the whole body or, in multipart/form-data, as the part named json or as
// one part per field; then at most maxPhotos parts named "photo".
type upload struct {
	json      string
	into      validator
	fields    map[string]func(string) error
	maxPhotos int
}

// readUpload reads a JSON body, or a multipart/form-data one as u says,
// validates what it holds and returns its photos checked and cleaned
// (report.Clean): one bad part refuses the whole body, before anything is
// stored.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, u upload) ([]report.Upload, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, s.decodeValid(w, r, u.into)
	}
	if params["boundary"] == "" {
		return nil, heartlink.Errorf(heartlink.EBadRequest, "a multipart/form-data body needs its boundary in Content-Type")
	}
	limit := s.cfg.MaxBody + int64(u.maxPhotos)*s.cfg.MaxPhoto
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit), params["boundary"])
	var raw [][]byte
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, multipartError(err, limit)
		}
		name := p.FormName()
		if name != "photo" && seen[name] {
			return nil, heartlink.FieldError(heartlink.EBadRequest, name, "the part %q appears twice", name)
		}
		seen[name] = true
		set, isField := u.fields[name]
		switch {
		case name == "photo":
			if len(raw) == u.maxPhotos {
				return nil, heartlink.FieldError(heartlink.EInvalid, "photo", "at most %d photos are taken", u.maxPhotos)
			}
			b, err := readPart(p, s.cfg.MaxPhoto, "photo")
			if err != nil {
				return nil, multipartError(err, limit)
			}
			if len(b) == 0 {
				return nil, heartlink.FieldError(heartlink.EInvalid, "photo", "a photo part is empty")
			}
			raw = append(raw, b)
		case name == u.json:
			b, err := readPart(p, s.cfg.MaxBody, name)
			if err != nil {
				return nil, multipartError(err, limit)
			}
			if err := decodeBytes(b, u.into); err != nil {
				return nil, err
			}
		case isField:
			b, err := readPart(p, 4<<10, name)
			if err != nil {
				return nil, multipartError(err, limit)
			}
			if err := set(string(b)); err != nil {
				return nil, err
			}
		default:
			return nil, heartlink.FieldError(heartlink.EBadRequest, name, "unknown part %q: this body takes %s", name, partNames(u))
		}
	}
	if err := u.into.Validate(); err != nil {
		return nil, err
	}
	photos := make([]report.Upload, 0, len(raw))
	for i, b := range raw {
		field := "photo"
		if len(raw) > 1 {
			field = "photo[" + strconv.Itoa(i) + "]"
		}
		clean, typ, err := s.cleanPhoto(r.Context(), field, b)
		if err != nil {
			return nil, err
		}
		photos = append(photos, report.Upload{Data: clean, ContentType: typ})
	}
	return photos, nil
}

// partNames lists the parts u takes, for an error.
func partNames(u upload) string {
	names := []string{u.json}
	for n := range u.fields {
		names = append(names, n)
	}
	slices.Sort(names[1:])
	return strings.Join(append(names, "photo"), ", ")
}

// cleanPhoto cleans one photo (report.Clean), at most two at a time.
func (s *Server) cleanPhoto(ctx context.Context, field string, b []byte) ([]byte, string, error) {
	select {
	case s.photos <- struct{}{}:
		defer func() { <-s.photos }()
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	return report.Clean(field, b)
}

// readPart reads a part of at most max bytes.
func readPart(p *multipart.Part, max int64, field string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, heartlink.FieldError(heartlink.ETooLarge, field, "the %s part is larger than %d bytes", field, max)
	}
	return b, nil
}

// multipartError is what a client is told of a multipart body that could
// not be read.
func multipartError(err error, limit int64) error {
	var tooLarge *http.MaxBytesError
	var he *heartlink.Error
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &tooLarge):
		return heartlink.Errorf(heartlink.ETooLarge, "the body is larger than %d bytes", limit)
	}
	return heartlink.Errorf(heartlink.EBadRequest, "the multipart/form-data body is malformed")
}

func (s *Server) handleReportList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		f := report.Filter{Limit: limit, Cursor: cursor}
		switch st := r.URL.Query().Get("status"); st {
		case "":
		case "unresolved":
			f.Unresolved = true
		case string(report.Open), string(report.Forwarded), string(report.Resolved):
			f.Status = report.Status(st)
		default:
			s.error(w, r, heartlink.FieldError(heartlink.EInvalid, "status", "status must be open, forwarded, resolved or unresolved"))
			return
		}
		list, next, err := s.cfg.Reports.Reports(r.Context(), principal(r), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if list == nil {
			list = []report.Report{}
		}
		s.page(w, "reports", list, next)
	})
}

func (s *Server) handleReportGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, err := s.cfg.Reports.Report(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, rep)
	})
}

func (s *Server) handleReportPhoto() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 1 || n > report.MaxPhotos {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "a report's photos are numbered 1 to %d", report.MaxPhotos))
			return
		}
		b, typ, err := s.cfg.Reports.ReportPhoto(r.Context(), principal(r), r.PathValue("id"), n)
		if err != nil {
			s.error(w, r, err)
			return
		}
		servePhoto(w, b, typ)
	})
}

// servePhoto answers a stored photo: private, never sniffed or run.
func servePhoto(w http.ResponseWriter, b []byte, typ string) {
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *Server) handleReportUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var u report.Update
		if err := s.decodeValid(w, r, &u); err != nil {
			s.error(w, r, err)
			return
		}
		rep, err := s.cfg.Reports.UpdateReport(r.Context(), by, r.PathValue("id"), u)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, rep)
	})
}

// parseLocation reads a multipart body's location: JSON
// ({"lat": …, "lng": …}) or "lat,lng".
func parseLocation(v string) (*heartlink.Point, error) {
	bad := heartlink.FieldError(heartlink.EBadRequest, "location", "location must be {\"lat\": …, \"lng\": …} or \"lat,lng\"")
	var p heartlink.Point
	if strings.HasPrefix(strings.TrimSpace(v), "{") {
		if err := decodeBytes([]byte(v), &p); err != nil {
			return nil, bad
		}
		return &p, nil
	}
	lat, lng, ok := strings.Cut(v, ",")
	var err1, err2 error
	p.Lat, err1 = strconv.ParseFloat(strings.TrimSpace(lat), 64)
	p.Lng, err2 = strconv.ParseFloat(strings.TrimSpace(lng), 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, bad
	}
	return &p, nil
}
