// Package oauth is Kori's OAuth 2.0 authorization server for the apps
// members authorise (rule 11). The protocol is the OpenID provider of
// github.com/zitadel/oidc: this package gives it Kori's storage and rules,
// and nothing else. Only the authorization code grant with PKCE (S256) is
// offered, to public and confidential apps alike (RFC 9700); a code works
// once; access tokens live ten minutes; refresh tokens rotate on every use,
// are kept only as hashes, and one presented twice revokes its grant. The
// consent screen itself is the member web UI's: the provider sends the
// browser there (LoginURL) and the UI comes back through Approve or Deny.
package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/kori-project/kori"
)

// Store is what the authorization server keeps in the database.
type Store interface {
	App(ctx context.Context, clientID string) (*kori.App, error)
	SaveAuthRequest(ctx context.Context, r kori.AuthRequest) error
	AuthRequest(ctx context.Context, id string) (*kori.AuthRequest, error)
	SetAuthCode(ctx context.Context, id, codeHash string) error
	ClaimAuthCode(ctx context.Context, id, codeHash string) (*kori.AuthRequest, error)
	DeleteAuthRequest(ctx context.Context, id string) error
	AddAppToken(ctx context.Context, member kori.MemberID, grantID, hash, kind string, expires time.Time) (time.Time, error)
	AppToken(ctx context.Context, member kori.MemberID, hash, kind string) (*kori.AppGrant, error)
	RotateRefreshToken(ctx context.Context, member kori.MemberID, hash string) error
	DeleteAppToken(ctx context.Context, member kori.MemberID, hash string) error
	RevokeGrant(ctx context.Context, member kori.MemberID, id string, who kori.Actor) error
	GrantOf(ctx context.Context, member kori.MemberID, id string) (*kori.AppGrant, error)
	OAuthKey(ctx context.Context) ([32]byte, error)
}

// Token kinds as the store keeps them.
const (
	kindAccess  = "access"
	kindRefresh = "refresh"
)

// MaxBody bounds the body of a request to the protocol endpoints.
const MaxBody = 16 << 10

// ConsentPath is where the provider sends the member's browser to decide.
const ConsentPath = "/oauth/consent"

// Server is the authorization server.
type Server struct {
	store    Store
	clock    kori.Clock
	provider *op.Provider
	crypto   op.Crypto
	idKey    signingKey
}

// signingKey is an in-memory ECDSA P-256 key.
type signingKey struct{ key *ecdsa.PrivateKey }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return "unpublished" }

// Config configures the authorization server.
type Config struct {
	Store Store
	Clock kori.Clock
	// Issuer is the public base URL a request reached Kori at
	// (https://kori.example), without a trailing slash.
	Issuer func(r *http.Request) string
	Log    *slog.Logger
}

// New makes the authorization server; its key comes from the store.
func New(ctx context.Context, c Config) (*Server, error) {
	key, err := c.Store.OAuthKey(ctx)
	if err != nil {
		return nil, err
	}
	s := &Server{store: c.Store, clock: c.Clock}
	if s.idKey.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	issuer := func(bool) (op.IssuerFromRequest, error) { return c.Issuer, nil }
	cfg := &op.Config{CryptoKey: key, CodeMethodS256: true, AuthMethodPost: true, GrantTypeRefreshToken: true}
	log := c.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.provider, err = op.NewProvider(cfg, &storage{s}, issuer, op.WithAllowInsecure(), op.WithLogger(log),
		op.WithCustomAuthEndpoint(op.NewEndpoint("oauth/authorize")),
		op.WithCustomTokenEndpoint(op.NewEndpoint("oauth/token")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("oauth/introspect")),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint("oauth/userinfo")),
		op.WithCustomRevocationEndpoint(op.NewEndpoint("oauth/revoke")),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint("oauth/end_session")),
		op.WithCustomKeysEndpoint(op.NewEndpoint("oauth/keys")),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint("oauth/device_authorization")))
	if err != nil {
		return nil, err
	}
	s.crypto = s.provider.Crypto()
	return s, nil
}

