// Package server is Kori's HTTP adapter: the JSON API for the retailer's
// systems, and the members' web UI with its JSON twin for apps. Every route is in routes.go;
// handlers return errors to one renderer, which maps Kori's error codes to
// HTTP statuses in one table. It depends on the domain and on small
// interfaces, never on a store implementation.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analysis"
	"github.com/kori-project/kori/internal/analytics"
	"github.com/kori-project/kori/internal/benefits"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/metrics"
	"github.com/kori-project/kori/internal/oauth"
	"github.com/kori-project/kori/internal/privacy"
	"github.com/kori-project/kori/internal/report"
	"github.com/kori-project/kori/internal/server/analyst"
)

// Store is what the server needs of the database. Every member read takes
// the member's id from the session, never from the request.
type Store interface {
	Authenticate(ctx context.Context, token string) (*kori.APIKey, error)
	APIKeys(ctx context.Context) ([]kori.APIKey, error)
	CheckSchema(ctx context.Context) error

	Member(ctx context.Context, id kori.MemberID) (*kori.Member, error)
	Credentials(ctx context.Context, email string) (kori.MemberID, string, error)
	CreateSession(ctx context.Context, id kori.MemberID, tokenHash string, now, expires time.Time) error
	SessionValid(ctx context.Context, id kori.MemberID, tokenHash string, now time.Time) error
	DeleteSession(ctx context.Context, id kori.MemberID, tokenHash string) error
	SetPassword(ctx context.Context, id kori.MemberID, hash string) error

	RollupTotals(ctx context.Context, id kori.MemberID, by kori.RollupGrouping, years ...int) ([]kori.MonthRollup, error)
	FiguresBetween(ctx context.Context, id kori.MemberID, from, to int, cat *kori.Catalogue) ([]kori.GroupSum, int, error)
	StoreMonthsByMember(ctx context.Context, id kori.MemberID) ([]kori.StoreMonth, error)
	ReceiptsByMember(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter) ([]kori.ReceiptSummary, error)
	SearchReceipts(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter) ([]kori.ReceiptSummary, int, error)
	MatchedLines(ctx context.Context, member kori.MemberID, receipts []kori.ReceiptSummary, gtins, groups []string) ([]kori.LineMatch, error)
	ReceiptByID(ctx context.Context, member kori.MemberID, id int64) (*kori.ReceiptDetail, error)
	ProductsByMember(ctx context.Context, id kori.MemberID, year int) ([]kori.ProductSum, error)
	HeldData(ctx context.Context, id kori.MemberID) (kori.DataHeld, error)

	// The privacy controls and the export.
	ChangeChoice(ctx context.Context, id kori.MemberID, c kori.Choice, who kori.Actor, cat *kori.Catalogue) (kori.Consent, *kori.Deletion, error)
	Consents(ctx context.Context, id kori.MemberID) ([]kori.Consent, error)
	EraseMember(ctx context.Context, id kori.MemberID, scope string, reason kori.DeletionReason, who kori.Actor) (*kori.Deletion, error)
	LogAccess(ctx context.Context, id kori.MemberID, who kori.Actor, purpose kori.Purpose, what string) error
	AccessLog(ctx context.Context, id kori.MemberID) ([]kori.Access, error)
	CreateRequest(ctx context.Context, id kori.MemberID, kind kori.RequestKind, who kori.Actor) (kori.Request, error)
	CompleteRequest(ctx context.Context, id kori.MemberID, request int64, who kori.Actor) error
	Requests(ctx context.Context) ([]kori.Request, error)
	RollupsByMember(ctx context.Context, id kori.MemberID) ([]kori.MonthRollup, error)
	LinesByMember(ctx context.Context, id kori.MemberID) ([]kori.LineOfReceipt, error)
	GroupSumsOfReceipts(ctx context.Context, id kori.MemberID) ([]kori.GroupSumOfReceipt, error)
	CardsOf(ctx context.Context, id kori.MemberID) ([]kori.Card, error)

	// Offers.
	OffersOf(ctx context.Context, id kori.MemberID) ([]kori.Offer, error)
	Campaigns(ctx context.Context, t time.Time) ([]kori.Campaign, error)

	// The transparency report.
	report.Store
	// The chain's analytics: sums over members, never a member's rows.
	analytics.Store

	// The registry, kept current by the chain's systems.
	UpsertGroups(ctx context.Context, groups []kori.ProductGroup) error
	UpsertStores(ctx context.Context, stores []kori.Store) error
	UpsertProducts(ctx context.Context, products []kori.Product) error
	UpsertCampaigns(ctx context.Context, cs []kori.Campaign) error
	UpsertScheme(ctx context.Context, s kori.BenefitScheme) error
	// Loyalty benefits.
	benefits.Store
	// Households.
	HouseholdOf(ctx context.Context, id kori.MemberID) (*kori.Household, error)
	InviteToHousehold(ctx context.Context, from kori.MemberID, email string) (bool, error)
	AnswerInvite(ctx context.Context, id kori.MemberID, household int64, accept bool) error
	SetSharing(ctx context.Context, id kori.MemberID, on bool) error
	LeaveHousehold(ctx context.Context, id kori.MemberID) error
	ImportMembers(ctx context.Context, ms []kori.Enrolment, channel string) ([]kori.MemberID, error)
	// Apps the member authorises, and logging in with the chain's identity.
	AppStore
	MemberByKey(ctx context.Context, kind, lookup string) (kori.MemberID, error)
}

