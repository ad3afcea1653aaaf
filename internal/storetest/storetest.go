// Package storetest is the contract every Kori database must meet. The same
// suite runs against SQLite always and PostgreSQL when one is available, so
// the two cannot drift apart.
package storetest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/store"
)

// Opener returns a fresh, migrated, empty database for one test.
type Opener func(t *testing.T) *store.DB

// Run runs the whole contract suite.
func Run(t *testing.T, open Opener) {
	t.Run("Migrate", func(t *testing.T) { testMigrate(t, open) })
	t.Run("Catalogue", func(t *testing.T) { testCatalogue(t, open) })
	t.Run("Members", func(t *testing.T) { testMembers(t, open) })
	t.Run("WriteReceipts", func(t *testing.T) { testWriteReceipts(t, open) })
	t.Run("APIKeys", func(t *testing.T) { testAPIKeys(t, open) })
	t.Run("MemberReads", func(t *testing.T) { testMemberReads(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
}

var ctx = context.Background()

// Jan is a fixed instant used as "now" by the suite.
var Jan = time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)

func testMigrate(t *testing.T, open Opener) {
	db := open(t)
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 0 {
		t.Errorf("second migrate applied %v, want nothing", applied)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after migrate: %v", err)
	}
}

// Seed writes a small catalogue: two food groups, a non-food group, one store
// and three products, and returns it.
func Seed(t *testing.T, db *store.DB) {
	t.Helper()
	must(t, db.UpsertGroups(ctx, []kori.ProductGroup{
		{Code: "dairy", NameFi: "Maito", NameEn: "Dairy", Food: true},
		{Code: "meat", NameFi: "Liha", NameEn: "Meat", Food: true},
		{Code: "household", NameFi: "Koti", NameEn: "Household", Food: false},
		{Code: kori.UnknownGroup, NameFi: "Tuntematon", NameEn: "Unknown", Food: false},
	}))
	must(t, db.UpsertStores(ctx, []kori.Store{{ID: "S1", Name: "Store One", City: "Helsinki"}}))
	must(t, db.UpsertProducts(ctx, []kori.Product{
		{GTIN: "6400000000019", NameFi: "Maito", NameEn: "Milk", Group: "dairy", Origin: kori.OriginFiRaw, Country: "FI",
			Unit: kori.UnitPiece, NetKg: 1, KgCO2ePerKg: 1.3, HasNutrients: true,
			Nutrients: kori.Nutrients{EnergyKJ: 190, Protein: 3, Fat: 1.5, SatFat: 1, Carb: 4.8, Sugars: 4.8, Salt: 0.1}, NutriGrade: "B"},
		{GTIN: "6400000000026", NameFi: "Jauheliha", NameEn: "Mince", Group: "meat", Origin: kori.OriginForeign, Country: "IE",
			Unit: kori.UnitKg, NetKg: 1, KgCO2ePerKg: 35.7},
		{GTIN: "6400000000033", NameFi: "Saippua", NameEn: "Soap", Group: "household", Origin: kori.OriginFiMade, Unit: kori.UnitPiece},
	}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testCatalogue(t *testing.T, open Opener) {
	db := open(t)
	v0, err := db.CatalogueVersion(ctx)
	must(t, err)
	Seed(t, db)
	cat, err := db.Catalogue(ctx)
	must(t, err)
	if cat.Version <= v0 {
		t.Errorf("catalogue version %d did not increase from %d", cat.Version, v0)
	}
	if got := len(cat.Products); got != 3 {
		t.Errorf("products = %d, want 3", got)
	}
	milk := cat.Products["6400000000019"]
	if milk == nil || milk.Nutrients.Fat != 1.5 || milk.Origin != kori.OriginFiRaw || !milk.HasNutrients || milk.NutriGrade != "B" {
		t.Errorf("milk round trip = %+v", milk)
	}
	if !cat.IsFood("dairy") || cat.IsFood("household") || cat.IsFood("nope") {
		t.Errorf("IsFood wrong: dairy %v household %v", cat.IsFood("dairy"), cat.IsFood("household"))
	}
	// Upsert changes in place.
	p := *milk
	p.NameEn = "Semi-skimmed milk"
	must(t, db.UpsertProducts(ctx, []kori.Product{p}))
	cat, _ = db.Catalogue(ctx)
	if cat.Products[p.GTIN].NameEn != "Semi-skimmed milk" || len(cat.Products) != 3 {
		t.Errorf("upsert did not update in place: %+v", cat.Products[p.GTIN])
	}
	// A product in a missing group is refused.
	p.GTIN, p.Group = "6400000000040", "nope"
	if err := db.UpsertProducts(ctx, []kori.Product{p}); kori.ErrorCode(err) != kori.EINVALID {
		t.Errorf("product in unknown group: err = %v, want invalid", err)
	}
}

func testMembers(t *testing.T, open Opener) {
	db := open(t)
	joined := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC)
	ids, err := db.ImportMembers(ctx, []kori.Enrolment{
		{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}, {Number: "1002", Status: kori.CardClosed, ClosedAt: joined.AddDate(1, 0, 0)}}, JoinedAt: joined},
		{Ref: "B", Level: kori.LevelTotal, Cards: []kori.Card{{Number: "2001", Status: kori.CardActive}}, JoinedAt: joined, ObjectsPersonalisation: true},
	}, "test")
	must(t, err)
	if ids[0] == ids[1] || ids[0] == 0 {
		t.Fatalf("ids = %v", ids)
	}
	// Importing again changes nothing and returns the same ids.
	again, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "B", Level: kori.LevelProduct}}, "test")
	must(t, err)
	if again[0] != ids[1] {
		t.Errorf("re-import id = %d, want %d", again[0], ids[1])
	}
	b, err := db.Member(ctx, ids[1])
	must(t, err)
	if b.Level != kori.LevelTotal || !b.ObjectsPersonalisation || b.ObjectsAnalytics {
		t.Errorf("member B = %+v: an import must not change the member's own choices", b)
	}
	hs, err := db.CardHolders(ctx, []string{"1001", "1002", "2001", "9999"})
	must(t, err)
	if len(hs) != 3 {
		t.Fatalf("holders = %v, want 3 (unknown card absent)", hs)
	}
	if h := hs["1002"]; h.MemberID != ids[0] || h.Status != kori.CardClosed || !h.ClosedAt.Equal(joined.AddDate(1, 0, 0)) {
		t.Errorf("closed card holder = %+v", h)
	}
	if h := hs["2001"]; h.Level != kori.LevelTotal {
		t.Errorf("holder level = %s, want total", h.Level)
	}
	lvl, err := db.LevelAt(ctx, ids[1], joined.AddDate(-1, 0, 0))
	must(t, err)
	if lvl != kori.LevelTotal {
		t.Errorf("level before joining = %s, want the first level, total", lvl)
	}
	// A card may not move silently to another member.
	_, err = db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A", Cards: []kori.Card{{Number: "2001", Status: kori.CardActive}}}}, "test")
	if kori.ErrorCode(err) != kori.ECONFLICT {
		t.Errorf("stealing a card: err = %v, want conflict", err)
	}
	if _, err := db.Member(ctx, 987654); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("missing member: err = %v, want not found", err)
	}
}

