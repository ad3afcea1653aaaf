package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analysis"
	"github.com/kori-project/kori/internal/analytics"
	"github.com/kori-project/kori/internal/refdata"
)

// This file builds the view of each member page: one function per page,
// whose result the HTML template renders and the JSON API returns as is, so
// the two can never disagree. Money is in cents, shares are 0–1.

// memberData is what every member page reads once per request. The
// rollups come summed by the database: by month over the whole history, and
// by group for the years the page shows (the year asked for, this year and
// the years before them, for comparisons). The reads are independent, so
// they run at once on the read pool.
type memberData struct {
	m        *kori.Member
	cat      *kori.Catalogue
	loc      *Locale
	now      time.Time // in the chain's zone
	stores   []kori.StoreMonth
	monthly  []kori.MonthRollup
	grouped  []kori.MonthRollup
	products map[int][]kori.ProductSum // by year
	ytd      *yearToDate
	page     pageInfo
}

func (s *Server) loadMember(r *http.Request, p page) (*memberData, error) {
	ctx := r.Context()
	if err := checkQuery(r.URL.Query(), p.params); err != nil {
		return nil, err
	}
	d := &memberData{m: memberOf(ctx).member, loc: s.locales.pick(r), now: s.Clock.Now().In(s.Zone), products: map[int][]kori.ProductSum{}}
	if err := s.gate.Read(ctx, d.m, s.actor(r), kori.PurposeMemberService, p.name); err != nil {
		return nil, err
	}
	// The year shown is not known before the years with data are; read
	// for the year asked for and this year, and read again in the rare case
	// the page falls back to another.
	likely := d.now.Year()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y > 0 {
		likely = y
	}
	years := func(y int) []int {
		out := []int{y, y - 1}
		if n := d.now.Year(); n != y {
			out = append(out, n, n-1)
		}
		return out
	}
	var products []kori.ProductSum
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		if d.cat, err = s.Ingest.Catalogue(gctx); err != nil || !p.ytd {
			return err
		}
		ytd, err := s.readYearToDate(gctx, d.m, d.now, d.cat)
		d.ytd = &ytd
		return err
	})
	if p.rollups {
		g.Go(func() (err error) {
			d.monthly, err = s.rollupTotals(gctx, d.m, kori.TotalsByMonth)
			return err
		})
		g.Go(func() (err error) {
			d.grouped, err = s.rollupTotals(gctx, d.m, kori.TotalsByGroup, years(likely)...)
			return err
		})
	}
	if p.stores {
		g.Go(func() (err error) { d.stores, err = s.storeMonths(gctx, d.m); return err })
	}
	if p.products {
		g.Go(func() (err error) { products, err = s.productsByMember(gctx, d.m, likely); return err })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	d.page = d.info(r)
	if p.products {
		d.products[likely] = products
	}
	if p.rollups && d.page.Year != likely {
		var err error
		if d.grouped, err = s.rollupTotals(ctx, d.m, kori.TotalsByGroup, years(d.page.Year)...); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// rollupTotals is Store.RollupTotals through the sums cache.
func (s *Server) rollupTotals(ctx context.Context, m *kori.Member, by kori.RollupGrouping, years ...int) ([]kori.MonthRollup, error) {
	return cachedSums(s.sums, sumsKey{m.ID, m.DataVersion, fmt.Sprint("rollups", by, years)},
		func(v []kori.MonthRollup) int64 { return int64(len(v)) * rollupBytes },
		func() ([]kori.MonthRollup, error) { return s.Store.RollupTotals(ctx, m.ID, by, years...) })
}

// storeMonths is Store.StoreMonthsByMember through the sums cache.
func (s *Server) storeMonths(ctx context.Context, m *kori.Member) ([]kori.StoreMonth, error) {
	return cachedSums(s.sums, sumsKey{m.ID, m.DataVersion, "stores"},
		func(v []kori.StoreMonth) int64 { return int64(len(v)) * storeBytes },
		func() ([]kori.StoreMonth, error) { return s.Store.StoreMonthsByMember(ctx, m.ID) })
}

// productsByMember is Store.ProductsByMember through the sums cache.
func (s *Server) productsByMember(ctx context.Context, m *kori.Member, year int) ([]kori.ProductSum, error) {
	return cachedSums(s.sums, sumsKey{m.ID, m.DataVersion, fmt.Sprint("products", year)},
		func(v []kori.ProductSum) int64 { return int64(len(v)) * productBytes },
		func() ([]kori.ProductSum, error) { return s.Store.ProductsByMember(ctx, m.ID, year) })
}

// figuresBetween is Store.FiguresBetween through the sums cache; the sums
// of the days of a month begun depend on the catalogue too.
func (s *Server) figuresBetween(ctx context.Context, m *kori.Member, from, to int, cat *kori.Catalogue) ([]kori.GroupSum, int, error) {
	type between struct {
		sums     []kori.GroupSum
		receipts int
	}
	v, err := cachedSums(s.sums, sumsKey{m.ID, m.DataVersion, fmt.Sprint("between", from, to, cat.Version)},
		func(v between) int64 { return int64(len(v.sums)) * rollupBytes },
		func() (between, error) {
			sums, n, err := s.Store.FiguresBetween(ctx, m.ID, from, to, cat)
			return between{sums, n}, err
		})
	return v.sums, v.receipts, err
}

// productsOf returns what the member bought of each product in a year.
func (s *Server) productsOf(r *http.Request, d *memberData, year int) ([]kori.ProductSum, error) {
	if ps, ok := d.products[year]; ok {
		return ps, nil
	}
	ps, err := s.productsByMember(r.Context(), d.m, year)
	d.products[year] = ps
	return ps, err
}

// groupName names a product group in the reader's language.
func (d *memberData) groupName(code string) string {
	switch code {
	case kori.UnknownGroup, kori.NotItemised:
		return d.loc.T("group." + code)
	}
	if g, ok := d.cat.Groups[code]; ok {
		return d.loc.Name(g.NameFi, g.NameEn)
	}
	return code
}

func (d *memberData) storeName(id string) string {
	if st, ok := d.cat.Stores[id]; ok {
		return st.Name
	}
	return id
}

func (d *memberData) productName(gtin string) string {
	if p, ok := d.cat.Products[gtin]; ok {
		return d.loc.Name(p.NameFi, p.NameEn)
	}
	return d.loc.T("product.unknown", "GTIN", gtin)
}

// pageInfo is shared by every analysis view: the member's level, the years
// with data and the year shown.
type pageInfo struct {
	Level kori.Level `json:"level"`
	Years []int      `json:"years"`
	Year  int        `json:"year"`
	// Detailed says whether any purchase kept has product or group detail;
	// without it (levels total and none) the product-based analyses are
	// not available, which pages say instead of showing zeros.
	Detailed bool `json:"detailed"`
}

// info works out the years with data and the year asked for (?year=),
// defaulting to the current year, or the latest with data.
func (d *memberData) info(r *http.Request) pageInfo {
	seen := map[int]bool{}
	for _, x := range d.monthly {
		seen[x.Year] = true
	}
	for _, x := range d.stores {
		seen[x.Year] = true
	}
	p := pageInfo{Level: d.m.Level, Years: []int{}}
	for _, x := range d.monthly {
		p.Detailed = p.Detailed || x.Figures.Lines > 0
	}
	for y := range seen {
		p.Years = append(p.Years, y)
	}
	sort.Ints(p.Years)
	want, _ := strconv.Atoi(r.URL.Query().Get("year"))
	switch {
	case seen[want]:
		p.Year = want
	case seen[d.now.Year()] || len(p.Years) == 0:
		p.Year = d.now.Year()
	default:
		p.Year = p.Years[len(p.Years)-1]
	}
	return p
}

func change(cur, prev float64) *float64 {
	if c, ok := analysis.Change(cur, prev); ok {
		return &c
	}
	return nil
}

// --- Overview ---------------------------------------------------------------

// summary is the headline of each analysis over a period.
type summary struct {
	Amount       kori.Money `json:"amount_cents"`
	Receipts     int        `json:"receipts"`
	FinnishShare float64    `json:"finnish_share"`
	KgCO2e       float64    `json:"kg_co2e"`
	KgPerEuro    float64    `json:"kg_co2e_per_euro"`
	NutriABShare float64    `json:"nutri_ab_share"`
	FibrePerMJ   float64    `json:"fibre_g_per_mj"`
	// What the shares rest on: false when no purchase of the period has
	// what the figure needs (products of known origin, a known emission
	// factor, a Nutri-Score grade), as at levels total and none. The figure
	// is then 0 in JSON but not a measurement, and pages say "not available".
	HasOrigin bool `json:"has_origin"`
	HasCarbon bool `json:"has_carbon"`
	HasNutri  bool `json:"has_nutri_score"`
}

func summarise(f kori.Figures, receipts int) summary {
	c, n, dom := analysis.CarbonOf(f), analysis.NutriScoresOf(f), analysis.DomesticOf(f)
	return summary{Amount: f.Amount, Receipts: receipts, FinnishShare: dom.FinnishShare,
		KgCO2e: c.Kg, KgPerEuro: c.KgPerEuro, NutriABShare: n.A + n.B, FibrePerMJ: analysis.NutritionOf(f).FibrePerMJ,
		HasOrigin: dom.Known() > 0, HasCarbon: f.CO2eCovered > 0, HasNutri: n.GradedShare > 0}
}

type yearSummary struct {
	Year int `json:"year"`
	summary
}

type overviewView struct {
	pageInfo
	// Compared names the periods: this year so far, to today, against the
	// same dates of last year.
	Compared comparison          `json:"compared"`
	ThisYear summary             `json:"this_year"`
	LastYear summary             `json:"last_year"`
	Change   map[string]*float64 `json:"change"`
	// Points is the change of the shares in percentage points (0.05 is
	// five points), which reads better for a share than a relative change.
	Points map[string]float64 `json:"change_points"`
	Trend  []yearSummary      `json:"trend"`
}

func (s *Server) overview(r *http.Request, d *memberData) (any, error) {
	v := overviewView{pageInfo: d.page}
	ytd, err := s.yearToDate(r, d)
	if err != nil {
		return nil, err
	}
	v.Compared = ytd.comparison
	v.ThisYear = summarise(sumFigures(ytd.this), ytd.thisReceipts)
	v.LastYear = summarise(sumFigures(ytd.last), ytd.lastReceipts)
	v.Change = map[string]*float64{
		"amount":         change(float64(v.ThisYear.Amount), float64(v.LastYear.Amount)),
		"finnish_share":  change(v.ThisYear.FinnishShare, v.LastYear.FinnishShare),
		"kg_co2e":        change(v.ThisYear.KgCO2e, v.LastYear.KgCO2e),
		"nutri_ab_share": change(v.ThisYear.NutriABShare, v.LastYear.NutriABShare),
	}
	v.Points = map[string]float64{
		"finnish_share":  v.ThisYear.FinnishShare - v.LastYear.FinnishShare,
		"nutri_ab_share": v.ThisYear.NutriABShare - v.LastYear.NutriABShare,
	}
	years := analysis.ReceiptCounts(d.stores, false)
	v.Trend = []yearSummary{}
	for _, p := range analysis.ByYear(d.monthly) {
		v.Trend = append(v.Trend, yearSummary{Year: p.Year, summary: summarise(p.Figures, years[p.Period])})
	}
	return v, nil
}

// dateOnly is a day, written in JSON as 2026-12-02.
type dateOnly struct{ time.Time }

// MarshalJSON writes the day.
func (d dateOnly) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.Format(time.DateOnly) + `"`), nil
}

