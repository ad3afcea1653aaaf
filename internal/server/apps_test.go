package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/oauth"
	"github.com/kori-project/kori/internal/report"
	"github.com/kori-project/kori/internal/storetest"
)

const appRedirect = "https://coach.example/callback"

// registerApp registers an app for the scopes; a confidential one gets a
// secret.
func registerApp(t *testing.T, f *fixture, scopes string, confidential bool) (kori.App, string) {
	t.Helper()
	a, secret, err := oauth.NewApp("Ruokavalmentaja", "Valmentaja Oy", "https://coach.example/privacy", []string{appRedirect, "http://127.0.0.1/callback"}, scopes, confidential)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.RegisterApp(context.Background(), a, kori.Actor{Channel: "cli", Name: "admin"}); err != nil {
		t.Fatal(err)
	}
	return a, secret
}

// pkce is a verifier and its S256 challenge.
func pkce(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "a-verifier-of-at-least-forty-three-characters-0123456789"

// authorizeURL is the app's authorization request.
func authorizeURL(app kori.App, redirect, scope string) string {
	return "/oauth/authorize?" + url.Values{"client_id": {app.ClientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {scope}, "state": {"st4te"}, "code_challenge": {pkce(verifier)}, "code_challenge_method": {"S256"}}.Encode()
}

// consent walks the member's browser through the consent screen and
// returns the code the app receives.
func consent(t *testing.T, c *client, app kori.App, scope, duration string) string {
	t.Helper()
	rec := c.get(authorizeURL(app, appRedirect, scope))
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusFound || !strings.HasPrefix(loc, "/oauth/consent?request=") {
		t.Fatalf("authorize: %d, location %q, body %s", rec.Code, loc, rec.Body)
	}
	page := c.get(loc)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), app.Name) {
		t.Fatalf("consent screen: %d %s", page.Code, page.Body)
	}
	req := strings.TrimPrefix(loc, "/oauth/consent?request=")
	rec = c.form(loc, "/oauth/consent", url.Values{"request": {req}, "duration": {duration}, "decision": {"allow"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("consent: %d %s", rec.Code, rec.Body)
	}
	rec = c.get(rec.Header().Get("Location"))
	back, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || rec.Code != http.StatusFound || !strings.HasPrefix(back.String(), appRedirect) {
		t.Fatalf("callback: %d, location %q", rec.Code, rec.Header().Get("Location"))
	}
	if back.Query().Get("state") != "st4te" || back.Query().Get("code") == "" {
		t.Fatalf("the app got %s", back)
	}
	return back.Query().Get("code")
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	IDToken      string `json:"id_token"`
	status       int
}

// token calls the token endpoint as the app (no cookies).
func token(t *testing.T, f *fixture, form url.Values) tokenAnswer {
	t.Helper()
	app := f.client(t)
	rec := app.do("POST", "/oauth/token", strings.NewReader(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	var out tokenAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("token endpoint: %d %s", rec.Code, rec.Body)
	}
	out.status = rec.Code
	return out
}

func exchange(t *testing.T, f *fixture, app kori.App, code, v string) tokenAnswer {
	t.Helper()
	return token(t, f, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appRedirect},
		"client_id": {app.ClientID}, "code_verifier": {v}})
}

// appGet calls the member API with an app's access token.
func appGet(t *testing.T, f *fixture, access, path string) int {
	t.Helper()
	app := f.client(t)
	app.bearer = access
	return app.get(path).Code
}

// TestAppGrantFlow: a member allows an app the carbon scope; the app reads
// the carbon API (and that read is in the member's access log with the
// app's name) but nothing else; a refresh rotates; the member revokes and
// the app's next call is 401. On every store.
func TestAppGrantFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		f := newFixture(t, open)
		app, _ := registerApp(t, f, "carbon receipts", false)
		m := f.members[kori.LevelProduct]
		c := f.client(t)
		c.login(m.Email)

		tok := exchange(t, f, app, consent(t, c, app, "carbon offline_access", "until_revoked"), verifier)
		if tok.status != http.StatusOK || tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken != "" ||
			tok.ExpiresIn < 590 || tok.ExpiresIn > 600 {
			t.Fatalf("exchange: %+v", tok)
		}
		if code := appGet(t, f, tok.AccessToken, "/api/v1/me/carbon"); code != http.StatusOK {
			t.Fatalf("carbon with the app's token: %d", code)
		}
		for path, want := range map[string]int{
			"/api/v1/me/receipts": http.StatusForbidden, // allowed for the app, but not granted
			"/api/v1/me/spending": http.StatusForbidden,
			"/api/v1/me/data":     http.StatusForbidden, // never for apps
			"/api/v1/me/access":   http.StatusForbidden,
			"/me/carbon":          http.StatusSeeOther, // the web UI takes no app token
		} {
			if code := appGet(t, f, tok.AccessToken, path); code != want {
				t.Errorf("%s with the app's token: %d, want %d", path, code, want)
			}
		}
		owner := f.client(t)
		owner.apiLogin(m.Email)
		var log struct {
			Entries []struct{ Actor, What, App string }
		}
		owner.json("/api/v1/me/access", &log)
		if len(log.Entries) != 1 || log.Entries[0].App != app.Name || log.Entries[0].What != "carbon" {
			t.Fatalf("access log after one app read: %+v", log.Entries)
		}
		var data struct {
			Apps []struct {
				ID, App  string
				Scopes   []string
				Duration string
				LastUsed *string `json:"last_used"`
				Active   bool
			}
		}
		owner.json("/api/v1/me/data", &data)
		if len(data.Apps) != 1 || data.Apps[0].App != app.Name || strings.Join(data.Apps[0].Scopes, " ") != "carbon" ||
			data.Apps[0].Duration != "until_revoked" || data.Apps[0].LastUsed == nil || !data.Apps[0].Active {
			t.Fatalf("My data's grants: %+v", data.Apps)
		}

		// A refresh rotates: the new pair works, the old refresh token is
		// refused, and presenting it again revokes the grant.
		fresh := token(t, f, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {app.ClientID}})
		if fresh.status != http.StatusOK || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh: %+v", fresh)
		}
		if code := appGet(t, f, fresh.AccessToken, "/api/v1/me/carbon"); code != http.StatusOK {
			t.Fatalf("carbon with the refreshed token: %d", code)
		}

		// The member revokes: the app's next request fails.
		rec := owner.do("POST", "/api/v1/me/apps/"+data.Apps[0].ID+"/revoke", nil, nil)
		if rec.Code != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
		}
		if code := appGet(t, f, fresh.AccessToken, "/api/v1/me/carbon"); code != http.StatusUnauthorized {
			t.Fatalf("carbon after revocation: %d, want 401", code)
		}
		if again := token(t, f, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fresh.RefreshToken}, "client_id": {app.ClientID}}); again.status != http.StatusBadRequest {
			t.Fatalf("refresh after revocation: %+v", again)
		}
		// Another member's grant is not found.
		other := f.client(t)
		other.apiLogin(f.members[kori.LevelGroup].Email)
		if rec := other.do("POST", "/api/v1/me/apps/"+data.Apps[0].ID+"/revoke", nil, nil); rec.Code != http.StatusNotFound {
			t.Fatalf("revoking another member's grant: %d", rec.Code)
		}
		var consents []struct{ Kind, From, To string }
		owner.json("/api/v1/me/consents", &consents)
		granted, revoked := false, false
		for _, k := range consents {
			granted = granted || k.Kind == "app:"+app.ClientID && strings.HasPrefix(k.To, app.Name+": carbon")
			revoked = revoked || k.Kind == "app:"+app.ClientID && k.To == "revoked"
		}
		if !granted || !revoked {
			t.Fatalf("consent records: %+v", consents)
		}
		var receipt struct {
			Services []struct {
				Purposes []struct {
					Purpose              string
					ThirdPartyDisclosure bool
				}
			}
		}
		owner.json(fmt.Sprintf("/api/v1/me/consents/%d", len(consents)), &receipt)
		if ps := receipt.Services[0].Purposes; !ps[len(ps)-1].ThirdPartyDisclosure || !strings.Contains(ps[len(ps)-1].Purpose, "carbon") {
			t.Fatalf("the revocation's consent receipt: %+v", ps)
		}
		// The transparency report accounts for it: one app, one grant, one
		// revocation, two reads of carbon.
		rep, err := report.Build(context.Background(), f.db, now.Year(), helsinki, now)
		if err != nil {
			t.Fatal(err)
		}
		if a := rep.Apps; a.Apps != 1 || a.Grants != 1 || a.Revocations != 1 || len(a.ReadsByScope) != 1 || a.ReadsByScope["carbon"] != 2 {
			t.Fatalf("transparency report: %+v", a)
		}
		for k := range rep.ConsentChanges {
			if strings.HasPrefix(k, "app:") {
				t.Errorf("the report's consent changes name an app: %q", k)
			}
		}
	})
}

