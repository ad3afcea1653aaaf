package analysis

import (
	"math"
	"testing"

	"github.com/kori-project/kori"
)

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func TestDomesticOf(t *testing.T) {
	// 10 € of food: 4 € Finnish raw, 2 € made in Finland, 2 € foreign, 2 € unknown.
	d := DomesticOf(kori.Figures{Food: 1000, FiRaw: 400, FiMade: 200, Foreign: 200, UnknownOrigin: 200})
	near(t, "fi raw", d.FiRawShare, 0.5)     // 4 / 8 known
	near(t, "finnish", d.FinnishShare, 0.75) // 6 / 8
	near(t, "foreign", d.ForeignShare, 0.25) // 2 / 8
	near(t, "unknown", d.UnknownShare, 0.2)  // 2 / 10 of all food
	if d.Known() != 800 {
		t.Errorf("known = %d, want 800", d.Known())
	}
	if z := DomesticOf(kori.Figures{}); z.FinnishShare != 0 || z.UnknownShare != 0 {
		t.Errorf("no food gives %+v, want zero shares", z)
	}
}

func TestCarbonOf(t *testing.T) {
	// 6 kg CO2e from 20 € of lines with a factor, out of 25 € in all.
	c := CarbonOf(kori.Figures{Amount: 2500, CO2eGrams: 6000, CO2eCovered: 2000})
	near(t, "kg", c.Kg, 6)
	near(t, "kg per euro", c.KgPerEuro, 0.3)
	near(t, "covered", c.CoveredShare, 0.8)
}

func TestNutritionOf(t *testing.T) {
	// 10 MJ: 100 g protein = 1700 kJ (17 %), 100 g fat = 3700 kJ (37 %),
	// 20 g saturated = 740 kJ (7.4 %), 250 g carbohydrate = 4250 kJ (42.5 %).
	n := NutritionOf(kori.Figures{Amount: 1000, NutriCovered: 500, EnergyKJ: 10000, ProteinG: 100, FatG: 100, SatFatG: 20,
		CarbG: 250, FibreG: 30, SaltG: 6, FVBGrams: 400})
	near(t, "MJ", n.EnergyMJ, 10)
	near(t, "protein", n.ProteinE, 17)
	near(t, "fat", n.FatE, 37)
	near(t, "sat fat", n.SatFatE, 7.4)
	near(t, "carb", n.CarbE, 42.5)
	near(t, "fibre", n.FibrePerMJ, 3)
	near(t, "salt", n.SaltPerMJ, 0.6)
	near(t, "fvb", n.FVBPerMJ, 40)
	near(t, "covered", n.CoveredShare, 0.5)
}

func TestTargets(t *testing.T) {
	ts, err := Targets()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]Target{}
	for _, x := range ts {
		byKey[x.Key] = x
	}
	// The values of nutrition_recommendations.json, read by hand.
	for key, want := range map[string][2]float64{"protein": {10, 20}, "fat": {25, 40}, "carbohydrate": {45, 60}} {
		if got := byKey[key]; !got.HasMin || !got.HasMax || got.Min != want[0] || got.Max != want[1] {
			t.Errorf("%s target = %+v, want %v–%v", key, got, want[0], want[1])
		}
	}
	if s := byKey["saturated_fat"]; s.HasMin || !s.HasMax || s.Max != 10 {
		t.Errorf("saturated fat target = %+v, want at most 10", s)
	}
	if f := byKey["fibre"]; !f.HasMin || f.Min != 3 || f.Unit != "g/MJ" {
		t.Errorf("fibre target = %+v", f)
	}
	if s := byKey["salt"]; !s.HasMax || s.Max != 0.5 {
		t.Errorf("salt target = %+v", s)
	}
	if v := byKey["fvb"]; !v.HasMin || v.Min != 50 {
		t.Errorf("fvb target = %+v", v)
	}
	n := NutritionOf(kori.Figures{EnergyKJ: 10000, ProteinG: 100, FatG: 100, SatFatG: 20, CarbG: 250, FibreG: 30, SaltG: 6, FVBGrams: 400})
	meets := map[string]bool{}
	for _, x := range ts {
		meets[x.Key] = x.Meets(n.Value(x.Key))
	}
	want := map[string]bool{"protein": true, "fat": true, "saturated_fat": true, "carbohydrate": false, "fibre": true, "salt": false, "fvb": false}
	for k, w := range want {
		if meets[k] != w {
			t.Errorf("%s meets = %v, want %v", k, meets[k], w)
		}
	}
}

func TestNutriScoresOf(t *testing.T) {
	s := NutriScoresOf(kori.Figures{Amount: 2000, NutriA: 500, NutriB: 300, NutriC: 100, NutriD: 50, NutriE: 50})
	want := [5]float64{0.5, 0.3, 0.1, 0.05, 0.05}
	for i, v := range s.Shares() {
		near(t, string(rune('A'+i)), v, want[i])
	}
	near(t, "graded", s.GradedShare, 0.5)
}

