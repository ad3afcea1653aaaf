package kori

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// AppScope names the part of a member's data an app the member authorises
// may read (rule 11). Each scope opens the matching member API routes and
// nothing else, always at the member's current level and objections.
type AppScope string

// The scopes an app may ask for.
const (
	AppReceipts  AppScope = "receipts"
	AppSpending  AppScope = "spending"
	AppDomestic  AppScope = "domestic"
	AppCarbon    AppScope = "carbon"
	AppNutrition AppScope = "nutrition"
	AppOffers    AppScope = "offers"
	AppExport    AppScope = "export"
)

// AppScopes lists every scope, in the order the consent screen shows them.
var AppScopes = []AppScope{AppReceipts, AppSpending, AppDomestic, AppCarbon, AppNutrition, AppOffers, AppExport}

// ParseAppScopes reads a space- or comma-separated list of scopes; field
// names the input in the error.
func ParseAppScopes(field, s string) ([]AppScope, error) {
	var out []AppScope
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		sc := AppScope(w)
		if !slices.Contains(AppScopes, sc) {
			return nil, Errorf(EINVALID, "%s: %q is not a scope; use %s", field, w, joinScopes(AppScopes))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "%s: give at least one scope of %s", field, joinScopes(AppScopes))
	}
	return out, nil
}

func joinScopes(ss []AppScope) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, " ")
}

// JoinScopes is the scopes as OAuth writes them: space-separated.
func JoinScopes(ss []AppScope) string { return joinScopes(ss) }

// App is a third-party app the chain has registered, which members may
// authorise to read part of their data. A confidential app has a secret
// (only its hash is kept); a public app (a phone or desktop program) has
// none and must prove itself with PKCE.
type App struct {
	ClientID     string
	Name         string
	Owner        string
	PolicyURL    string
	RedirectURIs []string
	Scopes       []AppScope
	SecretHash   string // empty for a public app
	Created      time.Time
}

// Confidential tells whether the app authenticates with a secret.
func (a App) Confidential() bool { return a.SecretHash != "" }

// Allows tells whether the chain lets the app ask for the scope.
func (a App) Allows(s AppScope) bool { return slices.Contains(a.Scopes, s) }

// Validate checks what an admin registers: a name and owner, an https
// privacy policy, and redirect URIs that are absolute https addresses or
// http on a loopback address (a program on the member's own machine, RFC
// 8252), with no fragment.
func (a App) Validate() error {
	if strings.TrimSpace(a.Name) == "" || len(a.Name) > 80 {
		return Errorf(EINVALID, "name: give the app's name (at most 80 characters)")
	}
	if strings.TrimSpace(a.Owner) == "" || len(a.Owner) > 120 {
		return Errorf(EINVALID, "owner: give who runs the app (at most 120 characters)")
	}
	if u, err := url.Parse(a.PolicyURL); err != nil || u.Host == "" || (u.Scheme != "https" && !loopback(u)) {
		return Errorf(EINVALID, "policy: %q is not an https address of the app's privacy policy", a.PolicyURL)
	}
	if len(a.RedirectURIs) == 0 {
		return Errorf(EINVALID, "redirect: give at least one redirect URI")
	}
	for _, r := range a.RedirectURIs {
		u, err := url.Parse(r)
		if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u))) {
			return Errorf(EINVALID, "redirect: %q must be an absolute https URI, or http on 127.0.0.1, [::1] or localhost, without a fragment", r)
		}
	}
	if len(a.Scopes) == 0 {
		return Errorf(EINVALID, "scopes: give at least one scope of %s", joinScopes(AppScopes))
	}
	return nil
}

func loopback(u *url.URL) bool {
	h := u.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || ip != nil && ip.IsLoopback()
}

// GrantDuration is how long a member lets an app read: once (one access
// token, no refresh), 90 days, or until the member revokes.
type GrantDuration string

// The durations a member can choose on the consent screen.
const (
	GrantOnce          GrantDuration = "once"
	Grant90Days        GrantDuration = "90d"
	GrantUntilRevoked  GrantDuration = "until_revoked"
	AppAccessTokenTTL                = 10 * time.Minute
	AppRefreshTokenTTL               = 30 * 24 * time.Hour
)

// GrantDurations lists the durations in the order the consent screen offers them.
var GrantDurations = []GrantDuration{GrantOnce, Grant90Days, GrantUntilRevoked}

// Validate checks a duration chosen on the consent screen.
func (d GrantDuration) Validate() error {
	if !slices.Contains(GrantDurations, d) {
		return Errorf(EINVALID, "duration: %q is not once, 90d or until_revoked", string(d))
	}
	return nil
}

// Expires is when a grant made at t ends by itself; zero for never. A
// grant for once lasts as long as its one access token.
func (d GrantDuration) Expires(t time.Time) time.Time {
	switch d {
	case GrantOnce:
		return t.Add(AppAccessTokenTTL)
	case Grant90Days:
		return t.AddDate(0, 0, 90)
	}
	return time.Time{}
}

// AppGrant is a member's permission for an app to read the named scopes.
type AppGrant struct {
	ID       string
	Member   MemberID
	ClientID string
	AppName  string
	Scopes   []AppScope
	Duration GrantDuration
	Created  time.Time
	Expires  time.Time // zero: until revoked
	Revoked  time.Time // zero: not revoked
	LastUsed time.Time // zero: never
	// AppRemoved says the chain has taken the app off its register: every
	// grant to it has ended.
	AppRemoved bool
}

// Active tells whether the grant lets the app read at now.
func (g AppGrant) Active(now time.Time) bool {
	return !g.AppRemoved && g.Revoked.IsZero() && (g.Expires.IsZero() || now.Before(g.Expires))
}

// Has tells whether the grant covers the scope.
func (g AppGrant) Has(s AppScope) bool { return slices.Contains(g.Scopes, s) }

// AuthRequest is an app's authorization request in flight, from the
// redirect to Kori until the app exchanges its code (at most
// AuthRequestTTL): the member, once they have decided, and the grant.
type AuthRequest struct {
	ID           string
	ClientID     string
	RedirectURI  string
	Scopes       []string // as asked, after the provider's checks
	State, Nonce string
	Challenge    string // PKCE code challenge (S256)
	ResponseMode string
	Member       MemberID // zero until the member consents
	GrantID      string
	CodeHash     string
	Created      time.Time
}

// AuthRequestTTL bounds how long an authorization may take, consent
// screen included.
const AuthRequestTTL = 10 * time.Minute
