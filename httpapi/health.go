package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/heartlink/heartlink"
)

func (s *Server) handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.json(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func (s *Server) handleReadyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Ready != nil {
			if err := s.cfg.Ready(r.Context()); err != nil {
				s.log.Warn("not ready", "err", err)
				s.error(w, r, heartlink.Errorf(heartlink.EUnavailable, "the store is not reachable"))
				return
			}
		}
		s.json(w, http.StatusOK, map[string]string{"status": "ready"})
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
