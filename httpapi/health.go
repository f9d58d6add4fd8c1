package httpapi

import (
	"context"
	_ "embed"
	"maps"
	"net/http"
	"time"

	"github.com/heartlink/heartlink"
)

func (s *Server) handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.json(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// readyTimeout bounds how long /readyz waits for the store.
const readyTimeout = 800 * time.Millisecond

func (s *Server) handleReadyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Ready != nil {
			// A probe gives up after a second or two: answer within one,
			// whatever the store does.
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			if err := s.cfg.Ready(ctx); err != nil {
				// A reason of the store's own (a replica, lost data) is
				// logged by whoever found it, once; an outage by each probe.
				if heartlink.ErrorCode(err) != heartlink.EUnavailable {
					s.log.Warn("not ready", "err", err)
					err = heartlink.Errorf(heartlink.EUnavailable, "the store is not reachable")
				}
				s.error(w, r, err)
				return
			}
		}
		body := map[string]any{}
		if s.cfg.ReadyDetails != nil {
			maps.Copy(body, s.cfg.ReadyDetails())
		}
		body["status"] = "ready"
		s.json(w, http.StatusOK, body)
	})
}

func (s *Server) handleMetrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Metrics == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "metrics are off"))
			return
		}
		s.cfg.Metrics.ServeHTTP(w, r)
	})
}

//go:embed openapi.json
var openapiJSON []byte

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(openapiJSON)
	})
}
