package ingest_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/storetest"
)

// realSale is a sale as a Finnish till sends it: two products, a bottle
// deposit, a deposit refund for returned bottles, a coupon, a carrier bag
// and cash rounding. Net 9.70 €: 2.40 + 7.45 + 0.40 − 1.20 − 0.50 + 0.19 − 0.04.
func realSale(no int, card string) string {
	return fmt.Sprintf(`{"store":"S1","till":2,"receipt":"%d","purchased_at":"2025-05-01T10:00:00+03:00","card":"%s","total":"8.70",`+
		`"lines":[{"gtin":"6400000000019","quantity":2,"amount":"2.40"},{"gtin":"6400000000026","quantity":0.5,"amount":"7.45"},`+
		`{"kind":"deposit","quantity":2,"amount":"0.40"},{"kind":"deposit_refund","quantity":6,"amount":"-1.20"},`+
		`{"kind":"coupon","quantity":1,"amount":"-0.50"},{"kind":"bag","gtin":"6400000000040","quantity":1,"amount":"0.19"},`+
		`{"kind":"rounding","quantity":1,"amount":"-0.04"}]}`, no, card)
}

// TestLineKindsAtEveryLevel: a real sale is stored at every level with
// what the level allows, net; deposits, refunds, coupons, bags and
// rounding count in spending under their own groups and in no food figure.
func TestLineKindsAtEveryLevel(t *testing.T) { storetest.Each(t, testLineKindsAtEveryLevel) }

