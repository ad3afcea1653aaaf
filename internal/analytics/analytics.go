// Package analytics answers the chain's aggregate questions over the members
// who allow it (rule 8), so that analysts get real insight without ever
// reading a member's rows: figures by period × product group, store or
// city, distributions of members' values, and the members by level and
// objection. Every cell is drawn from at least k distinct members, with
// complementary suppression against subtraction; an API key may also be held
// to differential privacy with a budget. Every query is logged.
package analytics

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analysis"
	"golang.org/x/sync/errgroup"
)

// DefaultK is the smallest number of distinct members a shown figure may be
// drawn from, unless configured higher.
const DefaultK = 10

// AuditKind is the audit-log kind of an analytics query.
const AuditKind = kori.AuditAnalyticsQuery

// Store is what the engine reads: sums over members, never a member's rows.
type Store interface {
	AnalyticsCells(ctx context.Context, sel kori.AnalyticsSelect) ([]kori.AnalyticsCell, error)
	MemberCells(ctx context.Context, sel kori.AnalyticsSelect, fn func(kori.MemberCell) error) error
	MemberCounts(ctx context.Context) ([]kori.MemberCount, error)
	Audit(ctx context.Context, kind string, who kori.Actor, member kori.MemberID, detail map[string]any) error
	AuditEvents(ctx context.Context, kinds []string, from, to time.Time) ([]kori.AuditEvent, error)
}

// Engine answers analytics queries.
type Engine struct {
	Store Store
	Clock kori.Clock
	Zone  *time.Location
	// K is the threshold of distinct members; below DefaultK it is DefaultK
	// (configurable upward only).
	K int64
	// Noise draws the differential-privacy noise; nil uses a source seeded
	// from the system's randomness. Tests give a seeded one.
	Noise *rand.Rand
}

// Analyst is who asks: the API key (or the operator at the command line)
// and, when set, the differential-privacy terms of that key.
type Analyst struct {
	Actor kori.Actor
	KeyID string
	// Epsilon is spent by every answer and Budget is the most a key may
	// spend in a calendar month; Epsilon 0 means exact answers, k-anonymous
	// with complementary suppression.
	Epsilon, Budget float64
}

func (e *Engine) k() int64 {
	if e.K < DefaultK {
		return DefaultK
	}
	return e.K
}

// Answer is the reply to a query: the rows, how they were protected, and
// the period they cover.
type Answer struct {
	Query  Query  `json:"query"`
	Period string `json:"period"` // "2025-01 – 2025-12"
	K      int64  `json:"k"`
	// Suppressed counts the entries hidden: drawn from fewer than K members,
	// or hidden so that those cannot be recovered by subtraction.
	Suppressed int    `json:"suppressed"`
	Method     string `json:"method"`
	// Rows of a figures query; Noisy rows instead under differential privacy.
	Rows  []Row      `json:"rows,omitempty"`
	Noisy []NoisyRow `json:"noisy_rows,omitempty"`
	// DP states the guarantee of a noisy answer.
	DP *DPTerms `json:"differential_privacy,omitempty"`
	// Quartiles of a distribution query.
	Quartiles []QuartileRow `json:"quartiles,omitempty"`
	// Levels of a members query.
	Members []MembersRow `json:"members,omitempty"`
	members int64        // who contributed, for the query log only
}

// Row is one cell or total of a figures answer. Period "" is the total over
// the answer's periods and Key "" the total over its keys. A suppressed row
// has no values.
type Row struct {
	Period     string  `json:"period"`
	Key        string  `json:"key"`
	Suppressed bool    `json:"suppressed,omitempty"`
	Values     *Values `json:"values,omitempty"`
}

// Values are the figures of a row. Receipts and the basket come from
// receipt totals (not in the group figures, which come from rollups); the
// contents of the basket from what was bought (not in the store and city
// figures, which come from receipt totals alone).
type Values struct {
	Members   int64    `json:"members"`
	SalesEUR  float64  `json:"sales_eur"`
	Receipts  *int64   `json:"receipts,omitempty"`
	BasketEUR *float64 `json:"basket_eur,omitempty"`
	*Contents
}

// Contents are what a basket held; shares are 0–1 and over the base the
// member pages use (food of known origin, euros with a known factor).
type Contents struct {
	FoodEUR            float64 `json:"food_eur"`
	FiRawShare         float64 `json:"fi_raw_share"`
	FinnishShare       float64 `json:"finnish_share"`
	ForeignShare       float64 `json:"foreign_share"`
	UnknownOriginShare float64 `json:"unknown_origin_share"`
	CO2eKg             float64 `json:"co2e_kg"`
	CO2eKgPerEUR       float64 `json:"co2e_kg_per_eur"`
	EnergyMJ           float64 `json:"energy_mj"`
	ProteinE           float64 `json:"protein_e_pct"`
	FatE               float64 `json:"fat_e_pct"`
	SatFatE            float64 `json:"saturated_fat_e_pct"`
	CarbE              float64 `json:"carbohydrate_e_pct"`
	NutriA             float64 `json:"nutri_a_share"`
	NutriB             float64 `json:"nutri_b_share"`
	NutriC             float64 `json:"nutri_c_share"`
	NutriD             float64 `json:"nutri_d_share"`
	NutriE             float64 `json:"nutri_e_share"`
}