// comparison names the two periods a change is computed between: this year
// from 1 January to today, and last year from 1 January to the same date,
// so that a year so far is never set against a whole year.
type comparison struct {
	From         dateOnly `json:"from"`
	To           dateOnly `json:"to"`
	ComparedFrom dateOnly `json:"compared_from"`
	ComparedTo   dateOnly `json:"compared_to"`
}

// yearToDate is this year so far and the same dates of last year, per group.
type yearToDate struct {
	comparison
	this, last                 []kori.GroupSum
	thisReceipts, lastReceipts int
}

// yearToDate returns the member's figures from 1 January to today and from 1
// January to the same date last year (28 February when today is the 29th),
// computed from the receipts of those days as the rollups are. Pages that
// show it have them read with the rest of the member's data (page.ytd).
func (s *Server) yearToDate(r *http.Request, d *memberData) (yearToDate, error) {
	if d.ytd != nil {
		return *d.ytd, nil
	}
	return s.readYearToDate(r.Context(), d.m, d.now, d.cat)
}

// readYearToDate reads the two periods of yearToDate at once.
func (s *Server) readYearToDate(ctx context.Context, member *kori.Member, now time.Time, cat *kori.Catalogue) (yearToDate, error) {
	y, m, day := now.Date()
	sameDay := time.Date(y-1, m, day, 0, 0, 0, 0, now.Location())
	if sameDay.Month() != m {
		sameDay = time.Date(y-1, m+1, 0, 0, 0, 0, 0, now.Location())
	}
	v := yearToDate{comparison: comparison{From: dateOnly{time.Date(y, 1, 1, 0, 0, 0, 0, now.Location())}, To: dateOnly{now},
		ComparedFrom: dateOnly{time.Date(y-1, 1, 1, 0, 0, 0, 0, now.Location())}, ComparedTo: dateOnly{sameDay}}}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		v.this, v.thisReceipts, err = s.figuresBetween(gctx, member, y*10000+101, kori.BusinessDay(now, now.Location()), cat)
		return err
	})
	g.Go(func() (err error) {
		v.last, v.lastReceipts, err = s.figuresBetween(gctx, member, (y-1)*10000+101, kori.BusinessDay(sameDay, now.Location()), cat)
		return err
	})
	return v, g.Wait()
}

