package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// page is a member page: its view is built once and either rendered as
// HTML at path or returned as JSON at api.
type page struct {
	name      string // template and navigation key
	path, api string
	// rollups, stores, products and ytd say which of the member's
	// aggregates the view reads (ytd: this year so far and the same dates
	// of last year).
	rollups, stores, products, ytd bool
	build                          func(*http.Request, *memberData) (any, error)
	// charts draws the page's charts from its view.
	charts func(v any, l *Locale) map[string]template.HTML
	// lists writes the page's long lists from its view (see lists.go).
	lists func(v any, l *Locale) map[string]template.HTML
	// summary describes the API operation in the OpenAPI document.
	summary string
	// example is a zero view, whose type the OpenAPI schema is made from.
	example any
	// params are the query parameters the page takes besides lang and the
	// flash notices; any other is refused with 400.
	params []string
	// app is the scope that opens the page's API twin to apps; "" for none.
	app kori.AppScope
}

// navigation lists the pages in the menu, in order.
var navigation = []string{"overview", "receipts", "spending", "domestic", "carbon", "nutrition", "household", "benefits", "offers", "data"}

// objection is one objectable purpose and whether the member objects.
type objection struct {
	Purpose string
	Objects bool
}

// pageData is what every template gets.
type pageData struct {
	L      *Locale
	Page   string
	CSRF   string
	Member *kori.Member
	V      any
	Charts map[string]template.HTML
	// Lists are the page's long lists, written in Go (lists.go).
	Lists map[string]template.HTML
	// Here is the page's own path and query, for the language switch.
	Here  string
	CSS   string
	Error string
	// Code is the error's code on the error page ("not_found"), for its title.
	Code  string
	Next  string
	Email string
	Demo  *DemoLogin
	// Flash is the message id of a note after a redirect ("data.saved").
	Flash string
	// SSO is the chain's identity provider the login page offers, if any.
	SSO *Identity
}

// web holds the parsed templates and the stylesheet's content-hashed URL.
type web struct {
	pages  map[string]*template.Template
	cssURL string
	static http.Handler
}

func loadWeb() (*web, error) {
	w := &web{pages: map[string]*template.Template{}}
	css, err := staticFiles.ReadFile("static/kori.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(css)
	w.cssURL = "/static/kori.css?v=" + hex.EncodeToString(sum[:6])
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.FileServerFS(sub)
	w.static = http.StripPrefix("/static/", http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		// The URL changes with the content, so it may be cached for good.
		rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(rw, r)
	}))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(template.FuncMap{
			"add":     func(a, b int) int { return a + b },
			"sub":     func(a, b int) int { return a - b },
			"nav":     func() []string { return navigation },
			"levels":  func() []kori.Level { return kori.Levels },
			"deref":   func(t *time.Time) time.Time { return *t },
			"float":   func(n int) float64 { return float64(n) },
			"bp":      func(bp int64) float64 { return float64(bp) / 100 }, // basis points as a percentage
			"float64": func(n int64) float64 { return float64(n) },
			"join":    func(ss []string) string { return strings.Join(ss, ", ") },
			"objections": func(personalisation, analytics bool) []objection {
				return []objection{{"personalisation", personalisation}, {"analytics", analytics}}
			},
		}).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		w.pages[name] = t
	}
	return w, nil
}

// render writes a page; the buffer keeps a failed template from sending
// half a page with a 200 status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) error {
	t, ok := s.web.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	if d.L == nil {
		d.L = s.locales.pick(r)
	}
	d.Page, d.CSS, d.Here, d.SSO = name, s.web.cssURL, r.URL.RequestURI(), s.Identity
	d.CSRF = csrfToken(w, r)
	if sess := memberOf(r.Context()); sess != nil {
		d.Member = sess.member
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", d.L.Lang)
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// htmlPage serves a member page as HTML.
func (s *Server) htmlPage(p page) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.loadMember(r, p)
		if err != nil {
			return err
		}
		v, err := p.build(r, d)
		if err != nil {
			if kori.ErrorCode(err) == kori.ENOTFOUND {
				return s.render(w, r, http.StatusNotFound, "error", pageData{L: d.loc, Error: d.loc.T("error.not_found")})
			}
			return err
		}
		var charts, lists map[string]template.HTML
		if p.charts != nil {
			charts = p.charts(v, d.loc)
		}
		if p.lists != nil {
			lists = p.lists(v, d.loc)
		}
		var flash string
		for _, f := range []string{"saved", "erased"} {
			if r.URL.Query().Get(f) != "" {
				flash = "data." + f
			}
		}
		if done := r.URL.Query().Get("done"); householdDone[done] {
			flash = done
		}
		switch r.URL.Query().Get("password") {
		case "changed", "bad":
			flash = "password." + r.URL.Query().Get("password")
		}
		return s.render(w, r, http.StatusOK, p.name, pageData{L: d.loc, V: v, Charts: charts, Lists: lists, Flash: flash})
	}
}

// jsonPage serves a member page's view as JSON.
func (s *Server) jsonPage(p page) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.loadMember(r, p)
		if err != nil {
			return err
		}
		v, err := p.build(r, d)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

