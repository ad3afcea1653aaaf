// Package demo builds a deterministic synthetic data set — catalogue, stores,
// members and eleven years of purchases — so that a newcomer sees a working
// Kori within a minute, and so that tests and benchmarks have realistic data.
// Purchases go through the real ingest path, so every rule of the product
// applies to demo data exactly as to a chain's.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analysis"
	"github.com/kori-project/kori/internal/ingest"
)

//go:embed products.csv
var productsCSV []byte

// Groups are the product groups of the demo catalogue, also a sensible default
// taxonomy for a grocery chain.
var Groups = []kori.ProductGroup{
	{Code: "dairy", NameFi: "Maitotuotteet", NameEn: "Dairy", Food: true},
	{Code: "cheese", NameFi: "Juustot", NameEn: "Cheese", Food: true},
	{Code: "eggs", NameFi: "Munat", NameEn: "Eggs", Food: true},
	{Code: "meat", NameFi: "Liha", NameEn: "Meat", Food: true},
	{Code: "poultry", NameFi: "Siipikarja", NameEn: "Poultry", Food: true},
	{Code: "cold_cuts", NameFi: "Leikkeleet ja makkarat", NameEn: "Cold cuts and sausages", Food: true},
	{Code: "fish", NameFi: "Kala ja äyriäiset", NameEn: "Fish and seafood", Food: true},
	{Code: "vegetarian", NameFi: "Kasviproteiinit ja pähkinät", NameEn: "Plant proteins and nuts", Food: true},
	{Code: "bread", NameFi: "Leivät", NameEn: "Bread", Food: true},
	{Code: "cereals", NameFi: "Viljatuotteet", NameEn: "Cereals, pasta and rice", Food: true},
	{Code: "potatoes", NameFi: "Perunat", NameEn: "Potatoes", Food: true},
	{Code: "vegetables", NameFi: "Vihannekset", NameEn: "Vegetables", Food: true},
	{Code: "fruit", NameFi: "Hedelmät", NameEn: "Fruit", Food: true},
	{Code: "berries", NameFi: "Marjat", NameEn: "Berries", Food: true},
	{Code: "fats", NameFi: "Rasvat ja öljyt", NameEn: "Fats and oils", Food: true},
	{Code: "ready_meals", NameFi: "Valmisruoat ja kastikkeet", NameEn: "Ready meals and sauces", Food: true},
	{Code: "sweets", NameFi: "Makeiset ja naposteltavat", NameEn: "Sweets and snacks", Food: true},
	{Code: "drinks", NameFi: "Juomat", NameEn: "Drinks", Food: true},
	{Code: "coffee", NameFi: "Kahvi ja tee", NameEn: "Coffee and tea", Food: true},
	{Code: "household", NameFi: "Koti ja siivous", NameEn: "Household", Food: false},
	{Code: "hygiene", NameFi: "Hygienia", NameEn: "Personal care", Food: false},
	{Code: kori.UnknownGroup, NameFi: "Tuntematon tuote", NameEn: "Unknown product", Food: false},
}

// Stores are the demo chain's stores.
var Stores = []kori.Store{
	{ID: "S001", Name: "Kori Market Kamppi", City: "Helsinki"},
	{ID: "S002", Name: "Kori Supermarket Tikkurila", City: "Vantaa"},
	{ID: "S003", Name: "Kori Market Hervanta", City: "Tampere"},
	{ID: "S004", Name: "Kori Citymarket Raisio", City: "Raisio"},
	{ID: "S005", Name: "Kori Lähikauppa Kallio", City: "Helsinki"},
	{ID: "S006", Name: "Kori Supermarket Oulu", City: "Oulu"},
	{ID: "S007", Name: "Kori Market Lielahti", City: "Tampere"},
	{ID: "S008", Name: "Kori Supermarket Turku", City: "Turku"},
	{ID: "S009", Name: "Kori Lähikauppa Tuira", City: "Oulu"},
}

// region groups the stores' cities into the areas a member shops in.
var region = map[string]string{"Helsinki": "Uusimaa", "Vantaa": "Uusimaa", "Tampere": "Pirkanmaa",
	"Raisio": "Varsinais-Suomi", "Turku": "Varsinais-Suomi", "Oulu": "Pohjois-Pohjanmaa"}