func sumFigures(gs []kori.GroupSum) kori.Figures {
	var f kori.Figures
	for _, g := range gs {
		f.Add(g.Figures)
	}
	return f
}

// --- Spending ---------------------------------------------------------------

type amountRow struct {
	Year     int        `json:"year"`
	Month    int        `json:"month,omitempty"`
	Amount   kori.Money `json:"amount_cents"`
	Receipts int        `json:"receipts"`
	Change   *float64   `json:"change"` // against the previous year
}

type groupAmount struct {
	Group  string     `json:"group"`
	Name   string     `json:"name"`
	Amount kori.Money `json:"amount_cents"`
	Share  float64    `json:"share"`
	Change *float64   `json:"change"` // against the previous year
}

type storeAmount struct {
	Store    string     `json:"store"`
	Name     string     `json:"name"`
	Receipts int        `json:"receipts"`
	Amount   kori.Money `json:"amount_cents"`
	Share    float64    `json:"share"`
}

type spendingView struct {
	pageInfo
	// Compared names the periods of this year's changes (so far against
	// the same dates of last year); nil when the page shows a past year.
	Compared *comparison `json:"compared"`
	Total    kori.Money  `json:"total_cents"`
	ByYear   []amountRow `json:"by_year"`
	ByMonth  []amountRow `json:"by_month"`
	// History is every month since the first purchase.
	History []amountRow   `json:"history"`
	ByGroup []groupAmount `json:"by_group"`
	ByStore []storeAmount `json:"by_store"`
	// Peers compares the year's spending with the members who allow
	// analytics; nil without purchases in the year.
	Peers *peerView `json:"peers,omitempty"`
}

