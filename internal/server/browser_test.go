package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/benefits"
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
	skipOrFail(t, "browser tests need Chromium: apt-get install chromium (or set KORI_TEST_CHROMIUM to a Chrome binary)")
	return ""
}

// axeSource is axe-core, the accessibility checker the browser test injects
// into every page, installed by npm beside this test (make test and .ci/run
// do it).
func axeSource(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		skipOrFail(t, "browser tests need axe-core: npm ci --prefix internal/server/testdata/axe ("+err.Error()+")")
	}
	return string(b)
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// screens are the sizes every page is checked at: a phone and a desktop.
var screens = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"phone", 360, 780, true}, {"desktop", 1280, 900, false}}

// pageCheck runs in the page and reports what a reader would notice: a
// document wider than the screen, text rendered under 11 CSS px (SVG text
// scaled with its drawing), and axe-core's serious and critical violations.
const pageCheck = `(async () => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('title, desc, script, style, .skip')) continue;
    const rects = el.getClientRects();
    if (rects.length === 0) continue; // not rendered
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      if (m) size *= Math.hypot(m.a, m.b);
    }
    if (size < 11) small.push(node.textContent.trim().slice(0, 40) + ' (' + size.toFixed(1) + ' px)');
  }
  const result = await axe.run(document, {resultTypes: ['violations']});
  const violations = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' [' + v.impact + ']: ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
  return JSON.stringify({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    small: small.slice(0, 10), violations, lang: document.documentElement.lang,
    heading: (document.querySelector('main h1') || {}).textContent || '',
    text: document.querySelector('main') ? document.querySelector('main').innerText : ''});
})()`

type pageReport struct {
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Small       []string `json:"small"`
	Violations  []string `json:"violations"`
	Lang        string   `json:"lang"`
	Heading     string   `json:"heading"`
	Text        string   `json:"text"`
}