// hasReceipts and hasContents say which parts of Values a dimension has.
func hasReceipts(d kori.AnalyticsDimension) bool { return d != kori.DimGroup }
func hasContents(d kori.AnalyticsDimension) bool { return d == kori.DimTotal || d == kori.DimGroup }

func valuesOf(c kori.AnalyticsCell, dim kori.AnalyticsDimension) *Values {
	f := c.Figures
	v := &Values{Members: c.Members, SalesEUR: euros(f.Amount)}
	if hasReceipts(dim) {
		n, basket := c.Receipts, 0.0
		if n > 0 {
			basket = v.SalesEUR / float64(n)
		}
		v.Receipts, v.BasketEUR = &n, &basket
	}
	if hasContents(dim) {
		d, co, n, ns := analysis.DomesticOf(f), analysis.CarbonOf(f), analysis.NutritionOf(f), analysis.NutriScoresOf(f)
		v.Contents = &Contents{FoodEUR: euros(f.Food),
			FiRawShare: d.FiRawShare, FinnishShare: d.FinnishShare, ForeignShare: d.ForeignShare, UnknownOriginShare: d.UnknownShare,
			CO2eKg: co.Kg, CO2eKgPerEUR: co.KgPerEuro, EnergyMJ: n.EnergyMJ, ProteinE: n.ProteinE, FatE: n.FatE, SatFatE: n.SatFatE,
			CarbE: n.CarbE, NutriA: ns.A, NutriB: ns.B, NutriC: ns.C, NutriD: ns.D, NutriE: ns.E}
	}
	return v
}

// Select is the store's select of a figures query's cells (for plans).
func (e *Engine) Select(q Query) (kori.AnalyticsSelect, error) {
	if err := q.normalise(e.Clock.Now(), e.Zone); err != nil {
		return kori.AnalyticsSelect{}, err
	}
	sel := q.selectOf()
	sel.ByPeriod, sel.ByKey = true, true
	return sel, nil
}

// Ask answers a query for an analyst and logs it.
func (e *Engine) Ask(ctx context.Context, q Query, who Analyst) (*Answer, error) {
	if err := q.normalise(e.Clock.Now(), e.Zone); err != nil {
		return nil, err
	}
	if who.Epsilon > 0 && q.Kind == KindDistribution {
		return nil, kori.Errorf(kori.EFORBIDDEN, "distributions are not available to a key held to differential privacy (quartiles are members' own values); ask for figures")
	}
	if who.Epsilon > 0 && q.Kind == KindFigures {
		if err := e.checkBudget(ctx, who); err != nil {
			return nil, err
		}
	}
	a := &Answer{Query: q, K: e.k()}
	if q.Kind != KindMembers {
		a.Period = q.From + " – " + q.To
	}
	var err error
	switch {
	case q.Kind == KindMembers:
		err = e.memberCounts(ctx, a)
	case q.Kind == KindDistribution:
		err = e.distribution(ctx, q, a)
	case who.Epsilon > 0:
		err = e.noisyFigures(ctx, q, who, a)
	default:
		err = e.figures(ctx, q, a)
	}
	if err != nil {
		return nil, err
	}
	detail := map[string]any{"key": who.KeyID, "query": q.String(), "members": a.members, "suppressed": a.Suppressed}
	if a.DP != nil {
		detail["epsilon"] = a.DP.Epsilon
	}
	if err := e.Store.Audit(ctx, AuditKind, who.Actor, 0, detail); err != nil {
		return nil, err
	}
	return a, nil
}