// Handler serves the protocol endpoints under /oauth/. An authorization
// request asking for a scope its app may not have is refused with
// invalid_scope at once (the provider alone would drop the scope quietly).
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A token, revocation or introspection request is a few hundred
		// bytes: nothing a client sends is read beyond MaxBody.
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		if r.URL.Path == "/oauth/authorize" && s.refuseScopes(w, r) {
			return
		}
		switch r.URL.Path {
		case "/oauth/userinfo", "/oauth/end_session", "/oauth/device_authorization", "/oauth/keys":
			http.NotFound(w, r) // not offered: Kori is not an identity provider for apps
		case "/oauth/token":
			s.withoutIDToken(w, r)
		default:
			s.provider.ServeHTTP(w, r)
		}
	})
}

// withoutIDToken answers the token endpoint without the ID token the
// provider always makes: an app gets data scopes, not the member's
// identity, and the token's subject is Kori's own member number.
func (s *Server) withoutIDToken(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	s.provider.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var m map[string]any
	if rec.Code == http.StatusOK && json.Unmarshal(body, &m) == nil {
		delete(m, "id_token")
		body, _ = json.Marshal(m)
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// refuseScopes answers a request whose scopes the app may not have, on a
// redirect URI registered for it; otherwise it leaves the request to the
// provider (which refuses unknown apps and redirect URIs itself).
func (s *Server) refuseScopes(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	app, err := s.store.App(r.Context(), q.Get("client_id"))
	if err != nil {
		return false
	}
	c := client{app}
	if op.ValidateAuthReqRedirectURI(c, q.Get("redirect_uri"), oidc.ResponseTypeCode) != nil {
		return false
	}
	var bad []string
	for _, sc := range strings.Fields(q.Get("scope")) {
		if sc != oidc.ScopeOfflineAccess && !app.Allows(kori.AppScope(sc)) {
			bad = append(bad, sc)
		}
	}
	if len(bad) == 0 {
		return false
	}
	req := &authRequest{r: &kori.AuthRequest{RedirectURI: q.Get("redirect_uri"), State: q.Get("state"), ResponseMode: q.Get("response_mode")}}
	op.AuthRequestError(w, r, req, oidc.ErrInvalidScope().WithDescription("the app may not ask for %s", strings.Join(bad, " ")), s.provider)
	return true
}

// Metadata serves the authorization server metadata (RFC 8414) at
// /.well-known/oauth-authorization-server: what the provider publishes,
// narrowed to what Kori offers.
func (s *Server) Metadata() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		in := r.Clone(r.Context())
		in.URL.Path = oidc.DiscoveryEndpoint
		s.provider.ServeHTTP(rec, in)
		var m map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &m) != nil {
			http.Error(w, "metadata unavailable", http.StatusInternalServerError)
			return
		}
		for _, k := range []string{"userinfo_endpoint", "end_session_endpoint", "device_authorization_endpoint", "id_token_signing_alg_values_supported",
			"request_object_signing_alg_values_supported", "subject_types_supported", "claims_supported", "jwks_uri", "request_uri_parameter_supported",
			"request_parameter_supported", "ui_locales_supported", "claims_parameter_supported", "token_endpoint_auth_signing_alg_values_supported",
			"revocation_endpoint_auth_signing_alg_values_supported", "introspection_endpoint_auth_signing_alg_values_supported"} {
			delete(m, k)
		}
		scopes := []string{oidc.ScopeOfflineAccess}
		for _, sc := range kori.AppScopes {
			scopes = append(scopes, string(sc))
		}
		m["scopes_supported"] = scopes
		m["response_types_supported"] = []string{"code"}
		m["response_modes_supported"] = []string{"query"}
		m["grant_types_supported"] = []string{"authorization_code", "refresh_token"}
		m["code_challenge_methods_supported"] = []string{"S256"}
		m["token_endpoint_auth_methods_supported"] = []string{"none", "client_secret_basic", "client_secret_post"}
		m["service_documentation"] = m["issuer"].(string) + "/api/openapi.json"
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_ = json.NewEncoder(w).Encode(m)
	})
}