// viewport sets the screen: a phone is a touch screen that honours the
// page's viewport meta tag.
func viewport(width, height int64, mobile bool) chromedp.Action[chromedp.Void] {
	if mobile {
		return chromedp.EmulateViewport(width, height, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(width, height)
}

// browserPage is one page the browser test opens.
type browserPage struct {
	name, path string
	charts     int // at least, at the level product
}

// TestBrowser drives headless Chromium through the whole UI as a member of
// each level: it logs in, opens every page in Finnish and in English, on a
// phone (360 px) and a desktop (1280 px), and fails if a page is wider than
// the screen, renders text under 11 px, has a serious accessibility
// violation (axe-core), shows an untranslated message id, or answers with a
// server error. It saves a screenshot of every page (go test -artifacts keeps
// them in test-output/). There is no deadline but the test binary's own.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := findChromium(t)
	axe := axeSource(t)
	f := newFixture(t, storetest.OpenSQLite)
	// A scheme with a month paid, and the product and group members a
	// household that both share with, so that those pages show data.
	ctx := context.Background()
	if err := f.db.UpsertScheme(ctx, kori.BenefitScheme{ValidFrom: 201501, Tiers: []kori.BenefitTier{{FromCents: 10000, RateBP: 100}, {FromCents: 60000, RateBP: 300}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := benefits.Run(ctx, f.db, 202610, now, helsinki, nil); err != nil {
		t.Fatal(err)
	}
	a, b := f.members[kori.LevelProduct], f.members[kori.LevelGroup]
	if _, err := f.db.InviteToHousehold(ctx, a.ID, b.Email); err != nil {
		t.Fatal(err)
	}
	if h, err := f.db.HouseholdOf(ctx, b.ID); err != nil || len(h.Invites) != 1 {
		t.Fatalf("invitation: %+v %v", h, err)
	} else if err := f.db.AnswerInvite(ctx, b.ID, h.Invites[0].HouseholdID, true); err != nil {
		t.Fatal(err)
	}
	for _, id := range []kori.MemberID{a.ID, b.ID} {
		if err := f.db.SetSharing(ctx, id, true); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(f.h)
	defer ts.Close()
	for _, level := range kori.Levels {
		t.Run(string(level), func(t *testing.T) {
			m := f.members[level]
			pages := []browserPage{
				{"overview", "/me", 4}, {"receipts", "/me/receipts", 0}, {"search", "/me/receipts?q=maito", 0},
				{"spending", "/me/spending", 4}, {"domestic", "/me/domestic", 3}, {"carbon", "/me/carbon", 4},
				{"nutrition", "/me/nutrition", 3}, {"data", "/me/data", 0}, {"access", "/me/access", 0}, {"offers", "/me/offers", 0}, {"benefits", "/me/benefits", 0}, {"household", "/me/household", 1},
				{"transparency", fmt.Sprintf("/transparency/%d", now.Year()), 3}, {"privacy", "/privacy", 0}, {"notfound", "/me/nowhere", 0},
			}
			if level != kori.LevelNone {
				ids := receiptIDs(t, f.db, m.ID)
				pages = append(pages, browserPage{"receipt", fmt.Sprintf("/me/receipts/%d", ids[0]), 0})
			}
			browse(t, chromium, axe, ts.URL, m, pages)
		})
	}
}

// TestBrowserAnalyst opens the analysts' page in Chromium with an analytics
// key pasted into its login, in both languages on a phone and a desktop,
// with the same checks as the members' pages.
func TestBrowserAnalyst(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	chromium := findChromium(t)
	axe := axeSource(t)
	f := analystFixture(t)
	_, key, err := f.db.CreateAPIKey(context.Background(), "bi", []string{kori.ScopeAnalytics})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(f.h)
	defer ts.Close()
	ctx := newBrowser(t, chromium)
	dir := t.ArtifactDir()
	if err := chromedp.Do(ctx, viewport(screens[0].width, screens[0].height, screens[0].mobile),
		chromedp.Navigate(ts.URL+"/analytics"), chromedp.WaitVisible(chromedp.CSS("#key"))); err != nil {
		t.Fatal(err)
	}
	checkPage(t, ctx, axe, dir, "analyst", "fi", "phone", browserPage{name: "login"}, 0)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#key"), key), chromedp.Submit(chromedp.CSS("#key")),
		chromedp.WaitReady(chromedp.CSS("form.analyst-query"))); err != nil {
		t.Fatal(err)
	}
	pages := []browserPage{{"analyst-group", "/analytics?from=2026-06&to=2026-10&dim=group", 4}, {"analyst-city", "/analytics?from=2026-01&to=2026-10&by=year&dim=city", 4}}
	for _, lang := range []string{"fi", "en"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lang/"+lang+"?next=/analytics"), chromedp.WaitReady(chromedp.CSS(`html[lang="`+lang+`"] main h1`))); err != nil {
			t.Fatalf("switching to %s: %v", lang, err)
		}
		for _, screen := range screens {
			if err := chromedp.Do(ctx, viewport(screen.width, screen.height, screen.mobile)); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(ts.URL+p.path))
				if err != nil || resp.Status != 200 {
					t.Fatalf("%s %s: %v %v", lang, p.path, resp, err)
				}
				checkPage(t, ctx, axe, dir, "analyst", lang, screen.name, p, p.charts)
			}
		}
	}
}

// newBrowser starts a headless Chromium of the test's own, closed when the
// test ends.
func newBrowser(t *testing.T, chromium string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// browse logs in as m in a browser of its own and checks every page in both
// languages on both screens.
func browse(t *testing.T, chromium, axe, base string, m *kori.Member, pages []browserPage) {
	ctx := newBrowser(t, chromium)

	var mu sync.Mutex
	var failures []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if r, ok := ev.(*network.EventResponseReceived); ok && r.Response.Status >= 500 {
			mu.Lock()
			failures = append(failures, fmt.Sprintf("%d %s", r.Response.Status, r.Response.URL))
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	dir := t.ArtifactDir()
	// The login page is checked before logging in, on the phone.
	if err := chromedp.Do(ctx, viewport(screens[0].width, screens[0].height, screens[0].mobile),
		chromedp.Navigate(base+"/me/carbon"), chromedp.WaitVisible(chromedp.CSS("#email"))); err != nil {
		t.Fatal(err)
	}
	checkPage(t, ctx, axe, dir, m.Level, "login", "phone", browserPage{name: "login"}, 0)
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), m.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		// Only member pages have the navigation; the login page has a heading too.
		chromedp.WaitReady(chromedp.CSS("header details.menu")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if location, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(location, "/me/carbon") {
		t.Fatalf("after login the browser is at %s (%v), want the page it asked for", location, err)
	}
	// On the phone the navigation is a menu that opens without JavaScript.
	menu, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
	  const d = document.querySelector('header details.menu'), wide = document.querySelector('header nav.wide');
	  if (getComputedStyle(wide).display !== 'none') return 'the wide navigation shows on a phone';
	  d.querySelector('summary').click();
	  const links = [...d.querySelectorAll('nav a')].filter(a => a.getClientRects().length > 0);
	  return links.length >= 8 ? '' : 'the opened menu shows ' + links.length + ' links';
	})()`))
	if err != nil || menu != "" {
		t.Errorf("phone menu: %s %v", menu, err)
	}

	for _, lang := range []string{"fi", "en"} {
		// Switch with the page's own language link, as a member would.
		current, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if err != nil {
			t.Fatal(err)
		}
		if current.Value != lang {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.tools a[hreflang="`+lang+`"]`)), chromedp.WaitReady(chromedp.CSS(`html[lang="`+lang+`"] main h1`))); err != nil {
				t.Fatalf("switching to %s: %v", lang, err)
			}
		}
		for _, screen := range screens {
			if err := chromedp.Do(ctx, viewport(screen.width, screen.height, screen.mobile)); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+p.path))
				if err != nil {
					t.Fatalf("%s %s: %v", lang, p.path, err)
				}
				want := int64(200)
				if p.name == "notfound" {
					want = 404
				}
				if resp.Status != want {
					t.Errorf("%s %s: status %d, want %d", lang, p.path, resp.Status, want)
				}
				charts := 0
				if m.Level == kori.LevelProduct {
					charts = p.charts
				}
				r := checkPage(t, ctx, axe, dir, m.Level, lang, screen.name, p, charts)
				if r.Lang != lang {
					t.Errorf("%s %s: page language %q", lang, p.path, r.Lang)
				}
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("server errors: %v", failures)
	}
}

