package server

import (
	"fmt"
	"html/template"
	"math"

	"github.com/kori-project/kori/internal/analysis"
	"github.com/kori-project/kori/internal/chart"
)

// The charts of each member page, drawn from the page's view so that a chart
// and the table beside it show the same numbers.

func yearLabels(n int, year func(i int) int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(year(i))
	}
	return out
}

func monthLabels(l *Locale, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = l.MonthShort(i + 1)
	}
	return out
}

// history labels a monthly series: every mark by its month, the axis by
// the years only.
func history(l *Locale, n int, period func(i int) (year, month int)) (labels, axis []string) {
	labels, axis = make([]string, n), make([]string, n)
	for i := range labels {
		y, m := period(i)
		labels[i] = l.Month(y, m)
		if m == 1 || i == 0 {
			axis[i] = fmt.Sprint(y)
		}
	}
	return labels, axis
}

// gap is the value of a period without what the figure needs: a gap in the
// chart rather than a zero.
func gap(v float64, has bool) float64 {
	if !has {
		return math.NaN()
	}
	return v
}

func (l *Locale) eurFormat(v float64) string { return l.Num(v, 0) + " €" }
func (l *Locale) pctFormat(v float64) string { return l.Num(v, 0) + " %" }
func (l *Locale) kgFormat(v float64) string  { return l.Num(v, 0) + " kg" }
func (l *Locale) tick(v float64) string      { return l.Num(v, 0) }

func overviewCharts(v any, l *Locale) map[string]template.HTML {
	o := v.(overviewView)
	labels := yearLabels(len(o.Trend), func(i int) int { return o.Trend[i].Year })
	series := func(f func(summary) float64) []float64 {
		out := make([]float64, len(o.Trend))
		for i, t := range o.Trend {
			out[i] = f(t.summary)
		}
		return out
	}
	return map[string]template.HTML{
		"spending": chart.Bars(chart.Chart{ID: "ov-spend", Title: l.T("overview.chart.spending"), Desc: l.T("chart.by_year_desc"),
			Labels: labels, Series: []chart.Series{{Name: l.T("spending.amount"), Values: series(func(s summary) float64 { return float64(s.Amount) / 100 })}},
			YLabel: "€", Format: l.eurFormat, Tick: l.tick}),
		"domestic": chart.Line(chart.Chart{ID: "ov-dom", Title: l.T("overview.chart.domestic"), Desc: l.T("chart.by_year_desc"),
			Labels: labels, Series: []chart.Series{{Name: l.T("domestic.finnish"), Values: series(func(s summary) float64 { return gap(s.FinnishShare*100, s.HasOrigin) })}},
			YLabel: "%", Format: l.pctFormat, Tick: l.tick}),
		"carbon": chart.Bars(chart.Chart{ID: "ov-co2", Title: l.T("overview.chart.carbon"), Desc: l.T("chart.by_year_desc"),
			Labels: labels, Series: []chart.Series{{Name: "kg CO₂e", Values: series(func(s summary) float64 { return gap(s.KgCO2e, s.HasCarbon) })}},
			YLabel: "kg CO₂e", Format: l.kgFormat, Tick: l.tick}),
		"nutri": chart.Line(chart.Chart{ID: "ov-nutri", Title: l.T("overview.chart.nutri"), Desc: l.T("chart.by_year_desc"),
			Labels: labels, Series: []chart.Series{{Name: "A+B", Values: series(func(s summary) float64 { return gap(s.NutriABShare*100, s.HasNutri) })}},
			YLabel: "%", Format: l.pctFormat, Tick: l.tick}),
	}
}

