package demo

import (
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/kori-project/kori"
)

func generate(t *testing.T, members int, seed uint64) ([]Product, []Member, []kori.Receipt) {
	t.Helper()
	cat, err := Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	zone, _ := time.LoadLocation("Europe/Helsinki")
	o := Options{Members: members, Seed: seed, Until: time.Date(2026, 11, 25, 0, 0, 0, 0, zone), Zone: zone}
	ms := Members(o)
	var rs []kori.Receipt
	counter := map[string]int{}
	for i := range ms {
		if err := Receipts(&ms[i], cat, Stores, o, counter, func(r kori.Receipt) error { rs = append(rs, r); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	return cat, ms, rs
}

func TestCatalogue(t *testing.T) {
	cat, err := Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat) < 200 {
		t.Errorf("%d products, want a few hundred", len(cat))
	}
	seen := map[string]bool{}
	for _, p := range cat {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.NameEn, err)
		}
		if seen[p.GTIN] {
			t.Errorf("duplicate GTIN %s", p.GTIN)
		}
		seen[p.GTIN] = true
		if p.Price <= 0 {
			t.Errorf("%s has no price", p.NameEn)
		}
	}
}

func TestDeterministic(t *testing.T) {
	_, _, a := generate(t, 6, 3)
	_, _, b := generate(t, 6, 3)
	_, _, c := generate(t, 6, 4)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("same seed gave %d and %d receipts", len(a), len(b))
	}
	for i := range a {
		if a[i].Total != b[i].Total || !a[i].PurchasedAt.Equal(b[i].PurchasedAt) || a[i].Key != b[i].Key {
			t.Fatalf("receipt %d differs between runs with the same seed", i)
		}
	}
	if len(c) == len(a) && c[0].Total == a[0].Total {
		t.Error("a different seed gave the same data")
	}
}

func TestLevelsSpreadLikeARealProgramme(t *testing.T) {
	ms := Members(Options{Members: 2000, Seed: 1})
	count := map[kori.Level]int{}
	for _, m := range ms {
		count[m.Level]++
	}
	restricted := 2000 - count[kori.LevelProduct]
	if restricted < 3 || restricted > 12 {
		t.Errorf("%d of 2000 restricted, want about 0.4 %%", restricted)
	}
	for _, l := range []kori.Level{kori.LevelGroup, kori.LevelTotal, kori.LevelNone} {
		if count[l] == 0 {
			t.Errorf("no member at level %s", l)
		}
	}
}

func TestShoppingIsRealistic(t *testing.T) {
	cat, _, rs := generate(t, 25, 1)
	byGTIN := map[string]*Product{}
	for i := range cat {
		byGTIN[cat[i].GTIN] = &cat[i]
	}
	var finnish, food kori.Money
	berries := map[bool]kori.Money{} // summer or not
	for _, r := range rs {
		summer := r.PurchasedAt.Month() >= 6 && r.PurchasedAt.Month() <= 8
		var sum kori.Money
		for _, l := range r.Lines {
			p := byGTIN[l.GTIN]
			sum += l.Amount
			if p.Group == "household" || p.Group == "hygiene" {
				continue
			}
			food += l.Amount
			if p.Origin == kori.OriginFiRaw || p.Origin == kori.OriginFiMade {
				finnish += l.Amount
			}
			if p.Group == "berries" {
				berries[summer] += l.Amount
			}
		}
		if sum != r.Total {
			t.Fatalf("receipt total %s is not the sum of its lines %s", r.Total, sum)
		}
	}
	share := float64(finnish) / float64(food)
	if share < 0.6 || share > 0.9 {
		t.Errorf("Finnish share of food euros %.2f, want roughly three quarters", share)
	}
	// Berries per month: summer (3 months) well above the rest of the year (9).
	if summer, rest := float64(berries[true])/3, float64(berries[false])/9; summer < 1.5*rest {
		t.Errorf("berry euros per month: summer %.0f, rest of year %.0f; want summer well above", summer/100, rest/100)
	}
	if len(rs) < 25*300 {
		t.Errorf("%d receipts for 25 members over up to 11 years", len(rs))
	}
}