// TestAppSecurity: each attack the OAuth security BCP names is refused.
func TestAppSecurity(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	app, _ := registerApp(t, f, "carbon receipts", false)
	m := f.members[kori.LevelProduct]
	c := f.client(t)
	c.login(m.Email)

	t.Run("code used twice", func(t *testing.T) {
		code := consent(t, c, app, "carbon", "once")
		if first := exchange(t, f, app, code, verifier); first.status != http.StatusOK {
			t.Fatalf("first exchange: %+v", first)
		}
		if second := exchange(t, f, app, code, verifier); second.status != http.StatusBadRequest || second.Error != "invalid_grant" {
			t.Fatalf("second exchange: %+v", second)
		}
	})
	t.Run("wrong PKCE verifier", func(t *testing.T) {
		code := consent(t, c, app, "carbon", "once")
		if tok := exchange(t, f, app, code, verifier+"x"); tok.status != http.StatusBadRequest || tok.AccessToken != "" {
			t.Fatalf("exchange with a wrong verifier: %+v", tok)
		}
	})
	t.Run("no PKCE", func(t *testing.T) {
		u := "/oauth/authorize?" + url.Values{"client_id": {app.ClientID}, "redirect_uri": {appRedirect}, "response_type": {"code"},
			"scope": {"carbon"}, "state": {"s"}}.Encode()
		back, _ := url.Parse(c.get(u).Header().Get("Location"))
		if back == nil || back.Query().Get("error") != "invalid_request" {
			t.Fatalf("authorization without PKCE went to %v", back)
		}
	})
	t.Run("redirect URI not registered", func(t *testing.T) {
		rec := c.get(authorizeURL(app, "https://evil.example/callback", "carbon"))
		if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" {
			t.Fatalf("unregistered redirect: %d, location %q", rec.Code, rec.Header().Get("Location"))
		}
	})
	t.Run("scope not allowed for the app", func(t *testing.T) {
		rec := c.get(authorizeURL(app, appRedirect, "carbon export"))
		back, _ := url.Parse(rec.Header().Get("Location"))
		if back == nil || !strings.HasPrefix(back.String(), appRedirect) || back.Query().Get("error") != "invalid_scope" {
			t.Fatalf("a scope the app may not have: %d %q", rec.Code, rec.Header().Get("Location"))
		}
	})
	t.Run("member denies", func(t *testing.T) {
		loc := c.get(authorizeURL(app, appRedirect, "carbon")).Header().Get("Location")
		rec := c.form(loc, "/oauth/consent", url.Values{"request": {strings.TrimPrefix(loc, "/oauth/consent?request=")}, "decision": {"deny"}})
		back, _ := url.Parse(rec.Header().Get("Location"))
		if back == nil || back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "st4te" {
			t.Fatalf("denial went to %q", rec.Header().Get("Location"))
		}
	})
	t.Run("refresh token reused after rotation", func(t *testing.T) {
		tok := exchange(t, f, app, consent(t, c, app, "carbon offline_access", "90d"), verifier)
		refresh := func(rt string) tokenAnswer {
			return token(t, f, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {app.ClientID}})
		}
		fresh := refresh(tok.RefreshToken)
		if fresh.status != http.StatusOK {
			t.Fatalf("first refresh: %+v", fresh)
		}
		if reused := refresh(tok.RefreshToken); reused.status != http.StatusBadRequest || reused.Error != "invalid_grant" {
			t.Fatalf("reused refresh token: %+v", reused)
		}
		// Reuse means theft: the whole grant ends, the thief's and the
		// app's tokens alike.
		if code := appGet(t, f, fresh.AccessToken, "/api/v1/me/carbon"); code != http.StatusUnauthorized {
			t.Fatalf("the rotated pair after reuse: %d, want 401", code)
		}
	})
	t.Run("once gives no refresh token", func(t *testing.T) {
		tok := exchange(t, f, app, consent(t, c, app, "carbon offline_access", "once"), verifier)
		if tok.status != http.StatusOK || tok.RefreshToken != "" {
			t.Fatalf("once: %+v", tok)
		}
	})
	t.Run("token after erasure", func(t *testing.T) {
		tok := exchange(t, f, app, consent(t, c, app, "carbon", "until_revoked"), verifier)
		if code := appGet(t, f, tok.AccessToken, "/api/v1/me/carbon"); code != http.StatusOK {
			t.Fatalf("before erasure: %d", code)
		}
		if _, err := f.db.EraseMember(context.Background(), m.ID, "purchases", kori.ReasonErasure, kori.Actor{Channel: "web", Name: "member"}); err != nil {
			t.Fatal(err)
		}
		if code := appGet(t, f, tok.AccessToken, "/api/v1/me/carbon"); code != http.StatusUnauthorized {
			t.Fatalf("after erasure: %d, want 401", code)
		}
	})
	t.Run("oversized token request", func(t *testing.T) {
		big := url.Values{"grant_type": {"authorization_code"}, "code": {strings.Repeat("x", 1<<20)}, "client_id": {app.ClientID}}
		if tok := token(t, f, big); tok.status < 400 || tok.status >= 500 {
			t.Fatalf("a 1 MiB token request: %+v", tok)
		}
	})
	t.Run("app removed from the register", func(t *testing.T) {
		other, _ := registerApp(t, f, "carbon", false)
		tok := exchange(t, f, other, consent(t, c, other, "carbon", "until_revoked"), verifier)
		if code := appGet(t, f, tok.AccessToken, "/api/v1/me/carbon"); code != http.StatusOK {
			t.Fatalf("before removal: %d", code)
		}
		if err := f.db.RemoveApp(context.Background(), other.ClientID, kori.Actor{Channel: "cli", Name: "admin"}); err != nil {
			t.Fatal(err)
		}
		if code := appGet(t, f, tok.AccessToken, "/api/v1/me/carbon"); code != http.StatusUnauthorized {
			t.Fatalf("after removal: %d, want 401", code)
		}
	})
	t.Run("forged token", func(t *testing.T) {
		if code := appGet(t, f, "bm90LWEtdG9rZW4", "/api/v1/me/carbon"); code != http.StatusUnauthorized {
			t.Fatalf("forged token: %d", code)
		}
	})
}

