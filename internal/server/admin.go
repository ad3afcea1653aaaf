package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// The staff pages: the privacy officer's (data subject requests with their
// one-month deadlines, the record of processing) and the analysts'. Each is
// open to holders of an API key with its scope, as a bearer token for the
// API or, in the browser, pasted once into a login form (the key then lives
// in an HttpOnly, SameSite=Strict cookie scoped to the area's path).

// keyArea is a part of the site for holders of keys of one scope.
type keyArea struct {
	Scope  string
	Cookie string
	Path   string // the cookie's path, and the login and logout under it
	Home   string // where a login lands
	Title  string // message ids of the login form
	Intro  string
	Label  string
	BadKey string
}

var (
	adminArea = keyArea{Scope: kori.ScopeAdmin, Cookie: "kori_admin", Path: "/admin", Home: "/admin/requests",
		Title: "admin.title", Intro: "admin.login_intro", Label: "admin.key", BadKey: "admin.bad_key"}
	analystArea = keyArea{Scope: kori.ScopeAnalytics, Cookie: "kori_analyst", Path: "/analytics", Home: "/analytics",
		Title: "analyst.title", Intro: "analyst.login_intro", Label: "analyst.key", BadKey: "analyst.bad_key"}
	keyAreas = []keyArea{adminArea, analystArea}
)

// areaOf is the key area a path is in, if any.
func areaOf(path string) (keyArea, bool) {
	for _, a := range keyAreas {
		if path == a.Path || strings.HasPrefix(path, a.Path+"/") {
			return a, true
		}
	}
	return keyArea{}, false
}

// requireKey lets through requests carrying a key of the area's scope; the
// browser is sent to the area's login form.
func (s *Server) requireKey(area keyArea, api bool, next func(http.ResponseWriter, *http.Request, *kori.APIKey) error) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if !api {
			if c, err := r.Cookie(area.Cookie); err == nil {
				r.Header.Set("Authorization", "Bearer "+c.Value)
			}
		}
		key, err := s.requireScope(r, area.Scope)
		if err != nil {
			if !api && (kori.ErrorCode(err) == kori.EUNAUTHORIZED || kori.ErrorCode(err) == kori.EFORBIDDEN) {
				// A first visit gets the form; a stale or revoked key says so.
				msg := ""
				if _, cerr := r.Cookie(area.Cookie); cerr == nil {
					msg = s.locales.pick(r).T(area.BadKey)
				}
				return s.render(w, r, http.StatusUnauthorized, "key_login", pageData{Error: msg, V: area})
			}
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return next(w, r, key)
	})
}

// requireAdmin lets through requests carrying an admin key.
func (s *Server) requireAdmin(api bool, next func(http.ResponseWriter, *http.Request, *kori.APIKey) error) http.Handler {
	return s.requireKey(adminArea, api, next)
}

func adminActor(k *kori.APIKey) kori.Actor { return kori.Actor{Channel: "admin", Name: k.Name} }

// postKeyLogin takes a pasted key into the area's cookie.
func (s *Server) postKeyLogin(area keyArea) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := checkCSRF(r); err != nil {
			return err
		}
		token := r.PostFormValue("key")
		key, err := s.Store.Authenticate(r.Context(), token)
		if err != nil || !key.HasScope(area.Scope) {
			return s.render(w, r, http.StatusUnauthorized, "key_login", pageData{Error: s.locales.pick(r).T(area.BadKey), V: area})
		}
		http.SetCookie(w, &http.Cookie{Name: area.Cookie, Value: token, Path: area.Path, MaxAge: 8 * 3600, HttpOnly: true,
			Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, area.Home, http.StatusSeeOther)
		return nil
	}
}

// postKeyLogout ends a staff browser session: the key's cookie goes.
func (s *Server) postKeyLogout(area keyArea) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := checkCSRF(r); err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: area.Cookie, Value: "", Path: area.Path, MaxAge: -1, HttpOnly: true,
			Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, area.Home, http.StatusSeeOther)
		return nil
	}
}

