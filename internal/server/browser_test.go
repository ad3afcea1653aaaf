package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/storetest"
)

// findChromium returns the browser for the browser tests, or skips the test
// with what to install; under CI a missing browser is a failure, because CI
// installs it.
func findChromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("KORI_TEST_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "browser tests need Chromium: apt-get install chromium (or set KORI_TEST_CHROMIUM to a Chrome binary)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestBrowser drives headless Chromium through the member UI: it logs in,
// opens every page in Finnish and in English, checks that charts, tables and
// numbers are there and that nothing answered with a server error, and saves
// a screenshot of each page (go test -artifacts keeps them).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := findChromium(t)
	f := newFixture(t, storetest.OpenSQLite)
	ts := httptest.NewServer(f.h)
	defer ts.Close()
	m := f.members[kori.LevelProduct]
	receipt := receiptIDs(t, f.db, m.ID)[0]

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 900), chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	defer cancelTimeout()

	var mu sync.Mutex
	var failures []string
	record := func(status int64, url string) {
		if status >= 500 {
			mu.Lock()
			failures = append(failures, fmt.Sprintf("%d %s", status, url))
			mu.Unlock()
		}
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if r, ok := ev.(*network.EventResponseReceived); ok {
			record(r.Response.Status, r.Response.URL)
		}
	}); err != nil {
		t.Fatal(err)
	}

	h1 := chromedp.CSS("main h1")
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/me/carbon"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), m.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		// Only member pages have the navigation; the login page has a heading too.
		chromedp.WaitVisible(chromedp.CSS("header nav")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if location, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(location, "/me/carbon") {
		t.Fatalf("after login the browser is at %s (%v), want the page it asked for", location, err)
	}

	pages := []struct {
		name, path string
		charts     int // at least
	}{
		{"overview", "/me", 4}, {"receipts", "/me/receipts", 0}, {"receipt", fmt.Sprintf("/me/receipts/%d", receipt), 0},
		{"search", "/me/receipts?q=maito", 0}, {"spending", "/me/spending", 4}, {"domestic", "/me/domestic", 3},
		{"carbon", "/me/carbon", 4}, {"nutrition", "/me/nutrition", 3}, {"data", "/me/data", 0}, {"access", "/me/access", 0}, {"offers", "/me/offers", 0},
		{"transparency", fmt.Sprintf("/transparency/%d", now.Year()), 3}, {"privacy", "/privacy", 0},
	}
	dir := t.ArtifactDir()
	for _, lang := range []string{"fi", "en"} {
		// Switch with the page's own language link, as a member would.
		current, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if err != nil {
			t.Fatal(err)
		}
		if current.Value != lang {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[hreflang="`+lang+`"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] main h1`))); err != nil {
				t.Fatalf("switching to %s: %v", lang, err)
			}
		}
		for _, p := range pages {
			resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(ts.URL+p.path))
			if err != nil {
				t.Fatalf("%s %s: %v", lang, p.path, err)
			}
			record(resp.Status, resp.URL)
			if resp.Status != 200 {
				t.Errorf("%s %s: status %d", lang, p.path, resp.Status)
			}
			htmlLang, err1 := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
			heading, err2 := chromedp.Run(ctx, chromedp.Text(h1))
			text, err3 := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			charts, err4 := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main svg.chart[role=img] > title').length`))
			tables, err5 := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main table').length`))
			cells, err6 := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('main td.num')].filter(td => /\d/.test(td.textContent)).length`))
			shot, err7 := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			for _, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
				if err != nil {
					t.Fatalf("%s %s: %v", lang, p.path, err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s.png", lang, p.name)), shot, 0o644); err != nil {
				t.Fatal(err)
			}
			if htmlLang.Value != lang {
				t.Errorf("%s %s: page language %q", lang, p.path, htmlLang.Value)
			}
			if charts < p.charts {
				t.Errorf("%s %s: %d charts, want at least %d", lang, p.path, charts, p.charts)
			}
			if p.name != "data" && p.name != "receipt" && p.name != "access" && p.name != "offers" && p.name != "privacy" && (tables == 0 || cells == 0) {
				t.Errorf("%s %s: %d tables with %d numeric cells", lang, p.path, tables, cells)
			}
			if strings.Contains(text, "error.") || strings.Contains(text, "nav.") {
				t.Errorf("%s %s: an untranslated message id shows: %.200s", lang, p.path, text)
			}
			if heading == "" {
				t.Errorf("%s %s: no heading", lang, p.path)
			}
		}
	}
	// The overview in the other language really is in it.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/me")); err != nil {
		t.Fatal(err)
	}
	if heading, err := chromedp.Run(ctx, chromedp.Text(h1)); err != nil || heading != "Your shopping at a glance" {
		t.Errorf("English overview heading %q (%v)", heading, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("server errors: %v", failures)
	}
}