// spending works from receipts (store months) for totals, so that it is the
// same at every level, and from rollups for the product groups.
func (s *Server) spending(r *http.Request, d *memberData) (any, error) {
	v := spendingView{pageInfo: d.page, ByYear: []amountRow{}, ByMonth: []amountRow{}, History: []amountRow{}, ByGroup: []groupAmount{}, ByStore: []storeAmount{}}
	perYear, perMonth := map[int]*amountRow{}, map[int]*amountRow{}
	for _, sm := range d.stores { // in time order
		if n := len(v.History); n == 0 || v.History[n-1].Year != sm.Year || v.History[n-1].Month != sm.Month {
			v.History = append(v.History, amountRow{Year: sm.Year, Month: sm.Month})
		}
		h := &v.History[len(v.History)-1]
		h.Amount += sm.Amount
		h.Receipts += sm.Receipts
		row, ok := perYear[sm.Year]
		if !ok {
			row = &amountRow{Year: sm.Year}
			perYear[sm.Year] = row
		}
		row.Amount += sm.Amount
		row.Receipts += sm.Receipts
		if sm.Year == v.Year {
			m, ok := perMonth[sm.Month]
			if !ok {
				m = &amountRow{Year: sm.Year, Month: sm.Month}
				perMonth[sm.Month] = m
			}
			m.Amount += sm.Amount
			m.Receipts += sm.Receipts
		}
	}
	// This year so far is compared with the same dates of last year, per
	// year and per group; past years whole against whole.
	ytd, err := s.yearToDate(r, d)
	if err != nil {
		return nil, err
	}
	for _, y := range v.Years {
		row := perYear[y]
		if row == nil {
			row = &amountRow{Year: y}
		}
		if y == d.now.Year() {
			row.Change = change(float64(sumFigures(ytd.this).Amount), float64(sumFigures(ytd.last).Amount))
		} else if prev := perYear[y-1]; prev != nil {
			row.Change = change(float64(row.Amount), float64(prev.Amount))
		}
		v.ByYear = append(v.ByYear, *row)
	}
	for m := 1; m <= 12; m++ {
		row := amountRow{Year: v.Year, Month: m}
		if x := perMonth[m]; x != nil {
			row = *x
		}
		v.ByMonth = append(v.ByMonth, row)
		v.Total += row.Amount
	}
	prev := map[string]kori.Money{}
	if v.Year == d.now.Year() {
		v.Compared = &ytd.comparison
		for _, g := range ytd.last {
			prev[g.Group] = g.Figures.Amount
		}
	} else {
		for _, g := range analysis.ByGroup(d.grouped, analysis.InYear(v.Year-1)) {
			prev[g.Group] = g.Figures.Amount
		}
	}
	groups := analysis.ByGroup(d.grouped, analysis.InYear(v.Year))
	groupTotal := analysis.Total(d.monthly, analysis.InYear(v.Year)).Amount
	for _, g := range groups {
		v.ByGroup = append(v.ByGroup, groupAmount{Group: g.Group, Name: d.groupName(g.Group), Amount: g.Figures.Amount,
			Share: analysis.Share(float64(g.Figures.Amount), float64(groupTotal)), Change: change(float64(g.Figures.Amount), float64(prev[g.Group]))})
	}
	for _, st := range analysis.ByStore(d.stores, analysis.InYear(v.Year)) {
		v.ByStore = append(v.ByStore, storeAmount{Store: st.Store, Name: d.storeName(st.Store), Receipts: st.Receipts,
			Amount: st.Amount, Share: analysis.Share(float64(st.Amount), float64(v.Total))})
	}
	// The comparison reads the rollups, as the members' distribution does.
	if groupTotal > 0 {
		if v.Peers, err = s.peers(r.Context(), analytics.MeasureSpending, v.Year, float64(groupTotal)/100); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// --- Domestic share -----------------------------------------------------------

type domesticRow struct {
	Year  int    `json:"year,omitempty"`
	Month int    `json:"month,omitempty"`
	Group string `json:"group,omitempty"`
	Name  string `json:"name,omitempty"`
	analysis.Domestic
}

type foreignProduct struct {
	GTIN        string     `json:"gtin"`
	Name        string     `json:"name"`
	Country     string     `json:"country"`      // ISO 3166-1 alpha-2
	CountryName string     `json:"country_name"` // in the reader's language
	Group       string     `json:"group"`
	Lines       int        `json:"lines"`
	Amount      kori.Money `json:"amount_cents"`
}

type domesticView struct {
	pageInfo
	Total   analysis.Domestic `json:"total"`
	ByYear  []domesticRow     `json:"by_year"`
	ByMonth []domesticRow     `json:"by_month"`
	History []domesticRow     `json:"history"` // every month since the first purchase
	ByGroup []domesticRow     `json:"by_group"`
	// Peers compares the year's Finnish share with the members who allow
	// analytics; nil without food of known origin in the year.
	Peers *peerView `json:"peers,omitempty"`
	// Foreign lists the foreign products bought in the year, largest first
	// (product level only; at group level ByGroup shows foreign euros).
	Foreign []foreignProduct `json:"foreign"`
}

// foreignGroup is one product group of the foreign products, for the page's
// collapsed list.
type foreignGroup struct {
	Name     string
	Amount   kori.Money
	Products []foreignProduct
}

// ForeignByGroup groups the foreign products, groups by their euros, largest
// first, and products within a group as listed.
func (v domesticView) ForeignByGroup() []foreignGroup {
	var out []foreignGroup
	at := map[string]int{}
	for _, p := range v.Foreign {
		i, ok := at[p.Group]
		if !ok {
			i, at[p.Group] = len(out), len(out)
			out = append(out, foreignGroup{Name: p.Group})
		}
		out[i].Amount += p.Amount
		out[i].Products = append(out[i].Products, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Amount > out[j].Amount })
	return out
}

func (s *Server) domestic(r *http.Request, d *memberData) (any, error) {
	v := domesticView{pageInfo: d.page, ByYear: []domesticRow{}, ByMonth: []domesticRow{}, History: []domesticRow{}, ByGroup: []domesticRow{}, Foreign: []foreignProduct{}}
	for _, p := range analysis.ByMonth(d.monthly) {
		v.History = append(v.History, domesticRow{Year: p.Year, Month: p.Month, Domestic: analysis.DomesticOf(p.Figures)})
	}
	v.Total = analysis.DomesticOf(analysis.Total(d.monthly, analysis.InYear(v.Year)))
	for _, p := range analysis.ByYear(d.monthly) {
		v.ByYear = append(v.ByYear, domesticRow{Year: p.Year, Domestic: analysis.DomesticOf(p.Figures)})
	}
	for _, p := range analysis.MonthsOf(analysis.ByMonth(d.monthly), v.Year) {
		v.ByMonth = append(v.ByMonth, domesticRow{Year: p.Year, Month: p.Month, Domestic: analysis.DomesticOf(p.Figures)})
	}
	if v.Total.Known() > 0 {
		var err error
		if v.Peers, err = s.peers(r.Context(), analytics.MeasureFinnishShare, v.Year, v.Total.FinnishShare); err != nil {
			return nil, err
		}
	}
	for _, g := range analysis.ByGroup(d.grouped, analysis.InYear(v.Year)) {
		if g.Figures.Food > 0 {
			v.ByGroup = append(v.ByGroup, domesticRow{Group: g.Group, Name: d.groupName(g.Group), Domestic: analysis.DomesticOf(g.Figures)})
		}
	}
	sums, err := s.productsOf(r, d, v.Year)
	if err != nil {
		return nil, err
	}
	for _, p := range analysis.ProductsWithFigures(sums, d.cat) {
		if p.Figures.Foreign > 0 {
			v.Foreign = append(v.Foreign, foreignProduct{GTIN: p.Product.GTIN, Name: d.loc.Name(p.Product.NameFi, p.Product.NameEn),
				Country: p.Product.Country, CountryName: d.loc.Country(p.Product.Country), Group: d.groupName(p.Product.Group), Lines: p.Sum.Lines, Amount: p.Sum.Amount})
		}
	}
	return v, nil
}

// --- Carbon footprint ---------------------------------------------------------

type carbonRow struct {
	Year  int    `json:"year,omitempty"`
	Month int    `json:"month,omitempty"`
	Group string `json:"group,omitempty"`
	Name  string `json:"name,omitempty"`
	analysis.Carbon
	Share  float64  `json:"share,omitempty"`  // of the period's kg (groups, products)
	Change *float64 `json:"change,omitempty"` // of kg against the previous year
}

type carbonProduct struct {
	GTIN   string `json:"gtin"`
	Name   string `json:"name"`
	Source string `json:"emission_group"` // the factor's name in its source
	// SourceName is the factor's name in the reader's language.
	SourceName string     `json:"emission_group_name"`
	Kg         float64    `json:"kg_co2e"`
	Share      float64    `json:"share"`
	Amount     kori.Money `json:"amount_cents"`
}

type carbonView struct {
	pageInfo
	Total   analysis.Carbon `json:"total"`
	ByYear  []carbonRow     `json:"by_year"`
	ByMonth []carbonRow     `json:"by_month"`
	// Compared names the periods of this year's change in ByYear.
	Compared    comparison      `json:"compared"`
	History     []carbonRow     `json:"history"` // every month since the first purchase
	ByGroup     []carbonRow     `json:"by_group"`
	TopProducts []carbonProduct `json:"top_products"`
	// Peers compares the year's kg CO2e per euro with the members who
	// allow analytics; nil without euros of known factor in the year.
	Peers *peerView `json:"peers,omitempty"`
}

func (s *Server) carbon(r *http.Request, d *memberData) (any, error) {
	v := carbonView{pageInfo: d.page, ByYear: []carbonRow{}, ByMonth: []carbonRow{}, History: []carbonRow{}, ByGroup: []carbonRow{}, TopProducts: []carbonProduct{}}
	for _, p := range analysis.ByMonth(d.monthly) {
		v.History = append(v.History, carbonRow{Year: p.Year, Month: p.Month, Carbon: analysis.CarbonOf(p.Figures)})
	}
	v.Total = analysis.CarbonOf(analysis.Total(d.monthly, analysis.InYear(v.Year)))
	ytd, err := s.yearToDate(r, d)
	if err != nil {
		return nil, err
	}
	v.Compared = ytd.comparison
	if v.Total.CoveredShare > 0 {
		if v.Peers, err = s.peers(r.Context(), analytics.MeasureCO2ePerEuro, v.Year, v.Total.KgPerEuro); err != nil {
			return nil, err
		}
	}
	var prev *analysis.Carbon
	for _, p := range analysis.ByYear(d.monthly) {
		c := analysis.CarbonOf(p.Figures)
		row := carbonRow{Year: p.Year, Carbon: c}
		if p.Year == d.now.Year() {
			// So far this year against the same dates of last year.
			row.Change = change(analysis.CarbonOf(sumFigures(ytd.this)).Kg, analysis.CarbonOf(sumFigures(ytd.last)).Kg)
		} else if prev != nil {
			row.Change = change(c.Kg, prev.Kg)
		}
		prev = &c
		v.ByYear = append(v.ByYear, row)
	}
	for _, p := range analysis.MonthsOf(analysis.ByMonth(d.monthly), v.Year) {
		v.ByMonth = append(v.ByMonth, carbonRow{Year: p.Year, Month: p.Month, Carbon: analysis.CarbonOf(p.Figures)})
	}
	groups := analysis.ByGroup(d.grouped, analysis.InYear(v.Year))
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Figures.CO2eGrams > groups[j].Figures.CO2eGrams })
	for _, g := range groups {
		if g.Figures.CO2eGrams > 0 {
			c := analysis.CarbonOf(g.Figures)
			v.ByGroup = append(v.ByGroup, carbonRow{Group: g.Group, Name: d.groupName(g.Group), Carbon: c, Share: analysis.Share(c.Kg, v.Total.Kg)})
		}
	}
	sums, err := s.productsOf(r, d, v.Year)
	if err != nil {
		return nil, err
	}
	factors, err := refdata.EmissionFactors()
	if err != nil {
		return nil, err
	}
	for _, p := range analysis.Top(analysis.ProductsWithFigures(sums, d.cat), 10, func(f kori.Figures) float64 { return f.CO2eGrams }) {
		kg := p.Figures.CO2eGrams / 1000
		v.TopProducts = append(v.TopProducts, carbonProduct{GTIN: p.Product.GTIN, Name: d.loc.Name(p.Product.NameFi, p.Product.NameEn),
			Source: p.Product.EmissionGroup, SourceName: d.loc.Name(factors[p.Product.EmissionGroup].NameFi, p.Product.EmissionGroup), Kg: kg, Share: analysis.Share(kg, v.Total.Kg), Amount: p.Sum.Amount})
	}
	return v, nil
}

