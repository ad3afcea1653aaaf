package server

import (
	"net"
	"net/http"

	"github.com/kori-project/kori"
)

// getHealth answers whether the server can reach its database with the schema
// it needs; load balancers and `make run` users call it.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.CheckSchema(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database not ready; see the server log"})
		s.logger(r).Error("health check failed", "err", err)
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
	return nil
}

// getReady answers whether this instance can serve: the database answers
// and its schema is current. A load balancer sends traffic only to ready
// instances; /healthz says the same for older probes.
func (s *Server) getReady(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.CheckSchema(r.Context()); err != nil {
		s.logger(r).Error("readiness check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": "database not ready; see the server log"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// getMetrics serves the Prometheus metrics to scrapers on this machine,
// or elsewhere with an API key of scope metrics: counts and timings only,
// but they are the operator's business.
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) error {
	if ip := net.ParseIP(clientIP(r)); ip == nil || !ip.IsLoopback() {
		if _, err := s.requireScope(r, kori.ScopeMetrics); err != nil {
			return err
		}
	}
	s.Metrics.Handler().ServeHTTP(w, r)
	return nil
}