// checkPage checks the page the browser shows and saves its screenshot.
func checkPage(t *testing.T, ctx context.Context, axe, dir string, level kori.Level, lang, screen string, p browserPage, charts int) pageReport {
	t.Helper()
	where := fmt.Sprintf("%s %s %s", lang, screen, p.name)
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](axe+";\n"+pageCheck, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var r pageReport
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main figure svg.chart[role=img]').length - document.querySelectorAll('main figure svg.chart[role=img]:not(:is(.wide, .narrow))').length`))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('main svg.chart[role=img]:is(.wide, .narrow)')].filter(s => s.getClientRects().length > 0).length`))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s-%s-%s.png", level, lang, screen, p.name)), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if r.ScrollWidth > r.InnerWidth {
		t.Errorf("%s: the page is %d px wide on a %d px screen", where, r.ScrollWidth, r.InnerWidth)
	}
	if len(r.Small) > 0 {
		t.Errorf("%s: text under 11 px: %q", where, r.Small)
	}
	if len(r.Violations) > 0 {
		t.Errorf("%s: accessibility: %q", where, r.Violations)
	}
	if r.Heading == "" {
		t.Errorf("%s: no heading", where)
	}
	if strings.Contains(r.Text, "error.") || strings.Contains(r.Text, "nav.") {
		t.Errorf("%s: an untranslated message id shows: %.200s", where, r.Text)
	}
	// Each chart is drawn twice and exactly one drawing shows.
	if visible*2 != shown {
		t.Errorf("%s: %d chart drawings shown of %d, want half", where, visible, shown)
	}
	if visible < charts {
		t.Errorf("%s: %d charts, want at least %d", where, visible, charts)
	}
	return r
}