func testWriteReceipts(t *testing.T, open Opener) {
	db := open(t)
	Seed(t, db)
	ids, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}}}, "test")
	must(t, err)
	at := time.Date(2024, 12, 31, 22, 30, 0, 0, time.UTC) // 00:30 on 1 Jan 2025 in Helsinki
	milk := kori.Figures{Lines: 1, Amount: 120, Quantity: 1, NetGrams: 1000, Food: 120, FiRaw: 120, CO2eGrams: 1300}
	receipt := func(no string, grain kori.Level) kori.StoredReceipt {
		r := kori.StoredReceipt{MemberID: ids[0], Card: "1001", Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: no, BusinessDay: 20250101},
			Year: 2025, Month: 1, PurchasedAt: at, Total: 120, Grain: grain}
		switch grain {
		case kori.LevelProduct:
			r.Lines = []kori.StoredLine{{Line: kori.Line{GTIN: "6400000000019", Quantity: 1, Amount: 120}, Group: "dairy", Known: true, Figures: milk}}
		case kori.LevelGroup:
			r.Groups = []kori.GroupSum{{Group: "dairy", Figures: milk}}
		}
		return r
	}
	out, err := db.WriteReceipts(ctx, []kori.StoredReceipt{receipt("1", kori.LevelProduct), receipt("2", kori.LevelGroup), receipt("3", kori.LevelTotal), receipt("4", kori.LevelNone), receipt("1", kori.LevelProduct)})
	must(t, err)
	want := []kori.WriteOutcome{kori.Stored, kori.Stored, kori.Stored, kori.CardUse, kori.Duplicate}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("outcome %d = %v, want %v", i, out[i], want[i])
		}
	}
	// The same batch again changes nothing.
	out, err = db.WriteReceipts(ctx, []kori.StoredReceipt{receipt("1", kori.LevelProduct), receipt("2", kori.LevelGroup), receipt("3", kori.LevelTotal)})
	must(t, err)
	for i, o := range out {
		if o != kori.Duplicate {
			t.Errorf("rewrite %d = %v, want duplicate", i, o)
		}
	}
	counts, err := db.Counts(ctx)
	must(t, err)
	for table, n := range map[string]int64{"receipts": 3, "receipt_lines": 1, "receipt_groups": 1, "month_rollups": 2} {
		if counts[table] != n {
			t.Errorf("%s = %d, want %d", table, counts[table], n)
		}
	}
	rollups, err := db.RollupsByMember(ctx, ids[0])
	must(t, err)
	byGroup := map[string]kori.Figures{}
	for _, r := range rollups {
		if r.Year != 2025 || r.Month != 1 {
			t.Errorf("rollup in %d-%d, want 2025-1", r.Year, r.Month)
		}
		byGroup[r.Group] = r.Figures
	}
	if f := byGroup["dairy"]; f.Amount != 240 || f.Lines != 2 || f.CO2eGrams != 2600 || f.FiRaw != 240 {
		t.Errorf("dairy rollup = %+v, want two receipts' worth", f)
	}
	if f := byGroup[kori.NotItemised]; f.Amount != 120 || f.Lines != 0 {
		t.Errorf("not itemised rollup = %+v", f)
	}
	m, err := db.Member(ctx, ids[0])
	must(t, err)
	if !m.LastCardUse.Equal(at) {
		t.Errorf("last card use = %v, want %v", m.LastCardUse, at)
	}
	rs, err := db.ReceiptsByMember(ctx, ids[0], kori.ReceiptFilter{})
	must(t, err)
	if len(rs) != 3 || rs[0].Year != 2025 {
		t.Errorf("receipts = %+v", rs)
	}
	// One batch adding to a month held (January) and opening a new one
	// (February): PostgreSQL upserts the first and copies the second.
	feb := receipt("5", kori.LevelProduct)
	feb.Key.BusinessDay, feb.Month, feb.PurchasedAt = 20250201, 2, at.AddDate(0, 1, 0)
	_, err = db.WriteReceipts(ctx, []kori.StoredReceipt{receipt("6", kori.LevelProduct), feb})
	must(t, err)
	rollups, err = db.RollupsByMember(ctx, ids[0])
	must(t, err)
	dairy := map[int]int64{}
	for _, r := range rollups {
		if r.Group == "dairy" {
			dairy[r.Month] = int64(r.Figures.Amount)
		}
	}
	if dairy[1] != 360 || dairy[2] != 120 {
		t.Errorf("dairy by month = %v, want January 360 (three receipts) and February 120", dairy)
	}
}

