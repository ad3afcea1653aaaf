package server

import (
	"strings"
	"testing"
	"time"
)

// TestFinnishProductNames: a quantity in a Finnish product name is written
// with a decimal comma, whatever the till sent; English keeps the point, and
// a point that is not a decimal in a quantity is left alone.
func TestFinnishProductNames(t *testing.T) {
	ls, err := loadLocales(nil)
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

// TestTimesInChainZone: a time stored in UTC (a consent) shows in the
// chain's zone, in both languages.
func TestTimesInChainZone(t *testing.T) {
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	ls, err := loadLocales(helsinki)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 15, 22, 30, 0, 0, time.UTC)
	if got := ls["fi"].DateTime(at); got != "16.11.2026 klo 00.30" {
		t.Errorf("fi: %q, want 16.11.2026 klo 00.30", got)
	}
	if got := ls["en"].DateTime(at); got != "16 Nov 2026 00:30" {
		t.Errorf("en: %q, want 16 Nov 2026 00:30", got)
	}
}

// TestNoNegativeZero: a change that rounds to zero reads ±0,0, without an
// arrow that says it fell.
func TestNoNegativeZero(t *testing.T) {
	ls, err := loadLocales(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []float64{0, -0.0004, 0.0003} {
		if got := string(ls["fi"].Points(d)); got != "±0,0\u00a0%-yks." {
			t.Errorf("Points(%v) = %q", d, got)
		}
	}
	if got := string(ls["fi"].Points(-0.012)); !strings.Contains(got, "▼") || !strings.Contains(got, "−1,2") {
		t.Errorf("Points(-0.012) = %q", got)
	}
}