func testLineKindsAtEveryLevel(t *testing.T, open storetest.Opener) {
	f := newFixture(t, open)
	var in strings.Builder
	for i, l := range kori.Levels {
		in.WriteString(realSale(i+1, card(l)) + "\n")
	}
	results, _ := f.ingest(t, in.String())
	for i, l := range kori.Levels {
		want := ingest.StatusStored
		if l == kori.LevelNone {
			want = ingest.StatusNotStored
		}
		if results[i].Status != want {
			t.Fatalf("%s: %+v", l, results[i])
		}
	}
	for _, l := range []kori.Level{kori.LevelProduct, kori.LevelGroup, kori.LevelTotal} {
		id := f.members[l]
		rollups, err := f.db.RollupsByMember(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var sum kori.Figures
		byGroup := map[string]kori.Figures{}
		for _, r := range rollups {
			sum.Add(r.Figures)
			byGroup[r.Group] = r.Figures
		}
		// The month's spending is the receipt's net total.
		if sum.Amount != 870 {
			t.Errorf("%s: month's spending %s, want the net total 8.70", l, sum.Amount)
		}
		if l == kori.LevelTotal {
			continue
		}
		// Food is the two products only; product lines are two.
		if sum.Food != 985 || sum.Lines != 2 || sum.UnknownProduct != 0 {
			t.Errorf("%s: food %s, product lines %d, unknown products %s; want 9.85, 2, 0", l, sum.Food, sum.Lines, sum.UnknownProduct)
		}
		for kind, cents := range map[kori.LineKind]kori.Money{kori.LineDeposit: 40, kori.LineDepositRefund: -120, kori.LineCoupon: -50,
			kori.LineBag: 19, kori.LineRounding: -4} {
			if got := byGroup[kind.Group()].Amount; got != cents {
				t.Errorf("%s: %s %s, want %s", l, kind.Group(), got, cents)
			}
		}
	}
	// The product-level rollups equal a recomputation from the raw lines.
	held, _ := f.db.RollupsByMember(ctx, f.members[kori.LevelProduct])
	if _, err := f.db.Recompute(ctx, mustCatalogue(t, f), f.members[kori.LevelProduct], nil); err != nil {
		t.Fatal(err)
	}
	again, _ := f.db.RollupsByMember(ctx, f.members[kori.LevelProduct])
	if len(held) != len(again) || len(held) < 6 {
		t.Errorf("%d rollup rows, %d recomputed", len(held), len(again))
	}
	for i := range held {
		if i < len(again) && (held[i].Group != again[i].Group || held[i].Figures.Amount != again[i].Figures.Amount ||
			held[i].Figures.Food != again[i].Figures.Food || math.Abs(held[i].Figures.CO2eGrams-again[i].Figures.CO2eGrams) > 1e-6) {
			t.Errorf("rollup %+v, recomputed from the lines %+v", held[i], again[i])
		}
	}
	lines, _ := f.db.LinesByMember(ctx, f.members[kori.LevelProduct])
	kinds := map[kori.LineKind]int{}
	for _, l := range lines {
		kinds[l.Kind]++
	}
	if len(lines) != 7 || kinds[kori.LineProduct] != 2 || kinds[kori.LineDepositRefund] != 1 {
		t.Errorf("product level keeps %d lines of kinds %v, want 7 with 2 products", len(lines), kinds)
	}
	if lines, _ := f.db.LinesByMember(ctx, f.members[kori.LevelGroup]); len(lines) != 0 {
		t.Errorf("group level keeps %d lines", len(lines))
	}
	cat, _ := f.db.Catalogue(ctx)
	if g := cat.Groups[kori.LineDepositRefund.Group()]; g == nil || g.Food || g.NameFi == "" {
		t.Errorf("the catalogue does not name the deposit refunds' group: %+v", g)
	}
}

// TestReturnsAndVoids: a return reduces its own month, names its sale and is
// idempotent; a void removes its receipt and its figures, before and after
// the member lowers their level, and a second void finds nothing.
func TestReturnsAndVoids(t *testing.T) { storetest.Each(t, testReturnsAndVoids) }

func testReturnsAndVoids(t *testing.T, open storetest.Opener) {
	f := newFixture(t, open)
	for _, l := range []kori.Level{kori.LevelProduct, kori.LevelGroup} {
		c := card(l)
		id := f.members[l]
		sale := realSale(1, c)
		ret := fmt.Sprintf(`{"kind":"return","store":"S1","till":2,"receipt":"R1","purchased_at":"2025-05-20T12:00:00+03:00","card":"%s","total":"-2.40",`+
			`"original":{"store":"S1","till":2,"receipt":"1","business_day":"2025-05-01"},"lines":[{"gtin":"6400000000019","quantity":-2,"amount":"-2.40"}]}`, c)
		// A sale in June that will be voided.
		june := strings.Replace(strings.Replace(realSale(2, c), "2025-05-01", "2025-06-01", 1), `"receipt":"2"`, `"receipt":"J2"`, 1)
		results, _ := f.ingest(t, sale+"\n"+ret+"\n"+ret+"\n"+june+"\n")
		got := []ingest.Status{results[0].Status, results[1].Status, results[2].Status, results[3].Status}
		if fmt.Sprint(got) != "[stored stored duplicate stored]" {
			t.Fatalf("%s: statuses %v (%+v)", l, got, results)
		}
		month := func(m int) (amount, food kori.Money) {
			rollups, _ := f.db.RollupsByMember(ctx, id)
			for _, r := range rollups {
				if r.Month == m {
					amount += r.Figures.Amount
					food += r.Figures.Food
				}
			}
			return amount, food
		}
		if a, food := month(5); a != 630 || food != 745 {
			t.Errorf("%s: May after the return: spending %s, food %s; want 6.30 and 7.45", l, a, food)
		}
		rs, _ := f.db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{Year: 2025, Month: 5})
		var returned *kori.ReceiptSummary
		for i := range rs {
			if rs[i].Kind == kori.KindReturn {
				returned = &rs[i]
			}
		}
		if returned == nil || returned.Original != "S1/2/20250501/1" || returned.Total != -240 {
			t.Errorf("%s: the return is held as %+v", l, returned)
		}
		if l == kori.LevelProduct {
			// Lowered to group: the void must still find the receipt.
			if _, _, err := f.db.ChangeChoice(ctx, id, kori.Choice{Kind: kori.ConsentLevel, To: "group"}, kori.Actor{Channel: "test"}, mustCatalogue(t, f)); err != nil {
				t.Fatal(err)
			}
		}
		void := fmt.Sprintf(`{"kind":"void","store":"S1","till":2,"receipt":"J2","business_day":"2025-06-01","card":"%s"}`, c)
		results, _ = f.ingest(t, void+"\n"+void+"\n")
		if results[0].Status != ingest.StatusVoided || results[1].Status != ingest.StatusNotStored || results[1].Reason != ingest.ReasonNotHeld {
			t.Errorf("%s: void, void again: %+v", l, results)
		}
		if a, _ := month(6); a != 0 {
			t.Errorf("%s: June still counts %s after the void", l, a)
		}
		if rs, _ := f.db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{Year: 2025, Month: 6}); len(rs) != 0 {
			t.Errorf("%s: %d June receipts after the void", l, len(rs))
		}
		if a, _ := month(5); a != 630 {
			t.Errorf("%s: May changed by the June void: %s", l, a)
		}
	}
	// The rollups equal a recomputation from what is held (lines with
	// negative amounts, the return, the void's month rebuilt).
	for _, l := range []kori.Level{kori.LevelProduct, kori.LevelGroup} {
		id := f.members[l]
		held, _ := f.db.RollupsByMember(ctx, id)
		if _, err := f.db.Recompute(ctx, mustCatalogue(t, f), id, nil); err != nil {
			t.Fatal(err)
		}
		again, _ := f.db.RollupsByMember(ctx, id)
		if len(held) != len(again) {
			t.Errorf("%s: %d rollup rows, %d recomputed", l, len(held), len(again))
			continue
		}
		for i := range held {
			a, b := held[i].Figures, again[i].Figures
			if held[i].Group != again[i].Group || a.Amount != b.Amount || a.Food != b.Food || a.Lines != b.Lines ||
				math.Abs(a.CO2eGrams-b.CO2eGrams) > 1e-6 || math.Abs(a.EnergyKJ-b.EnergyKJ) > 1e-6 {
				t.Errorf("%s: rollup %+v, recomputed %+v", l, held[i], again[i])
			}
		}
	}
	// Voids are in the audit trail, which the transparency report counts.
	events, err := f.db.AuditEvents(ctx, []string{"void"}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(events) != 2 {
		t.Errorf("%d void events in the audit trail (%v), want 2", len(events), err)
	}
}