// Server serves Kori over HTTP.
type Server struct {
	Store  Store
	Ingest *ingest.Service
	Log    *slog.Logger
	// Clock is "now" for sessions and for "this year" on the member pages;
	// Zone is the chain's time zone the pages show times in.
	Clock kori.Clock
	Zone  *time.Location
	// Version is reported by /healthz.
	Version string
	// Demo, when set, shows a demo login on the login page; only for
	// databases made by `kori demo`.
	Demo *DemoLogin
	// Controller is the chain as data controller, named in the privacy
	// notice, the record of processing and consent receipts.
	Controller Controller
	// Limits bounds what one client can hold; zero fields take DefaultLimits.
	Limits Limits
	// BehindTLSProxy says that a proxy in front terminates TLS and sets
	// X-Forwarded-Proto: then answers carry Strict-Transport-Security, and
	// cookies are Secure.
	BehindTLSProxy bool
	// Metrics counts requests, ingest and the jobs; New makes one if nil.
	Metrics *metrics.Metrics
	// AnalyticsK is the least number of members an analytics figure may be
	// drawn from; below analytics.DefaultK it is the default.
	AnalyticsK int64
	// PublicURL is the base address members and apps reach Kori at
	// (https://kori.example): the OAuth issuer. Empty takes it from each
	// request's host.
	PublicURL string
	// Identity, when set, logs members in with the chain's OpenID Connect
	// provider beside passwords.
	Identity *Identity

	locales   locales
	web       *web
	limiter   *loginLimiter
	targets   []analysis.Target
	gate      privacy.Gate
	apiRoutes []apiRoute
	sums      *sumsCache
	analyst   *analyst.API
	peerCache peerCache
	oauth     *oauth.Server
}

// DemoLogin is the login a demo database's login page offers.
type DemoLogin struct{ Email, Password string }