// foodPriceIndex is the level of Finnish food prices by year, 2026 = 1:
// rounded from the annual changes of Statistics Finland's consumer price
// index for food and non-alcoholic beverages (about −1 % in 2016–2017,
// 1–2 % a year in 2018–2021, about +11 % in 2022 and +10 % in 2023, then
// 1–3 %). The demo's prices are 2026 prices, scaled back with it, so that
// a member's spending rises the way Finnish food prices did. Demo data only.
var foodPriceIndex = func() map[int]float64 {
	change := map[int]float64{2016: -0.010, 2017: -0.008, 2018: 0.015, 2019: 0.015, 2020: 0.014, 2021: 0.009,
		2022: 0.107, 2023: 0.104, 2024: 0.008, 2025: 0.030, 2026: 0.025}
	idx := map[int]float64{2026: 1}
	for y := 2025; y >= 2000; y-- {
		idx[y] = idx[y+1] / (1 + change[y+1])
	}
	return idx
}()

// priceLevel is the food price level of a month, 2026 = 1: each year's
// change spread over its months, from the level the year before had reached.
func priceLevel(year int, month time.Month) float64 {
	this, ok := foodPriceIndex[year]
	if !ok {
		return 1
	}
	before, ok := foodPriceIndex[year-1]
	if !ok {
		before = this
	}
	return before + (this-before)*float64(month)/12
}

// weekday shapes shopping over the week: the big shop on Friday and
// Saturday, small top-ups early in the week (visits, basket size).
var weekday = [7]struct{ visits, basket float64 }{
	time.Sunday: {0.9, 1.0}, time.Monday: {0.8, 0.7}, time.Tuesday: {0.8, 0.75}, time.Wednesday: {0.9, 0.8},
	time.Thursday: {1.0, 1.0}, time.Friday: {1.3, 1.35}, time.Saturday: {1.3, 1.45},
}

// localStores returns a member's home store and a second one nearby (in
// the same region) when the chain has one.
func localStores(seed uint64, stores []kori.Store) (home kori.Store, second *kori.Store) {
	home = stores[int(seed%uint64(len(stores)))]
	var near []kori.Store
	for _, st := range stores {
		if st.ID != home.ID && region[st.City] != "" && region[st.City] == region[home.City] {
			near = append(near, st)
		}
	}
	if len(near) > 0 {
		second = &near[int(seed/7%uint64(len(near)))]
	}
	return home, second
}

// Product is a demo catalogue item with its shelf price and shopping tags.
type Product struct {
	kori.Product
	Price kori.Money // per piece, or per kg
	Tags  []string
}

// Catalogue returns the demo catalogue: every base product, and a house-brand
// variant of every other food product, with GTINs under the Finnish prefix.
// products.csv is the catalogue import format plus two columns of its own:
// the shelf price and the shopping tags that drive the personas.
func Catalogue() ([]Product, error) {
	cr := csv.NewReader(bytes.NewReader(productsCSV))
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("demo catalogue: %w", err)
	}
	header := recs[0]
	var out []Product
	for i, rec := range recs[1:] {
		row := map[string]string{}
		for j, h := range header {
			row[h] = rec[j]
		}
		price, err := ingest.ParseMoney(row["price"])
		if err != nil {
			return nil, fmt.Errorf("demo catalogue line %d: price: %w", i+2, err)
		}
		tags := strings.Fields(row["tags"])
		delete(row, "price")
		delete(row, "tags")
		row["gtin"] = gtin(i * 2)
		p, err := ingest.ProductFromRow(i+2, row)
		if err != nil {
			return nil, fmt.Errorf("demo catalogue: %w", err)
		}
		if p.HasNutrients {
			if p.NutriGrade, err = ingest.NutriGrade(&p, nutriCategory(&p, row), strings.Contains(p.NameEn, "Zero")); err != nil {
				return nil, err
			}
		}
		base := Product{Product: p, Price: price, Tags: tags}
		out = append(out, base)
		if i%2 == 0 && p.HasNutrients {
			v := base
			v.GTIN = gtin(i*2 + 1)
			v.NameFi, v.NameEn = "Kori "+lowerFirst(p.NameFi), "Kori "+lowerFirst(p.NameEn)
			v.Price = kori.Money(math.Round(float64(price) * 0.82))
			out = append(out, v)
		}
	}
	return out, nil
}

