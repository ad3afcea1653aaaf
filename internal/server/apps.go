package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/oauth"
)

// Apps the member authorises (rule 11): the consent screen, the grants on
// My data, the scope gate in front of every member API route an app may
// call, and the register for the chain's admins. The protocol itself is
// internal/oauth's.

// AppStore is what the app pages need of the database.
type AppStore interface {
	oauth.Store
	Apps(ctx context.Context) ([]kori.App, error)
	RegisterApp(ctx context.Context, a kori.App, who kori.Actor) error
	Grant(ctx context.Context, member kori.MemberID, requestID string, d kori.GrantDuration, who kori.Actor) (*kori.AppGrant, error)
	GrantsOf(ctx context.Context, member kori.MemberID) ([]kori.AppGrant, error)
	UsedGrant(ctx context.Context, member kori.MemberID, id string) error
}

// appScope answers an app's request to a member API route: the route
// must be one the grant's scopes open, and every read is written to the
// member's access log with the app's name and the scope.
func (s *Server) appScope(scope kori.AppScope, next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sess := memberOf(r.Context())
		if sess.app == nil {
			return next(w, r)
		}
		if scope == "" || !sess.app.Has(scope) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kori", error="insufficient_scope"`)
			if scope == "" {
				return kori.Errorf(kori.EFORBIDDEN, "apps cannot use this route; it is the member's own")
			}
			return kori.Errorf(kori.EFORBIDDEN, "the member has not given this app the %q scope", scope)
		}
		who := kori.Actor{Channel: "app", Name: sess.app.AppName}
		if err := s.gate.Read(r.Context(), sess.member, who, kori.PurposeMemberService, string(scope)); err != nil {
			return err
		}
		if err := s.Store.UsedGrant(r.Context(), sess.member.ID, sess.app.ID); err != nil {
			return err
		}
		return next(w, r)
	}
}

// grantScreen is the consent screen: the app, what each scope it asks for
// reveals at the member's level, and the durations to choose from.
type grantScreen struct {
	Request   string
	App       kori.App
	Scopes    []consentScope
	Level     kori.Level
	Durations []kori.GrantDuration
	Refresh   bool // the app asked to keep access (offline_access)
}

type consentScope struct {
	Scope kori.AppScope
	// Reveals is the message id of what the scope gives at the level.
	Reveals string
}

// reveals names what a scope gives an app at the member's level and
// objections, as a message id.
func reveals(m *kori.Member, sc kori.AppScope) string {
	switch sc {
	case kori.AppOffers:
		if m.Allows(kori.PurposePersonalisation) != nil {
			return "app.reveals.offers.none"
		}
		return "app.reveals.offers"
	case kori.AppExport:
		return "app.reveals.export"
	case kori.AppDomestic, kori.AppCarbon, kori.AppNutrition:
		if m.Level == kori.LevelTotal {
			return "app.reveals.analysis.none"
		}
	}
	return "app.reveals." + string(sc) + "." + string(m.Level)
}

func (s *Server) consentRequest(r *http.Request, id string) (*kori.AuthRequest, *kori.App, error) {
	req, err := s.Store.AuthRequest(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if req.Member != 0 {
		return nil, nil, kori.Errorf(kori.ENOTFOUND, "this authorization has been answered already; start again from the app")
	}
	app, err := s.Store.App(r.Context(), req.ClientID)
	return req, app, err
}

func (s *Server) getConsent(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r.URL.Query(), []string{"request"}); err != nil {
		return err
	}
	req, app, err := s.consentRequest(r, r.URL.Query().Get("request"))
	if err != nil {
		return err
	}
	m := memberOf(r.Context()).member
	v := grantScreen{Request: req.ID, App: *app, Level: m.Level, Durations: kori.GrantDurations}
	for _, sc := range req.Scopes {
		if sc == "offline_access" {
			v.Refresh = true
			continue
		}
		v.Scopes = append(v.Scopes, consentScope{Scope: kori.AppScope(sc), Reveals: reveals(m, kori.AppScope(sc))})
	}
	// The answer redirects to the app: the page's form-action must allow
	// its redirect URI's origin, or the browser stops the redirect.
	if u, err := url.Parse(req.RedirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
	}
	return s.render(w, r, http.StatusOK, "consent", pageData{V: v})
}

