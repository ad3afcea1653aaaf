package ingest_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	ctx      = context.Background()
	helsinki = mustZone("Europe/Helsinki")
	now      = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// fixture is a seeded SQLite database with one member per level.
type fixture struct {
	db      *store.DB
	svc     *ingest.Service
	members map[kori.Level]kori.MemberID
}

func newFixture(t *testing.T, open storetest.Opener) *fixture {
	t.Helper()
	db := open(t)
	storetest.Seed(t, db)
	f := &fixture{db: db, svc: ingest.NewService(db, helsinki, kori.FixedClock(now)), members: map[kori.Level]kori.MemberID{}}
	for i, l := range kori.Levels {
		ids, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: string(l), Level: l, JoinedAt: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
			Cards: []kori.Card{{Number: fmt.Sprintf("900%d", i), Status: kori.CardActive}}}}, "test")
		if err != nil {
			t.Fatal(err)
		}
		f.members[l] = ids[0]
	}
	return f
}

// card returns the card number of the member at level l.
func card(l kori.Level) string {
	for i, x := range kori.Levels {
		if x == l {
			return fmt.Sprintf("900%d", i)
		}
	}
	panic(l)
}

// receiptJSON is a valid receipt with milk, mince and an unknown product.
func receiptJSON(no int, c string) string {
	return fmt.Sprintf(`{"store":"S1","till":2,"receipt":"%d","purchased_at":"2025-05-01T10:00:00+03:00","card":"%s","total":"12.05",`+
		`"lines":[{"gtin":"6400000000019","quantity":2,"amount":"2.40","discount":"0.20"},`+
		`{"gtin":"6400000000026","quantity":0.5,"amount":"7.45"},{"gtin":"4000000000013","quantity":1,"amount":"2.20"}]}`, no, c)
}

func (f *fixture) ingest(t *testing.T, ndjson string) ([]ingest.Result, ingest.Summary) {
	t.Helper()
	var all []ingest.Result
	sum, err := f.svc.Stream(ctx, ingest.NewNDJSONReader(strings.NewReader(ndjson)), 3, func(_ []ingest.Parsed, rs []ingest.Result) {
		all = append(all, rs...)
	})
	if err != nil {
		t.Fatal(err)
	}
	return all, sum
}