// requestRow is a data subject request as the officer sees it.
type requestRow struct {
	ID          int64      `json:"id"`
	MemberID    int64      `json:"member_id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	Outcome     string     `json:"outcome,omitempty"` // "erasure": the member left first
	CreatedAt   time.Time  `json:"created_at"`
	DueAt       time.Time  `json:"due_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Overdue     bool       `json:"overdue"`
}

type requestsView struct {
	Open     int          `json:"open"`
	Overdue  int          `json:"overdue"`
	Requests []requestRow `json:"requests"`
}

func (s *Server) requests(r *http.Request) (requestsView, error) {
	rs, err := s.Store.Requests(r.Context())
	if err != nil {
		return requestsView{}, err
	}
	now := s.Clock.Now()
	v := requestsView{Requests: []requestRow{}}
	for _, x := range rs {
		row := requestRow{ID: x.ID, MemberID: int64(x.MemberID), Kind: string(x.Kind), Status: x.Status, Outcome: x.Outcome, CreatedAt: x.CreatedAt.In(s.Zone),
			DueAt: x.DueAt.In(s.Zone), Overdue: x.Overdue(now)}
		if !x.CompletedAt.IsZero() {
			done := x.CompletedAt.In(s.Zone)
			row.CompletedAt = &done
		} else {
			v.Open++
		}
		if row.Overdue {
			v.Overdue++
		}
		v.Requests = append(v.Requests, row)
	}
	return v, nil
}

func (s *Server) getAdminRequests(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	v, err := s.requests(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin_requests", pageData{V: v})
}

func (s *Server) getAPIAdminRequests(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	v, err := s.requests(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// newRequest is the body of POST /api/v1/admin/requests.
type newRequest struct {
	MemberID int64  `json:"member_id"`
	Kind     string `json:"kind"`
}

func (s *Server) postAPIAdminRequest(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	var in newRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	req, err := s.Store.CreateRequest(r.Context(), kori.MemberID(in.MemberID), kori.RequestKind(in.Kind), adminActor(k))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, requestRow{ID: req.ID, MemberID: int64(req.MemberID), Kind: string(req.Kind), Status: req.Status,
		CreatedAt: req.CreatedAt.In(s.Zone), DueAt: req.DueAt.In(s.Zone)})
	return nil
}

func (s *Server) completeRequest(r *http.Request, k *kori.APIKey) error {
	member, err1 := strconv.ParseInt(r.PathValue("member"), 10, 64)
	id, err2 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err1 != nil || err2 != nil {
		return kori.Errorf(kori.ENOTFOUND, "request not found")
	}
	return s.Store.CompleteRequest(r.Context(), kori.MemberID(member), id, adminActor(k))
}

func (s *Server) postAPIAdminComplete(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	if err := s.completeRequest(r, k); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// postAdminForm handles the officer's forms: a new request, or done.
func (s *Server) postAdminRequest(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostFormValue("member_id"), 10, 64)
	if err != nil {
		return kori.Errorf(kori.EINVALID, "member_id must be Kori's member number")
	}
	if _, err := s.Store.CreateRequest(r.Context(), kori.MemberID(id), kori.RequestKind(r.PostFormValue("kind")), adminActor(k)); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/requests", http.StatusSeeOther)
	return nil
}

func (s *Server) postAdminComplete(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	if err := s.completeRequest(r, k); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/requests", http.StatusSeeOther)
	return nil
}

// getAdminExport gives the officer a member's export to answer an access
// request; the read is logged in the member's access log.
func (s *Server) getAdminExport(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	if err != nil {
		return kori.Errorf(kori.ENOTFOUND, "member not found")
	}
	m, err := s.Store.Member(r.Context(), kori.MemberID(id))
	if err != nil {
		return err
	}
	return s.writeExport(w, r, m, adminActor(k), kori.PurposeLegalObligation)
}
