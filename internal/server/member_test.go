package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/password"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/server"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var helsinki, _ = time.LoadLocation("Europe/Helsinki")

// now is the fixtures' clock: late in 2026, so members have eleven full
// years of purchases behind them.
var now = time.Date(2026, 11, 15, 12, 0, 0, 0, helsinki)

// demoHash is the demo password hashed once for every fixture.
var demoHash = sync.OnceValue(func() string {
	h, err := password.Hash(demo.Password)
	if err != nil {
		panic(err)
	}
	return h
})

// fixture is a server over a small demo data set: one member at each level
// (the demo spreads levels over its first members), with purchases from 2015.
type fixture struct {
	srv     *server.Server
	db      *store.DB
	h       http.Handler
	svc     *ingest.Service
	members map[kori.Level]*kori.Member
}

func newFixture(t *testing.T, open storetest.Opener) *fixture {
	t.Helper()
	return newFixtureOf(t, open, demo.Options{Members: 5, Seed: 7})
}

// newFixtureOf is a fixture over a demo of the options' members and span
// (until the fixtures' clock).
func newFixtureOf(t *testing.T, open storetest.Opener, o demo.Options) *fixture {
	t.Helper()
	ctx := context.Background()
	db := open(t)
	clock := kori.FixedClock(now)
	db.Clock = clock
	svc := ingest.NewService(db, helsinki, clock)
	o.Until, o.Zone = now, helsinki
	if _, _, err := demo.Generate(ctx, db, svc, o, nil); err != nil {
		t.Fatal(err)
	}
	ids, err := db.MemberIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPasswords(ctx, ids, demoHash()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: svc, members: map[kori.Level]*kori.Member{}}
	for _, id := range ids {
		m, err := db.Member(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if f.members[m.Level] == nil {
			f.members[m.Level] = m
		}
	}
	if len(f.members) != 4 {
		t.Fatalf("demo has members at %d levels, want all 4", len(f.members))
	}
	srv := &server.Server{Store: db, Ingest: svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: clock, Zone: helsinki, Version: "test"}
	f.srv, f.h = srv, srv.Handler()
	return f
}

// client is a browser or app session against the fixture's handler.
type client struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
	bearer  string
	ip      string
}

func (f *fixture) client(t *testing.T) *client {
	return &client{t: t, h: f.h, cookies: map[string]string{}, ip: "192.0.2.1"}
}

