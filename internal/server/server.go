// Package server is Kori's HTTP adapter: the JSON API for the retailer's
// systems and (later) the members' web UI. Every route is in routes.go;
// handlers return errors to one renderer, which maps Kori's error codes to
// HTTP statuses in one table. It depends on the domain and on small
// interfaces, never on a store implementation.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
)

// Store is what the server needs of the database.
type Store interface {
	Authenticate(ctx context.Context, token string) (*kori.APIKey, error)
	CheckSchema(ctx context.Context) error
}

// Server serves Kori over HTTP.
type Server struct {
	Store  Store
	Ingest *ingest.Service
	Log    *slog.Logger
	// Version is reported by /healthz.
	Version string
}

// Handler returns the server's routes wrapped in the common middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return s.logRequests(securityHeaders(mux))
}

// handlerFunc is a handler that returns its error to the renderer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// statuses maps Kori error codes to HTTP statuses: the one table.
var statuses = map[string]int{
	kori.ECONFLICT:     http.StatusConflict,
	kori.EINVALID:      http.StatusBadRequest,
	kori.ENOTFOUND:     http.StatusNotFound,
	kori.EUNAUTHORIZED: http.StatusUnauthorized,
	kori.EFORBIDDEN:    http.StatusForbidden,
	kori.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := kori.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	if status == http.StatusInternalServerError {
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kori"`)
	}
	writeJSON(w, status, errorBody{Error: kori.ErrorMessage(err), Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// requireScope authenticates the request's API key and checks its scope.
func (s *Server) requireScope(r *http.Request, scope string) (*kori.APIKey, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "missing API key; send `Authorization: Bearer kori_…` (create one with `kori apikey create`)")
	}
	key, err := s.Store.Authenticate(r.Context(), token)
	if err != nil {
		return nil, err
	}
	if !key.HasScope(scope) {
		return nil, kori.Errorf(kori.EFORBIDDEN, "API key %q lacks the %q scope", key.Name, scope)
	}
	return key, nil
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs method, path, status and duration; never headers or
// bodies, which may carry API keys and personal data.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.Log.Info("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", time.Since(start).Milliseconds())
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")
		next.ServeHTTP(w, r)
	})
}
