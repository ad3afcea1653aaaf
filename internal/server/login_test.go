package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

func TestLoginLogoutAndCSRF(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]

	c := f.client(t)
	// A wrong password and an unknown e-mail get the same answer.
	for _, email := range []string{m.Email, "nobody@example.invalid"} {
		rec := c.form("/login", "/login", url.Values{"email": {email}, "password": {"wrong password"}})
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "Väärä sähköposti tai salasana") {
			t.Errorf("bad login for %s: %d", email, rec.Code)
		}
	}
	// A post without the CSRF token is refused, whatever the password.
	rec := c.do("POST", "/login", strings.NewReader(url.Values{"email": {m.Email}, "password": {"kori-demo"}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if rec.Code != http.StatusForbidden || c.cookies["kori_session"] != "" {
		t.Errorf("login without CSRF token: %d, session %q", rec.Code, c.cookies["kori_session"])
	}
	// A cross-site post is refused by its Fetch metadata before any handler.
	rec = c.do("POST", "/login", strings.NewReader("email=x"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"},
		"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", rec.Code)
	}

	// The next page after login stays on this site.
	rec = c.form("/login", "/login", url.Values{"email": {strings.ToUpper(m.Email)}, "password": {"kori-demo"}, "next": {"//evil.example/x"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/me" {
		t.Errorf("login with an off-site next: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	cookie := rec.Result().Cookies()
	var session *http.Cookie
	for _, ck := range cookie {
		if ck.Name == "kori_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || !strings.HasPrefix(session.Value, fmt.Sprint(m.ID)+".") {
		t.Fatalf("session cookie %+v", session)
	}
	if rec := c.get("/me"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<svg") {
		t.Errorf("overview after login: %d", rec.Code)
	}
	// Logging out needs the token too, and ends the session for good.
	stolen := c.cookies["kori_session"]
	if rec := c.do("POST", "/logout", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d, want 403", rec.Code)
	}
	if rec := c.form("/me", "/logout", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Errorf("logout: %d", rec.Code)
	}
	if rec := c.get("/me"); rec.Code != http.StatusSeeOther {
		t.Errorf("after logout /me: %d, want a redirect to login", rec.Code)
	}
	replay := f.client(t)
	replay.bearer = stolen
	if rec := replay.get("/api/v1/me"); rec.Code != http.StatusUnauthorized {
		t.Errorf("ended session reused: %d, want 401", rec.Code)
	}
	for _, forged := range []string{fmt.Sprint(m.ID) + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "1.x", "garbage", ""} {
		replay.bearer = forged
		if rec := replay.get("/api/v1/me"); rec.Code != http.StatusUnauthorized {
			t.Errorf("forged token %q: %d, want 401", forged, rec.Code)
		}
	}
}

func TestLoginRateLimited(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]
	c := f.client(t)
	var codes []int
	for i := 0; i < 7; i++ {
		rec := c.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"guess %d"}`, m.Email, i)), nil)
		codes = append(codes, rec.Code)
	}
	// Five tries per e-mail, then 429 even for the right password.
	want := []int{401, 401, 401, 401, 401, 429, 429}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("status codes %v, want %v", codes, want)
	}
	rec := c.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"kori-demo"}`, m.Email)), nil)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "wait a minute") {
		t.Errorf("right password after the limit: %d %s", rec.Code, rec.Body)
	}
	// Another e-mail from another address is not held back by this one.
	other := f.client(t)
	other.ip = "192.0.2.99"
	other.apiLogin(f.members[kori.LevelGroup].Email)
	// One address trying many e-mails is held back too.
	spray := f.client(t)
	spray.ip = "198.51.100.7"
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		rec := spray.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":"user%d@example.invalid","password":"x"}`, i)), nil)
		limited = rec.Code == http.StatusTooManyRequests
	}
	if !limited {
		t.Error("30 e-mails from one address were never rate-limited")
	}
}