func (c *client) do(method, path string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	c.t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = c.ip + ":1234"
	if body != nil && header == nil && strings.HasPrefix(path, "/api/") {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return rec
}

func (c *client) get(path string) *httptest.ResponseRecorder { return c.do("GET", path, nil, nil) }

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// form posts a form with the CSRF token of the page it came from.
func (c *client) form(page, path string, values url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	m := csrfInput.FindStringSubmatch(c.get(page).Body.String())
	if m == nil {
		c.t.Fatalf("%s has no CSRF field", page)
	}
	values.Set("csrf", m[1])
	return c.do("POST", path, strings.NewReader(values.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

func (c *client) login(email string) { c.t.Helper(); c.login2(email, demo.Password) }

// login2 logs in with the given password.
func (c *client) login2(email, password string) {
	c.t.Helper()
	rec := c.form("/login", "/login", url.Values{"email": {email}, "password": {password}, "next": {"/me"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/me" {
		c.t.Fatalf("login as %s: status %d, location %q; body %s", email, rec.Code, rec.Header().Get("Location"), rec.Body)
	}
}

func (c *client) apiLogin(email string) {
	c.t.Helper()
	rec := c.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, demo.Password)), nil)
	if rec.Code != http.StatusOK {
		c.t.Fatalf("API login: %d %s", rec.Code, rec.Body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Token == "" {
		c.t.Fatalf("API login answer %s: %v", rec.Body, err)
	}
	c.bearer = out.Token
}

func (c *client) json(path string, v any) {
	c.t.Helper()
	rec := c.get(path)
	if rec.Code != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
}

// memberRoutes are every member page and API route, with {id} for a receipt.
var memberRoutes = []string{
	"/me", "/me/receipts", "/me/receipts/{id}", "/me/spending", "/me/domestic", "/me/carbon", "/me/nutrition", "/me/data",
	"/me/access", "/me/consents/{seq}", "/me/offers", "/me/benefits", "/me/household",
	"/api/v1/me", "/api/v1/me/overview", "/api/v1/me/receipts", "/api/v1/me/receipts/{id}", "/api/v1/me/spending",
	"/api/v1/me/domestic", "/api/v1/me/carbon", "/api/v1/me/nutrition", "/api/v1/me/data", "/api/v1/me/access",
	"/api/v1/me/consents", "/api/v1/me/consents/{seq}", "/api/v1/me/offers", "/api/v1/me/benefits", "/api/v1/me/household",
}

// routePath fills a member route's parameters: a receipt id, and the
// first consent record, which every member has.
func routePath(route string, receipt int64) string {
	return strings.NewReplacer("{id}", fmt.Sprint(receipt), "{seq}", "1", "{year}", fmt.Sprint(now.Year())).Replace(route)
}

func receiptIDs(t *testing.T, db *store.DB, id kori.MemberID) []int64 {
	rs, err := db.ReceiptsByMember(context.Background(), id, kori.ReceiptFilter{Limit: 3})
	if err != nil || len(rs) == 0 {
		t.Fatalf("member %d has no receipts (%v)", id, err)
	}
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestMemberRoutesIsolation: without a session every member route refuses
// (the UI by sending to the login page); with one, a member reads only their
// own data, and another member's receipt is not found, exactly as a receipt
// that does not exist.
func TestMemberRoutesIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		f := newFixture(t, open)
		alice, bob := f.members[kori.LevelProduct], f.members[kori.LevelGroup]
		own, others := receiptIDs(t, f.db, alice.ID)[0], receiptIDs(t, f.db, bob.ID)[0]

		anon := f.client(t)
		for _, route := range memberRoutes {
			path := routePath(route, own)
			rec := anon.get(path)
			if strings.HasPrefix(route, "/api/") {
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("anonymous GET %s: %d, want 401", path, rec.Code)
				}
			} else if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
				t.Errorf("anonymous GET %s: %d to %q, want a redirect to the login page", path, rec.Code, rec.Header().Get("Location"))
			}
		}
		for _, api := range []bool{false, true} {
			c := f.client(t)
			if api {
				c.apiLogin(alice.Email)
			} else {
				c.login(alice.Email)
			}
			for _, route := range memberRoutes {
				if strings.HasPrefix(route, "/api/") != api {
					continue
				}
				path := routePath(route, own)
				if rec := c.get(path); rec.Code != http.StatusOK {
					t.Errorf("GET %s as its member: %d %s", path, rec.Code, rec.Body)
				}
				// A member id in the query is refused, naming the parameter: the session decides.
				if rec := c.get(path + "?member=" + fmt.Sprint(bob.ID)); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "member") {
					t.Errorf("GET %s?member=: %d, want 400 naming the parameter", path, rec.Code)
				}
				if strings.Contains(route, "{id}") || strings.Contains(route, "{seq}") {
					for _, id := range []string{fmt.Sprint(others), "999999999", "x"} {
						rec := c.get(strings.NewReplacer("{id}", id, "{seq}", id).Replace(route))
						if rec.Code != http.StatusNotFound {
							t.Errorf("GET %s with receipt %s of another member: %d, want 404", route, id, rec.Code)
						}
					}
				}
			}
			// The data page counts the member's own receipts, not anyone else's.
			var data struct{ Receipts int64 }
			if api {
				c.json("/api/v1/me/data", &data)
				held, _ := f.db.HeldData(context.Background(), alice.ID)
				if data.Receipts != held.Receipts {
					t.Errorf("data page shows %d receipts, member holds %d", data.Receipts, held.Receipts)
				}
			}
		}
	})
}

