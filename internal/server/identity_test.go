package server_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	opstorage "github.com/zitadel/oidc/v3/example/server/storage"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/server"
	"github.com/kori-project/kori/internal/storetest"
)

// chainAccount is a customer account at the chain's OpenID provider.
type chainAccount struct {
	Username, Password, Email string
	EmailVerified             bool
}

// startIdentityProvider runs a real OpenID provider (the example provider
// of github.com/zitadel/oidc, with its login form) for the chain's
// customer accounts, with Kori registered as a client that returns to
// redirect. It returns the issuer.
func startIdentityProvider(t *testing.T, clientID, redirect string, accounts ...chainAccount) string {
	t.Helper()
	users := map[string]*opstorage.User{}
	for i, a := range accounts {
		id := "customer-" + string(rune('1'+i))
		users[id] = &opstorage.User{ID: id, Username: a.Username, Password: a.Password, Email: a.Email, EmailVerified: a.EmailVerified}
	}
	b, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := opstorage.StoreFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opstorage.RegisterClients(opstorage.WebClient(clientID, "kori-secret", redirect))
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = exampleop.SetupServer(issuer, opstorage.NewStorage(store), nil, false)
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

// serveKori runs the fixture's handler on a loopback port, with the chain's
// identity provider configured.
func serveKori(t *testing.T, f *fixture, identity func(koriURL string) *server.Identity) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	if identity != nil {
		id := identity(base)
		if err := id.Connect(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.srv.Identity = id
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: f.h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return base
}

var providerForm = regexp.MustCompile(`name="id" value="([^"]+)"`)

// loginAtChain logs in through Kori's "Log in with your customer account"
// with a browser-like client and returns where it ended and the page.
func loginAtChain(t *testing.T, kori, username, password string) (*http.Response, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	res, err := browser.Get(kori + "/login/oidc?next=/me/carbon")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, res)
	m := providerForm.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the provider's login form: %d %s", res.StatusCode, page)
	}
	res, err = browser.PostForm(res.Request.URL.Scheme+"://"+res.Request.URL.Host+"/login/username",
		url.Values{"id": {m[1]}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	return res, readAll(t, res)
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLoginWithChainIdentity: a member logs in with the chain's customer
// account (found by verified e-mail, or by a claim holding the member
// reference); an account with an unverified e-mail or no membership is
// told so and gets no session. On every store.
func TestLoginWithChainIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		f := newFixture(t, open)
		m := f.members[kori.LevelProduct]
		clientID := "kori-" + strings.ReplaceAll(t.Name(), "/", "-")
		base := serveKori(t, f, func(base string) *server.Identity {
			issuer := startIdentityProvider(t, clientID, base+"/login/oidc/callback",
				chainAccount{Username: "anna", Password: "verysecure", Email: strings.ToUpper(m.Email), EmailVerified: true},
				chainAccount{Username: "unverified", Password: "verysecure", Email: f.members[kori.LevelGroup].Email},
				chainAccount{Username: "stranger", Password: "verysecure", Email: "nobody@example.com", EmailVerified: true})
			return &server.Identity{Issuer: issuer, ClientID: clientID, ClientSecret: "kori-secret", Claim: "email", Name: "S-tili"}
		})
		res, page := loginAtChain(t, base, "anna", "verysecure")
		if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/me/carbon" || !strings.Contains(page, "/logout") {
			t.Fatalf("login with the chain's account ended at %s (%d)", res.Request.URL, res.StatusCode)
		}
		for _, who := range []string{"unverified", "stranger"} {
			res, page := loginAtChain(t, base, who, "verysecure")
			if res.StatusCode != http.StatusUnauthorized || res.Request.URL.Path != "/login/oidc/callback" || !strings.Contains(page, "ei ole liitetty") {
				t.Errorf("%s: ended at %s (%d)", who, res.Request.URL, res.StatusCode)
			}
		}
		// A callback this browser did not start (a forged state) is refused.
		res, err := http.Get(base + "/login/oidc/callback?state=forged&code=x")
		if err != nil {
			t.Fatal(err)
		}
		if page := readAll(t, res); res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "kesti liian kauan") {
			t.Fatalf("forged callback: %d %s", res.StatusCode, page)
		}
		// The login page offers the chain's account by name.
		res, err = http.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		if page := readAll(t, res); !strings.Contains(page, "Kirjaudu: S-tili") {
			t.Fatal("the login page does not offer the chain's account")
		}
	})
}
