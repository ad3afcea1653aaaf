package server

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/message"
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

// TestNumMatchesPrinter: Num writes exactly what the language's message
// printer writes for "%.*f" (which it stands in for, faster), over
// values of every size and sign, rounding edges and both zeros.
func TestNumMatchesPrinter(t *testing.T) {
	ls, err := loadLocales(nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	values := []float64{0, math.Copysign(0, -1), 0.5, 1.5, 2.5, -0.5, 0.05, 0.005, -0.004, 999.995, 999999.5, 1234.5, -1234567.891, 1e15, 1e21, math.MaxInt64}
	for range 5000 {
		v := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)))
		values = append(values, v, math.Round(v), math.Round(v*100)/100+0.005)
	}
	for _, tag := range languages {
		base, _ := tag.Base()
		l, p := ls[base.String()], message.NewPrinter(tag)
		for _, v := range values {
			for d := range 4 {
				if got, want := l.Num(v, d), p.Sprintf("%.*f", d, v); got != want {
					t.Fatalf("%s: Num(%v, %d) = %q, the printer writes %q", tag, v, d, got, want)
				}
			}
		}
	}
}