func TestSeriesAndGroups(t *testing.T) {
	r := func(y, m int, g string, cents kori.Money) kori.MonthRollup {
		return kori.MonthRollup{Year: y, Month: m, Group: g, Figures: kori.Figures{Amount: cents, Lines: 1}}
	}
	rollups := []kori.MonthRollup{
		r(2024, 3, "dairy", 100), r(2024, 3, "meat", 300), r(2024, 11, "dairy", 50),
		r(2025, 1, "dairy", 200), r(2025, 2, "meat", 40), r(2025, 2, "fruit", 60),
	}
	months := ByMonth(rollups)
	wantMonths := []struct {
		p Period
		a kori.Money
	}{{Period{2024, 3}, 400}, {Period{2024, 11}, 50}, {Period{2025, 1}, 200}, {Period{2025, 2}, 100}}
	if len(months) != len(wantMonths) {
		t.Fatalf("ByMonth gave %d points, want %d", len(months), len(wantMonths))
	}
	for i, w := range wantMonths {
		if months[i].Period != w.p || months[i].Figures.Amount != w.a {
			t.Errorf("month %d = %v %d, want %v %d", i, months[i].Period, months[i].Figures.Amount, w.p, w.a)
		}
	}
	years := ByYear(rollups)
	if len(years) != 2 || years[0].Figures.Amount != 450 || years[1].Figures.Amount != 300 || years[1].Figures.Lines != 3 {
		t.Errorf("ByYear = %+v", years)
	}
	full := MonthsOf(months, 2024)
	if len(full) != 12 || full[2].Figures.Amount != 400 || full[10].Figures.Amount != 50 || full[0].Figures.Amount != 0 || full[11].Month != 12 {
		t.Errorf("MonthsOf = %+v", full)
	}
	groups := ByGroup(rollups, InYear(2025))
	if len(groups) != 3 || groups[0].Group != "dairy" || groups[1].Group != "fruit" || groups[2].Figures.Amount != 40 {
		t.Errorf("ByGroup 2025 = %+v", groups)
	}
	// This year to February against the same months of last year.
	if got := Total(rollups, YearToDate(2025, 2)).Amount; got != 300 {
		t.Errorf("2025 to date = %d, want 300", got)
	}
	if got := Total(rollups, YearToDate(2024, 2)).Amount; got != 0 {
		t.Errorf("2024 to February = %d, want 0", got)
	}
	if c, ok := Change(300, 400); !ok || math.Abs(c+0.25) > 1e-12 {
		t.Errorf("Change(300, 400) = %v %v, want -0.25", c, ok)
	}
	if _, ok := Change(1, 0); ok {
		t.Error("Change against 0 should not be ok")
	}
}

func TestByStore(t *testing.T) {
	sm := []kori.StoreMonth{
		{Year: 2025, Month: 1, Store: "S1", Receipts: 2, Amount: 1000},
		{Year: 2025, Month: 2, Store: "S2", Receipts: 5, Amount: 1500},
		{Year: 2025, Month: 3, Store: "S1", Receipts: 1, Amount: 700},
		{Year: 2024, Month: 3, Store: "S1", Receipts: 9, Amount: 9000},
	}
	got := ByStore(sm, InYear(2025))
	if len(got) != 2 || got[0].Store != "S1" || got[0].Amount != 1700 || got[0].Receipts != 3 || got[1].Amount != 1500 {
		t.Errorf("ByStore = %+v", got)
	}
	counts := ReceiptCounts(sm, false)
	if counts[Period{Year: 2025}] != 8 || counts[Period{Year: 2024}] != 9 {
		t.Errorf("ReceiptCounts = %v", counts)
	}
}

func TestProductsWithFigures(t *testing.T) {
	c := &kori.Catalogue{
		Products: map[string]*kori.Product{
			"6400000000071": {GTIN: "6400000000071", Group: "meat", Origin: kori.OriginForeign, Unit: kori.UnitPiece, NetKg: 0.5, KgCO2ePerKg: 20},
			"6400000000002": {GTIN: "6400000000002", Group: "veg", Origin: kori.OriginFiRaw, Unit: kori.UnitKg, KgCO2ePerKg: 0.5},
		},
		Groups: map[string]*kori.ProductGroup{"meat": {Code: "meat", Food: true}, "veg": {Code: "veg", Food: true}},
	}
	ps := ProductsWithFigures([]kori.ProductSum{
		{GTIN: "6400000000071", Lines: 3, Quantity: 4, Amount: 2000}, // 2 kg × 20 = 40 kg CO2e
		{GTIN: "6400000000002", Lines: 2, Quantity: 3, Amount: 900},  // 3 kg × 0.5 = 1.5 kg
		{GTIN: "6400000000149", Lines: 1, Quantity: 1, Amount: 100},  // not in the catalogue
	}, c)
	if len(ps) != 2 {
		t.Fatalf("got %d products, want 2", len(ps))
	}
	near(t, "meat CO2e", ps[0].Figures.CO2eGrams, 40000)
	near(t, "veg CO2e", ps[1].Figures.CO2eGrams, 1500)
	if ps[0].Figures.Foreign != 2000 || ps[1].Figures.FiRaw != 900 || ps[0].Figures.Lines != 3 {
		t.Errorf("origin figures: %+v %+v", ps[0].Figures, ps[1].Figures)
	}
	top := Top(ps, 1, func(f kori.Figures) float64 { return f.CO2eGrams })
	if len(top) != 1 || top[0].Product.GTIN != "6400000000071" {
		t.Errorf("Top = %+v", top)
	}
	if foreign := Top(ps, 10, func(f kori.Figures) float64 { return float64(f.Foreign) }); len(foreign) != 1 {
		t.Errorf("foreign products = %d, want 1", len(foreign))
	}
}