func (f *fixture) counts(t *testing.T) map[string]int64 {
	t.Helper()
	c, err := f.db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReingestIsIdempotent(t *testing.T) { storetest.Each(t, testReingestIsIdempotent) }

func testReingestIsIdempotent(t *testing.T, open storetest.Opener) {
	f := newFixture(t, open)
	var b strings.Builder
	for i := 0; i < 10; i++ {
		b.WriteString(receiptJSON(i, card(kori.Levels[i%4])) + "\n")
	}
	_, first := f.ingest(t, b.String())
	c1 := f.counts(t)
	results, second := f.ingest(t, b.String())
	c2 := f.counts(t)
	for k, v := range c1 {
		if c2[k] != v {
			t.Errorf("%s: %d rows after the first run, %d after the second", k, v, c2[k])
		}
	}
	if first.Stored != 8 || first.NotStored != 2 {
		t.Errorf("first run = %+v, want 8 stored and 2 not stored (level none)", first)
	}
	if second.Stored != 0 || second.Duplicates != 8 {
		t.Errorf("second run = %+v, want 8 duplicates", second)
	}
	for _, r := range results {
		if r.Status == ingest.StatusNotStored && r.Reason != ingest.ReasonLevelNone {
			t.Errorf("line %d: reason %q", r.Line, r.Reason)
		}
	}
	rollups, err := f.db.RollupsByMember(ctx, f.members[kori.LevelProduct])
	if err != nil {
		t.Fatal(err)
	}
	var amount kori.Money
	for _, r := range rollups {
		amount += r.Figures.Amount
	}
	if amount != 3*1205 { // receipts 0, 4, 8 belong to the product-level member
		t.Errorf("rollup amount = %s, want %s: re-ingest must not double rollups", amount, kori.Money(3*1205))
	}
}

func TestBadLinesAreReportedAndGoodOnesStored(t *testing.T) {
	storetest.Each(t, testBadLinesAreReportedAndGoodOnesStored)
}

func testBadLinesAreReportedAndGoodOnesStored(t *testing.T, open storetest.Opener) {
	f := newFixture(t, open)
	good := receiptJSON(1, card(kori.LevelProduct))
	lines := []struct {
		json  string
		field string // "" for a good line; "-" for an error without a field
		want  string // part of the reason
	}{
		{good, "", ""},
		{`{"store":"S1", "till": 1,`, "-", "malformed JSON"},
		{strings.Replace(good, `"card":"9000",`, ``, 1), "card", "missing"},
		{strings.Replace(good, `"quantity":2,`, `"quantity":-2,`, 1), "lines[0].quantity", "positive"},
		{strings.Replace(good, `"store":"S1"`, `"store":"S9"`, 1), "store", "not known"},
		{strings.Replace(good, `"till":2`, `"till":"two"`, 1), "till", "int"},
		{strings.Replace(good, `2025-05-01T10:00:00+03:00`, `1970-01-01T00:00:00Z`, 1), "purchased_at", "before the year 2000"},
		{strings.Replace(good, `2025-05-01T10:00:00+03:00`, `2031-01-01T00:00:00Z`, 1), "purchased_at", "future"},
		{strings.Replace(good, `2025-05-01T10:00:00+03:00`, `yesterday`, 1), "purchased_at", "RFC 3339"},
		{strings.Replace(good, `"total":"12.05"`, `"total":"12.06"`, 1), "total", "sum of the line amounts"},
		{strings.Replace(good, `"total":"12.05"`, `"total":"12.055"`, 1), "-", "two decimals"},
		{strings.Replace(good, `"gtin":"6400000000019"`, `"gtin":"milk"`, 1), "lines[0].gtin", "digits"},
		{strings.Replace(good, `"card"`, `"cardd"`, 1), "cardd", "unknown field"},
		{strings.Replace(receiptJSON(2, card(kori.LevelProduct)), `"receipt":"2"`, `"receipt":"3"`, 1), "", ""},
	}
	var input strings.Builder
	for _, l := range lines {
		input.WriteString(l.json + "\n")
	}
	results, sum := f.ingest(t, input.String())
	if len(results) != len(lines) {
		t.Fatalf("%d results for %d lines", len(results), len(lines))
	}
	for i, l := range lines {
		r := results[i]
		if r.Line != i+1 {
			t.Errorf("result %d has line %d", i, r.Line)
		}
		if l.field == "" {
			if r.Status != ingest.StatusStored {
				t.Errorf("line %d: status %s (%v), want stored", i+1, r.Status, r.Error)
			}
			continue
		}
		if r.Status != ingest.StatusRejected || r.Error == nil {
			t.Errorf("line %d: status %s, want rejected", i+1, r.Status)
			continue
		}
		if l.field != "-" && r.Error.Field != l.field {
			t.Errorf("line %d: field %q, want %q (%v)", i+1, r.Error.Field, l.field, r.Error)
		}
		if !strings.Contains(r.Error.Reason, l.want) {
			t.Errorf("line %d: reason %q does not say %q", i+1, r.Error.Reason, l.want)
		}
		if r.Error.Line != i+1 {
			t.Errorf("line %d: error names line %d", i+1, r.Error.Line)
		}
	}
	if sum.Stored != 2 || sum.Rejected != len(lines)-2 {
		t.Errorf("summary = %+v", sum)
	}
	if c := f.counts(t); c["receipts"] != 2 || c["receipt_lines"] != 6 {
		t.Errorf("stored receipts %d lines %d, want 2 and 6", c["receipts"], c["receipt_lines"])
	}
}

func TestEachLevelStoresExactlyWhatItAllows(t *testing.T) {
	storetest.Each(t, testEachLevelStoresExactlyWhatItAllows)
}

func testEachLevelStoresExactlyWhatItAllows(t *testing.T, open storetest.Opener) {
	f := newFixture(t, open)
	var in strings.Builder
	for _, l := range kori.Levels {
		in.WriteString(receiptJSON(1, card(l)) + "\n")
	}
	results, _ := f.ingest(t, in.String())
	wantStatus := map[kori.Level]ingest.Status{kori.LevelProduct: ingest.StatusStored, kori.LevelGroup: ingest.StatusStored, kori.LevelTotal: ingest.StatusStored, kori.LevelNone: ingest.StatusNotStored}
	for i, l := range kori.Levels {
		if results[i].Status != wantStatus[l] {
			t.Errorf("%s: status %s", l, results[i].Status)
		}
	}
	for _, l := range kori.Levels {
		id := f.members[l]
		rs, err := f.db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{})
		if err != nil {
			t.Fatal(err)
		}
		lines, err := f.db.LinesByMember(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		groups, err := f.db.GroupSumsByMember(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rollups, err := f.db.RollupsByMember(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.db.Member(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		wantUse := time.Date(2025, 5, 1, 7, 0, 0, 0, time.UTC)
		if !m.LastCardUse.Equal(wantUse) {
			t.Errorf("%s: last card use %v, want %v (kept at every level)", l, m.LastCardUse, wantUse)
		}
		switch l {
		case kori.LevelProduct:
			if len(rs) != 1 || len(lines) != 3 || len(groups) != 0 {
				t.Errorf("product: %d receipts, %d lines, %d group sums; want 1, 3, 0", len(rs), len(lines), len(groups))
			}
			if len(lines) == 3 && (lines[2].Known || lines[2].Group != kori.UnknownGroup) {
				t.Errorf("unknown GTIN line = %+v, want flagged unknown", lines[2])
			}
		case kori.LevelGroup:
			if len(rs) != 1 || len(lines) != 0 || len(groups) != 3 {
				t.Errorf("group: %d receipts, %d lines, %d group sums; want 1, 0, 3", len(rs), len(lines), len(groups))
			}
			var dairy kori.Figures
			for _, g := range groups {
				if g.Group == "dairy" {
					dairy = g.Figures
				}
			}
			// 2 × 1 kg of milk at 1.3 kg CO2e/kg; 190 kJ per 100 g.
			if dairy.Amount != 240 || dairy.CO2eGrams != 2600 || dairy.EnergyKJ != 3800 || dairy.FiRaw != 240 || dairy.NutriB != 240 {
				t.Errorf("group-level dairy figures = %+v, want computed at write time", dairy)
			}
		case kori.LevelTotal:
			if len(rs) != 1 || rs[0].Total != 1205 || len(lines) != 0 || len(groups) != 0 {
				t.Errorf("total: %d receipts, %d lines, %d group sums", len(rs), len(lines), len(groups))
			}
			if len(rollups) != 1 || rollups[0].Group != kori.NotItemised || rollups[0].Figures.Amount != 1205 || rollups[0].Figures.CO2eGrams != 0 {
				t.Errorf("total rollups = %+v, want money only", rollups)
			}
		case kori.LevelNone:
			if len(rs)+len(lines)+len(groups)+len(rollups) != 0 {
				t.Errorf("none: stored %d receipts, %d lines, %d groups, %d rollups; want nothing", len(rs), len(lines), len(groups), len(rollups))
			}
		}
	}
	// No product identity of the group-level member reaches any table: the
	// only GTINs stored are the product-level member's lines (3) and the catalogue.
	c := f.counts(t)
	if c["receipt_lines"] != 3 {
		t.Errorf("receipt_lines = %d, want only the product-level member's 3", c["receipt_lines"])
	}
}

func TestUnknownAndClosedCards(t *testing.T) { storetest.Each(t, testUnknownAndClosedCards) }

func testUnknownAndClosedCards(t *testing.T, open storetest.Opener) {
	f := newFixture(t, open)
	closedAt := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	if _, err := f.db.ImportMembers(ctx, []kori.Enrolment{{Ref: string(kori.LevelProduct),
		Cards: []kori.Card{{Number: "7777", Status: kori.CardClosed, ClosedAt: closedAt}}}}, "test"); err != nil {
		t.Fatal(err)
	}
	before := strings.Replace(receiptJSON(2, "7777"), "2025-05-01T10:00:00+03:00", "2025-03-01T10:00:00+02:00", 1)
	results, _ := f.ingest(t, receiptJSON(1, "123456")+"\n"+receiptJSON(1, "7777")+"\n"+before+"\n")
	if results[0].Status != ingest.StatusNotStored || results[0].Reason != ingest.ReasonUnknownCard {
		t.Errorf("unknown card: %+v", results[0])
	}
	if results[1].Status != ingest.StatusRejected || results[1].Error.Field != "card" {
		t.Errorf("closed card after closing: %+v", results[1])
	}
	if results[2].Status != ingest.StatusStored {
		t.Errorf("closed card before closing: %+v", results[2])
	}
}

func TestLateReceiptIsStoredAtTheLowerLevel(t *testing.T) {
	storetest.Each(t, testLateReceiptIsStoredAtTheLowerLevel)
}

func testLateReceiptIsStoredAtTheLowerLevel(t *testing.T, open storetest.Opener) {
	// A member at product level in 2024 who is at total now: a 2024 receipt
	// arriving today must not bring product lines back.
	f := newFixture(t, open)
	ids, err := f.db.ImportMembers(ctx, []kori.Enrolment{{Ref: "late", Level: kori.LevelTotal, JoinedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Cards: []kori.Card{{Number: "5555", Status: kori.CardActive}}}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(receiptJSON(1, "5555"), "2025-05-01T10:00:00+03:00", "2024-05-01T10:00:00+03:00", 1)
	results, _ := f.ingest(t, old+"\n")
	if results[0].Grain != kori.LevelTotal {
		t.Errorf("late receipt stored at %s, want total", results[0].Grain)
	}
	if lines, _ := f.db.LinesByMember(ctx, ids[0]); len(lines) != 0 {
		t.Errorf("late receipt stored %d lines", len(lines))
	}
}

func TestCSVAndNDJSONGiveTheSameResult(t *testing.T) {
	storetest.Each(t, testCSVAndNDJSONGiveTheSameResult)
}

func testCSVAndNDJSONGiveTheSameResult(t *testing.T, open storetest.Opener) {
	a, b := newFixture(t, open), newFixture(t, open)
	var nd, csv []byte
	csv = append(csv, strings.Join(ingest.CSVColumns, ",")+"\n"...)
	for i := 0; i < 7; i++ {
		p := ingest.ParseJSON([]byte(receiptJSON(i, card(kori.Levels[i%3]))), 1)
		if p.Err != nil {
			t.Fatal(p.Err)
		}
		nd = append(ingest.AppendJSON(nd, &p.Receipt), '\n')
		csv = ingest.AppendCSV(csv, &p.Receipt)
	}
	_, s1 := a.ingest(t, string(nd))
	s2, err := b.svc.Stream(ctx, ingest.NewCSVReader(strings.NewReader(string(csv))), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s1 != s2 || s1.Stored != 7 {
		t.Errorf("NDJSON %+v, CSV %+v", s1, s2)
	}
	ca, cb := a.counts(t), b.counts(t)
	for k := range ca {
		if ca[k] != cb[k] {
			t.Errorf("%s: %d from NDJSON, %d from CSV", k, ca[k], cb[k])
		}
	}
}

func TestHelsinkiYear(t *testing.T) { storetest.Each(t, testHelsinkiYear) }

func testHelsinkiYear(t *testing.T, open storetest.Opener) {
	// 00:30 on 1 January in Helsinki is 22:30 UTC on 31 December: the new year.
	f := newFixture(t, open)
	r := strings.Replace(receiptJSON(1, card(kori.LevelProduct)), "2025-05-01T10:00:00+03:00", "2024-12-31T22:30:00Z", 1)
	f.ingest(t, r+"\n")
	rs, err := f.db.ReceiptsByMember(ctx, f.members[kori.LevelProduct], kori.ReceiptFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Year != 2025 || rs[0].Key.BusinessDay != 20250101 {
		t.Errorf("receipt = %+v, want year 2025, business day 20250101", rs)
	}
}
