package server

import "testing"

// TestFinnishProductNames: a quantity in a Finnish product name is written
// with a decimal comma, whatever the till sent; English keeps the point, and
// a point that is not a decimal in a quantity is left alone.
func TestFinnishProductNames(t *testing.T) {
	ls, err := loadLocales()
	if err != nil {
		t.Fatal(err)
	}
	fi, en := ls["fi"], ls["en"]
	for _, c := range []struct{ fi, en, wantFi, wantEn string }{
		{"Kokonainen broileri 1.2 kg", "Whole chicken 1.2 kg", "Kokonainen broileri 1,2 kg", "Whole chicken 1.2 kg"},
		{"Lager-olut 0.33 l", "", "Lager-olut 0,33 l", "Lager-olut 0.33 l"},
		{"Kevytmaito 1,5 %", "Milk", "Kevytmaito 1,5 %", "Milk"},
		{"Maito 1.5%", "Milk 1.5%", "Maito 1,5%", "Milk 1.5%"},
		{"Versio 2.0 tuote", "", "Versio 2.0 tuote", "Versio 2.0 tuote"},
	} {
		if got := fi.Name(c.fi, c.en); got != c.wantFi {
			t.Errorf("fi Name(%q) = %q, want %q", c.fi, got, c.wantFi)
		}
		if got := en.Name(c.fi, c.en); got != c.wantEn {
			t.Errorf("en Name(%q, %q) = %q, want %q", c.fi, c.en, got, c.wantEn)
		}
	}
}
