package server

import "net/http"

// routes registers every route of Kori: read this file to see the whole surface.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /healthz", s.handle(s.getHealth))
	mux.Handle("POST /api/v1/receipts", s.handle(s.postReceipts))
}
