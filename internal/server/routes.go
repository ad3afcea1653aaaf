package server

import "net/http"

// routes registers every route of Kori: read this file to see the whole surface.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /healthz", s.handle(s.getHealth))

	// Systems of the chain, with API keys.
	mux.Handle("POST /api/v1/receipts", s.handle(s.postReceipts))

	// Members' apps: a bearer session from /api/v1/login.
	s.api(mux, "POST /api/v1/login", "Log in with e-mail and password; returns a bearer session token", false, loginResponse{}, s.postAPILogin)
	s.api(mux, "POST /api/v1/logout", "End the bearer session", true, nil, s.postAPILogout)
	s.api(mux, "GET /api/v1/me", "The member's level, choices and the span of data held (as /api/v1/me/data)", true, dataView{},
		s.jsonPage(s.memberPages()[len(s.memberPages())-1]))
	mux.Handle("GET /api/openapi.json", s.handle(s.getOpenAPI))

	// Members' web UI, server-rendered; every member page has its JSON twin.
	mux.Handle("GET /{$}", s.handle(s.getRoot))
	mux.Handle("GET /login", s.handle(s.getLogin))
	mux.Handle("POST /login", s.handle(s.postLogin))
	mux.Handle("POST /logout", s.requireMember(false, s.postLogout))
	mux.Handle("GET /lang/{lang}", s.handle(s.getLang))
	mux.Handle("GET /static/", s.web.static)
	for _, p := range s.memberPages() {
		mux.Handle("GET "+p.path, s.requireMember(false, s.htmlPage(p)))
		s.api(mux, "GET "+p.api, p.summary, true, p.example, s.jsonPage(p))
	}
}

// apiRoute is a member API route as the OpenAPI document describes it.
type apiRoute struct {
	pattern  string // "GET /api/v1/me/carbon"
	summary  string
	member   bool // needs a member session
	response any  // zero value of the JSON answer; nil for 204
}

// api registers a member API route and records it for the OpenAPI document,
// so that the document lists exactly the routes served.
func (s *Server) api(mux *http.ServeMux, pattern, summary string, member bool, response any, h handlerFunc) {
	s.apiRoutes = append(s.apiRoutes, apiRoute{pattern: pattern, summary: summary, member: member, response: response})
	if member {
		mux.Handle(pattern, s.requireMember(true, h))
		return
	}
	mux.Handle(pattern, s.handle(h))
}