// Approve sends the browser back to the provider after the member has
// consented (the store holds the grant): the provider issues the code and
// redirects to the app.
func (s *Server) Approve(w http.ResponseWriter, r *http.Request, requestID string) {
	ctx := op.ContextWithIssuer(r.Context(), s.provider.IssuerFromRequest(r))
	http.Redirect(w, r, op.AuthCallbackURL(s.provider)(ctx, requestID), http.StatusSeeOther)
}

// Deny tells the app that the member said no (access_denied) and ends the
// request.
func (s *Server) Deny(w http.ResponseWriter, r *http.Request, req *kori.AuthRequest) {
	_ = s.store.DeleteAuthRequest(r.Context(), req.ID)
	op.AuthRequestError(w, r, &authRequest{r: req}, oidc.ErrAccessDenied().WithDescription("the member did not allow the app"), s.provider)
}

// Verify finds the grant behind an app's bearer access token; an unknown,
// expired or revoked one is unauthorized.
func (s *Server) Verify(ctx context.Context, token string) (*kori.AppGrant, error) {
	plain, err := s.crypto.Decrypt(token)
	if err != nil {
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "the access token is not one Kori issued; ask the member to authorise the app")
	}
	id, subject, ok := strings.Cut(plain, ":")
	member, err := strconv.ParseInt(subject, 10, 64)
	if !ok || err != nil || member <= 0 {
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "the access token is malformed")
	}
	return s.store.AppToken(ctx, kori.MemberID(member), hash(id), kindAccess)
}

func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewClientSecret makes a confidential app's secret and the hash the
// register keeps.
func NewClientSecret() (secret, secretHash string) {
	secret = "kori_app_" + randomSecret()
	return secret, hash(secret)
}

// NewClientID makes an app's client id.
func NewClientID() string { return "app_" + randomSecret()[:22] }

// NewApp makes an app from what an admin gives, with a fresh client id
// and, for a confidential app, a secret returned once.
func NewApp(name, owner, policy string, redirects []string, scopes string, confidential bool) (kori.App, string, error) {
	sc, err := kori.ParseAppScopes("scopes", scopes)
	if err != nil {
		return kori.App{}, "", err
	}
	a := kori.App{ClientID: NewClientID(), Name: strings.TrimSpace(name), Owner: strings.TrimSpace(owner), PolicyURL: policy,
		RedirectURIs: redirects, Scopes: sc}
	var secret string
	if confidential {
		secret, a.SecretHash = NewClientSecret()
	}
	return a, secret, a.Validate()
}

// --- The provider's storage ----------------------------------------------------

// storage gives the provider Kori's store and rules.
type storage struct{ s *Server }

var errNotOffered = errors.New("not offered by Kori")

func (st *storage) CreateAuthRequest(ctx context.Context, in *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if in.CodeChallenge == "" || in.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge with code_challenge_method=S256")
	}
	if in.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_type=code is offered")
	}
	if slices.Contains(in.Scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("apps read data scopes; openid is not offered")
	}
	r := kori.AuthRequest{ID: randomSecret(), ClientID: in.ClientID, RedirectURI: in.RedirectURI, Scopes: in.Scopes, State: in.State,
		Nonce: in.Nonce, Challenge: in.CodeChallenge, ResponseMode: string(in.ResponseMode), Created: st.s.clock.Now()}
	if err := st.s.store.SaveAuthRequest(ctx, r); err != nil {
		return nil, err
	}
	return &authRequest{r: &r}, nil
}

func (st *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := st.s.store.AuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return &authRequest{r: r}, nil
}