// TestAnalysesEqualRawLines recomputes the analyses of a product-level
// member from the raw receipt lines and the catalogue, without rollups, and
// compares them with what the API (and so the pages) show.
func TestAnalysesEqualRawLines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		f := newFixture(t, open)
		m := f.members[kori.LevelProduct]
		cat, err := f.svc.Catalogue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		receipts, err := f.db.ReceiptsByMember(ctx, m.ID, kori.ReceiptFilter{})
		if err != nil {
			t.Fatal(err)
		}
		lines, err := f.db.LinesByMember(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		year := map[int64]int{}
		type raw struct {
			amount, food, fiRaw, fiMade, foreign int64
			co2, energy, protein, fibre          float64
			receipts                             int
		}
		want := map[int]*raw{}
		get := func(y int) *raw {
			if want[y] == nil {
				want[y] = &raw{}
			}
			return want[y]
		}
		for _, r := range receipts {
			y := r.PurchasedAt.In(helsinki).Year()
			year[r.ID] = y
			get(y).receipts++
		}
		for _, l := range lines {
			w := get(year[l.ReceiptID])
			w.amount += int64(l.Amount)
			p := cat.Products[l.GTIN]
			if p == nil {
				continue
			}
			kg := l.Quantity * p.NetKg
			if p.Unit == kori.UnitKg {
				kg = l.Quantity
			}
			if cat.IsFood(p.Group) {
				w.food += int64(l.Amount)
				switch p.Origin {
				case kori.OriginFiRaw:
					w.fiRaw += int64(l.Amount)
				case kori.OriginFiMade:
					w.fiMade += int64(l.Amount)
				case kori.OriginForeign:
					w.foreign += int64(l.Amount)
				}
			}
			w.co2 += kg * p.KgCO2ePerKg
			if p.HasNutrients {
				w.energy += kg * 10 * p.Nutrients.EnergyKJ
				w.protein += kg * 10 * p.Nutrients.Protein
				w.fibre += kg * 10 * p.Nutrients.Fibre
			}
		}
		c := f.client(t)
		c.apiLogin(m.Email)
		var spending struct {
			ByYear []struct {
				Year     int
				Amount   int64 `json:"amount_cents"`
				Receipts int
			} `json:"by_year"`
		}
		var domestic struct {
			ByYear []struct {
				Year         int
				Food         int64   `json:"food_cents"`
				FinnishShare float64 `json:"finnish_share"`
				FiRawShare   float64 `json:"fi_raw_share"`
			} `json:"by_year"`
		}
		var carbon struct {
			ByYear []struct {
				Year int
				Kg   float64 `json:"kg_co2e"`
			} `json:"by_year"`
		}
		var nutrition struct {
			ByYear []struct {
				Year     int
				EnergyMJ float64 `json:"energy_mj"`
				ProteinE float64 `json:"protein_e_pct"`
				Fibre    float64 `json:"fibre_g_per_mj"`
			} `json:"by_year"`
		}
		c.json("/api/v1/me/spending", &spending)
		c.json("/api/v1/me/domestic", &domestic)
		c.json("/api/v1/me/carbon", &carbon)
		c.json("/api/v1/me/nutrition", &nutrition)
		if len(spending.ByYear) != len(want) || len(spending.ByYear) < 11 {
			t.Fatalf("spending has %d years, raw lines %d (want at least 11)", len(spending.ByYear), len(want))
		}
		close := func(what string, y int, got, exp float64) {
			if math.Abs(got-exp) > 1e-6*math.Max(1, math.Abs(exp)) {
				t.Errorf("%d %s: page %v, raw lines %v", y, what, got, exp)
			}
		}
		for i, s := range spending.ByYear {
			w := want[s.Year]
			close("amount", s.Year, float64(s.Amount), float64(w.amount))
			close("receipts", s.Year, float64(s.Receipts), float64(w.receipts))
			d := domestic.ByYear[i]
			close("food", d.Year, float64(d.Food), float64(w.food))
			known := float64(w.fiRaw + w.fiMade + w.foreign)
			close("finnish share", d.Year, d.FinnishShare, float64(w.fiRaw+w.fiMade)/known)
			close("fi raw share", d.Year, d.FiRawShare, float64(w.fiRaw)/known)
			close("kg CO2e", carbon.ByYear[i].Year, carbon.ByYear[i].Kg, w.co2)
			n := nutrition.ByYear[i]
			close("energy", n.Year, n.EnergyMJ, w.energy/1000)
			close("protein E%", n.Year, n.ProteinE, 100*w.protein*17/w.energy)
			close("fibre per MJ", n.Year, n.Fibre, w.fibre/(w.energy/1000))
		}
	})
}