func mustCatalogue(t *testing.T, f *fixture) *kori.Catalogue {
	t.Helper()
	cat, err := f.db.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestStrictIdentifiers: text that is not clean UTF-8 is refused naming
// the field, never rewritten; a GTIN with a wrong check digit names the
// line and the digit expected; two receipt numbers that differ only in
// invalid bytes are not merged.
func TestStrictIdentifiers(t *testing.T) {
	now := now
	for _, tc := range []struct {
		name, in, field, reason string
	}{
		{"invalid UTF-8", strings.Replace(receiptJSON(1, "9000"), `"receipt":"1"`, "\"receipt\":\"1\xff\"", 1), "receipt", "UTF-8"},
		{"NUL", strings.Replace(receiptJSON(1, "9000"), `"receipt":"1"`, `"receipt":"1\u0000"`, 1), "receipt", "control"},
		{"bidi override", strings.Replace(receiptJSON(1, "9000"), `"store":"S1"`, "\"store\":\"S1\u202e\"", 1), "store", "bidirectional"},
		{"zero width", strings.Replace(receiptJSON(1, "9000"), `"card":"9000"`, "\"card\":\"90\u200b00\"", 1), "card", "invisible"},
		{"check digit", strings.Replace(receiptJSON(1, "9000"), "6400000000026", "6400000000027", 1), "lines[1].gtin", "call for 6"},
		{"type in a line", strings.Replace(receiptJSON(1, "9000"), `"quantity":0.5`, `"quantity":"half"`, 1), "lines[1].quantity", "number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ingest.ParseJSON([]byte(tc.in), 1)
			if p.Err == nil {
				p.Err = ingest.Validate(&p.Receipt, 1, now)
			}
			if p.Err == nil || !strings.HasPrefix(p.Err.Field, tc.field) || !strings.Contains(p.Err.Error(), tc.reason) {
				t.Errorf("error %v, want one naming %s and saying %q", p.Err, tc.field, tc.reason)
			}
		})
	}
	t.Run("not merged", func(t *testing.T) {
		f := newFixture(t, storetest.OpenSQLite)
		a := strings.Replace(receiptJSON(1, card(kori.LevelProduct)), `"receipt":"1"`, "\"receipt\":\"A\xfe\"", 1)
		b := strings.Replace(receiptJSON(1, card(kori.LevelProduct)), `"receipt":"1"`, "\"receipt\":\"A\xff\"", 1)
		results, _ := f.ingest(t, a+"\n"+b+"\n")
		for _, r := range results {
			if r.Status != ingest.StatusRejected || r.Error.Field != "receipt" {
				t.Errorf("%+v, want rejected naming receipt", r)
			}
		}
		if c := f.counts(t); c["receipts"] != 0 {
			t.Errorf("%d receipts stored", c["receipts"])
		}
	})
}