func (st *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	id, err := st.s.crypto.Decrypt(code)
	if err != nil {
		return nil, err
	}
	r, err := st.s.store.ClaimAuthCode(ctx, id, hash(code))
	if err != nil {
		return nil, err
	}
	return &authRequest{r: r}, nil
}

func (st *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return st.s.store.SetAuthCode(ctx, id, hash(code))
}

func (st *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return st.s.store.DeleteAuthRequest(ctx, id)
}

// grantOf names the member and grant a token request is made under.
func grantOf(req op.TokenRequest) (kori.MemberID, string, error) {
	switch r := req.(type) {
	case *authRequest:
		return r.r.Member, r.r.GrantID, nil
	case *refreshRequest:
		return r.grant.Member, r.grant.ID, nil
	}
	return 0, "", oidc.ErrUnsupportedGrantType()
}

func (st *storage) newAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	member, grant, err := grantOf(req)
	if err != nil {
		return "", time.Time{}, err
	}
	id := randomSecret()
	now := st.s.clock.Now()
	exp, err := st.s.store.AddAppToken(ctx, member, grant, hash(id), kindAccess, now.Add(kori.AppAccessTokenTTL))
	// The provider computes expires_in against the wall clock: hand it the
	// token's remaining life on that clock, so that a server run --as-of
	// another day still tells apps the truth.
	return id, time.Now().Add(exp.Sub(now)), err
}

func (st *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	return st.newAccessToken(ctx, req)
}

