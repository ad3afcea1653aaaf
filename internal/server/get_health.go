package server

import "net/http"

// getHealth answers whether the server can reach its database with the schema
// it needs; load balancers and `make run` users call it.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.CheckSchema(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database not ready; see the server log"})
		s.Log.Error("health check failed", "err", err)
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
	return nil
}