// memberPages lists the member pages in navigation order.
func (s *Server) memberPages() []page {
	return []page{
		{name: "overview", path: "/me", api: "/api/v1/me/overview", rollups: true, ytd: true, stores: true, build: s.overview, charts: overviewCharts, lists: overviewLists, params: []string{"year"},
			summary: "This year so far against the same dates of last year (the periods in compared), and each analysis by year", example: overviewView{}},
		{name: "receipts", app: kori.AppReceipts, path: "/me/receipts", api: "/api/v1/me/receipts", stores: true, build: s.receipts, lists: receiptsLists, params: []string{"month", "q", "year", "page"},
			summary: "Receipts of a month (?month=YYYY-MM), or found by product, group or store name (?q=)", example: receiptsView{}},
		{name: "receipt", app: kori.AppReceipts, path: "/me/receipts/{id}", api: "/api/v1/me/receipts/{id}", build: s.receipt,
			summary: "One receipt with its lines (product level) or group sums (group level)", example: receiptView{}},
		{name: "spending", app: kori.AppSpending, path: "/me/spending", api: "/api/v1/me/spending", rollups: true, ytd: true, stores: true, build: s.spending, charts: spendingCharts, lists: spendingLists, params: []string{"year"},
			summary: "Spending by year, month, product group and store (?year=)", example: spendingView{}},
		{name: "domestic", app: kori.AppDomestic, path: "/me/domestic", api: "/api/v1/me/domestic", rollups: true, stores: true, products: true, build: s.domestic, charts: domesticCharts, lists: domesticLists, params: []string{"year"},
			summary: "Domestic share of food in two tiers, by year, month and group, and the foreign products (?year=)", example: domesticView{}},
		{name: "carbon", app: kori.AppCarbon, path: "/me/carbon", api: "/api/v1/me/carbon", rollups: true, ytd: true, stores: true, products: true, build: s.carbon, charts: carbonCharts, lists: carbonLists, params: []string{"year"},
			summary: "Carbon footprint by year, month and group, and the top products (?year=)", example: carbonView{}},
		{name: "nutrition", app: kori.AppNutrition, path: "/me/nutrition", api: "/api/v1/me/nutrition", rollups: true, stores: true, build: s.nutrition, charts: nutritionCharts, lists: nutritionLists, params: []string{"year"},
			summary: "Energy shares, nutrient densities against the recommendations, and the Nutri-Score distribution (?year=)", example: nutritionView{}},
		{name: "household", path: "/me/household", api: "/api/v1/me/household", build: s.household, charts: householdCharts, params: []string{"year", "who", "done"},
			summary: "The household: its adults, who shares, and the combined purchases of those who share (?year=, ?who= for one of them); each view is in the sharer's access log", example: householdView{}},
		{name: "benefits", path: "/me/benefits", api: "/api/v1/me/benefits", build: s.myBenefits,
			summary: "Loyalty benefits: this month so far against the scheme's tiers, and the months paid", example: benefitsView{}},
		{name: "offers", app: kori.AppOffers, path: "/me/offers", api: "/api/v1/me/offers", build: s.myOffers,
			summary: "The member's personalised offers, each with its reason", example: offersView{}},
		{name: "data", path: "/me/data", api: "/api/v1/me/data", build: s.myData,
			summary: "The member's level, choices, retention and the span of data held", example: dataView{}},
		{name: "access", path: "/me/access", api: "/api/v1/me/access", build: s.accessLog,
			summary: "Who used my data: every read of the member's data by anyone else, with its purpose", example: accessView{}},
	}
}

// memberPage returns the member page of the given name.
func (s *Server) memberPage(name string) page {
	for _, p := range s.memberPages() {
		if p.name == name {
			return p
		}
	}
	panic("no member page " + name)
}

// --- Login and language ---------------------------------------------------------

func (s *Server) getLogin(w http.ResponseWriter, r *http.Request) error {
	if sess, err := s.authenticate(r); err == nil && sess != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login", pageData{Next: safeNext(r.URL.Query().Get("next")), Demo: s.Demo})
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8192)
	if err := checkCSRF(r); err != nil {
		return s.render(w, r, http.StatusForbidden, "login", pageData{Error: s.locales.pick(r).T("login.expired"), Next: safeNext(r.PostFormValue("next"))})
	}
	email, next := r.PostFormValue("email"), safeNext(r.PostFormValue("next"))
	token, err := s.login(r, email, r.PostFormValue("password"))
	if err != nil {
		l := s.locales.pick(r)
		msg, status := l.T("login.failed"), http.StatusUnauthorized
		switch kori.ErrorCode(err) {
		case ETOOMANY:
			msg, status = l.T("login.too_many"), http.StatusTooManyRequests
		case kori.EINVALID:
			msg, status = l.T("login.missing"), http.StatusBadRequest
		case kori.EUNAUTHORIZED:
		default:
			return err
		}
		return s.render(w, r, status, "login", pageData{Error: msg, Next: next, Email: email, Demo: s.Demo})
	}
	setCookie(w, r, sessionCookie, token, SessionTTL, true)
	// A new CSRF token for the new session.
	setCookie(w, r, csrfCookie, randomToken(), 0, true)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	sess := memberOf(r.Context())
	if err := s.Store.DeleteSession(r.Context(), sess.member.ID, sess.tokenHash); err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, "", -1, true)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// getLang switches the language and goes back to the page.
func (s *Server) getLang(w http.ResponseWriter, r *http.Request) error {
	lang := r.PathValue("lang")
	if _, ok := s.locales[lang]; !ok {
		return kori.Errorf(kori.ENOTFOUND, "no language %q; Kori speaks fi and en", lang)
	}
	setCookie(w, r, langCookie, lang, 365*24*time.Hour, false)
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
	return nil
}

// notFound answers every path no route serves with the branded page rather
// than the standard library's plain text, and a path served for other
// methods with 405 and the methods it allows, as the mux itself would.
func (s *Server) notFound(mux *http.ServeMux) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return kori.Errorf(EMETHOD, "%s is not allowed here; use %s", r.Method, strings.Join(allow, " or "))
		}
		return kori.Errorf(kori.ENOTFOUND, "no such page: %s", r.URL.Path)
	}
}

func (s *Server) getRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/me", http.StatusSeeOther)
	return nil
}
