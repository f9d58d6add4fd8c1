package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/dispatch"
	"github.com/heartlink/heartlink/safety"
)

// Safety keeps guardian links and drivers' SOS.
type Safety interface {
	// Share makes a guardian link to a trip, returning it and its token.
	Share(ctx context.Context, by heartlink.Principal, tripID string) (dispatch.ShareLink, string, error)
	// Unshare revokes a trip's guardian links: every one, or linkID's.
	Unshare(ctx context.Context, by heartlink.Principal, tripID, linkID string) (int, error)
	// Shared is the trip a guardian link shows; no caller is needed.
	Shared(ctx context.Context, token string) (dispatch.GuardianView, error)
	RaiseSOS(ctx context.Context, by heartlink.Principal, r safety.Raise) (safety.SOS, bool, error)
	ResolveSOS(ctx context.Context, by heartlink.Principal, id string, r safety.Resolution) (safety.SOS, error)
	OpenSOS(ctx context.Context, by heartlink.Principal) ([]safety.Alarm, error)
	// Alarm renders an SOS for the board with the people it names, as
	// they are now.
	Alarm(ctx context.Context, sos safety.SOS) (safety.Alarm, error)
}

// sharePage is where a guardian link's page lives, before its token.
const sharePage = "/g/"

// shareURL is the page of a guardian link: under Config.PublicURL, or
// else the address the request came to (the caller's own view of us).
func (s *Server) shareURL(r *http.Request, token string) string {
	base := strings.TrimSuffix(s.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + sharePage + token
}

// needSafety answers 404 when guardian links and SOS are off.
func (s *Server) needSafety(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Safety == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "guardian links and SOS are off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// noBody refuses a request body where the operation takes none, so that
// a client that thinks it sends something is told.
func (s *Server) noBody(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	var v struct{}
	return s.decode(w, r, &v)
}

func (s *Server) handleShare() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.noBody(w, r); err != nil {
			s.error(w, r, err)
			return
		}
		l, tok, err := s.cfg.Safety.Share(r.Context(), principal(r), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, map[string]any{
			"id": l.ID, "trip_id": l.TripID, "url": s.shareURL(r, tok), "token": tok,
			"created_at": l.CreatedAt, "expires_at": l.ExpiresAt,
		})
	})
}

func (s *Server) handleUnshare(one bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		link := ""
		if one {
			link = r.PathValue("link")
		}
		n, err := s.cfg.Safety.Unshare(r.Context(), principal(r), r.PathValue("id"), link)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"trip_id": r.PathValue("id"), "revoked": n})
	})
}

// handleShared answers a guardian link, with no caller: only the token,
// which is limited per address like every request before a token is
// looked up, with a limit of its own (a family's page polls).
func (s *Server) handleShared() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := s.cfg.Limits
		if !s.allow(w, r, "shared:"+s.clientAddr(r), l.PerAddressShared, l.PerAddressSharedBurst) {
			return
		}
		if err := s.refuse(false); err != nil {
			s.error(w, r, err)
			return
		}
		v, err := s.cfg.Safety.Shared(r.Context(), r.PathValue("token"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		w.Header().Set("Referrer-Policy", "no-referrer")
		s.json(w, http.StatusOK, v)
	})
}

// authSOS authenticates the caller of an SOS without limiting them: an
// emergency is never turned away for load. Only a caller whose token
// fails counts against the per-address limit, so that guessing tokens
// here is as slow as anywhere.
func (s *Server) authSOS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.refuse(true); err != nil {
			s.error(w, r, err)
			return
		}
		p, err := s.cfg.Fleet.Authenticate(r.Context(), BearerToken(r))
		if err != nil {
			l := s.cfg.Limits
			if !s.allow(w, r, "addr:"+s.clientAddr(r), l.PerAddress, l.PerAddressBurst) {
				return
			}
			if heartlink.ErrorCode(err) == heartlink.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="heartlink"`)
			}
			s.error(w, r, err)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (s *Server) handleSOSRaise() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleDriver); err != nil {
			s.error(w, r, err)
			return
		}
		var req safety.Raise
		if err := s.decodeValid(w, r, &req); err != nil {
			s.error(w, r, err)
			return
		}
		sos, fresh, err := s.cfg.Safety.RaiseSOS(r.Context(), by, req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		// A second press answers as the first did: a client that checks
		// for 201 must not tell a driver in trouble it failed.
		w.Header().Set("Location", "/api/v1/sos/"+sos.ID)
		s.json(w, http.StatusCreated, map[string]any{"id": sos.ID, "status": sos.Status, "trip_id": sos.TripID,
			"raised_at": sos.RaisedAt, "new": fresh})
	})
}

func (s *Server) handleSOSList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.cfg.Safety.OpenSOS(r.Context(), principal(r))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"sos": list})
	})
}

func (s *Server) handleSOSResolve() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var req safety.Resolution
		if r.ContentLength != 0 {
			if err := s.decodeValid(w, r, &req); err != nil {
				s.error(w, r, err)
				return
			}
		}
		sos, err := s.cfg.Safety.ResolveSOS(r.Context(), by, r.PathValue("id"), req)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, sos)
	})
}

// logPath is a request's path as logs may show it: a guardian link's
// token cut to a short prefix, since whoever reads the log must not be
// able to open the link.
func logPath(r *http.Request) string {
	p := r.URL.Path
	for _, pre := range []string{"/api/v1/shared/", sharePage} {
		if tok, ok := strings.CutPrefix(p, pre); ok && len(tok) > 7 {
			return pre + tok[:7] + "…"
		}
	}
	return p
}
