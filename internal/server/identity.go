package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kori-project/kori"
)

// Identity logs members in with the chain's OpenID Connect provider (the
// chain's customer account), beside local passwords: the authorization
// code flow with PKCE, state and nonce, and a verified ID token. The
// member is the one whose e-mail (claim "email", which the provider must
// have verified) or member reference (any other claim, e.g. a customer
// number) the token names.
type Identity struct {
	Issuer, ClientID, ClientSecret string
	// Claim finds the member: "email", or the claim that holds the
	// member's reference.
	Claim string
	// Name is what the login button calls the provider ("S-tili").
	Name string

	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

// Connect reads the provider's discovery document; call it once at start.
func (id *Identity) Connect(ctx context.Context) error {
	p, err := oidc.NewProvider(ctx, id.Issuer)
	if err != nil {
		return kori.Errorf(kori.EINVALID, "OpenID provider %s: %v (check --oidc-issuer)", id.Issuer, err)
	}
	id.provider, id.verifier = p, p.Verifier(&oidc.Config{ClientID: id.ClientID})
	if id.Claim == "" {
		id.Claim = "email"
	}
	return nil
}

// oidcCookie holds one login's state, nonce, PKCE verifier and next page
// in the browser, for the ten minutes a login may take.
const oidcCookie = "kori_oidc"

func (s *Server) oidcConfig(r *http.Request) *oauth2.Config {
	return &oauth2.Config{ClientID: s.Identity.ClientID, ClientSecret: s.Identity.ClientSecret, Endpoint: s.Identity.provider.Endpoint(),
		RedirectURL: s.baseURL(r) + "/login/oidc/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// getOIDCLogin sends the browser to the provider.
func (s *Server) getOIDCLogin(w http.ResponseWriter, r *http.Request) error {
	if s.Identity == nil {
		return kori.Errorf(kori.ENOTFOUND, "logging in with the chain's account is not configured")
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	next := safeNext(r.URL.Query().Get("next"))
	setCookie(w, r, oidcCookie, strings.Join([]string{state, nonce, verifier, next}, "|"), 10*time.Minute, true)
	http.Redirect(w, r, s.oidcConfig(r).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	return nil
}

// getOIDCCallback takes the provider's answer: the state must be this
// browser's, the code is exchanged with the PKCE verifier, and the ID
// token's signature, issuer, audience, expiry and nonce are checked before
// the member it names is logged in.
func (s *Server) getOIDCCallback(w http.ResponseWriter, r *http.Request) error {
	if s.Identity == nil {
		return kori.Errorf(kori.ENOTFOUND, "logging in with the chain's account is not configured")
	}
	l := s.locales.pick(r)
	fail := func(msg string) error {
		setCookie(w, r, oidcCookie, "", -1, true)
		return s.render(w, r, http.StatusUnauthorized, "login", pageData{Error: l.T(msg), Demo: s.Demo})
	}
	c, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, "|")
	}
	q := r.URL.Query()
	if len(parts) != 4 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		return fail("login.oidc_expired")
	}
	if q.Get("error") != "" {
		return fail("login.oidc_refused")
	}
	tok, err := s.oidcConfig(r).Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		return fail("login.oidc_failed")
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := s.Identity.verifier.Verify(r.Context(), raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(parts[1])) != 1 {
		return fail("login.oidc_failed")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return fail("login.oidc_failed")
	}
	if _, ok := claims[s.Identity.Claim]; !ok {
		// Many providers put only the subject in the ID token: the rest
		// is at the userinfo endpoint, for the same subject.
		info, err := s.Identity.provider.UserInfo(r.Context(), oauth2.StaticTokenSource(tok))
		var more map[string]any
		if err != nil || info.Subject != idt.Subject || info.Claims(&more) != nil {
			return fail("login.oidc_failed")
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	kind, lookup := "ref", ""
	if s.Identity.Claim == "email" {
		kind = "email"
		if verified, _ := claims["email_verified"].(bool); verified {
			lookup, _ = claims["email"].(string)
			lookup = strings.ToLower(strings.TrimSpace(lookup))
		}
	} else if v, ok := claims[s.Identity.Claim].(string); ok {
		lookup = v
	}
	if lookup == "" {
		return fail("login.oidc_no_member")
	}
	id, err := s.Store.MemberByKey(r.Context(), kind, lookup)
	if kori.ErrorCode(err) == kori.ENOTFOUND {
		return fail("login.oidc_no_member")
	}
	if err != nil {
		return err
	}
	token, err := s.openSession(r, id)
	if err != nil {
		return err
	}
	setCookie(w, r, oidcCookie, "", -1, true)
	setCookie(w, r, sessionCookie, token, SessionTTL, true)
	http.Redirect(w, r, parts[3], http.StatusSeeOther)
	return nil
}