// TestAppConfidentialAndLevels: a confidential app must send its secret;
// a group-level member's receipts scope gives group sums, never lines.
func TestAppConfidentialAndLevels(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	app, secret := registerApp(t, f, "receipts", true)
	m := f.members[kori.LevelGroup]
	c := f.client(t)
	c.login(m.Email)
	code := consent(t, c, app, "receipts", "once")
	if tok := exchange(t, f, app, code, verifier); tok.status != http.StatusUnauthorized && tok.status != http.StatusBadRequest || tok.AccessToken != "" {
		t.Fatalf("confidential app without its secret: %+v", tok)
	}
	code = consent(t, c, app, "receipts", "once")
	tok := token(t, f, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appRedirect},
		"client_id": {app.ClientID}, "client_secret": {secret}, "code_verifier": {verifier}})
	if tok.status != http.StatusOK {
		t.Fatalf("with the secret: %+v", tok)
	}
	reader := f.client(t)
	reader.bearer = tok.AccessToken
	var list struct {
		Receipts []struct{ ID int64 }
	}
	reader.json("/api/v1/me/receipts", &list)
	if len(list.Receipts) == 0 {
		t.Fatal("the app sees no receipts")
	}
	var one struct {
		Lines  []any
		Groups []any
	}
	reader.json(fmt.Sprintf("/api/v1/me/receipts/%d", list.Receipts[0].ID), &one)
	if len(one.Lines) != 0 || len(one.Groups) == 0 {
		t.Fatalf("a group-level member's receipt through an app: %d lines, %d groups", len(one.Lines), len(one.Groups))
	}
}

// TestAppMetadata: the RFC 8414 document names the endpoints and only
// what Kori offers.
func TestAppMetadata(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	var md struct {
		Issuer                string   `json:"issuer"`
		AuthorizationEndpoint string   `json:"authorization_endpoint"`
		TokenEndpoint         string   `json:"token_endpoint"`
		Scopes                []string `json:"scopes_supported"`
		Challenge             []string `json:"code_challenge_methods_supported"`
		Grants                []string `json:"grant_types_supported"`
	}
	f.client(t).json("/.well-known/oauth-authorization-server", &md)
	if md.AuthorizationEndpoint != md.Issuer+"/oauth/authorize" || md.TokenEndpoint != md.Issuer+"/oauth/token" ||
		strings.Join(md.Challenge, " ") != "S256" || strings.Join(md.Grants, " ") != "authorization_code refresh_token" ||
		!strings.Contains(strings.Join(md.Scopes, " "), "carbon") || strings.Contains(strings.Join(md.Scopes, " "), "openid") {
		t.Fatalf("metadata: %+v", md)
	}
}