func (st *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	member, grantID, err := grantOf(req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if current != "" {
		if err := st.s.store.RotateRefreshToken(ctx, member, hash(current)); err != nil {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithParent(err)
		}
	}
	id, exp, err := st.newAccessToken(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	g, err := st.s.store.GrantOf(ctx, member, grantID)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if g.Duration == kori.GrantOnce {
		return id, "", exp, nil // once: no refresh token
	}
	refresh := strconv.FormatInt(int64(member), 10) + "." + randomSecret()
	if _, err := st.s.store.AddAppToken(ctx, member, grantID, hash(refresh), kindRefresh, st.s.clock.Now().Add(kori.AppRefreshTokenTTL)); err != nil {
		return "", "", time.Time{}, err
	}
	return id, refresh, exp, nil
}

// parseRefresh reads the member from a refresh token ("<member>.<secret>").
func parseRefresh(token string) (kori.MemberID, bool) {
	m, secret, ok := strings.Cut(token, ".")
	id, err := strconv.ParseInt(m, 10, 64)
	return kori.MemberID(id), ok && err == nil && id > 0 && len(secret) >= 32
}

func (st *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	member, ok := parseRefresh(token)
	if !ok {
		return nil, op.ErrInvalidRefreshToken
	}
	g, err := st.s.store.AppToken(ctx, member, hash(token), kindRefresh)
	if err != nil {
		return nil, err
	}
	scopes := []string{oidc.ScopeOfflineAccess}
	for _, sc := range g.Scopes {
		scopes = append(scopes, string(sc))
	}
	return &refreshRequest{grant: g, scopes: scopes}, nil
}

func (st *storage) TerminateSession(context.Context, string, string) error { return errNotOffered }

// RevokeToken (RFC 7009): an access token ends alone; a refresh token ends
// its whole grant, as if the member had revoked it.
func (st *storage) RevokeToken(ctx context.Context, token, userID, clientID string) *oidc.Error {
	if member, ok := parseRefresh(token); ok {
		g, err := st.s.store.AppToken(ctx, member, hash(token), kindRefresh)
		if err != nil || g.ClientID != clientID {
			return nil // RFC 7009: an invalid token is not an error
		}
		if err := st.s.store.RevokeGrant(ctx, member, g.ID, kori.Actor{Channel: "oauth", Name: g.AppName}); err != nil && kori.ErrorCode(err) != kori.ECONFLICT {
			return oidc.ErrServerError().WithParent(err)
		}
		return nil
	}
	member, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return nil
	}
	if err := st.s.store.DeleteAppToken(ctx, kori.MemberID(member), hash(token)); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (st *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	member, ok := parseRefresh(token)
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	return strconv.FormatInt(int64(member), 10), token, nil
}

// SigningKey signs the ID token the provider insists on making, which
// the token endpoint then drops (withoutIDToken): the key lives only in
// memory and is published nowhere.
func (st *storage) SigningKey(context.Context) (op.SigningKey, error) { return st.s.idKey, nil }
func (st *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}
func (st *storage) KeySet(context.Context) ([]op.Key, error) { return nil, nil }

func (st *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	app, err := st.s.store.App(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{app}, nil
}

func (st *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	app, err := st.s.store.App(ctx, id)
	if err != nil {
		return err
	}
	if !app.Confidential() || subtle.ConstantTimeCompare([]byte(hash(secret)), []byte(app.SecretHash)) != 1 {
		return errors.New("wrong client secret")
	}
	return nil
}

func (st *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}
func (st *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNotOffered
}

// SetIntrospectionFromToken (RFC 7662) tells an app whether its token is
// active, with its scopes.
func (st *storage) SetIntrospectionFromToken(ctx context.Context, in *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	member, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return err
	}
	g, err := st.s.store.AppToken(ctx, kori.MemberID(member), hash(tokenID), kindAccess)
	if err != nil || g.ClientID != clientID {
		return errors.New("inactive")
	}
	in.Active, in.ClientID, in.Subject = true, g.ClientID, subject
	in.Scope = oidc.SpaceDelimitedArray(strings.Fields(kori.JoinScopes(g.Scopes)))
	return nil
}

func (st *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}
func (st *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotOffered
}
func (st *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotOffered
}
func (st *storage) Health(context.Context) error { return nil }

// authRequest is a kori.AuthRequest as the provider reads it.
type authRequest struct{ r *kori.AuthRequest }

func (a *authRequest) GetID() string                      { return a.r.ID }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return nil }
func (a *authRequest) GetAudience() []string              { return []string{a.r.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.r.Created }
func (a *authRequest) GetClientID() string                { return a.r.ClientID }
func (a *authRequest) GetNonce() string                   { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.r.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseTypeCode }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(a.r.ResponseMode) }
func (a *authRequest) GetScopes() []string                { return a.r.Scopes }
func (a *authRequest) GetState() string                   { return a.r.State }
func (a *authRequest) Done() bool                         { return a.r.Member != 0 }
func (a *authRequest) GetSubject() string {
	if a.r.Member == 0 {
		return ""
	}
	return strconv.FormatInt(int64(a.r.Member), 10)
}
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.Challenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.Challenge, Method: oidc.CodeChallengeMethodS256}
}

// refreshRequest is a grant as the refresh token grant reads it.
type refreshRequest struct {
	grant  *kori.AppGrant
	scopes []string
}

func (r *refreshRequest) GetAMR() []string            { return nil }
func (r *refreshRequest) GetAudience() []string       { return []string{r.grant.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.grant.Created }
func (r *refreshRequest) GetClientID() string         { return r.grant.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return strconv.FormatInt(int64(r.grant.Member), 10) }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// client is a registered app as the provider reads it.
type client struct{ app *kori.App }

func (c client) GetID() string                    { return c.app.ClientID }
func (c client) RedirectURIs() []string           { return c.app.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return nil }
func (c client) ApplicationType() op.ApplicationType {
	if c.app.Confidential() {
		return op.ApplicationTypeWeb
	}
	return op.ApplicationTypeNative
}
func (c client) AuthMethod() oidc.AuthMethod {
	if c.app.Confidential() {
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethodNone
}
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c client) LoginURL(id string) string           { return ConsentPath + "?request=" + id }
func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration      { return 0 }
func (c client) DevMode() bool                       { return false }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(scope string) bool     { return c.app.Allows(kori.AppScope(scope)) }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c client) ClockSkew() time.Duration             { return 0 }