func TestCatalogueHasNutriScores(t *testing.T) {
	cat, err := Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	grades := map[string]int{}
	byName := map[string]string{}
	for _, p := range cat {
		grades[p.NutriGrade]++
		byName[p.NameEn] = p.NutriGrade
	}
	for _, g := range []string{"A", "B", "C", "D", "E"} {
		if grades[g] == 0 {
			t.Errorf("no product graded %s: %v", g, grades)
		}
	}
	// Spot checks a shopper would expect.
	for name, want := range map[string]string{"Carrots 1 kg": "A", "Mineral water 0.5 l": "A", "Milk chocolate 200 g": "E"} {
		if byName[name] != want {
			t.Errorf("%s graded %q, want %s", name, byName[name], want)
		}
	}
}

// TestLooksLikeAHousehold: each member shops mostly in one or two nearby
// stores, receipt numbers run per till and day like a real till's, prices
// follow Finnish food price inflation, the big shop is at the weekend, and
// no product is on two offers at once.
func TestLooksLikeAHousehold(t *testing.T) {
	cat, ms, rs := generate(t, 10, 3)
	byCard := map[string]map[string]int{}
	keys := map[string]bool{}
	var numbers []int
	for _, r := range rs {
		if byCard[r.Card] == nil {
			byCard[r.Card] = map[string]int{}
		}
		byCard[r.Card][r.Key.Store]++
		k := r.Key.Store + "/" + fmt.Sprint(r.Key.Till) + "/" + r.PurchasedAt.Format("20060102") + "/" + r.Key.Number
		if keys[k] {
			t.Fatalf("receipt number %s used twice", k)
		}
		keys[k] = true
		n, _ := strconv.Atoi(r.Key.Number)
		numbers = append(numbers, n)
	}
	for _, m := range ms {
		counts := byCard[m.Card]
		var top []int
		total := 0
		for _, n := range counts {
			top, total = append(top, n), total+n
		}
		sort.Sort(sort.Reverse(sort.IntSlice(top)))
		if total > 50 && float64(top[0]+at(top, 1)) < 0.9*float64(total) {
			t.Errorf("member %s: two stores hold %d of %d receipts, want most", m.Ref, top[0]+at(top, 1), total)
		}
	}
	sort.Ints(numbers)
	if median := numbers[len(numbers)/2]; median < 20 {
		t.Errorf("median receipt number %d: a till's day runs to hundreds", median)
	}

	// The same basket costs about a fifth more after 2022–2023.
	if ratio := priceLevel(2024, 1) / priceLevel(2021, 12); ratio < 1.18 || ratio > 1.26 {
		t.Errorf("food prices rose %.1f %% from December 2021 to January 2024, want about 20 %%", (ratio-1)*100)
	}
	perLine := func(year int) float64 {
		var sum kori.Money
		var n float64
		for _, r := range rs {
			if r.PurchasedAt.Year() == year {
				for _, l := range r.Lines {
					sum += l.Amount + l.Discount
					n += l.Quantity
				}
			}
		}
		return float64(sum) / n
	}
	if perLine(2024) < 1.1*perLine(2020) {
		t.Errorf("an item cost %.0f c in 2020 and %.0f c in 2024: prices did not follow food inflation", perLine(2020), perLine(2024))
	}

	// Weekend baskets are bigger than Monday's.
	size := map[time.Weekday][2]int{}
	for _, r := range rs {
		s := size[r.PurchasedAt.Weekday()]
		size[r.PurchasedAt.Weekday()] = [2]int{s[0] + len(r.Lines), s[1] + 1}
	}
	avg := func(d time.Weekday) float64 { return float64(size[d][0]) / float64(size[d][1]) }
	if avg(time.Saturday) < 1.3*avg(time.Monday) {
		t.Errorf("Saturday basket %.1f lines, Monday %.1f: want the big shop at the weekend", avg(time.Saturday), avg(time.Monday))
	}

	// Offers: one title each, and no product under two.
	zone, _ := time.LoadLocation("Europe/Helsinki")
	campaigns := Campaigns(cat, Options{Until: time.Date(2026, 11, 25, 0, 0, 0, 0, zone), Zone: zone})
	groups, titles := map[string]bool{}, map[string]bool{}
	for _, c := range campaigns {
		if c.Group != "" {
			groups[c.Group] = true
		}
		if titles[c.NameFi] {
			t.Errorf("two offers titled %q", c.NameFi)
		}
		titles[c.NameFi] = true
	}
	for _, c := range campaigns {
		for _, p := range cat {
			if c.GTIN == p.GTIN && groups[p.Group] {
				t.Errorf("%s is on offer alone and in its group %s", p.NameFi, p.Group)
			}
		}
	}
}

func at(xs []int, i int) int {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}