// TestReturnShownWithItsSale: a return is listed as a return and its page
// links to the sale it gives back; its deposit and coupon lines are named.
func TestReturnShownWithItsSale(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]
	cards, _ := f.db.CardsOf(context.Background(), m.ID)
	cat, _ := f.db.Catalogue(context.Background())
	var gtin string
	for g := range cat.Products {
		gtin = g
		break
	}
	store := firstStore(cat)
	sale := fmt.Sprintf(`{"store":"%s","till":9,"receipt":"S-1","purchased_at":"2026-11-10T10:00:00+02:00","card":%q,"total":"2.10",`+
		`"lines":[{"gtin":%q,"quantity":1,"amount":"2.00"},{"kind":"deposit","quantity":1,"amount":"0.10"}]}`, store, cards[0].Number, gtin)
	ret := fmt.Sprintf(`{"kind":"return","store":"%s","till":9,"receipt":"R-1","purchased_at":"2026-11-12T10:00:00+02:00","card":%q,"total":"-2.00",`+
		`"original":{"store":"%s","till":9,"receipt":"S-1","business_day":"2026-11-10"},"lines":[{"gtin":%q,"quantity":-1,"amount":"-2.00"}]}`,
		store, cards[0].Number, store, gtin)
	var ps []ingest.Parsed
	for i, s := range []string{sale, ret} {
		ps = append(ps, ingest.ParseJSON([]byte(s), i+1))
	}
	res, err := f.svc.Ingest(context.Background(), ps)
	if err != nil || res[0].Status != ingest.StatusStored || res[1].Status != ingest.StatusStored {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	c := f.client(t)
	c.apiLogin(m.Email)
	var list struct {
		Receipts []struct {
			ID   int64
			Kind string
		}
	}
	c.json("/api/v1/me/receipts?month=2026-11", &list)
	var retID int64
	for _, r := range list.Receipts {
		if r.Kind == "return" {
			retID = r.ID
		}
	}
	var view struct {
		Kind       string
		OriginalID int64 `json:"original_id"`
	}
	c.json(fmt.Sprintf("/api/v1/me/receipts/%d", retID), &view)
	if retID == 0 || view.Kind != "return" || view.OriginalID == 0 {
		t.Errorf("return %d shown as %+v, want kind return linked to its sale", retID, view)
	}
	page := c.get(fmt.Sprintf("/me/receipts/%d", view.OriginalID)).Body.String()
	if !strings.Contains(page, "Panttimaksut") {
		t.Error("the sale's page does not name its deposit line")
	}
}

func firstStore(cat *kori.Catalogue) string {
	for id := range cat.Stores {
		return id
	}
	return ""
}