// FuzzStrictText: whatever bytes a receipt number holds, the receipt is
// either refused naming a field or kept byte for byte.
func FuzzStrictText(f *testing.F) {
	for _, s := range []string{"1", "A\xff", "\u202e1", "1\u200b", "ÄÖ-123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, number string) {
		in := `{"store":"S1","till":1,"receipt":` + fmt.Sprintf("%q", number) +
			`,"purchased_at":"2025-01-01T10:00:00+02:00","card":"1","total":"1.20","lines":[{"gtin":"6400000000019","quantity":1,"amount":"1.20"}]}`
		if !utf8.ValidString(number) {
			in = strings.Replace(in, fmt.Sprintf("%q", number), `"`+number+`"`, 1)
		}
		p := ingest.ParseJSON([]byte(in), 1)
		if p.Err == nil {
			p.Err = ingest.Validate(&p.Receipt, 1, now)
		}
		if p.Err == nil && p.Receipt.Key.Number != number {
			t.Fatalf("receipt %q kept as %q", number, p.Receipt.Key.Number)
		}
		if p.Err != nil && p.Err.Field == "" && p.Err.Reason == "" {
			t.Fatal("an error that names nothing")
		}
	})
}

// TestInStoreNumbers: a price-embedded in-store number (23 IIIII PPPPP C)
// is stored as the catalogue item that declares its item reference, with
// that item's figures, not as an unknown product.
func TestInStoreNumbers(t *testing.T) { storetest.Each(t, testInStoreNumbers) }

func testInStoreNumbers(t *testing.T, open storetest.Opener) {
	f := newFixture(t, open)
	cat := mustCatalogue(t, f)
	mince := *cat.Products["6400000000026"]
	mince.InStore = "23-00042"
	if err := f.db.UpsertProducts(ctx, []kori.Product{mince}); err != nil {
		t.Fatal(err)
	}
	body := "23" + "00042" + "00745" // prefix, item reference, price in cents: 7.45 € of mince
	number := body + string(kori.GTINCheckDigit(body))
	in := fmt.Sprintf(`{"store":"S1","till":2,"receipt":"9","purchased_at":"2025-05-01T10:00:00+03:00","card":"%s","total":"7.45",`+
		`"lines":[{"gtin":%q,"quantity":0.5,"amount":"7.45"}]}`, card(kori.LevelProduct), number)
	results, _ := f.ingest(t, in+"\n")
	if results[0].Status != ingest.StatusStored {
		t.Fatalf("%+v", results[0])
	}
	lines, _ := f.db.LinesByMember(ctx, f.members[kori.LevelProduct])
	if len(lines) != 1 || lines[0].GTIN != "6400000000026" || !lines[0].Known || lines[0].Group != "meat" {
		t.Errorf("in-store number %s stored as %+v, want the mince 6400000000026", number, lines)
	}
	rollups, _ := f.db.RollupsByMember(ctx, f.members[kori.LevelProduct])
	if len(rollups) != 1 || rollups[0].Figures.UnknownProduct != 0 || rollups[0].Figures.CO2eGrams == 0 {
		t.Errorf("rollups %+v, want the mince's figures", rollups)
	}
	if k, v, ok := kori.InStoreKey(number); !ok || k != "23-00042" || v != 745 {
		t.Errorf("InStoreKey(%s) = %s, %d, %v", number, k, v, ok)
	}
}