func spendingCharts(v any, l *Locale) map[string]template.HTML {
	sp := v.(spendingView)
	years, months := make([]float64, len(sp.ByYear)), make([]float64, len(sp.ByMonth))
	for i, y := range sp.ByYear {
		years[i] = float64(y.Amount) / 100
	}
	for i, m := range sp.ByMonth {
		months[i] = float64(m.Amount) / 100
	}
	var gLabels, sLabels []string
	var gValues, sValues []float64
	for _, g := range sp.ByGroup {
		gLabels, gValues = append(gLabels, g.Name), append(gValues, float64(g.Amount)/100)
	}
	for _, st := range sp.ByStore {
		sLabels, sValues = append(sLabels, st.Name), append(sValues, float64(st.Amount)/100)
	}
	hl, ha := history(l, len(sp.History), func(i int) (int, int) { return sp.History[i].Year, sp.History[i].Month })
	hv := make([]float64, len(sp.History))
	for i, h := range sp.History {
		hv[i] = float64(h.Amount) / 100
	}
	return withPeers(map[string]template.HTML{
		"history": chart.Line(chart.Chart{ID: "sp-history", Title: l.T("spending.chart.history"), Desc: l.T("chart.history_desc"),
			Labels: hl, AxisLabels: ha, Series: []chart.Series{{Name: l.T("spending.amount"), Values: hv}}, YLabel: "€", Format: l.eurFormat, Tick: l.tick}),
		"years": chart.Bars(chart.Chart{ID: "sp-years", Title: l.T("spending.chart.years"), Desc: l.T("chart.by_year_desc"),
			Labels: yearLabels(len(sp.ByYear), func(i int) int { return sp.ByYear[i].Year }),
			Series: []chart.Series{{Name: l.T("spending.amount"), Values: years}}, YLabel: "€", Format: l.eurFormat, Tick: l.tick}),
		"months": chart.Bars(chart.Chart{ID: "sp-months", Title: l.T("spending.chart.months", "Year", sp.Year), Desc: l.T("chart.by_month_desc"),
			Labels: monthLabels(l, 12), Series: []chart.Series{{Name: l.T("spending.amount"), Values: months}}, YLabel: "€", Format: l.eurFormat, Tick: l.tick}),
		"groups": chart.HBars(chart.Chart{ID: "sp-groups", Title: l.T("spending.chart.groups", "Year", sp.Year), Desc: l.T("chart.ranking_desc"),
			Labels: gLabels, Series: []chart.Series{{Values: gValues}}, YLabel: "€", Format: l.eurFormat, Tick: l.tick}),
		"stores": chart.HBars(chart.Chart{ID: "sp-stores", Title: l.T("spending.chart.stores", "Year", sp.Year), Desc: l.T("chart.ranking_desc"),
			Labels: sLabels, Series: []chart.Series{{Values: sValues}}, YLabel: "€", Format: l.eurFormat, Tick: l.tick}),
	}, sp.Peers, l, 0, l.eurFormat)
}

// tiers returns the two-tier domestic shares as stacked series in percent.
func tiers(l *Locale, rows []domesticRow) []chart.Series {
	raw, made, foreign := make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		has := r.Known() > 0
		raw[i], made[i], foreign[i] = gap(r.FiRawShare*100, has), gap((r.FinnishShare-r.FiRawShare)*100, has), gap(r.ForeignShare*100, has)
	}
	return []chart.Series{{Name: l.T("origin.fi_raw"), Values: raw}, {Name: l.T("origin.fi_made"), Values: made}, {Name: l.T("origin.foreign"), Values: foreign}}
}