// TestEveryLevel opens every page as a member of each level: all answer,
// and each level explains itself.
func TestEveryLevel(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	want := map[kori.Level]string{
		kori.LevelGroup: "tuoteryhmätasolla", kori.LevelTotal: "vain kuittien loppusummat", kori.LevelNone: "ettei ostotietoja kerätä",
	}
	for level, m := range f.members {
		c := f.client(t)
		c.login(m.Email)
		for _, p := range []string{"/me", "/me/receipts", "/me/spending", "/me/domestic", "/me/carbon", "/me/nutrition", "/me/data"} {
			rec := c.get(p)
			if rec.Code != http.StatusOK {
				t.Errorf("%s at level %s: %d", p, level, rec.Code)
				continue
			}
			if p != "/me/data" && want[level] != "" && !strings.Contains(rec.Body.String(), want[level]) {
				t.Errorf("%s at level %s does not explain the level", p, level)
			}
		}
		switch level {
		case kori.LevelGroup:
			// A group-level receipt shows sums per group, never products.
			id := receiptIDs(t, f.db, m.ID)[0]
			var r struct {
				Lines  []any
				Groups []struct{ Name string }
			}
			c.bearer = ""
			api := f.client(t)
			api.apiLogin(m.Email)
			api.json(fmt.Sprintf("/api/v1/me/receipts/%d", id), &r)
			if len(r.Lines) != 0 || len(r.Groups) == 0 {
				t.Errorf("group-level receipt: %d lines, %d groups", len(r.Lines), len(r.Groups))
			}
		case kori.LevelTotal:
			api := f.client(t)
			api.apiLogin(m.Email)
			var s struct {
				ByStore []struct{ Receipts int } `json:"by_store"`
			}
			api.json("/api/v1/me/spending", &s)
			if len(s.ByStore) == 0 {
				t.Error("total-level member sees no spending by store")
			}
		}
	}
}

func TestLanguages(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	c.login(f.members[kori.LevelProduct].Email)
	if body := c.get("/me/carbon").Body.String(); !strings.Contains(body, `lang="fi"`) || !strings.Contains(body, "Hiilijalanjälki") {
		t.Error("default language is not Finnish")
	}
	// Changes carry an arrow, and no escape sequence leaks into the page.
	if body := c.get("/me").Body.String(); !strings.Contains(body, `class="trend`) || strings.Contains(body, `\u00a0`) {
		t.Error("the overview's changes are not rendered as arrows and numbers")
	}
	en := c.do("GET", "/me/carbon", nil, http.Header{"Accept-Language": {"en-GB,en;q=0.9"}}).Body.String()
	if !strings.Contains(en, `lang="en"`) || !strings.Contains(en, "Carbon footprint") {
		t.Error("Accept-Language: en does not give English")
	}
	rec := c.get("/lang/en?next=/me/nutrition")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/me/nutrition" {
		t.Errorf("language switch: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if body := c.get("/me/nutrition").Body.String(); !strings.Contains(body, "Energy shares by year") {
		t.Error("the switch to English did not stick")
	}
	if rec := c.get("/lang/de"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown language: %d", rec.Code)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]
	other := f.client(t)
	other.apiLogin(m.Email)
	c := f.client(t)
	c.ip = "192.0.2.50"
	c.apiLogin(m.Email)
	for _, body := range []string{`{"current":"wrong one","new":"long enough"}`, `{"current":"kori-demo","new":"short"}`} {
		if rec := c.do("POST", "/api/v1/me/password", strings.NewReader(body), nil); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", body, rec.Code)
		}
	}
	rec := c.do("POST", "/api/v1/me/password", strings.NewReader(`{"current":"kori-demo","new":"a new secret"}`), nil)
	var out struct{ Token string }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.Token == "" {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	if rec := other.get("/api/v1/me"); rec.Code != http.StatusUnauthorized {
		t.Errorf("another device after the change: %d, want 401", rec.Code)
	}
	c.bearer = out.Token
	if rec := c.get("/api/v1/me"); rec.Code != http.StatusOK {
		t.Errorf("the new token: %d", rec.Code)
	}
	fresh := f.client(t)
	fresh.ip = "192.0.2.51"
	rec = fresh.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"a new secret"}`, m.Email)), nil)
	if rec.Code != http.StatusOK {
		t.Errorf("login with the new password: %d", rec.Code)
	}
	// The web form keeps the browser logged in.
	web := f.client(t)
	web.ip = "192.0.2.52"
	web.login2(m.Email, "a new secret")
	rec = web.form("/me/data", "/me/password", url.Values{"current": {"a new secret"}, "new": {"yet another one"}})
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "password=changed") {
		t.Errorf("form change: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if body := web.get("/me/data?password=changed").Body.String(); !strings.Contains(body, "Salasanasi on vaihdettu") {
		t.Error("the browser was logged out by its own password change")
	}
}
