package analysis

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/refdata"
)

// Domestic is the origin of food purchases in euros. Shares are over food of
// known origin; food of unknown origin is shown beside them, never guessed
// into a class.
type Domestic struct {
	Food    kori.Money `json:"food_cents"`
	FiRaw   kori.Money `json:"fi_raw_cents"`
	FiMade  kori.Money `json:"fi_made_cents"`
	Foreign kori.Money `json:"foreign_cents"`
	Unknown kori.Money `json:"unknown_origin_cents"`
	// FiRawShare is the share made in Finland of Finnish raw materials;
	// FinnishShare adds the share made in Finland (the two tiers retailers
	// show); ForeignShare the rest. All three are over Known.
	FiRawShare   float64 `json:"fi_raw_share"`
	FinnishShare float64 `json:"finnish_share"`
	ForeignShare float64 `json:"foreign_share"`
	// UnknownShare is over all food.
	UnknownShare float64 `json:"unknown_share"`
}

// Known is the food euros whose origin is known.
func (d Domestic) Known() kori.Money { return d.FiRaw + d.FiMade + d.Foreign }

// DomesticOf computes the origin shares of figures.
func DomesticOf(f kori.Figures) Domestic {
	d := Domestic{Food: f.Food, FiRaw: f.FiRaw, FiMade: f.FiMade, Foreign: f.Foreign, Unknown: f.UnknownOrigin}
	known := float64(d.Known())
	d.FiRawShare = Share(float64(d.FiRaw), known)
	d.FinnishShare = Share(float64(d.FiRaw+d.FiMade), known)
	d.ForeignShare = Share(float64(d.Foreign), known)
	d.UnknownShare = Share(float64(d.Unknown), float64(d.Food))
	return d
}

// Carbon is the greenhouse-gas footprint of purchases.
type Carbon struct {
	Kg float64 `json:"kg_co2e"`
	// KgPerEuro is over the euros of lines with a known emission factor, so
	// that products without one do not dilute it.
	KgPerEuro float64 `json:"kg_co2e_per_euro"`
	// CoveredShare is the share of all euros with a known factor.
	CoveredShare float64 `json:"covered_share"`
}

// CarbonOf computes the footprint of figures.
func CarbonOf(f kori.Figures) Carbon {
	kg := f.CO2eGrams / 1000
	return Carbon{
		Kg:           kg,
		KgPerEuro:    Share(kg, float64(f.CO2eCovered)/100),
		CoveredShare: Share(float64(f.CO2eCovered), float64(f.Amount)),
	}
}

// Energy conversion factors in kJ per gram (EU Regulation 1169/2011, Annex XIV).
const (
	kJPerGProtein = 17
	kJPerGCarb    = 17
	kJPerGFat     = 37
)

// Nutrition is a basket's nutrient profile: energy shares (E%, 0–100) and
// densities per MJ, which compare baskets without knowing how many people
// eat from them.
type Nutrition struct {
	EnergyMJ     float64 `json:"energy_mj"`
	ProteinE     float64 `json:"protein_e_pct"`
	FatE         float64 `json:"fat_e_pct"`
	SatFatE      float64 `json:"saturated_fat_e_pct"`
	CarbE        float64 `json:"carbohydrate_e_pct"`
	FibrePerMJ   float64 `json:"fibre_g_per_mj"`
	SaltPerMJ    float64 `json:"salt_g_per_mj"`
	FVBPerMJ     float64 `json:"fvb_g_per_mj"`
	CoveredShare float64 `json:"covered_share"` // share of euros with known nutrients
}

// NutritionOf computes the nutrient profile of figures.
func NutritionOf(f kori.Figures) Nutrition {
	mj := f.EnergyKJ / 1000
	e := func(g, factor float64) float64 { return 100 * Share(g*factor, f.EnergyKJ) }
	return Nutrition{
		EnergyMJ:     mj,
		ProteinE:     e(f.ProteinG, kJPerGProtein),
		FatE:         e(f.FatG, kJPerGFat),
		SatFatE:      e(f.SatFatG, kJPerGFat),
		CarbE:        e(f.CarbG, kJPerGCarb),
		FibrePerMJ:   Share(f.FibreG, mj),
		SaltPerMJ:    Share(f.SaltG, mj),
		FVBPerMJ:     Share(f.FVBGrams, mj),
		CoveredShare: Share(float64(f.NutriCovered), float64(f.Amount)),
	}
}

// Value returns the nutrient named by a target key.
func (n Nutrition) Value(key string) float64 {
	switch key {
	case "protein":
		return n.ProteinE
	case "fat":
		return n.FatE
	case "saturated_fat":
		return n.SatFatE
	case "carbohydrate":
		return n.CarbE
	case "fibre":
		return n.FibrePerMJ
	case "salt":
		return n.SaltPerMJ
	case "fvb":
		return n.FVBPerMJ
	}
	return 0
}

