package refdata

import "testing"

func TestReferenceDataLoads(t *testing.T) {
	f, err := EmissionFactors()
	if err != nil {
		t.Fatal(err)
	}
	if len(f) < 100 || f["Beef (beef herd)"].KgCO2ePerKg != 59.6 || f["Milk"].KgCO2ePerKg != 2.8 {
		t.Errorf("%d factors; beef %v milk %v", len(f), f["Beef (beef herd)"], f["Milk"])
	}
	foods, err := Foods()
	if err != nil {
		t.Fatal(err)
	}
	milk := foods["milk 1.5% (semi-skimmed)"]
	if len(foods) != 140 || milk.Nutrients.Fat != 1.5 || milk.Source == "" {
		t.Errorf("%d foods; milk %+v", len(foods), milk)
	}
	if !foods["carrot"].FVB() || foods["potato, peeled"].FVB() || foods["orange juice, unsweetened"].FVB() {
		t.Error("fruit/vegetable/berry classification wrong for carrot, potato or juice")
	}
}
