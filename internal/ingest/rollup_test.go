package ingest_test

import (
	"math"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/storetest"
)

// TestRollupsAgreeWithRawLines ingests demo purchases and recomputes every
// member's monthly figures from the stored raw lines and the catalogue,
// independently of the rollup code, then compares.
func TestRollupsAgreeWithRawLines(t *testing.T) { storetest.Each(t, testRollupsAgreeWithRawLines) }

func testRollupsAgreeWithRawLines(t *testing.T, open storetest.Opener) {
	db := open(t)
	until := time.Date(2017, 3, 1, 0, 0, 0, 0, helsinki)
	opts := demo.Options{Members: 30, Seed: 9, Until: until, Zone: helsinki}
	cat, members, err := demo.Registry(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(db, helsinki, kori.FixedClock(until))
	counter := map[string]int{}
	var batch []ingest.Parsed
	for i := range members {
		err := demo.Receipts(&members[i], cat, demo.Stores, opts, counter, func(r kori.Receipt) error {
			batch = append(batch, ingest.Parsed{Line: len(batch) + 1, Receipt: r})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for start := 0; start < len(batch); start += 300 {
		if _, err := svc.Ingest(ctx, batch[start:min(start+300, len(batch))]); err != nil {
			t.Fatal(err)
		}
	}
	catalogue, err := db.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := db.MemberIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		year, month int
		group       string
	}
	checked := 0
	for _, id := range ids {
		m, err := db.Member(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Level != kori.LevelProduct {
			continue
		}
		// Independent recomputation: raw lines joined to their receipts' months.
		want := map[key]kori.Figures{}
		receipts, err := db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{})
		if err != nil {
			t.Fatal(err)
		}
		lines, err := db.LinesByMember(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		month := map[int64]time.Time{}
		for _, r := range receipts {
			month[r.ID] = r.PurchasedAt.In(helsinki)
		}
		for _, l := range lines {
			at := month[l.ReceiptID]
			p := catalogue.Products[l.GTIN]
			k := key{at.Year(), int(at.Month()), l.Group}
			f := want[k]
			f.Add(kori.LineFigures(l.Line, p, p != nil && catalogue.IsFood(p.Group)))
			want[k] = f
		}
		rollups, err := db.RollupsByMember(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(rollups) != len(want) {
			t.Errorf("member %d: %d rollup rows, %d month-groups in raw lines", id, len(rollups), len(want))
		}
		for _, r := range rollups {
			w := want[key{r.Year, r.Month, r.Group}]
			g := r.Figures
			if g.Amount != w.Amount || g.Lines != w.Lines || g.FiRaw != w.FiRaw || g.Foreign != w.Foreign || g.NutriCovered != w.NutriCovered ||
				math.Abs(g.CO2eGrams-w.CO2eGrams) > 1e-6*math.Max(1, w.CO2eGrams) || math.Abs(g.EnergyKJ-w.EnergyKJ) > 1e-6*math.Max(1, w.EnergyKJ) {
				t.Errorf("member %d %d-%02d %s: rollup %+v, raw %+v", id, r.Year, r.Month, r.Group, g, w)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("checked only %d rollup rows", checked)
	}
}