// NutriScores is the basket's Nutri-Score distribution by euros: the share of
// graded euros in each grade A–E, and the share of all euros that have a grade.
type NutriScores struct {
	A, B, C, D, E float64
	GradedShare   float64
}

// MarshalJSON names the grades.
func (s NutriScores) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]float64{"a": s.A, "b": s.B, "c": s.C, "d": s.D, "e": s.E, "graded_share": s.GradedShare})
}

// Shares returns the grade shares in order A–E.
func (s NutriScores) Shares() [5]float64 { return [5]float64{s.A, s.B, s.C, s.D, s.E} }

// NutriScoresOf computes the Nutri-Score distribution of figures.
func NutriScoresOf(f kori.Figures) NutriScores {
	graded := float64(f.NutriA + f.NutriB + f.NutriC + f.NutriD + f.NutriE)
	return NutriScores{
		A: Share(float64(f.NutriA), graded), B: Share(float64(f.NutriB), graded), C: Share(float64(f.NutriC), graded),
		D: Share(float64(f.NutriD), graded), E: Share(float64(f.NutriE), graded),
		GradedShare: Share(graded, float64(f.Amount)),
	}
}

// Target is one nutrition recommendation: a value should be at least Min
// (when HasMin) and at most Max (when HasMax). Unit is "E%" or "g/MJ".
type Target struct {
	Key    string  `json:"key"`
	Min    float64 `json:"min,omitempty"`
	Max    float64 `json:"max,omitempty"`
	HasMin bool    `json:"-"`
	HasMax bool    `json:"-"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
}

// Meets reports whether v is within the target.
func (t Target) Meets(v float64) bool {
	return (!t.HasMin || v >= t.Min) && (!t.HasMax || v <= t.Max)
}

// Targets reads the recommendations that apply to a basket from the embedded
// nutrition_recommendations.json: the energy shares of NNR 2023 and the
// per-MJ densities derived from the Finnish daily targets.
func Targets() ([]Target, error) {
	b, err := refdata.File("nutrition_recommendations.json")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Energy []struct {
			Nutrient string   `json:"nutrient"`
			Min      *float64 `json:"min_E_pct"`
			Max      *float64 `json:"max_E_pct"`
			Source   string   `json:"source"`
		} `json:"energy_share_targets_adults"`
		Density map[string]any `json:"derived_density_targets_for_baskets"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("nutrition_recommendations.json: %w", err)
	}
	want := map[string]bool{"protein": true, "fat": true, "saturated_fat": true, "carbohydrate": true}
	var out []Target
	for _, e := range doc.Energy {
		if !want[e.Nutrient] {
			continue
		}
		t := Target{Key: e.Nutrient, Unit: "E%", Source: e.Source}
		if e.Min != nil {
			t.Min, t.HasMin = *e.Min, true
		}
		if e.Max != nil {
			t.Max, t.HasMax = *e.Max, true
		}
		out = append(out, t)
	}
	for _, d := range []struct {
		key, field string
		min        bool
	}{{"fibre", "fibre_min_g_per_MJ", true}, {"salt", "salt_max_g_per_MJ", false}, {"fvb", "veg_fruit_berries_min_g_per_MJ", true}} {
		v, ok := doc.Density[d.field].(float64)
		if !ok {
			return nil, fmt.Errorf("nutrition_recommendations.json: %s is missing", d.field)
		}
		t := Target{Key: d.key, Unit: "g/MJ", Source: "NNR2023 / FI2024"}
		if d.min {
			t.Min, t.HasMin = v, true
		} else {
			t.Max, t.HasMax = v, true
		}
		out = append(out, t)
	}
	if len(out) != 7 {
		return nil, fmt.Errorf("nutrition_recommendations.json: found %d of the 7 basket targets", len(out))
	}
	return out, nil
}

// ProductFigures is what a member bought of one product with its figures.
type ProductFigures struct {
	Product *kori.Product
	Sum     kori.ProductSum
	Figures kori.Figures
}

// ProductsWithFigures computes the figures of each product sum from the
// catalogue. Figures are linear in quantity and amount, so computing them once
// per product equals summing them per line. Products no longer in the
// catalogue are left out.
func ProductsWithFigures(sums []kori.ProductSum, c *kori.Catalogue) []ProductFigures {
	out := make([]ProductFigures, 0, len(sums))
	for _, s := range sums {
		p := c.Products[s.GTIN]
		if p == nil {
			continue
		}
		f := kori.LineFigures(kori.Line{GTIN: s.GTIN, Quantity: s.Quantity, Amount: s.Amount}, p, c.IsFood(p.Group))
		f.Lines = int64(s.Lines)
		out = append(out, ProductFigures{Product: p, Sum: s, Figures: f})
	}
	return out
}

// Top returns the n products with the largest value of by, largest first,
// leaving out those whose value is not positive.
func Top(ps []ProductFigures, n int, by func(kori.Figures) float64) []ProductFigures {
	var out []ProductFigures
	for _, p := range ps {
		if by(p.Figures) > 0 {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return by(out[i].Figures) > by(out[j].Figures) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}
