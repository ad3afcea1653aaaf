package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/benefits"
	"github.com/kori-project/kori/internal/storetest"
)

// TestBenefitsPage: the chain loads its scheme through the registry API; a
// month's run pays the members; each sees the months paid and this month
// against the tiers, in both languages; a member at none is told why they
// earn nothing.
func TestBenefitsPage(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	_, key, _ := f.db.CreateAPIKey(ctx, "erp", []string{kori.ScopeCatalogue})
	c := f.client(t)
	c.bearer = key
	scheme := `{"valid_from": "2016-01", "counts": "all", "tiers": [{"from_eur": 100, "rate_pct": 1}, {"from_eur": 600, "rate_pct": 3}, {"from_eur": 1000, "rate_pct": 5}]}`
	if rec := c.do("POST", "/api/v1/registry/scheme", strings.NewReader(scheme), http.Header{"Content-Type": {"application/json"}}); rec.Code != http.StatusOK {
		t.Fatalf("scheme upload: %d %s", rec.Code, rec.Body)
	}
	if rec := c.do("POST", "/api/v1/registry/scheme", strings.NewReader(`{"valid_from": "2016-01", "tiers": [{"from_eur": 100}]}`),
		http.Header{"Content-Type": {"application/json"}}); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "rate_pct") {
		t.Errorf("a tier without a rate: %d %s", rec.Code, rec.Body)
	}
	if _, err := benefits.Run(ctx, f.db, 202610, now, helsinki, nil); err != nil {
		t.Fatal(err)
	}
	m := f.members[kori.LevelProduct]
	sum, err := f.db.EligibleSum(ctx, m.ID, 202610)
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := f.db.Catalogue(ctx)
	rate, amount := cat.SchemeFor(202610).Benefit(sum)
	if amount == 0 {
		t.Fatalf("the fixture's member earned nothing in October (%s)", sum)
	}
	member := f.client(t)
	member.apiLogin(m.Email)
	var v struct {
		Scheme bool
		Months []struct {
			Month     string
			Purchases kori.Money `json:"purchases_cents"`
			RateBP    int64      `json:"rate_bp"`
			Amount    kori.Money `json:"amount_cents"`
		}
		SoFar kori.Money `json:"so_far_cents"`
	}
	member.json("/api/v1/me/benefits", &v)
	if !v.Scheme || len(v.Months) != 1 || v.Months[0].Month != "2026-10" || v.Months[0].Purchases != sum || v.Months[0].RateBP != rate || v.Months[0].Amount != amount {
		t.Errorf("benefits %+v, want October: %s at %d bp = %s", v, sum, rate, amount)
	}
	if nov, _ := f.db.EligibleSum(ctx, m.ID, 202611); v.SoFar != nov {
		t.Errorf("so far %s, want November's %s", v.SoFar, nov)
	}
	web := f.client(t)
	web.login(m.Email)
	for lang, words := range map[string][]string{"fi": {"Kanta-asiakasedut", "Maksetut kuukaudet", "2026-10"}, "en": {"Loyalty benefits", "Months paid", "2026-10"}} {
		web.cookies["kori_lang"] = lang
		body := web.get("/me/benefits").Body.String()
		for _, w := range words {
			if !strings.Contains(body, w) {
				t.Errorf("%s benefits page lacks %q", lang, w)
			}
		}
	}
	none := f.client(t)
	none.login(f.members[kori.LevelNone].Email)
	if body := none.get("/me/benefits").Body.String(); !strings.Contains(body, `href="/me/data"`) || !strings.Contains(body, "ei mitään") {
		t.Error("a member at none is not told why they earn nothing")
	}
}
