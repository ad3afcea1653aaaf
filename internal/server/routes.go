package server

import (
	"net/http"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/oauth"
	"github.com/kori-project/kori/internal/report"
)

// routes registers every route of Kori: read this file to see the whole surface.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /healthz", s.handle(s.getHealth))
	mux.Handle("GET /readyz", s.handle(s.getReady))
	mux.Handle("GET /metrics", s.handle(s.getMetrics))

	// Systems of the chain, with API keys.
	s.system(mux, apiRoute{pattern: "POST /api/v1/receipts", scope: kori.ScopeIngest, request: receiptBody{}, response: ingest.Result{},
		summary: "One receipt (application/json; 201 stored, 200 duplicate or not stored, 422 rejected) or a batch (application/x-ndjson; answered with a batchAnswer)"},
		s.handle(s.postReceipts))
	s.system(mux, apiRoute{pattern: "POST /api/v1/registry/{kind}", scope: kori.ScopeCatalogue + " (members for the card registry)", response: importAnswer{},
		summary: "Upload groups, stores, products, campaigns or the benefit scheme (JSON; scope catalogue) or the card ↔ member registry (scope members) as text/csv or application/json, in the formats of kori import; taken whole or not at all"},
		s.handle(s.postRegistry))
	s.system(mux, apiRoute{pattern: "GET /api/v1/offers", scope: kori.ScopeOffers, response: marketingOffers{},
		summary: "A member's offers (?member=ID), read for personalisation and written to the member's access log"}, s.handle(s.getMarketingOffers))
	s.system(mux, apiRoute{pattern: "GET /api/v1/admin/requests", scope: kori.ScopeAdmin, response: requestsView{},
		summary: "Data subject requests with their deadlines"}, s.requireAdmin(true, s.getAPIAdminRequests))
	s.system(mux, apiRoute{pattern: "POST /api/v1/admin/requests", scope: kori.ScopeAdmin, request: newRequest{}, response: requestRow{},
		summary: "Record a data subject request; due in one month"}, s.requireAdmin(true, s.postAPIAdminRequest))
	s.system(mux, apiRoute{pattern: "POST /api/v1/admin/requests/{member}/{id}/complete", scope: kori.ScopeAdmin,
		summary: "Mark a request done"}, s.requireAdmin(true, s.postAPIAdminComplete))
	s.system(mux, apiRoute{pattern: "GET /api/v1/admin/processing", scope: kori.ScopeAdmin, response: processingView{},
		summary: "The record of processing activities, generated from the rules in force and the API keys"}, s.requireAdmin(true, s.getAPIAdminProcessing))
	s.system(mux, apiRoute{pattern: "GET /api/v1/admin/members/{member}/export", scope: kori.ScopeAdmin, response: exportFile{},
		summary: "A member's export, for an access request; logged in the member's access log as legal obligation"}, s.requireAdmin(true, s.getAdminExport))

	// The chain's analysts, with API keys of scope analytics: aggregates only.
	s.system(mux, apiRoute{pattern: "GET /api/v1/analytics/figures", scope: kori.ScopeAnalytics, response: analytics.Answer{},
		summary: "Sales, receipts, basket, domestic share, CO2e and nutrition by month or year × total, group, store or city (?from=yyyy-mm&to=yyyy-mm&by=month|year&dim=…&format=json|csv|parquet), over the members who allow analytics; figures from fewer than k members suppressed, with their complements"},
		s.analyticsAPI(analytics.KindFigures))
	s.system(mux, apiRoute{pattern: "GET /api/v1/analytics/distribution", scope: kori.ScopeAnalytics, response: analytics.Answer{},
		summary: "Quartiles of members' spending, domestic share, CO2e per euro or Nutri-Score A+B share by period (?measure=spending|finnish_share|fi_raw_share|co2e_per_euro|nutri_ab_share)"},
		s.analyticsAPI(analytics.KindDistribution))
	s.system(mux, apiRoute{pattern: "GET /api/v1/analytics/members", scope: kori.ScopeAnalytics, response: analytics.Answer{},
		summary: "Members by level and by objection; groups of fewer than k suppressed"}, s.analyticsAPI(analytics.KindMembers))
	mux.Handle("GET /analytics", s.requireKey(analystArea, false, s.getAnalyst))
	mux.Handle("GET /analytics/export", s.requireKey(analystArea, false, s.getAnalystExport))
	mux.Handle("POST /analytics/login", s.handle(s.postKeyLogin(analystArea)))
	mux.Handle("POST /analytics/logout", s.handle(s.postKeyLogout(analystArea)))

	// The privacy officer's pages, for holders of an admin key.
	mux.Handle("GET /admin/requests", s.requireAdmin(false, s.getAdminRequests))
	mux.Handle("GET /admin/processing", s.requireAdmin(false, s.getAdminProcessing))
	mux.Handle("POST /admin/login", s.handle(s.postKeyLogin(adminArea)))
	mux.Handle("POST /admin/logout", s.handle(s.postKeyLogout(adminArea)))
	mux.Handle("POST /admin/requests", s.requireAdmin(false, s.postAdminRequest))
	mux.Handle("POST /admin/requests/{member}/{id}/complete", s.requireAdmin(false, s.postAdminComplete))
	mux.Handle("GET /admin/members/{member}/export", s.requireAdmin(false, s.getAdminExport))

	// Members' apps: a bearer session from /api/v1/login.
	s.api(mux, apiRoute{pattern: "POST /api/v1/login", summary: "Log in with e-mail and password; returns a bearer session token",
		request: loginRequest{}, response: loginResponse{}}, s.postAPILogin)
	s.api(mux, apiRoute{pattern: "POST /api/v1/logout", summary: "End the bearer session", member: true}, s.postAPILogout)
	s.api(mux, apiRoute{pattern: "GET /api/v1/me", summary: "The member's level, choices and the span of data held (as /api/v1/me/data)",
		member: true, response: dataView{}}, s.jsonPage(s.memberPage("data")))
	s.api(mux, apiRoute{pattern: "POST /api/v1/me/choices", summary: "Change the level, an objection or extended retention; lowering the level needs confirm",
		member: true, request: choiceRequest{}, response: choiceResponse{}}, s.postAPIChoice)
	s.api(mux, apiRoute{pattern: "POST /api/v1/me/password", summary: "Change the password; every other session ends, a new token is returned",
		member: true, request: passwordRequest{}, response: loginResponse{}}, s.postAPIPassword)
	s.api(mux, apiRoute{pattern: "GET /api/v1/me/consents", summary: "Every change of the member's choices",
		member: true, response: []consentView{}}, s.getAPIConsents)
	s.api(mux, apiRoute{pattern: "GET /api/v1/me/consents/{seq}", summary: "The consent receipt of one change (Kantara Consent Receipt 1.1 fields)",
		member: true, response: ConsentReceipt{}}, s.getConsentReceipt)
	s.api(mux, apiRoute{pattern: "POST /api/v1/me/erase", summary: "Erase the member's purchase data, or the whole membership; needs confirm",
		member: true, request: eraseRequest{}, response: deletionView{}}, s.postAPIErase)
	s.api(mux, apiRoute{pattern: "POST /api/v1/me/export", summary: "Everything stored about the member as a ZIP of JSON and CSV files with a README; recorded as an answered export request",
		member: true, app: kori.AppExport, response: exportFile{}}, s.postExport)
	s.api(mux, apiRoute{pattern: "POST /api/v1/me/household", summary: "Invite a member by e-mail, accept or decline an invitation, share or stop sharing, or leave the household",
		member: true, request: householdAction{}, response: householdDoneView{}}, s.postAPIHousehold)
	s.api(mux, apiRoute{pattern: "POST /api/v1/me/apps/{grant}/revoke", summary: "Revoke an app's grant: the app's next request fails with 401",
		member: true}, s.postAPIRevoke)
	mux.Handle("GET /api/openapi.json", s.handle(s.getOpenAPI))

	// Apps the member authorises: OAuth 2.0 authorization code with PKCE.
	mux.Handle("GET /.well-known/oauth-authorization-server", s.oauth.Metadata())
	mux.Handle("/oauth/", s.oauth.Handler())
	mux.Handle("GET "+oauth.ConsentPath, s.requireMember(false, s.getConsent))
	mux.Handle("POST "+oauth.ConsentPath, s.requireMember(false, s.postConsent))
	mux.Handle("POST /me/apps/{grant}/revoke", s.requireMember(false, s.postRevoke))
	s.system(mux, apiRoute{pattern: "POST /api/v1/admin/apps", scope: kori.ScopeAdmin, request: appRequest{}, response: appView{},
		summary: "Register an app members may authorise: its client id, and a secret shown once for a confidential app"}, s.requireAdmin(true, s.postAPIApp))
	s.system(mux, apiRoute{pattern: "GET /api/v1/admin/apps", scope: kori.ScopeAdmin, response: []appView{},
		summary: "The registered apps"}, s.requireAdmin(true, s.getAPIApps))

	// Public pages: the transparency report and the privacy notice.
	mux.Handle("GET /transparency", s.handle(s.getLatestTransparency))
	mux.Handle("GET /transparency/{year}", s.handle(s.getTransparency))
	s.api(mux, apiRoute{pattern: "GET /api/v1/transparency/{year}", summary: "The yearly transparency report (public)",
		response: report.Transparency{}}, s.getAPITransparency)
	mux.Handle("GET /privacy", s.handle(s.getPrivacyNotice))

	// Members' web UI, server-rendered; every member page has its JSON twin.
	mux.Handle("GET /{$}", s.handle(s.getRoot))
	mux.Handle("GET /login", s.handle(s.getLogin))
	mux.Handle("POST /login", s.handle(s.postLogin))
	mux.Handle("GET /login/oidc", s.handle(s.getOIDCLogin))
	mux.Handle("GET /login/oidc/callback", s.handle(s.getOIDCCallback))
	mux.Handle("POST /logout", s.requireMember(false, s.postLogout))
	mux.Handle("GET /lang/{lang}", s.handle(s.getLang))
	mux.Handle("GET /static/", s.web.static)
	for _, p := range s.memberPages() {
		mux.Handle("GET "+p.path, s.requireMember(false, s.htmlPage(p)))
		s.api(mux, apiRoute{pattern: "GET " + p.api, summary: p.summary, member: true, app: p.app, response: p.example}, s.jsonPage(p))
	}
	mux.Handle("POST /me/choices", s.requireMember(false, s.postChoice))
	mux.Handle("POST /me/erase", s.requireMember(false, s.postErase))
	mux.Handle("POST /me/password", s.requireMember(false, s.postPassword))
	mux.Handle("GET /me/consents/{seq}", s.requireMember(false, s.getConsentReceipt))
	mux.Handle("POST /me/export", s.requireMember(false, s.postExport))
	mux.Handle("POST /me/household", s.requireMember(false, s.postHousehold))

	// Anything else: a not-found page in the reader's language (JSON under /api/).
	mux.Handle("/", s.handle(s.notFound(mux)))
}

// apiRoute is a member API route as the OpenAPI document describes it.
type apiRoute struct {
	pattern  string // "GET /api/v1/me/carbon"
	summary  string
	member   bool          // needs a member session
	scope    string        // the API key scope a system needs; "" for member and public routes
	app      kori.AppScope // the scope that opens a member route to apps; "" for none
	request  any           // zero value of the JSON body; nil for none
	response any           // zero value of the JSON answer (exportFile{} for the ZIP); nil for 204
}

// system registers a route of the chain's systems (API keys with a scope)
// and records it for the OpenAPI document.
func (s *Server) system(mux *http.ServeMux, rt apiRoute, h http.Handler) {
	s.apiRoutes = append(s.apiRoutes, rt)
	mux.Handle(rt.pattern, h)
}

// api registers a member API route and records it for the OpenAPI document,
// so that the document lists exactly the routes served.
func (s *Server) api(mux *http.ServeMux, rt apiRoute, h handlerFunc) {
	s.apiRoutes = append(s.apiRoutes, rt)
	if rt.member {
		mux.Handle(rt.pattern, s.requireMember(true, s.appScope(rt.app, h)))
		return
	}
	mux.Handle(rt.pattern, s.handle(h))
}