// TestCatalogueCorrectionReachesAnalyses: doubling a product's emission
// factor changes the product-level member's carbon page once recomputed,
// with the top products and the total from the same figures, and leaves
// the group-level member's figures as stored, with the page saying so.
func TestCatalogueCorrectionReachesAnalyses(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	prod, group := f.members[kori.LevelProduct], f.members[kori.LevelGroup]
	api := f.client(t)
	api.apiLogin(prod.Email)
	var before struct {
		Year        int
		Total       struct{ Kg float64 }
		TopProducts []struct {
			GTIN  string
			Kg    float64
			Share float64
		} `json:"top_products"`
	}
	api.json("/api/v1/me/carbon", &before)
	if len(before.TopProducts) == 0 {
		t.Fatal("no top products")
	}
	groupBefore, _ := f.db.RollupsByMember(ctx, group.ID)
	cat, _ := f.db.Catalogue(ctx)
	p := *cat.Products[before.TopProducts[0].GTIN]
	p.KgCO2ePerKg *= 2
	if err := f.db.UpsertProducts(ctx, []kori.Product{p}); err != nil {
		t.Fatal(err)
	}
	if pending, _ := f.db.RecomputePending(ctx); !pending {
		t.Fatal("a corrected emission factor left no recomputation pending")
	}
	cat, _ = f.db.Catalogue(ctx)
	if _, err := f.db.Recompute(ctx, cat, 0, nil); err != nil {
		t.Fatal(err)
	}
	if pending, _ := f.db.RecomputePending(ctx); pending {
		t.Error("still pending after the recomputation")
	}
	after := before
	after.TopProducts = nil
	api.json(fmt.Sprintf("/api/v1/me/carbon?year=%d", before.Year), &after)
	top := after.TopProducts[0]
	if after.Total.Kg-before.Total.Kg < before.TopProducts[0].Kg*0.99 {
		t.Errorf("total %.2f kg → %.2f kg after doubling the factor of a product with %.2f kg", before.Total.Kg, after.Total.Kg, before.TopProducts[0].Kg)
	}
	if top.Share > 1 || top.Kg > after.Total.Kg {
		t.Errorf("the top product has %.2f kg, %.0f %% of the total %.2f kg", top.Kg, top.Share*100, after.Total.Kg)
	}
	groupAfter, _ := f.db.RollupsByMember(ctx, group.ID)
	if len(groupAfter) != len(groupBefore) {
		t.Errorf("the group-level member has %d rollup rows, had %d", len(groupAfter), len(groupBefore))
	}
	for i := range groupBefore {
		if i < len(groupAfter) && fmt.Sprint(groupAfter[i]) != fmt.Sprint(groupBefore[i]) {
			t.Errorf("the group-level member's stored figures changed:\n%+v\n%+v", groupBefore[i], groupAfter[i])
			break
		}
	}
	c := f.client(t)
	c.login(group.Email)
	if !strings.Contains(c.get("/me/carbon").Body.String(), "myöhemmät tuoteluettelon korjaukset eivät muuta niitä") {
		t.Error("the group-level member's page does not say corrections do not reach their figures")
	}
}

// TestYearToDateComparesLikeWithLike: on 2 December the overview compares
// 1 January–2 December with 1 January–2 December of last year, says so,
// and both figures equal a recomputation from the receipts of those days.
func TestYearToDateComparesLikeWithLike(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	dec2 := time.Date(2026, 12, 2, 15, 0, 0, 0, helsinki)
	srv := &server.Server{Store: f.db, Ingest: f.svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: kori.FixedClock(dec2),
		Zone: helsinki, Version: "test"}
	c := &client{t: t, h: srv.Handler(), cookies: map[string]string{}, ip: "192.0.2.7"}
	m := f.members[kori.LevelProduct]
	c.apiLogin(m.Email)
	var v struct {
		Compared map[string]string
		ThisYear struct {
			Amount kori.Money `json:"amount_cents"`
		} `json:"this_year"`
		LastYear struct {
			Amount kori.Money `json:"amount_cents"`
		} `json:"last_year"`
	}
	c.json("/api/v1/me/overview", &v)
	if v.Compared["from"] != "2026-01-01" || v.Compared["to"] != "2026-12-02" || v.Compared["compared_from"] != "2025-01-01" ||
		v.Compared["compared_to"] != "2025-12-02" {
		t.Errorf("compared periods %v", v.Compared)
	}
	sum := func(from, to int) kori.Money {
		rs, _ := f.db.ReceiptsByMember(ctx, m.ID, kori.ReceiptFilter{Year: from / 10000})
		var s kori.Money
		for _, r := range rs {
			if r.Key.BusinessDay >= from && r.Key.BusinessDay <= to {
				s += r.Total
			}
		}
		return s
	}
	if want := sum(20260101, 20261202); v.ThisYear.Amount != want || want == 0 {
		t.Errorf("this year so far %s, the receipts of 1.1.–2.12.2026 sum to %s", v.ThisYear.Amount, want)
	}
	if want := sum(20250101, 20251202); v.LastYear.Amount != want {
		t.Errorf("last year to the same date %s, the receipts of 1.1.–2.12.2025 sum to %s", v.LastYear.Amount, want)
	}
	if whole := sum(20250101, 20251231); whole == v.LastYear.Amount {
		t.Error("last year's figure is the whole year: December 2025 after the 2nd is in it")
	}
	page := f.client(t)
	page.h = srv.Handler()
	page.login(m.Email)
	if body := page.get("/me").Body.String(); !strings.Contains(body, "1.1.2026–2.12.2026") || !strings.Contains(body, "1.1.2025–2.12.2025") {
		t.Error("the overview does not name the periods it compares")
	}
}