// nutriCategory places a demo product in its Nutri-Score category.
func nutriCategory(p *kori.Product, row map[string]string) analysis.NutriCategory {
	ref := row["nutrients_ref"]
	switch {
	case ref == "mineral water":
		return analysis.NutriWater
	case p.Group == "cheese":
		return analysis.NutriCheese
	case p.Group == "fats", ref == "almonds", ref == "walnuts", ref == "peanuts, salted":
		return analysis.NutriFats
	case p.Group == "drinks", ref == "coffee (brewed)",
		strings.HasPrefix(ref, "milk "), strings.HasPrefix(ref, "sour milk"), strings.HasPrefix(ref, "oat drink"), strings.HasPrefix(ref, "soya drink"):
		return analysis.NutriBeverage
	}
	return analysis.NutriGeneral
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// gtin makes an EAN-13 under the Finnish GS1 prefix 64 with a valid check digit.
func gtin(n int) string {
	body := fmt.Sprintf("641234%06d", n)
	sum := 0
	for i, c := range body {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

// Persona shapes a member's shopping.
type Persona string

// The demo personas.
const (
	Family     Persona = "family"
	Single     Persona = "single"
	Vegetarian Persona = "vegetarian"
	Pensioner  Persona = "pensioner"
	Student    Persona = "student"
)

var personas = []Persona{Family, Single, Vegetarian, Pensioner, Student}

// Member is a generated demo member.
type Member struct {
	Ref     string
	Email   string
	Card    string
	Persona Persona
	Level   kori.Level
	Joined  time.Time
	// ObjectsPersonalisation and ObjectsAnalytics are the member's objections.
	ObjectsPersonalisation bool
	ObjectsAnalytics       bool
	// ReducesMeat and Localist shape trends: less meat, more domestic, year by year.
	ReducesMeat bool
	Localist    bool
	seed        uint64
}

// Password is every demo member's password. The demo's e-mail addresses are
// under .invalid, a domain that can never receive mail, so the known password
// opens nothing real.
const Password = "kori-demo"

// Options configure a demo data set.
type Options struct {
	Members int
	Seed    uint64
	From    time.Time // first purchase date (default: 1 January of the oldest year retention keeps)
	Until   time.Time // last purchase time (the clock's now)
	Zone    *time.Location
}

func (o Options) withDefaults() Options {
	if o.Zone == nil {
		o.Zone = time.UTC
	}
	if o.From.IsZero() {
		// As far back as retention keeps: eleven calendar years with this one.
		until := o.Until
		if until.IsZero() {
			until = time.Now()
		}
		o.From = time.Date(kori.OldestKeptYear(until, o.Zone), 1, 1, 0, 0, 0, 0, o.Zone)
	}
	return o
}

// Members returns the demo members. Levels are spread like a real programme
// (K-Plussa: about 0.4 % restricted), with at least one member at each
// restricted level so that every level can be seen in the demo.
func Members(o Options) []Member {
	o = o.withDefaults()
	r := rand.New(rand.NewPCG(o.Seed, 1))
	restricted := max(3, int(math.Round(float64(o.Members)*0.004)))
	out := make([]Member, o.Members)
	for i := range out {
		m := Member{
			Ref:     fmt.Sprintf("M%06d", i+1),
			Email:   fmt.Sprintf("member%d@demo.kori.invalid", i+1),
			Card:    fmt.Sprintf("2000%09d", 100000+i*7919%1000000),
			Persona: personas[i%len(personas)],
			Level:   kori.LevelProduct,
			seed:    o.Seed*1_000_003 + uint64(i),
		}
		// Spread the restricted members over the list, not all at its start.
		if restricted > 0 && i > 0 && i%max(1, o.Members/restricted) == 0 {
			m.Level = []kori.Level{kori.LevelGroup, kori.LevelTotal, kori.LevelNone}[(i/max(1, o.Members/restricted)-1)%3]
		}
		m.ObjectsPersonalisation = r.Float64() < 0.05
		m.ObjectsAnalytics = r.Float64() < 0.03
		m.ReducesMeat = r.Float64() < 0.35
		m.Localist = r.Float64() < 0.6
		start := o.From
		if m.Persona == Student {
			start = start.AddDate(2+r.IntN(6), r.IntN(12), 0)
		} else if r.Float64() < 0.15 {
			start = start.AddDate(r.IntN(8), r.IntN(12), 0)
		}
		m.Joined = start
		out[i] = m
	}
	return out
}

type personaShape struct {
	visitsPerWeek float64
	basket        int
}

var shapes = map[Persona]personaShape{
	Family:     {2.6, 14},
	Single:     {1.6, 7},
	Vegetarian: {1.8, 9},
	Pensioner:  {3.0, 6},
	Student:    {1.3, 6},
}

// weight is how likely a member is to put a product in the basket in a month.
func weight(p *Product, m *Member, year int, month time.Month) float64 {
	w := 1.0
	has := func(t string) bool {
		for _, x := range p.Tags {
			if x == t {
				return true
			}
		}
		return false
	}
	if has("staple") {
		w *= 4
	}
	switch m.Persona {
	case Family:
		if has("family") || has("kids") {
			w *= 3
		}
	case Pensioner:
		if has("pensioner") {
			w *= 3
		}
		if has("student") {
			w *= 0.3
		}
	case Student:
		if has("student") {
			w *= 3
		}
		if has("pensioner") {
			w *= 0.3
		}
	case Vegetarian:
		if has("veg") {
			w *= 3
		}
		switch p.Group {
		case "meat", "poultry", "cold_cuts":
			return 0
		case "fish":
			w *= 0.2
		}
	}
	if has("baby") && (m.Persona != Family || year > 2018) {
		return 0
	}
	years := float64(year - 2015)
	if m.ReducesMeat && (p.Group == "meat" || p.Group == "cold_cuts") {
		w *= math.Max(0.15, 1-0.08*years)
	}
	if m.ReducesMeat && (p.Group == "vegetarian" || p.Group == "vegetables") {
		w *= 1 + 0.06*years
	}
	if m.Localist && (p.Origin == kori.OriginFiRaw || p.Origin == kori.OriginFiMade) {
		w *= 1 + 0.05*years
	}
	summer := month >= 6 && month <= 8
	switch {
	case has("summer") && summer:
		w *= 5
	case has("summer"):
		w *= 0.15
	}
	switch {
	case has("christmas") && month == 12:
		w *= 8
	case has("christmas") && month == 11:
		w *= 1.5
	case has("christmas"):
		w *= 0.08
	}
	switch {
	case has("easter") && (month == 3 || month == 4):
		w *= 4
	case has("easter"):
		w *= 0.03
	}
	switch {
	case has("autumn") && (month == 9 || month == 10):
		w *= 4
	case has("autumn"):
		w *= 0.3
	}
	if has("winter") && (month >= 11 || month <= 3) {
		w *= 2
	} else if has("winter") {
		w *= 0.4
	}
	if has("treat") {
		w *= 0.7
	}
	return w
}

// Receipts calls emit with every receipt of a member, in time order. Receipt
// numbers come from counter, shared by all members so that they are unique
// per store, till and day.
func Receipts(m *Member, catalogue []Product, stores []kori.Store, o Options, counter map[string]int, emit func(kori.Receipt) error) error {
	r := rand.New(rand.NewPCG(m.seed, 2))
	shape := shapes[m.Persona]
	home, second := localStores(m.seed, stores)
	cum := make([]float64, len(catalogue))
	zone := o.Zone
	day := time.Date(m.Joined.Year(), m.Joined.Month(), m.Joined.Day(), 0, 0, 0, 0, zone)
	curMonth := -1
	for ; !day.After(o.Until); day = day.AddDate(0, 0, 1) {
		if ym := day.Year()*12 + int(day.Month()); ym != curMonth {
			curMonth = ym
			total := 0.0
			for i := range catalogue {
				total += weight(&catalogue[i], m, day.Year(), day.Month())
				cum[i] = total
			}
		}
		wd := weekday[day.Weekday()]
		if r.Float64() >= shape.visitsPerWeek/7*wd.visits {
			continue
		}
		// Mostly the home store, sometimes the other one nearby, now and
		// then any store of the chain (a trip).
		store := home
		switch x := r.Float64(); {
		case x < 0.04:
			store = stores[r.IntN(len(stores))]
		case x < 0.25 && second != nil:
			store = *second
		}
		at := day.Add(time.Duration(8*3600+r.IntN(13*3600)) * time.Second)
		if at.After(o.Until) {
			break
		}
		n := max(1, int(float64(shape.basket)*wd.basket*(0.5+r.Float64())))
		if day.Month() == 12 && day.Day() > 15 {
			n += n / 2
		}
		lines := basket(r, catalogue, cum, n, priceLevel(day.Year(), day.Month()))
		var total kori.Money
		for _, l := range lines {
			total += l.Amount
		}
		// A till numbers its receipts from 1 each day; the demo's members are
		// a few of many customers, so a receipt's number is about where the
		// day had got to (one customer every three minutes a till), unique
		// per store, till and day.
		till := 1 + r.IntN(6)
		key := fmt.Sprintf("%s/%d/%s", store.ID, till, day.Format("20060102"))
		number := 1 + int(at.Sub(day.Add(8*time.Hour)).Minutes()/3)
		for counter[fmt.Sprintf("%s/%d", key, number)] > 0 {
			number++
		}
		counter[fmt.Sprintf("%s/%d", key, number)]++
		rec := kori.Receipt{
			Key:         kori.ReceiptKey{Store: store.ID, Till: till, Number: fmt.Sprint(number)},
			Card:        m.Card,
			PurchasedAt: at,
			Total:       total,
			Lines:       lines,
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// basket picks n products by their weights, at the month's price level.
func basket(r *rand.Rand, catalogue []Product, cum []float64, n int, level float64) []kori.Line {
	total := cum[len(cum)-1]
	picked := map[int]int{}
	var order []int
	for k := 0; k < n; k++ {
		x := r.Float64() * total
		lo, hi := 0, len(cum)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if picked[lo] == 0 {
			order = append(order, lo)
		}
		picked[lo]++
	}
	lines := make([]kori.Line, 0, len(order))
	for _, i := range order {
		p := &catalogue[i]
		q := float64(picked[i])
		if p.Unit == kori.UnitKg {
			q = math.Round((0.2+r.Float64()*1.3)*1000) / 1000
		}
		amount := kori.Money(math.Round(float64(p.Price) * level * q))
		var discount kori.Money
		if r.Float64() < 0.1 {
			discount = kori.Money(math.Round(float64(amount) * 0.2))
			amount -= discount
		}
		lines = append(lines, kori.Line{GTIN: p.GTIN, Quantity: q, Amount: amount, Discount: discount})
	}
	return lines
}

// Seed is what Registry needs of the store.
type Seed interface {
	UpsertGroups(ctx context.Context, groups []kori.ProductGroup) error
	UpsertStores(ctx context.Context, stores []kori.Store) error
	UpsertProducts(ctx context.Context, products []kori.Product) error
	ImportMembers(ctx context.Context, ms []kori.Enrolment, channel string) ([]kori.MemberID, error)
	UpsertCampaigns(ctx context.Context, cs []kori.Campaign) error
}

// Progress is told how many members are done out of how many.
type Progress func(done, total int, summary ingest.Summary)

// Generate writes the demo data set: groups, stores, catalogue, members and
// their purchases through ingest, reporting progress after each member.
func Generate(ctx context.Context, db Seed, svc *ingest.Service, o Options, progress Progress) (ingest.Summary, []Member, error) {
	var sum ingest.Summary
	o = o.withDefaults()
	cat, members, err := Registry(ctx, db, o)
	if err != nil {
		return sum, nil, err
	}
	counter := map[string]int{}
	batch := make([]ingest.Parsed, 0, ingest.DefaultBatch)
	line := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := svc.Ingest(ctx, batch)
		if err != nil {
			return err
		}
		for i, r := range res {
			if r.Status == ingest.StatusRejected {
				return fmt.Errorf("demo receipt rejected: %v", r.Error)
			}
			sum.Add(r, len(batch[i].Receipt.Lines))
		}
		batch = batch[:0]
		return nil
	}
	for i := range members {
		err := Receipts(&members[i], cat, Stores, o, counter, func(r kori.Receipt) error {
			line++
			batch = append(batch, ingest.Parsed{Line: line, Receipt: r})
			if len(batch) == cap(batch) {
				return flush()
			}
			return nil
		})
		if err != nil {
			return sum, nil, err
		}
		if progress != nil {
			progress(i+1, len(members), sum)
		}
	}
	if err := flush(); err != nil {
		return sum, nil, err
	}
	return sum, members, nil
}

// Registry writes everything of the demo but purchases — groups, stores,
// catalogue and members with their cards — and returns the catalogue and
// members, for callers that make the purchases themselves.
func Registry(ctx context.Context, db Seed, o Options) ([]Product, []Member, error) {
	o = o.withDefaults()
	cat, err := Catalogue()
	if err != nil {
		return nil, nil, err
	}
	if err := db.UpsertGroups(ctx, Groups); err != nil {
		return nil, nil, err
	}
	if err := db.UpsertCampaigns(ctx, Campaigns(cat, o)); err != nil {
		return nil, nil, err
	}
	if err := db.UpsertStores(ctx, Stores); err != nil {
		return nil, nil, err
	}
	products := make([]kori.Product, len(cat))
	for i := range cat {
		products[i] = cat[i].Product
	}
	if err := db.UpsertProducts(ctx, products); err != nil {
		return nil, nil, err
	}
	members := Members(o)
	enrol := make([]kori.Enrolment, len(members))
	for i, m := range members {
		enrol[i] = kori.Enrolment{Ref: m.Ref, Level: m.Level, Email: m.Email, JoinedAt: m.Joined,
			Cards:                  []kori.Card{{Number: m.Card, Status: kori.CardActive}},
			ObjectsPersonalisation: m.ObjectsPersonalisation, ObjectsAnalytics: m.ObjectsAnalytics}
	}
	if _, err := db.ImportMembers(ctx, enrol, "demo"); err != nil {
		return nil, nil, err
	}
	return cat, members, nil
}

// Campaigns returns the demo chain's running campaigns: a few product groups
// and the staple products, from ten days before Until to twenty after, so
// that the demo members have offers.
func Campaigns(cat []Product, o Options) []kori.Campaign {
	o = o.withDefaults()
	until := o.Until
	if until.IsZero() {
		until = time.Now()
	}
	day := time.Date(until.Year(), until.Month(), until.Day(), 0, 0, 0, 0, o.Zone)
	from, to := day.AddDate(0, 0, -10), day.AddDate(0, 0, 20)
	var out []kori.Campaign
	for _, g := range []struct {
		code string
		pct  float64
	}{{"bread", 15}, {"fruit", 20}, {"coffee", 25}, {"cheese", 20}, {"berries", 30}, {"fish", 15}, {"vegetables", 10}} {
		for _, grp := range Groups {
			if grp.Code == g.code {
				out = append(out, kori.Campaign{ID: "demo-" + g.code, NameFi: grp.NameFi + " −" + fmt.Sprint(g.pct) + " %",
					NameEn: grp.NameEn + " −" + fmt.Sprint(g.pct) + " %", Group: g.code, DiscountPct: g.pct, ValidFrom: from, ValidTo: to})
			}
		}
	}
	// Staples on offer, outside the groups above, so that no product is on
	// two offers at once; each offer's title names its discount.
	onOffer := map[string]bool{}
	for _, c := range out {
		onOffer[c.Group] = true
	}
	n := 0
	for _, p := range cat {
		if n == 8 || !slices.Contains(p.Tags, "staple") || strings.HasPrefix(p.NameFi, "Kori ") || onOffer[p.Group] {
			continue
		}
		n++
		pct := 10 + float64(5*(n%4))
		out = append(out, kori.Campaign{ID: "demo-" + p.GTIN, NameFi: p.NameFi + " -" + fmt.Sprint(pct) + " %", NameEn: p.NameEn + " −" + fmt.Sprint(pct) + " %",
			GTIN: p.GTIN, DiscountPct: pct, ValidFrom: from, ValidTo: to})
	}
	return out
}