func domesticCharts(v any, l *Locale) map[string]template.HTML {
	d := v.(domesticView)
	var gLabels []string
	var gValues []float64
	for _, g := range d.ByGroup {
		gLabels, gValues = append(gLabels, g.Name), append(gValues, g.FinnishShare*100)
	}
	hl, ha := history(l, len(d.History), func(i int) (int, int) { return d.History[i].Year, d.History[i].Month })
	raw, fin := make([]float64, len(d.History)), make([]float64, len(d.History))
	for i, h := range d.History {
		raw[i], fin[i] = gap(h.FiRawShare*100, h.Known() > 0), gap(h.FinnishShare*100, h.Known() > 0)
	}
	return withPeers(map[string]template.HTML{
		"history": chart.Line(chart.Chart{ID: "dom-history", Title: l.T("domestic.chart.history"), Desc: l.T("chart.history_desc"),
			Labels: hl, AxisLabels: ha, Series: []chart.Series{{Name: l.T("domestic.finnish"), Values: fin}, {Name: l.T("origin.fi_raw"), Values: raw}},
			YLabel: "%", Format: l.pctFormat, Tick: l.tick}),
		"years": chart.Bars(chart.Chart{ID: "dom-years", Title: l.T("domestic.chart.years"), Desc: l.T("domestic.chart.desc"),
			Labels: yearLabels(len(d.ByYear), func(i int) int { return d.ByYear[i].Year }), Series: tiers(l, d.ByYear),
			Stacked: true, YLabel: "%", Format: l.pctFormat, Tick: l.tick}),
		"months": chart.Bars(chart.Chart{ID: "dom-months", Title: l.T("domestic.chart.months", "Year", d.Year), Desc: l.T("domestic.chart.desc"),
			Labels: monthLabels(l, 12), Series: tiers(l, d.ByMonth), Stacked: true, YLabel: "%", Format: l.pctFormat, Tick: l.tick}),
		"groups": chart.HBars(chart.Chart{ID: "dom-groups", Title: l.T("domestic.chart.groups", "Year", d.Year), Desc: l.T("chart.ranking_desc"),
			Labels: gLabels, Series: []chart.Series{{Values: gValues}}, YLabel: l.T("domestic.finnish") + " %", Format: l.pctFormat, Tick: l.tick}),
	}, d.Peers, l, 1, l.Pct)
}

// withPeers adds the comparison with other members to a page's charts:
// shares on an axis to max 1, intensities to a little past the larger of
// the member's value and the members' upper quartile.
func withPeers(charts map[string]template.HTML, p *peerView, l *Locale, max float64, format func(float64) string) map[string]template.HTML {
	if p == nil || p.Suppressed {
		return charts
	}
	if max == 0 {
		max = 1.25 * math.Max(p.You, p.P75)
	}
	charts["peers"] = chart.SpreadBar(chart.Spread{ID: "peers", Title: l.T("peers.chart", "Year", p.Year),
		Desc: l.T("peers.chart_desc", "You", format(p.You), "Median", format(p.Median), "Low", format(p.P25), "High", format(p.P75)),
		Low:  p.P25, Median: p.Median, High: p.P75, You: p.You, Max: max,
		YouLabel: l.T("peers.you", "Value", format(p.You)), MedianLabel: l.T("peers.median", "Value", format(p.Median))})
	return charts
}

func carbonCharts(v any, l *Locale) map[string]template.HTML {
	c := v.(carbonView)
	years, months := make([]float64, len(c.ByYear)), make([]float64, len(c.ByMonth))
	for i, y := range c.ByYear {
		years[i] = gap(y.Kg, y.CoveredShare > 0)
	}
	for i, m := range c.ByMonth {
		months[i] = gap(m.Kg, m.CoveredShare > 0)
	}
	var gLabels, pLabels []string
	var gValues, pValues []float64
	for _, g := range c.ByGroup {
		gLabels, gValues = append(gLabels, g.Name), append(gValues, g.Kg)
	}
	for _, p := range c.TopProducts {
		pLabels, pValues = append(pLabels, p.Name), append(pValues, p.Kg)
	}
	hl, ha := history(l, len(c.History), func(i int) (int, int) { return c.History[i].Year, c.History[i].Month })
	hv := make([]float64, len(c.History))
	for i, h := range c.History {
		hv[i] = gap(h.Kg, h.CoveredShare > 0)
	}
	return withPeers(map[string]template.HTML{
		"history": chart.Line(chart.Chart{ID: "co2-history", Title: l.T("carbon.chart.history"), Desc: l.T("chart.history_desc"),
			Labels: hl, AxisLabels: ha, Series: []chart.Series{{Name: "kg CO₂e", Values: hv}}, YLabel: "kg CO₂e", Format: l.kgFormat, Tick: l.tick}),
		"years": chart.Bars(chart.Chart{ID: "co2-years", Title: l.T("carbon.chart.years"), Desc: l.T("chart.by_year_desc"),
			Labels: yearLabels(len(c.ByYear), func(i int) int { return c.ByYear[i].Year }),
			Series: []chart.Series{{Name: "kg CO₂e", Values: years}}, YLabel: "kg CO₂e", Format: l.kgFormat, Tick: l.tick}),
		"months": chart.Bars(chart.Chart{ID: "co2-months", Title: l.T("carbon.chart.months", "Year", c.Year), Desc: l.T("chart.by_month_desc"),
			Labels: monthLabels(l, 12), Series: []chart.Series{{Name: "kg CO₂e", Values: months}}, YLabel: "kg CO₂e", Format: l.kgFormat, Tick: l.tick}),
		"groups": chart.HBars(chart.Chart{ID: "co2-groups", Title: l.T("carbon.chart.groups", "Year", c.Year), Desc: l.T("chart.ranking_desc"),
			Labels: gLabels, Series: []chart.Series{{Values: gValues}}, YLabel: "kg CO₂e", Format: l.kgFormat, Tick: l.tick}),
		"products": chart.HBars(chart.Chart{ID: "co2-products", Title: l.T("carbon.chart.products", "Year", c.Year), Desc: l.T("chart.ranking_desc"),
			Labels: pLabels, Series: []chart.Series{{Values: pValues}}, YLabel: "kg CO₂e", Format: l.kgFormat, Tick: l.tick}),
	}, c.Peers, l, 0, l.kgPerEuro)
}

