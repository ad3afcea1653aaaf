package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/storetest"
)

// analystFixture is a demo of 20 members from June 2026: enough for the
// chain's monthly totals to pass k = 10, too few for most smaller cells.
func analystFixture(t *testing.T) *fixture {
	return newFixtureOf(t, storetest.OpenSQLite, demo.Options{Members: 20, Seed: 7, From: time.Date(2026, 6, 1, 0, 0, 0, 0, helsinki)})
}

// TestAnalystAPI: only analytics keys get answers; the monthly totals equal
// the sums of the allowed members' own rollups; the answer comes as JSON,
// CSV and Parquet; an analytics key reads no member's data; every query is
// counted in the transparency report.
func TestAnalystAPI(t *testing.T) {
	ctx := context.Background()
	f := analystFixture(t)
	_, key, _ := f.db.CreateAPIKey(ctx, "bi", []string{kori.ScopeAnalytics})
	_, tills, _ := f.db.CreateAPIKey(ctx, "tills", []string{kori.ScopeIngest})
	c := f.client(t)
	path := "/api/v1/analytics/figures?from=2026-06&to=2026-10"
	if rec := c.get(path); rec.Code != http.StatusUnauthorized {
		t.Errorf("analytics without a key: %d, want 401", rec.Code)
	}
	c.bearer = tills
	if rec := c.get(path); rec.Code != http.StatusForbidden {
		t.Errorf("analytics with an ingest key: %d, want 403", rec.Code)
	}
	c.bearer = key
	rec := c.get(path)
	if rec.Code != http.StatusOK {
		t.Fatalf("figures: %d %s", rec.Code, rec.Body)
	}
	var a struct {
		K    int64
		Rows []struct {
			Period     string
			Key        string
			Suppressed bool
			Values     *struct {
				Members  int64
				SalesEUR float64 `json:"sales_eur"`
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	// The expected: each allowed member's own monthly rollups, summed.
	ids, err := f.db.MemberIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sales, members := map[string]float64{}, map[string]int64{}
	for _, id := range ids {
		m, err := f.db.Member(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Allows(kori.PurposeAnalytics) != nil {
			continue
		}
		months, err := f.db.RollupTotals(ctx, id, kori.TotalsByMonth, 2026)
		if err != nil {
			t.Fatal(err)
		}
		for _, mo := range months {
			if mo.Month >= 6 && mo.Month <= 10 {
				p := time.Date(2026, time.Month(mo.Month), 1, 0, 0, 0, 0, helsinki).Format("2006-01")
				sales[p] += float64(mo.Figures.Amount) / 100
				members[p]++
			}
		}
	}
	shown := 0
	for _, r := range a.Rows {
		if r.Period == "" || r.Suppressed {
			continue
		}
		shown++
		if r.Values.Members != members[r.Period] || math.Abs(r.Values.SalesEUR-sales[r.Period]) > 0.005 {
			t.Errorf("%s: %d members, %.2f €; the members' own rollups give %d, %.2f €", r.Period, r.Values.Members, r.Values.SalesEUR, members[r.Period], sales[r.Period])
		}
		if r.Values.Members < a.K {
			t.Errorf("%s shown from %d members, below k = %d", r.Period, r.Values.Members, a.K)
		}
	}
	if shown == 0 {
		t.Fatalf("no month shown; the fixture is meant to pass k: %s", rec.Body)
	}

	// Formats, and a wrong one.
	if rec := c.get(path + "&format=csv"); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(rec.Body.String(), "period,key,suppressed,members,sales_eur,receipts,basket_eur,food_eur,") {
		t.Errorf("CSV: %d %q", rec.Code, firstLine(rec.Body.String()))
	}
	if rec := c.get(path + "&format=parquet"); rec.Code != http.StatusOK || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PAR1")) {
		t.Errorf("Parquet: %d %q", rec.Code, firstLine(rec.Body.String()))
	}
	if rec := c.get(path + "&format=xml"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "format") {
		t.Errorf("format=xml: %d %s", rec.Code, rec.Body)
	}
	if rec := c.get("/api/v1/analytics/figures?from=2026-13"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "from must be") {
		t.Errorf("from=2026-13: %d %s", rec.Code, rec.Body)
	}

	// No answer names a member, card or receipt (and the distributions
	// spend no budget: the key has none).
	var bodies strings.Builder
	for _, p := range []string{path + "&dim=group", path + "&dim=store", path + "&dim=city&by=year", path + "&format=csv",
		"/api/v1/analytics/distribution?from=2026-06&to=2026-10", "/api/v1/analytics/distribution?measure=finnish_share", "/api/v1/analytics/members"} {
		rec := c.get(p)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
		}
		bodies.Write(rec.Body.Bytes())
	}
	all := bodies.String()
	for _, id := range ids {
		m, _ := f.db.Member(ctx, id)
		cards, _ := f.db.CardsOf(ctx, id)
		receipts, _ := f.db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{})
		// Receipt numbers are short digits that any figure may contain by
		// chance; a receipt is named by its whole key.
		needles := []string{m.Email, m.Ref}
		for _, card := range cards {
			needles = append(needles, card.Number)
		}
		for _, r := range receipts {
			needles = append(needles, kori.OriginalKey(r.Key))
		}
		for _, n := range needles {
			if n != "" && strings.Contains(all, n) {
				t.Errorf("an analytics answer contains %q of member %d", n, id)
			}
		}
	}
	if strings.Contains(all, "member_id") {
		t.Error("an analytics answer has a member_id field")
	}

	// The analytics key reads no member's data.
	if rec := c.get("/api/v1/me"); rec.Code != http.StatusUnauthorized {
		t.Errorf("/api/v1/me with an analytics key: %d, want 401", rec.Code)
	}
	if rec := c.get("/api/v1/offers?member=1"); rec.Code != http.StatusForbidden {
		t.Errorf("offers with an analytics key: %d, want 403", rec.Code)
	}

	// Counted in the transparency report: 4 figures + 7 above, the bad ones not.
	var tr struct {
		Analytics struct{ Queries, Keys int }
	}
	c.bearer = ""
	if err := json.Unmarshal(c.get("/api/v1/transparency/2026").Body.Bytes(), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Analytics.Queries != 10 || tr.Analytics.Keys != 1 {
		t.Errorf("transparency report counts %+v, want 10 queries by 1 key", tr.Analytics)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestAnalystPrivacyBudget: a key held to differential privacy gets noisy
// answers that say what they spent, no distributions, and nothing past its
// budget.
func TestAnalystPrivacyBudget(t *testing.T) {
	ctx := context.Background()
	f := analystFixture(t)
	k, key, _ := f.db.CreateAPIKey(ctx, "research", []string{kori.ScopeAnalytics})
	if err := f.db.SetKeyPrivacy(ctx, k.ID, 1, 1.5); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.bearer = key
	rec := c.get("/api/v1/analytics/figures?by=year&from=2026-01&to=2026-10")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"differential_privacy":{"epsilon":1,`) || strings.Contains(rec.Body.String(), `"rows"`) {
		t.Errorf("noisy figures: %d %s", rec.Code, rec.Body)
	}
	if rec := c.get("/api/v1/analytics/distribution"); rec.Code != http.StatusForbidden {
		t.Errorf("a distribution for a noisy key: %d, want 403", rec.Code)
	}
	if rec := c.get("/api/v1/analytics/figures?by=year&from=2026-01&to=2026-10"); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "budget") {
		t.Errorf("past the budget: %d %s", rec.Code, rec.Body)
	}
}

// TestAnalystPage: the analysts' page opens with an analytics key pasted
// into its login, shows charts and tables in both languages, and downloads
// the same answers.
func TestAnalystPage(t *testing.T) {
	ctx := context.Background()
	f := analystFixture(t)
	_, key, _ := f.db.CreateAPIKey(ctx, "bi", []string{kori.ScopeAnalytics})
	_, admin, _ := f.db.CreateAPIKey(ctx, "officer", []string{kori.ScopeAdmin})
	c := f.client(t)
	if rec := c.get("/analytics"); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `action="/analytics/login"`) {
		t.Fatalf("analytics page without a key: %d", rec.Code)
	}
	if rec := c.form("/analytics", "/analytics/login", url.Values{"key": {admin}}); rec.Code != http.StatusUnauthorized {
		t.Errorf("an admin key opened the analysts' page: %d", rec.Code)
	}
	if rec := c.form("/analytics", "/analytics/login", url.Values{"key": {key}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("analyst login: %d %s", rec.Code, rec.Body)
	}
	for lang, words := range map[string][]string{"fi": {"Analytiikka", "Jäseniä", "Tuoteryhmä"}, "en": {"Analytics", "Members", "Product group"}} {
		c.cookies["kori_lang"] = lang
		rec := c.get("/analytics?from=2026-06&to=2026-10&dim=group")
		body := rec.Body.String()
		if rec.Code != http.StatusOK || strings.Count(body, "<svg") < 3 {
			t.Fatalf("%s page: %d, %d charts", lang, rec.Code, strings.Count(body, "<svg"))
		}
		for _, w := range words {
			if !strings.Contains(body, w) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
	}
	if rec := c.get("/analytics/export?from=2026-06&to=2026-10&dim=total&format=csv"); rec.Code != http.StatusOK ||
		!strings.HasPrefix(rec.Body.String(), "period,key,suppressed,") {
		t.Errorf("export: %d %q", rec.Code, firstLine(rec.Body.String()))
	}
	if rec := c.form("/analytics", "/analytics/logout", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Errorf("logout: %d", rec.Code)
	}
	if rec := c.get("/analytics"); rec.Code != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", rec.Code)
	}
}

// TestMembersCompareThemselves: each analysis page shows the member's own
// value of the year beside the members who allow analytics; a member who
// objects still sees it but is not counted in it.
func TestMembersCompareThemselves(t *testing.T) {
	ctx := context.Background()
	f := analystFixture(t)
	m := f.members[kori.LevelProduct]
	if _, _, err := f.db.ChangeChoice(ctx, m.ID, kori.Choice{Kind: kori.ConsentAnalytics, To: "objects"}, kori.Actor{Channel: "web", Name: "member"}, nil); err != nil {
		t.Fatal(err)
	}
	// Who has a Finnish share in 2026, recomputed from each member's rollups.
	ids, err := f.db.MemberIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counted := int64(0)
	for _, id := range ids {
		mm, _ := f.db.Member(ctx, id)
		rows, _ := f.db.RollupTotals(ctx, id, kori.TotalsByYear, 2026)
		if mm.Allows(kori.PurposeAnalytics) == nil && len(rows) == 1 && rows[0].Figures.FiRaw+rows[0].Figures.FiMade+rows[0].Figures.Foreign > 0 {
			counted++
		}
	}
	c := f.client(t)
	c.apiLogin(m.Email)
	var v struct {
		Total struct {
			FinnishShare float64 `json:"finnish_share"`
		}
		Peers *struct {
			Year, Members, K int64
			You, Median      float64
			P25, P75         float64
			Suppressed       bool
		}
	}
	c.json("/api/v1/me/domestic?year=2026", &v)
	if v.Peers == nil || v.Peers.Suppressed || v.Peers.Year != 2026 || v.Peers.You != v.Total.FinnishShare || v.Peers.Members != counted ||
		!(v.Peers.P25 <= v.Peers.Median && v.Peers.Median <= v.Peers.P75) {
		t.Errorf("domestic comparison %+v (own share %v); want the %d members who allow analytics, without this one", v.Peers, v.Total.FinnishShare, counted)
	}
	for _, page := range []string{"spending", "carbon", "nutrition"} {
		var p struct{ Peers *struct{ Members int64 } }
		c.json("/api/v1/me/"+page+"?year=2026", &p)
		if p.Peers == nil || p.Peers.Members < 10 {
			t.Errorf("%s: comparison %+v", page, p.Peers)
		}
	}
	web := f.client(t)
	web.login(m.Email)
	if body := web.get("/me/domestic?year=2026").Body.String(); !strings.Contains(body, "Sinä ja muut jäsenet") || !strings.Contains(body, `id="peers-t"`) {
		t.Error("the domestic page does not show the comparison")
	}
}

// TestComparisonComputedOnce: the chain's distribution is the same for
// every member, so members who open their pages at the same moment (after a
// start, or when it has expired) share one computation of it instead of each
// running the chain-wide query, and the log counts one analytics query.
func TestComparisonComputedOnce(t *testing.T) {
	ctx := context.Background()
	f := analystFixture(t)
	queries := func() int {
		events, err := f.db.AuditEvents(ctx, []string{kori.AuditAnalyticsQuery}, time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		return len(events)
	}
	const members = 8
	first := f.client(t)
	first.apiLogin(f.members[kori.LevelProduct].Email)
	var clients []*client
	for range members {
		c := f.client(t) // one each: a client's cookies are not shared
		c.bearer = first.bearer
		clients = append(clients, c)
	}
	before := queries()
	start := make(chan struct{})
	codes := make(chan int, members)
	for _, c := range clients {
		go func() {
			<-start
			codes <- c.get("/api/v1/me/carbon?year=2026").Code
		}()
	}
	close(start)
	for range members {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("carbon page: %d", code)
		}
	}
	if n := queries() - before; n != 1 {
		t.Errorf("%d members opening the carbon page at once ran %d analytics queries, want 1", members, n)
	}
}