// Handler returns the server's routes wrapped in the common middleware. It
// panics if the embedded templates, translations or reference data are
// broken, which the package's tests rule out before a release.
func (s *Server) Handler() http.Handler {
	if s.Clock == nil {
		s.Clock = kori.SystemClock{}
	}
	if s.Zone == nil {
		s.Zone = time.UTC
	}
	var err error
	if s.locales, err = loadLocales(s.Zone); err != nil {
		panic(err)
	}
	if s.web, err = loadWeb(); err != nil {
		panic(err)
	}
	if s.targets, err = analysis.Targets(); err != nil {
		panic(err)
	}
	s.limiter = newLoginLimiter(s.Clock.Now)
	if s.Metrics == nil {
		s.Metrics = metrics.New()
	}
	s.gate = privacy.Gate{Log: s.Store}
	s.analyst = &analyst.API{Engine: &analytics.Engine{Store: s.Store, Clock: s.Clock, Zone: s.Zone, K: s.AnalyticsK}}
	s.sums = newSumsCache(s.Limits.orDefaults().SumsCache)
	if s.oauth, err = oauth.New(context.Background(), oauth.Config{Store: s.Store, Clock: s.Clock, Issuer: s.baseURL, Log: s.Log}); err != nil {
		panic(fmt.Errorf("the authorization server's key cannot be read: %w", err))
	}
	if s.Controller.Authority == "" {
		s.Controller.Authority = DefaultAuthority
	}
	mux := http.NewServeMux()
	s.routes(mux)
	// Browsers' cross-site posts are refused by their Fetch metadata before
	// any handler runs; forms also carry a CSRF token.
	cop := http.NewCrossOriginProtection()
	// An app's calls to the token endpoints carry a code, a verifier or a
	// token, never a cookie: a browser app on another origin may make them.
	for _, p := range []string{"POST /oauth/token", "POST /oauth/revoke", "POST /oauth/introspect"} {
		cop.AddInsecureBypassPattern(p)
	}
	return s.logRequests(s.paced(s.securityHeaders(cop.Handler(mux))))
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
	ETOOMANY:           http.StatusTooManyRequests,
	EMETHOD:            http.StatusMethodNotAllowed,
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
		s.logger(r).Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	if !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/healthz" {
		l := s.locales.pick(r)
		msg := l.T("error." + code)
		if errors.Is(err, errFormExpired) {
			msg = l.T("error.form_expired")
		}
		if rerr := s.render(w, r, status, "error", pageData{L: l, Error: msg, Code: code}); rerr != nil {
			s.logger(r).Error("error page failed", "err", rerr)
		}
		return
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kori"`)
	}
	writeJSON(w, status, errorBody{Error: kori.ErrorMessage(err), Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// Compact: indenting cost 3 % of the member API's CPU; `jq` indents.
	_ = json.NewEncoder(w).Encode(v)
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

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// requestIDKey is the request-context key of the request id.
type requestIDKey struct{}

// validRequestID accepts an inbound X-Request-Id a proxy set, if it is
// short and plain; otherwise the server makes its own.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// logger is the server's logger with the request's id on every line.
func (s *Server) logger(r *http.Request) *slog.Logger {
	if id, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return s.Log.With("request_id", id)
	}
	return s.Log
}

// logRequests gives every request an id (X-Request-Id, in the answer and on
// every log line), logs method, route pattern, status and duration, and
// counts it in the metrics. It never logs the path, the query, headers or
// bodies, which may carry ids, search words, API keys and personal data:
// the route pattern says which handler ran ("GET /me/receipts/{id}").
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = randomToken()[:16]
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		took := time.Since(start)
		s.Metrics.Request(r.Pattern, r.Method, rec.status, took)
		s.Log.Info("http", "request_id", id, "method", r.Method, "route", r.Pattern, "status", rec.status, "ms", took.Milliseconds())
	})
}

// baseURL is the address a request reached Kori at: PublicURL when set,
// otherwise the request's host, over https when the request came over TLS
// or through the trusted TLS proxy. It is the OAuth issuer and the base of
// the chain login's return address.
func (s *Server) baseURL(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || s.BehindTLSProxy && r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// contentSecurityPolicy is every page's: only Kori's own scripts, styles
// and form targets (the consent screen adds its app's redirect origin).
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every answer carries, and HSTS when the
// request came over TLS, or through a TLS-terminating proxy the operator
// says to trust (Server.BehindTLSProxy and X-Forwarded-Proto: https).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.TLS != nil || s.BehindTLSProxy && r.Header.Get("X-Forwarded-Proto") == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		next.ServeHTTP(w, r)
	})
}