// figures answers a figures query exactly, k-anonymous with complementary
// suppression. The table's margins are queried as well, because a member
// counts once in a total however many cells they are in.
func (e *Engine) figures(ctx context.Context, q Query, a *Answer) error {
	a.Method = "Sums over the members who allow analytics, at the grain their level allows; a figure from fewer than k members is suppressed, and so is any figure that would let one be recovered from the totals shown with it."
	base := q.selectOf()
	// The cells and the three margins at once: each is a scan of the
	// months asked, and a database with several cores (or shards) runs them
	// side by side.
	var cells, grand, byPeriod, byKey []kori.AnalyticsCell
	g, gctx := errgroup.WithContext(ctx)
	for _, q := range []struct {
		out             *[]kori.AnalyticsCell
		byPeriod, byKey bool
	}{{&cells, true, true}, {&grand, false, false}, {&byPeriod, true, false}, {&byKey, false, true}} {
		g.Go(func() error {
			sel := base
			sel.ByPeriod, sel.ByKey = q.byPeriod, q.byKey
			// The margins' figures are the sums of their cells; only their
			// distinct members need the database.
			sel.CountsOnly = !q.byPeriod || !q.byKey
			var err error
			*q.out, err = e.Store.AnalyticsCells(gctx, sel)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// sumInto fills margins' figures and receipts from the cells they total.
	sumInto := func(margins []kori.AnalyticsCell, match func(m, c kori.AnalyticsCell) bool) {
		for i := range margins {
			for _, c := range cells {
				if match(margins[i], c) {
					margins[i].Figures.Add(c.Figures)
					margins[i].Receipts += c.Receipts
				}
			}
		}
	}
	sumInto(grand, func(m, c kori.AnalyticsCell) bool { return true })
	periods, keys := map[int]bool{}, map[string]bool{}
	for _, c := range cells {
		periods[c.Period], keys[c.Key] = true, true
	}
	// The margins: with several periods and several keys, each period's
	// total, each key's total and the grand total; with one of either, the
	// grand total is the only margin (it is that one line's total); with one
	// cell, none.
	wide, long := len(keys) > 1, len(periods) > 1
	if wide && long {
		sumInto(byPeriod, func(m, c kori.AnalyticsCell) bool { return m.Period == c.Period })
		sumInto(byKey, func(m, c kori.AnalyticsCell) bool { return m.Key == c.Key })
	} else {
		byPeriod, byKey = nil, nil
	}
	if len(grand) == 1 {
		a.members = grand[0].Members
	}
	var all []kori.AnalyticsCell
	var entries []*entry
	add := func(c kori.AnalyticsCell, margin bool) int {
		all = append(all, c)
		entries = append(entries, &entry{members: c.Members, margin: margin})
		return len(entries) - 1
	}
	rowOf, colOf := map[int][]int{}, map[string][]int{}
	for _, c := range cells {
		i := add(c, false)
		rowOf[c.Period] = append(rowOf[c.Period], i)
		colOf[c.Key] = append(colOf[c.Key], i)
	}
	var lines [][]int
	if (wide || long) && len(grand) == 1 {
		g := add(grand[0], true)
		switch {
		case wide && long:
			var totals []int
			for _, c := range byPeriod {
				t := add(c, true)
				lines = append(lines, append(append([]int(nil), rowOf[c.Period]...), t))
				totals = append(totals, t)
			}
			lines = append(lines, append(totals, g))
			totals = nil
			for _, c := range byKey {
				t := add(c, true)
				lines = append(lines, append(append([]int(nil), colOf[c.Key]...), t))
				totals = append(totals, t)
			}
			lines = append(lines, append(totals, g))
		case wide:
			for _, row := range rowOf {
				lines = append(lines, append(append([]int(nil), row...), g))
			}
		default:
			for _, col := range colOf {
				lines = append(lines, append(append([]int(nil), col...), g))
			}
		}
	}
	// Map iteration made the lines' order random; sort so that the same
	// data always hides the same entries.
	for _, l := range lines {
		sort.Ints(l)
	}
	sort.Slice(lines, func(i, j int) bool { return less(lines[i], lines[j]) })
	a.Suppressed = suppress(entries, lines, e.k())
	a.Rows = make([]Row, len(all))
	for i, c := range all {
		r := Row{Period: periodLabel(c.Period), Key: c.Key}
		if entries[i].hidden {
			r.Suppressed = true
		} else {
			r.Values = valuesOf(c, q.Dim)
		}
		a.Rows[i] = r
	}
	sort.SliceStable(a.Rows, func(i, j int) bool {
		ri, rj := a.Rows[i], a.Rows[j]
		if (ri.Period == "") != (rj.Period == "") {
			return rj.Period == ""
		}
		if ri.Period != rj.Period {
			return ri.Period < rj.Period
		}
		if (ri.Key == "") != (rj.Key == "") {
			return rj.Key == ""
		}
		return ri.Key < rj.Key
	})
	return nil
}

func less(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// QuartileRow is the distribution of members' values in one period.
type QuartileRow struct {
	Period     string  `json:"period"`
	Suppressed bool    `json:"suppressed,omitempty"`
	Members    int64   `json:"members,omitempty"`
	P25        float64 `json:"p25,omitempty"`
	Median     float64 `json:"median,omitempty"`
	P75        float64 `json:"p75,omitempty"`
}

// MeasureOf is a member's value of a distribution measure, and whether
// they have one (a share needs food of known origin).
func MeasureOf(measure string, f kori.Figures) (float64, bool) {
	switch measure {
	case MeasureSpending:
		return euros(f.Amount), true
	case MeasureFinnishShare:
		d := analysis.DomesticOf(f)
		return d.FinnishShare, d.Known() > 0
	case MeasureFiRawShare:
		d := analysis.DomesticOf(f)
		return d.FiRawShare, d.Known() > 0
	case MeasureCO2ePerEuro:
		return analysis.CarbonOf(f).KgPerEuro, f.CO2eCovered > 0
	case MeasureNutriAB:
		ns := analysis.NutriScoresOf(f)
		return ns.A + ns.B, f.NutriA+f.NutriB+f.NutriC+f.NutriD+f.NutriE > 0
	}
	return 0, false
}

// distribution answers quartiles of the members' values per period.
func (e *Engine) distribution(ctx context.Context, q Query, a *Answer) error {
	a.Method = "Each member's value over the period from their own sums; the quartiles (linear interpolation) of the members who allow analytics and have a value; periods with fewer than k such members are suppressed."
	sel := q.selectOf()
	var rows []QuartileRow
	var values []float64
	cur := -1
	flush := func() {
		if cur < 0 {
			return
		}
		r := QuartileRow{Period: periodLabel(cur)}
		if int64(len(values)) < e.k() {
			r.Suppressed = true
			a.Suppressed++
		} else {
			sort.Float64s(values)
			r.Members = int64(len(values))
			r.P25, r.Median, r.P75 = Quantile(values, 0.25), Quantile(values, 0.5), Quantile(values, 0.75)
			a.members = max(a.members, r.Members)
		}
		rows = append(rows, r)
		values = values[:0]
	}
	err := e.Store.MemberCells(ctx, sel, func(c kori.MemberCell) error {
		if c.Period != cur {
			flush()
			cur = c.Period
		}
		if v, ok := MeasureOf(q.Measure, c.Figures); ok {
			values = append(values, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	a.Quartiles = rows
	return nil
}

// Quantile is the q-quantile of sorted values by linear interpolation
// between the closest ranks (R's type 7).
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// MembersRow is the number and share of members with a level, or with an
// objection to a purpose.
type MembersRow struct {
	Level      kori.Level   `json:"level,omitempty"`
	Objects    kori.Purpose `json:"objects,omitempty"`
	Suppressed bool         `json:"suppressed,omitempty"`
	Members    int64        `json:"members,omitempty"`
	Share      float64      `json:"share,omitempty"`
}

// memberCounts answers the members by level and by objection. These are
// counts of choices, not of purchases, so every member counts. The levels
// add up to the total, so a level below k is suppressed with a second one;
// an objection count is suppressed when it, or the members who do not
// object, are fewer than k.
func (e *Engine) memberCounts(ctx context.Context, a *Answer) error {
	a.Method = "Members now by purchase-data level and by objection; a group of fewer than k members is suppressed, with a second group where one alone could be recovered from the total."
	counts, err := e.Store.MemberCounts(ctx)
	if err != nil {
		return err
	}
	byLevel := map[kori.Level]int64{}
	objecting := map[kori.Purpose]int64{}
	var total int64
	for _, c := range counts {
		byLevel[c.Level] += c.Members
		if c.ObjectsAnalytics {
			objecting[kori.PurposeAnalytics] += c.Members
		}
		if c.ObjectsPersonalisation {
			objecting[kori.PurposePersonalisation] += c.Members
		}
		total += c.Members
	}
	var entries []*entry
	var line []int
	for _, l := range kori.Levels {
		if n := byLevel[l]; n > 0 {
			a.Members = append(a.Members, MembersRow{Level: l, Members: n})
			entries = append(entries, &entry{members: n})
			line = append(line, len(line))
		}
	}
	entries = append(entries, &entry{members: total, margin: true})
	line = append(line, len(line))
	a.Suppressed = suppress(entries, [][]int{line}, e.k())
	for i := range a.Members {
		if entries[i].hidden {
			a.Members[i] = MembersRow{Level: a.Members[i].Level, Suppressed: true}
		}
	}
	for _, p := range []kori.Purpose{kori.PurposeAnalytics, kori.PurposePersonalisation} {
		r := MembersRow{Objects: p, Members: objecting[p]}
		if r.Members < e.k() || total-r.Members < e.k() {
			r = MembersRow{Objects: p, Suppressed: true}
			a.Suppressed++
		}
		a.Members = append(a.Members, r)
	}
	if !entries[len(entries)-1].hidden {
		a.Members = append(a.Members, MembersRow{Members: total, Share: 1})
	} else {
		a.Members = append(a.Members, MembersRow{Suppressed: true})
	}
	for i := range a.Members {
		if !a.Members[i].Suppressed && total > 0 {
			a.Members[i].Share = float64(a.Members[i].Members) / float64(total)
		}
	}
	a.members = total
	return nil
}

func euros(m kori.Money) float64 { return float64(m) / 100 }