// TestCountriesByName: foreign products name their country in the
// reader's language, not by its code.
func TestCountriesByName(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	c.apiLogin(f.members[kori.LevelProduct].Email)
	var v struct {
		Year    int
		Foreign []struct {
			Country     string
			CountryName string `json:"country_name"`
		}
	}
	c.json("/api/v1/me/domestic?year=2025", &v)
	checked := 0
	for _, p := range v.Foreign {
		if p.Country == "ES" {
			checked++
			if p.CountryName != "Espanja" {
				t.Errorf("ES named %q in Finnish", p.CountryName)
			}
		}
	}
	en := f.client(t)
	en.apiLogin(f.members[kori.LevelProduct].Email)
	en.cookies["kori_lang"] = "en"
	var w struct {
		Foreign []struct {
			Country     string
			CountryName string `json:"country_name"`
		}
	}
	en.json("/api/v1/me/domestic?year=2025", &w)
	for _, p := range w.Foreign {
		if p.Country == "ES" && p.CountryName != "Spain" {
			t.Errorf("ES named %q in English", p.CountryName)
		}
	}
	if checked == 0 {
		t.Skip("no Spanish product among the member's foreign purchases of 2025")
	}
}

// TestNoDataIsNotZero: a member who shares only receipt totals gets, on the
// product-based pages, a note of what is not available and why, with the
// way to change it, not zeros and empty axes; the JSON says so too. (That a
// month without data is a gap, not a zero, is chart.TestGaps.)
func TestNoDataIsNotZero(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	for _, level := range []kori.Level{kori.LevelTotal, kori.LevelNone} {
		t.Run(string(level), func(t *testing.T) {
			c := f.client(t)
			c.login(f.members[level].Email)
			for _, page := range []string{"domestic", "carbon", "nutrition"} {
				body := c.get("/me/" + page).Body.String()
				if !strings.Contains(body, `href="/me/data#level"`) || strings.Contains(body, `role="img"`) {
					t.Errorf("%s: want the not-available note and no charts", page)
				}
				if strings.Contains(body, "0,0 %") || strings.Contains(body, "0 kg") {
					t.Errorf("%s shows a zero measurement", page)
				}
				var v struct{ Detailed *bool }
				c.json("/api/v1/me/"+page, &v)
				if v.Detailed == nil || *v.Detailed {
					t.Errorf("%s JSON: detailed = %v, want false", page, v.Detailed)
				}
			}
			overview := c.get("/me").Body.String()
			if strings.Contains(overview, "0,0 %") || strings.Contains(overview, "0 kg CO₂e") {
				t.Error("the overview shows shares and kilograms the member's level cannot have")
			}
		})
	}
}

// englishWords are words that are not Finnish: one of them in a Finnish page
// is text that was never translated. (Words both languages share, such as
// "on", "data" and "per", are left out.)
var englishWords = strings.Fields(`the and of or with your you from this that not is are was will
	raw level product products group groups total totals none receipt receipts store stores time card member members
	sums monthly summaries price quantity lines available page error search year years month months chart show change
	share shopping purchases spending beef cheese coffee milk lamb pork chicken potato cooked minced steak peeled whole
	skimmed pasteurised dried plain without skin meat bread flour juice water sugar oil fruit fruits vegetables other
	unknown domestic foreign carbon nutrition objects allows extended retention off choice leg fat ham`)