// --- Nutrition ----------------------------------------------------------------

type targetRow struct {
	analysis.Target
	Value float64 `json:"value"`
	Meets bool    `json:"meets"`
}

type nutritionRow struct {
	Year  int `json:"year"`
	Month int `json:"month,omitempty"`
	analysis.Nutrition
	NutriScore analysis.NutriScores `json:"nutri_score"`
}

type nutritionView struct {
	pageInfo
	Total      analysis.Nutrition   `json:"total"`
	NutriScore analysis.NutriScores `json:"nutri_score"`
	Targets    []targetRow          `json:"targets"`
	ByYear     []nutritionRow       `json:"by_year"`
	ByMonth    []nutritionRow       `json:"by_month"`
	History    []nutritionRow       `json:"history"` // every month since the first purchase
	// Peers compares the year's Nutri-Score A and B share with the members
	// who allow analytics; nil without graded euros in the year.
	Peers *peerView `json:"peers,omitempty"`
}

func (s *Server) nutrition(r *http.Request, d *memberData) (any, error) {
	v := nutritionView{pageInfo: d.page, Targets: []targetRow{}, ByYear: []nutritionRow{}, ByMonth: []nutritionRow{}, History: []nutritionRow{}}
	for _, p := range analysis.ByMonth(d.monthly) {
		v.History = append(v.History, nutritionRow{Year: p.Year, Month: p.Month, Nutrition: analysis.NutritionOf(p.Figures), NutriScore: analysis.NutriScoresOf(p.Figures)})
	}
	total := analysis.Total(d.monthly, analysis.InYear(v.Year))
	v.Total, v.NutriScore = analysis.NutritionOf(total), analysis.NutriScoresOf(total)
	if v.NutriScore.GradedShare > 0 {
		var err error
		if v.Peers, err = s.peers(r.Context(), analytics.MeasureNutriAB, v.Year, v.NutriScore.A+v.NutriScore.B); err != nil {
			return nil, err
		}
	}
	for _, t := range s.targets {
		val := v.Total.Value(t.Key)
		v.Targets = append(v.Targets, targetRow{Target: t, Value: val, Meets: v.Total.EnergyMJ > 0 && t.Meets(val)})
	}
	for _, p := range analysis.ByYear(d.monthly) {
		v.ByYear = append(v.ByYear, nutritionRow{Year: p.Year, Nutrition: analysis.NutritionOf(p.Figures), NutriScore: analysis.NutriScoresOf(p.Figures)})
	}
	for _, p := range analysis.MonthsOf(analysis.ByMonth(d.monthly), v.Year) {
		v.ByMonth = append(v.ByMonth, nutritionRow{Year: p.Year, Month: p.Month, Nutrition: analysis.NutritionOf(p.Figures), NutriScore: analysis.NutriScoresOf(p.Figures)})
	}
	return v, nil
}