func (l *Locale) kgPerEuro(v float64) string { return l.Num(v, 2) + " kg/€" }

func nutritionCharts(v any, l *Locale) map[string]template.HTML {
	n := v.(nutritionView)
	energy := func(rows []nutritionRow) []chart.Series {
		p, f, c := make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows))
		for i, r := range rows {
			has := r.EnergyMJ > 0
			p[i], f[i], c[i] = gap(r.ProteinE, has), gap(r.FatE, has), gap(r.CarbE, has)
		}
		return []chart.Series{{Name: l.T("nutrition.protein"), Values: p}, {Name: l.T("nutrition.fat"), Values: f}, {Name: l.T("nutrition.carbohydrate"), Values: c}}
	}
	grades := make([]chart.Series, 5)
	for g := range grades {
		grades[g].Name, grades[g].Colour = string(rune('A'+g)), analysis.NutriColours[g]
		for _, y := range n.ByYear {
			grades[g].Values = append(grades[g].Values, gap(y.NutriScore.Shares()[g]*100, y.NutriScore.GradedShare > 0))
		}
	}
	yl := yearLabels(len(n.ByYear), func(i int) int { return n.ByYear[i].Year })
	hl, ha := history(l, len(n.History), func(i int) (int, int) { return n.History[i].Year, n.History[i].Month })
	return withPeers(map[string]template.HTML{
		"history": chart.Line(chart.Chart{ID: "nu-history", Title: l.T("nutrition.chart.history"), Desc: l.T("chart.history_desc"),
			Labels: hl, AxisLabels: ha, Series: energy(n.History), YLabel: "E%", Format: l.pctFormat, Tick: l.tick}),
		"years": chart.Line(chart.Chart{ID: "nu-years", Title: l.T("nutrition.chart.years"), Desc: l.T("chart.by_year_desc"),
			Labels: yl, Series: energy(n.ByYear), YLabel: "E%", Format: l.pctFormat, Tick: l.tick}),
		"months": chart.Line(chart.Chart{ID: "nu-months", Title: l.T("nutrition.chart.months", "Year", n.Year), Desc: l.T("chart.by_month_desc"),
			Labels: monthLabels(l, 12), Series: energy(n.ByMonth), YLabel: "E%", Format: l.pctFormat, Tick: l.tick}),
		"nutriscore": chart.Bars(chart.Chart{ID: "nu-score", Title: l.T("nutrition.chart.nutriscore"), Desc: l.T("nutrition.chart.nutriscore_desc"),
			Labels: yl, Series: grades, Stacked: true, YLabel: "%", Format: l.pctFormat, Tick: l.tick}),
	}, n.Peers, l, 1, l.Pct)
}