func (s *Server) postConsent(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	req, _, err := s.consentRequest(r, r.PostFormValue("request"))
	if err != nil {
		return err
	}
	if r.PostFormValue("decision") != "allow" {
		s.oauth.Deny(w, r, req)
		return nil
	}
	m := memberOf(r.Context()).member
	if _, err := s.Store.Grant(r.Context(), m.ID, req.ID, kori.GrantDuration(r.PostFormValue("duration")), s.actor(r)); err != nil {
		return err
	}
	s.oauth.Approve(w, r, req.ID)
	return nil
}

// grantView is a grant as My data lists it.
type grantView struct {
	ID       string          `json:"id"`
	App      string          `json:"app"`
	ClientID string          `json:"client_id"`
	Scopes   []kori.AppScope `json:"scopes"`
	Duration string          `json:"duration"`
	Created  time.Time       `json:"created"`
	Expires  *time.Time      `json:"expires,omitempty"`
	LastUsed *time.Time      `json:"last_used,omitempty"`
	Revoked  *time.Time      `json:"revoked,omitempty"`
	Active   bool            `json:"active"`
}

func (s *Server) grantViews(ctx context.Context, m kori.MemberID) ([]grantView, error) {
	gs, err := s.Store.GrantsOf(ctx, m)
	if err != nil {
		return nil, err
	}
	out := []grantView{}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.In(s.Zone)
		return &t
	}
	for _, g := range gs {
		out = append(out, grantView{ID: g.ID, App: g.AppName, ClientID: g.ClientID, Scopes: g.Scopes, Duration: string(g.Duration),
			Created: g.Created.In(s.Zone), Expires: opt(g.Expires), LastUsed: opt(g.LastUsed), Revoked: opt(g.Revoked), Active: g.Active(s.Clock.Now())})
	}
	return out, nil
}

func (s *Server) revoke(r *http.Request) error {
	return s.Store.RevokeGrant(r.Context(), memberOf(r.Context()).member.ID, r.PathValue("grant"), s.actor(r))
}

func (s *Server) postRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	if err := s.revoke(r); err != nil {
		return err
	}
	http.Redirect(w, r, "/me/data?saved=1#apps", http.StatusSeeOther)
	return nil
}

func (s *Server) postAPIRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := s.revoke(r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- The register, for the chain's admins ------------------------------------------

// appRequest is the body of POST /api/v1/admin/apps.
type appRequest struct {
	Name         string   `json:"name"`
	Owner        string   `json:"owner"`
	PolicyURL    string   `json:"policy_url"`
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       []string `json:"scopes"`
	// Confidential apps (a server of their own) get a secret; public ones
	// (phone and desktop programs) use PKCE alone.
	Confidential bool `json:"confidential"`
}

// appView is a registered app; Secret is shown once, at registration.
type appView struct {
	ClientID     string   `json:"client_id"`
	Secret       string   `json:"client_secret,omitempty"`
	Name         string   `json:"name"`
	Owner        string   `json:"owner"`
	PolicyURL    string   `json:"policy_url"`
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       string   `json:"scopes"`
	Confidential bool     `json:"confidential"`
}

func toAppView(a kori.App) appView {
	return appView{ClientID: a.ClientID, Name: a.Name, Owner: a.Owner, PolicyURL: a.PolicyURL, RedirectURIs: a.RedirectURIs,
		Scopes: kori.JoinScopes(a.Scopes), Confidential: a.Confidential()}
}

func (s *Server) postAPIApp(w http.ResponseWriter, r *http.Request, key *kori.APIKey) error {
	var in appRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, secret, err := oauth.NewApp(in.Name, in.Owner, in.PolicyURL, in.RedirectURIs, strings.Join(in.Scopes, " "), in.Confidential)
	if err != nil {
		return err
	}
	if err := s.Store.RegisterApp(r.Context(), a, adminActor(key)); err != nil {
		return err
	}
	v := toAppView(a)
	v.Secret = secret
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// appViews lists the register, for the admins, the record of processing
// and the privacy notice.
func (s *Server) appViews(r *http.Request) ([]appView, error) {
	apps, err := s.Store.Apps(r.Context())
	out := []appView{}
	for _, a := range apps {
		out = append(out, toAppView(a))
	}
	return out, err
}

func (s *Server) getAPIApps(w http.ResponseWriter, r *http.Request, _ *kori.APIKey) error {
	out, err := s.appViews(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