// --- Receipts -----------------------------------------------------------------

type receiptRow struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"` // sale or return
	PurchasedAt time.Time  `json:"purchased_at"`
	Store       string     `json:"store"`
	StoreName   string     `json:"store_name"`
	Total       kori.Money `json:"total_cents"`
	Grain       kori.Level `json:"grain"`
	// Matched names what a search found in the receipt: its products or
	// product groups, or its store.
	Matched []string `json:"matched,omitempty"`
}

type monthRef struct {
	Year     int `json:"year"`
	Month    int `json:"month"`
	Receipts int `json:"receipts"`
}

// receiptsLimit is one page of search results.
const receiptsLimit = 50

type receiptsView struct {
	Level    kori.Level   `json:"level"`
	Year     int          `json:"year"`
	Month    int          `json:"month"`
	Query    string       `json:"query"`
	Months   []monthRef   `json:"months"` // every month with receipts, newest first
	Receipts []receiptRow `json:"receipts"`
	// A search's answer comes in pages of 50 (?page=, from 1): Found counts
	// every match, Pages the pages.
	Found int `json:"found"`
	Page  int `json:"page"`
	Pages int `json:"pages"`
	// TooBroad says the term matched more stores, products or groups than
	// one search looks for (kori.MaxSearchTerms): only the first were
	// searched, so a more specific term may find more.
	TooBroad bool `json:"too_broad"`
	MaxTerms int  `json:"-"`
}

