package analysis

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/kori-project/kori/internal/refdata"
)

// TestNutriScoreVectors runs every vector of refdata/nutriscore_test_vectors.json.
func TestNutriScoreVectors(t *testing.T) {
	raw, err := refdata.File("nutriscore_test_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Name  string `json:"name"`
			Input struct {
				Category   NutriCategory `json:"category"`
				EnergyKJ   float64       `json:"energy_kj"`
				Sugars     float64       `json:"sugars_g"`
				SatFat     float64       `json:"saturated_fat_g"`
				Fat        float64       `json:"fat_g"`
				Salt       float64       `json:"salt_g"`
				Fibre      float64       `json:"fibre_g"`
				Protein    float64       `json:"protein_g"`
				FVL        float64       `json:"fvl_pct"`
				Sweeteners bool          `json:"non_nutritive_sweeteners"`
				RedMeat    bool          `json:"is_red_meat_product"`
			} `json:"input"`
			Score *int   `json:"expected_score"`
			Grade string `json:"expected_grade"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) != 39 {
		t.Fatalf("%d vectors, want 39", len(file.Vectors))
	}
	for _, v := range file.Vectors {
		in := v.Input
		score, grade := NutriScore(NutriInput{Category: in.Category, EnergyKJ: in.EnergyKJ, Sugars: in.Sugars, SatFat: in.SatFat,
			Fat: in.Fat, Salt: in.Salt, Fibre: in.Fibre, Protein: in.Protein, FVLPct: in.FVL, Sweeteners: in.Sweeteners, RedMeatProduct: in.RedMeat})
		if grade != v.Grade || (v.Score != nil && score != *v.Score && in.Category != NutriWater) {
			want := "-"
			if v.Score != nil {
				want = strconv.Itoa(*v.Score)
			}
			t.Errorf("%s: got %d %s, want %s %s", v.Name, score, grade, want, v.Grade)
		}
	}
}
