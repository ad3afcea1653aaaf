package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/oauth"
	"github.com/kori-project/kori/internal/server"
	"github.com/kori-project/kori/internal/storetest"
)

// TestBrowserApp is the member's whole story with an app, in Chromium on a
// phone: the member logs in with the chain's customer account (a real
// OpenID provider); the example app (examples/app, built and run as a
// program) sends them to the consent screen, checked in Finnish and
// English; they allow it until revoked; the app prints their footprint
// by year; Who used my data names the app; they revoke it on My data; and
// the app's next run fails with Kori's 401.
func TestBrowserApp(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := findChromium(t)
	axe := axeSource(t)
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]
	base := serveKori(t, f, func(base string) *server.Identity {
		issuer := startIdentityProvider(t, "kori-browser", base+"/login/oidc/callback",
			chainAccount{Username: "anna", Password: "verysecure", Email: m.Email, EmailVerified: true})
		return &server.Identity{Issuer: issuer, ClientID: "kori-browser", ClientSecret: "kori-secret", Name: "S-tili"}
	})
	app, _, err := oauth.NewApp("Hiilivahti", "Vahti Oy", "https://vahti.example/privacy", []string{"http://127.0.0.1/callback"}, "carbon", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.RegisterApp(context.Background(), app, kori.Actor{Channel: "cli", Name: "admin"}); err != nil {
		t.Fatal(err)
	}
	dir := t.ArtifactDir()
	bin := filepath.Join(t.TempDir(), "app")
	if out, err := exec.Command("go", "build", "-o", bin, "../../examples/app").CombinedOutput(); err != nil {
		t.Fatalf("building the example app: %v\n%s", err, out)
	}
	tokenFile := filepath.Join(t.TempDir(), "token.json")

	ctx := newBrowser(t, chromium)
	// Log in with the chain's account, on a phone.
	if err := chromedp.Do(ctx, viewport(screens[0].width, screens[0].height, screens[0].mobile),
		chromedp.Navigate(base+"/login?next=/me/data"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/login/oidc"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/login/oidc"]`)), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "anna"), chromedp.SendKeys(chromedp.CSS("#password"), "verysecure"),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitReady(chromedp.CSS("section#apps"))); err != nil {
		t.Fatalf("logging in with the chain's account: %v", err)
	}
	if location, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(location, "/me/data") {
		t.Fatalf("after the chain's login the browser is at %s (%v)", location, err)
	}

	// The app asks; the member reads the consent screen in both languages
	// and allows it until revoked.
	cmd := exec.Command(bin, "-kori", base, "-client-id", app.ClientID, "-token-file", tokenFile, "-wait", "3m")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	var authURL string
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "http") {
			authURL = lines.Text()
			break
		}
	}
	if authURL == "" {
		t.Fatalf("the app printed no address to open; stderr: %s", stderr.String())
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL), chromedp.WaitVisible(chromedp.CSS(".consent form"))); err != nil {
		t.Fatalf("opening the app's address: %v", err)
	}
	for _, lang := range []string{"fi", "en"} {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.tools a[hreflang="`+lang+`"]`)),
			chromedp.WaitReady(chromedp.CSS(`html[lang="`+lang+`"] .consent form`))); err != nil {
			t.Fatalf("consent screen in %s: %v", lang, err)
		}
		for _, screen := range screens {
			if err := chromedp.Do(ctx, viewport(screen.width, screen.height, screen.mobile)); err != nil {
				t.Fatal(err)
			}
			r := checkPage(t, ctx, axe, dir, m.Level, lang, screen.name, browserPage{name: "consent"}, 0)
			if !strings.Contains(r.Text, "Hiilivahti") || !strings.Contains(r.Text, "Vahti Oy") {
				t.Errorf("%s consent screen does not name the app and its owner:\n%s", lang, r.Text)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#duration-until_revoked")),
		chromedp.Click(chromedp.CSS(`button[value="allow"]`)), chromedp.WaitNotPresent(chromedp.CSS(".consent"))); err != nil {
		t.Fatal(err)
	}
	if location, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasPrefix(location, "http://127.0.0.1:") || !strings.Contains(location, "/callback?") {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("after allowing, the browser is at %s (%v): %s", location, err, body)
	}
	var printed strings.Builder
	for lines.Scan() {
		printed.WriteString(lines.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the app failed: %v\n%s%s", err, printed.String(), stderr.String())
	}
	if !strings.Contains(printed.String(), "Year  kg CO2e") || !strings.Contains(printed.String(), fmt.Sprintf("\n%d ", now.Year())) {
		t.Fatalf("the app printed:\n%s", printed.String())
	}

	// Who used my data names the app; My data lists the grant.
	for _, p := range []browserPage{{name: "access-app", path: "/me/access"}, {name: "data-app", path: "/me/data"}} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitReady(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		if r := checkPage(t, ctx, axe, dir, m.Level, "en", "desktop", p, 0); !strings.Contains(r.Text, "Hiilivahti") {
			t.Errorf("%s does not name the app:\n%s", p.path, r.Text)
		}
	}
	// The member revokes; the app's next run fails with 401.
	// After the redirect back, the grant has no Revoke button any more.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action^="/me/apps/"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action^="/me/apps/"]`))); err != nil {
		t.Fatal(err)
	}
	again := exec.Command(bin, "-kori", base, "-client-id", app.ClientID, "-token-file", tokenFile, "-wait", "5s")
	out, err := again.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Fatalf("the app after revocation: %v\n%s", err, out)
	}
}