// receipts lists a month's receipts (?month=2025-03; the latest month by
// default), or searches them all (?q=) by product, group or store name.
func (s *Server) receipts(r *http.Request, d *memberData) (any, error) {
	v := receiptsView{Level: d.m.Level, Query: strings.TrimSpace(r.URL.Query().Get("q")), Months: []monthRef{}, Receipts: []receiptRow{}}
	counts := analysis.ReceiptCounts(d.stores, true)
	for p, n := range counts {
		v.Months = append(v.Months, monthRef{Year: p.Year, Month: p.Month, Receipts: n})
	}
	sort.Slice(v.Months, func(i, j int) bool {
		return v.Months[j].Year < v.Months[i].Year || v.Months[j].Year == v.Months[i].Year && v.Months[j].Month < v.Months[i].Month
	})
	f := kori.ReceiptFilter{}
	var rs []kori.ReceiptSummary
	if v.Query != "" {
		f.Search = true
		f.Stores, f.GTINs, f.Groups = d.match(v.Query)
		v.MaxTerms = kori.MaxSearchTerms
		v.TooBroad = len(f.Stores) > kori.MaxSearchTerms || len(f.GTINs) > kori.MaxSearchTerms || len(f.Groups) > kori.MaxSearchTerms
		if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil {
			f.Year = y
		}
		// The count comes with the page asked for; a page past the last
		// (rare) is read again as the last.
		v.Page = 1
		if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 1 {
			v.Page = p
		}
		f.Limit, f.Offset = receiptsLimit, (v.Page-1)*receiptsLimit
		var err error
		if rs, v.Found, err = s.Store.SearchReceipts(r.Context(), d.m.ID, f); err != nil {
			return nil, err
		}
		v.Pages = (v.Found + receiptsLimit - 1) / receiptsLimit
		if last := max(v.Pages, 1); v.Page > last {
			v.Page, f.Offset = last, (last-1)*receiptsLimit
			var err error
			if rs, err = s.Store.ReceiptsByMember(r.Context(), d.m.ID, f); err != nil {
				return nil, err
			}
		}
	} else {
		if t, err := time.Parse("2006-01", r.URL.Query().Get("month")); err == nil {
			v.Year, v.Month = t.Year(), int(t.Month())
		} else if len(v.Months) > 0 {
			v.Year, v.Month = v.Months[0].Year, v.Months[0].Month
		}
		f.Year, f.Month = v.Year, v.Month
		if v.Year == 0 {
			return v, nil
		}
		var err error
		if rs, err = s.Store.ReceiptsByMember(r.Context(), d.m.ID, f); err != nil {
			return nil, err
		}
		v.Found, v.Page, v.Pages = len(rs), 1, 1
	}
	matched := map[int64][]string{}
	if f.Search {
		lines, err := s.Store.MatchedLines(r.Context(), d.m.ID, rs, f.GTINs, f.Groups)
		if err != nil {
			return nil, err
		}
		for _, m := range lines {
			// A group sum is named by its group; a line by its product, and
			// by its group too when the group is what matched.
			name := d.groupName(m.Group)
			if p, ok := d.cat.Products[m.GTIN]; ok {
				if slices.Contains(f.GTINs, m.GTIN) {
					name = d.loc.Name(p.NameFi, p.NameEn)
				} else {
					name = d.loc.Name(p.NameFi, p.NameEn) + " (" + name + ")"
				}
			}
			if !slices.Contains(matched[m.ReceiptID], name) {
				matched[m.ReceiptID] = append(matched[m.ReceiptID], name)
			}
		}
	}
	for _, x := range rs {
		row := receiptRow{ID: x.ID, Kind: string(x.Kind), PurchasedAt: x.PurchasedAt.In(s.Zone), Store: x.Key.Store,
			StoreName: d.storeName(x.Key.Store), Total: x.Total, Grain: x.Grain, Matched: matched[x.ID]}
		if f.Search && row.Matched == nil && slices.Contains(f.Stores, x.Key.Store) {
			row.Matched = []string{row.StoreName}
		}
		v.Receipts = append(v.Receipts, row)
	}
	return v, nil
}

// match finds the stores, products and groups whose name (in either
// language), city or code contains the query, ignoring case.
func (d *memberData) match(q string) (stores, gtins, groups []string) {
	q = strings.ToLower(q)
	has := func(ss ...string) bool {
		for _, s := range ss {
			if s != "" && strings.Contains(strings.ToLower(s), q) {
				return true
			}
		}
		return false
	}
	for id, st := range d.cat.Stores {
		if has(st.Name, st.City) {
			stores = append(stores, id)
		}
	}
	for code, g := range d.cat.Groups {
		if has(g.NameFi, g.NameEn) {
			groups = append(groups, code)
		}
	}
	for gtin, p := range d.cat.Products {
		if has(p.NameFi, p.NameEn) || gtin == q {
			gtins = append(gtins, gtin)
		}
	}
	sort.Strings(stores)
	sort.Strings(groups)
	sort.Strings(gtins)
	return stores, gtins, groups
}

type lineRow struct {
	Kind      string     `json:"kind"` // product, deposit, deposit_refund, coupon, bag, rounding
	GTIN      string     `json:"gtin"`
	Name      string     `json:"name"`
	Group     string     `json:"group"`
	GroupName string     `json:"group_name"`
	Quantity  float64    `json:"quantity"`
	Unit      kori.Unit  `json:"unit"`
	Amount    kori.Money `json:"amount_cents"`
	Discount  kori.Money `json:"discount_cents"`
	Origin    string     `json:"origin"`
	Nutri     string     `json:"nutri_score"`
}

type groupRow struct {
	Group  string     `json:"group"`
	Name   string     `json:"name"`
	Lines  int64      `json:"lines"`
	Amount kori.Money `json:"amount_cents"`
}

type receiptView struct {
	receiptRow
	Till   int        `json:"till"`
	Number string     `json:"number"`
	Lines  []lineRow  `json:"lines"`
	Groups []groupRow `json:"groups"`
	// Original is the sale a return gives back, as the till named it, and
	// its receipt id when that sale is held.
	Original   string `json:"original,omitempty"`
	OriginalID int64  `json:"original_id,omitempty"`
}

func (s *Server) receipt(r *http.Request, d *memberData) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, kori.Errorf(kori.ENOTFOUND, "receipt not found")
	}
	x, err := s.Store.ReceiptByID(r.Context(), d.m.ID, id)
	if err != nil {
		return nil, err
	}
	v := receiptView{receiptRow: receiptRow{ID: x.ID, Kind: string(x.Kind), PurchasedAt: x.PurchasedAt.In(s.Zone), Store: x.Key.Store,
		StoreName: d.storeName(x.Key.Store), Total: x.Total, Grain: x.Grain}, Till: x.Key.Till, Number: x.Key.Number,
		Lines: []lineRow{}, Groups: []groupRow{}, Original: x.Original}
	if x.Original != "" {
		v.OriginalID = s.heldReceipt(r, d.m.ID, x.Original)
	}
	for _, l := range x.Lines {
		row := lineRow{Kind: string(l.Kind), GTIN: l.GTIN, Name: d.productName(l.GTIN), Group: l.Group, GroupName: d.groupName(l.Group),
			Quantity: l.Quantity, Unit: kori.UnitPiece, Amount: l.Amount, Discount: l.Discount, Origin: string(kori.OriginUnknown)}
		if l.Kind != kori.LineProduct {
			row.Name = d.groupName(l.Group)
		} else if p, ok := d.cat.Products[l.GTIN]; ok {
			row.Unit, row.Origin, row.Nutri = p.Unit, string(p.Origin), p.NutriGrade
		}
		v.Lines = append(v.Lines, row)
	}
	for _, g := range x.Groups {
		v.Groups = append(v.Groups, groupRow{Group: g.Group, Name: d.groupName(g.Group), Lines: g.Figures.Lines, Amount: g.Figures.Amount})
	}
	return v, nil
}