func testAPIKeys(t *testing.T, open Opener) {
	db := open(t)
	if _, _, err := db.CreateAPIKey(ctx, "tills", []string{"ingest", "bogus"}); kori.ErrorCode(err) != kori.EINVALID {
		t.Errorf("bogus scope: err = %v", err)
	}
	k, token, err := db.CreateAPIKey(ctx, "tills", []string{"ingest"})
	must(t, err)
	got, err := db.Authenticate(ctx, token)
	must(t, err)
	if got.ID != k.ID || !got.HasScope("ingest") || got.HasScope("offers") {
		t.Errorf("authenticated key = %+v", got)
	}
	if _, err := db.Authenticate(ctx, token+"x"); kori.ErrorCode(err) != kori.EUNAUTHORIZED {
		t.Errorf("wrong secret: err = %v", err)
	}
	keys, err := db.APIKeys(ctx)
	must(t, err)
	if len(keys) != 1 || keys[0].Name != "tills" {
		t.Errorf("keys = %+v", keys)
	}
	must(t, db.RevokeAPIKey(ctx, k.ID))
	if _, err := db.Authenticate(ctx, token); kori.ErrorCode(err) != kori.EUNAUTHORIZED {
		t.Errorf("revoked key: err = %v", err)
	}
	if err := db.RevokeAPIKey(ctx, k.ID); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("revoke twice: err = %v", err)
	}
}

// OpenSQLite returns a migrated SQLite database in the test's temp dir.
func OpenSQLite(t *testing.T) *store.DB {
	t.Helper()
	return openMigrated(t, filepath.Join(t.TempDir(), "kori.db"))
}

// OpenPostgres returns a migrated database on a throwaway PostgreSQL (see
// pgtest), or skips the test when PostgreSQL is not available.
func OpenPostgres(t *testing.T) *store.DB {
	t.Helper()
	return openMigrated(t, pgtest.NewDatabase(t))
}

func openMigrated(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Runs before the close above: whatever the test wrote, the monthly
	// totals must still be the sums of the rollups.
	t.Cleanup(func() {
		if err := db.CheckTotals(ctx); err != nil && !strings.Contains(err.Error(), "database is closed") {
			t.Errorf("after the test: %v", err)
		}
	})
	return db
}

// OpenCitus returns a migrated and distributed database on a throwaway
// Citus cluster, a coordinator and two workers (see pgtest), or skips the
// test when Citus is not installed.
func OpenCitus(t *testing.T) *store.DB {
	t.Helper()
	db := openMigrated(t, pgtest.NewCitusDatabase(t))
	if _, err := db.Distribute(ctx); err != nil {
		t.Fatalf("distribute: %v", err)
	}
	return db
}

// Each runs fn as a subtest against every database: SQLite always,
// PostgreSQL and Citus when available (in CI always). Feature tests that
// touch the store use it; `go test -run '/citus'` runs only the Citus ones.
func Each(t *testing.T, fn func(t *testing.T, open Opener)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres) })
	t.Run("citus", func(t *testing.T) { fn(t, OpenCitus) })
}