// TestFinnishPagesHaveNoEnglish opens every page a member sees, at every
// level, in Finnish, and fails on any English word outside what is marked as
// English (the language switch) and the sources' own names in attributions.
func TestFinnishPagesHaveNoEnglish(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	english := map[string]bool{}
	for _, w := range englishWords {
		english[w] = true
	}
	drop := regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<title>.*?</title>|<desc[ >].*?</desc>|<[a-z]+ [^>]*lang="en"[^>]*>.*?</[a-z]+>`)
	tag := regexp.MustCompile(`<[^>]*>`)
	// Names of sources and licences, and e-mail addresses, are what they are.
	names := regexp.MustCompile(`Our World in Data|Licence Ouverte|[^\s@]+@[^\s@]+`)
	word := regexp.MustCompile(`\p{L}+`)
	check := func(level, p, body string) {
		t.Helper()
		if !strings.Contains(body, `<html lang="fi">`) {
			t.Fatalf("%s is not in Finnish", p)
		}
		text := html.UnescapeString(tag.ReplaceAllString(drop.ReplaceAllString(body, " "), " "))
		text = names.ReplaceAllString(text, " ")
		seen := map[string]bool{}
		for _, w := range word.FindAllString(text, -1) {
			if lw := strings.ToLower(w); english[lw] && !seen[lw] {
				seen[lw] = true
				i := strings.Index(text, w)
				t.Errorf("%s (%s): English %q in %q", p, level, w, strings.Join(strings.Fields(text[max(0, i-60):min(len(text), i+60)]), " "))
			}
		}
	}
	// The privacy officer's pages, and the login pages before them.
	officer := f.client(t)
	officer.cookies["kori_lang"] = "fi"
	for _, p := range []string{"/login", "/admin/requests"} {
		check("anonymous", p, officer.get(p).Body.String())
	}
	_, key, err := f.db.CreateAPIKey(context.Background(), "officer", []string{kori.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	officer.form("/login", "/admin/login", url.Values{"key": {key}})
	for _, p := range []string{"/admin/requests", "/admin/processing"} {
		check("officer", p, officer.get(p).Body.String())
	}
	for _, level := range kori.Levels {
		c := f.client(t)
		c.cookies["kori_lang"] = "fi"
		c.login(f.members[level].Email)
		pages := []string{"/me", "/me/receipts", "/me/receipts?q=maito", "/me/spending", "/me/domestic", "/me/carbon", "/me/nutrition",
			"/me/data", "/me/access", "/me/offers", fmt.Sprintf("/transparency/%d", now.Year()), "/privacy", "/me/nowhere"}
		if level != kori.LevelNone {
			pages = append(pages, fmt.Sprintf("/me/receipts/%d", receiptIDs(t, f.db, f.members[level].ID)[0]))
		}
		for _, p := range pages {
			check(string(level), p, c.get(p).Body.String())
		}
	}
}

// TestReceiptSearchPagesThroughAll (every store): a search says how many receipts it
// found in all, pages through every one of them exactly once, newest first, and names
// for each receipt the lines that matched; the count is checked against the
// receipts' own lines.
func TestReceiptSearchPagesThroughAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		f := newFixture(t, open)
		ctx := context.Background()
		m := f.members[kori.LevelProduct]
		cat, err := f.db.Catalogue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{}
		all, err := f.db.ReceiptsByMember(ctx, m.ID, kori.ReceiptFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			d, err := f.db.ReceiptByID(ctx, m.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range d.Lines {
				// A product or its group by either name ("Maitotuotteet").
				p, g := cat.Products[l.GTIN], cat.Groups[l.Group]
				if strings.Contains(strings.ToLower(p.NameFi+" "+p.NameEn+" "+g.NameFi+" "+g.NameEn), "maito") {
					want[r.ID] = true
				}
			}
		}
		if len(want) <= 50 {
			t.Fatalf("the demo member has %d receipts with milk; the test needs more than a page", len(want))
		}
		c := f.client(t)
		c.login(m.Email)
		got := map[int64]bool{}
		var order []int64 // as the pages showed them
		for page := 1; ; page++ {
			var v struct {
				Found, Page, Pages int
				Receipts           []struct {
					ID      int64
					Matched []string
				}
			}
			c.json(fmt.Sprintf("/api/v1/me/receipts?q=maito&page=%d", page), &v)
			if v.Found != len(want) {
				t.Fatalf("found %d, want %d", v.Found, len(want))
			}
			for _, r := range v.Receipts {
				if got[r.ID] || !want[r.ID] {
					t.Errorf("receipt %d: shown twice or does not match", r.ID)
				}
				got[r.ID] = true
				order = append(order, r.ID)
				if len(r.Matched) == 0 || !strings.Contains(strings.ToLower(strings.Join(r.Matched, " ")), "maito") {
					t.Errorf("receipt %d: matched %q, want the milk lines", r.ID, r.Matched)
				}
			}
			if page >= v.Pages {
				break
			}
		}
		if len(got) != len(want) {
			t.Errorf("the pages showed %d receipts of %d", len(got), len(want))
		}
		// Newest first, as the member's history is listed.
		var history []int64
		for _, r := range all {
			if want[r.ID] {
				history = append(history, r.ID)
			}
		}
		if !slices.Equal(order, history) {
			t.Error("the pages do not list the matches newest first")
		}
		// A page past the last shows the last.
		var past struct {
			Page, Pages int
			Receipts    []struct{ ID int64 }
		}
		c.json("/api/v1/me/receipts?q=maito&page=9999", &past)
		if past.Page != past.Pages || len(past.Receipts) == 0 {
			t.Errorf("page 9999: page %d of %d with %d receipts, want the last page", past.Page, past.Pages, len(past.Receipts))
		}
		if body := c.get("/me/receipts?q=maito&page=2").Body.String(); !strings.Contains(body, `rel="prev"`) {
			t.Error("page 2 has no link back")
		}
	})
}

// TestListsEscapeNames: the tables and lists written in Go (lists.go) escape
// the names a chain's catalogue gives stores, groups and products, as the
// templates do, in the text and in a link's query.
func TestListsEscapeNames(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]
	api := f.client(t)
	api.apiLogin(m.Email)
	var carbon struct {
		Year        int
		TopProducts []struct{ GTIN string } `json:"top_products"`
	}
	api.json("/api/v1/me/carbon", &carbon)
	if len(carbon.TopProducts) == 0 {
		t.Fatal("no top products")
	}
	rs, err := f.db.ReceiptsByMember(ctx, m.ID, kori.ReceiptFilter{Limit: 1})
	if err != nil || len(rs) == 0 {
		t.Fatalf("no receipts (%v)", err)
	}
	cat, _ := f.db.Catalogue(ctx)
	const hostile = `<i id="x">"Q" & 'R'</i>`
	p := *cat.Products[carbon.TopProducts[0].GTIN]
	p.NameFi = "Tuote " + hostile
	g := *cat.Groups[p.Group]
	g.NameFi = "Ryhmä " + hostile
	s := *cat.Stores[rs[0].Key.Store]
	s.Name = "Kauppa " + hostile
	if err := f.db.UpsertProducts(ctx, []kori.Product{p}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.UpsertGroups(ctx, []kori.ProductGroup{g}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.UpsertStores(ctx, []kori.Store{s}); err != nil {
		t.Fatal(err)
	}
	escaped := `&lt;i id=&#34;x&#34;&gt;&#34;Q&#34; &amp; &#39;R&#39;&lt;/i&gt;`
	c := f.client(t)
	c.login(m.Email)
	month := rs[0].PurchasedAt.In(helsinki).Format("2006-01")
	year := rs[0].PurchasedAt.In(helsinki).Year()
	for _, page := range []struct{ path, name string }{
		{"/me/receipts?month=" + month, "Kauppa "},
		{fmt.Sprintf("/me/spending?year=%d", year), "Kauppa "},
		{fmt.Sprintf("/me/carbon?year=%d", carbon.Year), "Tuote "},
		{fmt.Sprintf("/me/carbon?year=%d", carbon.Year), "Ryhmä "},
	} {
		body := c.get(page.path).Body.String()
		if strings.Contains(body, `<i id="x">`) {
			t.Errorf("%s writes a name's markup unescaped", page.path)
		}
		if !strings.Contains(body, page.name+escaped) {
			t.Errorf("%s does not show %q escaped", page.path, page.name+hostile)
		}
	}
	spending := c.get(fmt.Sprintf("/me/spending?year=%d", carbon.Year)).Body.String()
	if link := `href="/me/receipts?q=` + url.QueryEscape("Ryhmä "+hostile); strings.Contains(spending, "Ryhmä "+escaped) &&
		!strings.Contains(spending, strings.ReplaceAll(link, "+", "%20")) {
		t.Errorf("the spending page's group link does not carry the group's name escaped (%s)", link)
	}
}