// heldReceipt finds the id of the member's receipt with the key a return
// names (kori.OriginalKey), or 0 when it is not held.
func (s *Server) heldReceipt(r *http.Request, member kori.MemberID, key string) int64 {
	parts := strings.SplitN(key, "/", 4)
	if len(parts) != 4 {
		return 0
	}
	day, _ := strconv.Atoi(parts[2])
	rs, err := s.Store.ReceiptsByMember(r.Context(), member, kori.ReceiptFilter{Year: day / 10000, Month: day / 100 % 100})
	if err != nil {
		return 0
	}
	for _, x := range rs {
		if kori.OriginalKey(x.Key) == key {
			return x.ID
		}
	}
	return 0
}

// --- My data ------------------------------------------------------------------

type dataView struct {
	Level                  kori.Level `json:"level"`
	LevelSince             time.Time  `json:"level_since"`
	Email                  string     `json:"email"`
	ObjectsPersonalisation bool       `json:"objects_personalisation"`
	ObjectsAnalytics       bool       `json:"objects_analytics"`
	ExtendedRetention      bool       `json:"extended_retention"`
	MemberSince            time.Time  `json:"member_since"`
	LastCardUse            time.Time  `json:"last_card_use"`
	Receipts               int64      `json:"receipts"`
	Lines                  int64      `json:"lines"`
	GroupSums              int64      `json:"group_sums"`
	Rollups                int64      `json:"month_rollups"`
	First                  *time.Time `json:"first_purchase"`
	Last                   *time.Time `json:"last_purchase"`
	// NextDeletion is when the oldest year held is deleted under the
	// retention rule (1 January eleven years after it), unless extended.
	NextDeletion *time.Time `json:"next_deletion"`
	Retention    retention  `json:"retention"`
	// Consents are the changes of the member's choices, newest first.
	Consents []consentView `json:"consents"`
	// Apps are the member's grants to apps, newest first, ended ones too.
	Apps []grantView `json:"apps"`
}

// retention states the rule the data page explains.
type retention struct {
	Years int `json:"years"`
}

func (s *Server) myData(r *http.Request, d *memberData) (any, error) {
	h, err := s.Store.HeldData(r.Context(), d.m.ID)
	if err != nil {
		return nil, err
	}
	m := d.m
	v := dataView{Level: m.Level, LevelSince: m.LevelSince.In(s.Zone), Email: m.Email, ObjectsPersonalisation: m.ObjectsPersonalisation,
		ObjectsAnalytics: m.ObjectsAnalytics, ExtendedRetention: m.ExtendedRetention, MemberSince: m.CreatedAt.In(s.Zone),
		LastCardUse: m.LastCardUse.In(s.Zone), Receipts: h.Receipts, Lines: h.Lines, GroupSums: h.GroupSums, Rollups: h.Rollups,
		Retention: retention{Years: kori.RetentionYears}}
	cs, err := s.Store.Consents(r.Context(), m.ID)
	if err != nil {
		return nil, err
	}
	v.Consents = []consentView{}
	for i := len(cs) - 1; i >= 0; i-- {
		c := toConsentView(cs[i])
		c.At = c.At.In(s.Zone)
		v.Consents = append(v.Consents, c)
	}
	if v.Apps, err = s.grantViews(r.Context(), m.ID); err != nil {
		return nil, err
	}
	if !h.First.IsZero() {
		first, last := h.First.In(s.Zone), h.Last.In(s.Zone)
		v.First, v.Last = &first, &last
		if !m.ExtendedRetention {
			del := kori.DeletionDay(first.Year(), s.Zone)
			v.NextDeletion = &del
		}
	}
	return v, nil
}

// flashParams are the notices a redirect back to a page may carry.
var flashParams = []string{"lang", "saved", "erased", "password"}

// checkQuery refuses query parameters a page does not take, and malformed
// values of the ones it does, naming the parameter.
func checkQuery(q url.Values, allowed []string) error {
	for name, vs := range q {
		if !slices.Contains(allowed, name) && !slices.Contains(flashParams, name) {
			return kori.Errorf(kori.EINVALID, "query parameter %q: this page takes none by that name (it takes %s)", name, paramList(allowed))
		}
		if len(vs) > 1 {
			return kori.Errorf(kori.EINVALID, "query parameter %q: give it once", name)
		}
		v := vs[0]
		switch name {
		case "year":
			if y, err := strconv.Atoi(v); err != nil || y < 1900 || y > 9999 {
				return kori.Errorf(kori.EINVALID, "query parameter \"year\": %q is not a year such as 2025", v)
			}
		case "month":
			if _, err := time.Parse("2006-01", v); err != nil || len(v) != 7 {
				return kori.Errorf(kori.EINVALID, "query parameter \"month\": %q is not a month such as 2025-03", v)
			}
		case "page":
			if p, err := strconv.Atoi(v); err != nil || p < 1 {
				return kori.Errorf(kori.EINVALID, "query parameter \"page\": %q is not a page number such as 2", v)
			}
		case "q":
			if utf8.RuneCountInString(v) > maxSearch {
				return kori.Errorf(kori.EINVALID, "query parameter \"q\": longer than %d characters", maxSearch)
			}
		}
	}
	return nil
}

// maxSearch bounds a receipt search's text.
const maxSearch = 100

func paramList(ps []string) string {
	if len(ps) == 0 {
		return "none"
	}
	return strings.Join(ps, ", ")
}
