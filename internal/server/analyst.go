package server

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
	"github.com/kori-project/kori/internal/chart"
)

// The analysts' page: the chain-wide figures over time, the chosen
// dimension's totals, the distribution of members' spending and the members
// by level, from the same engine and with the same protection as the
// analytics API; every query the page makes is logged like an API query.

// analystView is the analyst's page.
type analystView struct {
	Query   analytics.Query
	Dims    []kori.AnalyticsDimension
	Over    *analytics.Answer // dimension total, by period
	ByDim   *analytics.Answer // the chosen dimension; nil for total
	Spend   *analytics.Answer // nil under differential privacy
	Members *analytics.Answer
	// Keys are the chosen dimension's totals over the whole range, named.
	Keys []analystKey
	// Export is the query string of the downloads.
	Export template.URL
	Noisy  bool
	// Hidden counts the figures the page's answers suppressed.
	Hidden int
}

// analystKey is a row of the dimension's totals, with its display name.
type analystKey struct {
	Name string
	Row  analytics.Row
}

func (s *Server) getAnalyst(w http.ResponseWriter, r *http.Request, key *kori.APIKey) error {
	l := s.locales.pick(r)
	v := analystView{Dims: kori.AnalyticsDimensions, Noisy: key.DPEpsilon > 0}
	params := r.URL.Query()
	dim := kori.AnalyticsDimension(params.Get("dim"))
	total := url.Values{"from": {params.Get("from")}, "to": {params.Get("to")}, "by": {params.Get("by")}, "dim": {string(kori.DimTotal)}}
	ask := func(kind analytics.Kind, p url.Values) (*analytics.Answer, error) {
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = p.Encode()
		return s.analyst.Ask(r2, key, kind, "web")
	}
	var err error
	if v.Over, err = ask(analytics.KindFigures, total); err != nil {
		return err
	}
	v.Query = v.Over.Query
	if dim != "" && dim != kori.DimTotal {
		byDim := url.Values{"from": {v.Query.From}, "to": {v.Query.To}, "by": {v.Query.By}, "dim": {string(dim)}}
		if v.ByDim, err = ask(analytics.KindFigures, byDim); err != nil {
			return err
		}
		v.Query.Dim = v.ByDim.Query.Dim
		cat, err := s.Ingest.Catalogue(r.Context())
		if err != nil {
			return err
		}
		// The keys' totals over the range; with one period, its cells are.
		periods := map[string]bool{}
		for _, row := range v.ByDim.Rows {
			if row.Period != "" {
				periods[row.Period] = true
			}
		}
		for _, row := range v.ByDim.Rows {
			if row.Key == "" || row.Period != "" && len(periods) > 1 {
				continue
			}
			name := row.Key
			if g, ok := cat.Groups[row.Key]; ok && dim == kori.DimGroup {
				name = l.Name(g.NameFi, g.NameEn)
			} else if st, ok := cat.Stores[row.Key]; ok && dim == kori.DimStore {
				name = st.Name
			}
			v.Keys = append(v.Keys, analystKey{Name: name, Row: row})
		}
	}
	if !v.Noisy {
		if v.Spend, err = ask(analytics.KindDistribution, url.Values{"from": {v.Query.From}, "to": {v.Query.To}, "by": {v.Query.By}}); err != nil {
			return err
		}
	}
	if v.Members, err = ask(analytics.KindMembers, nil); err != nil {
		return err
	}
	for _, a := range []*analytics.Answer{v.Over, v.ByDim, v.Spend, v.Members} {
		if a != nil {
			v.Hidden += a.Suppressed
		}
	}
	v.Export = template.URL(url.Values{"from": {v.Query.From}, "to": {v.Query.To}, "by": {v.Query.By}, "dim": {string(v.Query.Dim)}}.Encode())
	return s.render(w, r, http.StatusOK, "analyst", pageData{V: v, Charts: analystCharts(v, l)})
}

// analyticsAPI answers one kind of analytics query to an API key.
func (s *Server) analyticsAPI(kind analytics.Kind) http.Handler {
	return s.requireKey(analystArea, true, func(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
		return s.analyst.Serve(w, r, k, kind, "api")
	})
}

// getAnalystExport is the page's download of a figures answer: the API's
// answer, authenticated by the page's cookie.
func (s *Server) getAnalystExport(w http.ResponseWriter, r *http.Request, key *kori.APIKey) error {
	return s.analyst.Serve(w, r, key, analytics.KindFigures, "web")
}

// analystCharts draws the chain's figures over time and the dimension's
// totals; suppressed periods are gaps, never zeros.
func analystCharts(v analystView, l *Locale) map[string]template.HTML {
	out := map[string]template.HTML{}
	if v.Over == nil {
		return out
	}
	var labels []string
	var sales, fiRaw, finnish, co2 []float64
	add := func(period string, members, salesEUR float64, c *analytics.Contents, hidden bool) {
		labels = append(labels, period)
		nan := func(x float64, ok bool) float64 { return gap(x, ok && !hidden) }
		sales = append(sales, nan(salesEUR, true))
		fiRaw = append(fiRaw, nan(100*share(c, func(c *analytics.Contents) float64 { return c.FiRawShare }), c != nil))
		finnish = append(finnish, nan(100*share(c, func(c *analytics.Contents) float64 { return c.FinnishShare }), c != nil))
		co2 = append(co2, nan(share(c, func(c *analytics.Contents) float64 { return c.CO2eKgPerEUR }), c != nil))
	}
	for _, r := range v.Over.Rows {
		if r.Period == "" {
			continue
		}
		if r.Values == nil {
			add(r.Period, 0, 0, nil, true)
		} else {
			add(r.Period, float64(r.Values.Members), r.Values.SalesEUR, r.Values.Contents, false)
		}
	}
	for _, r := range v.Over.Noisy {
		add(r.Period, r.Members, r.SalesEUR, nil, r.Suppressed)
	}
	out["sales"] = chart.Bars(chart.Chart{ID: "an-sales", Title: l.T("analyst.chart.sales"), Desc: l.T("chart.history_desc"),
		Labels: labels, Series: []chart.Series{{Name: "€", Values: sales}}, YLabel: "€", Format: l.eurFormat, Tick: l.tick})
	if !v.Noisy {
		out["domestic"] = chart.Line(chart.Chart{ID: "an-domestic", Title: l.T("analyst.chart.domestic"), Desc: l.T("chart.history_desc"),
			Labels: labels, Series: []chart.Series{{Name: l.T("origin.fi_raw"), Values: fiRaw}, {Name: l.T("analyst.finnish"), Values: finnish}},
			YLabel: "%", Format: l.pctFormat, Tick: l.tick})
		out["co2"] = chart.Line(chart.Chart{ID: "an-co2", Title: l.T("analyst.chart.co2"), Desc: l.T("chart.history_desc"),
			Labels: labels, Series: []chart.Series{{Name: "kg CO₂e / €", Values: co2}}, YLabel: "kg CO₂e / €",
			Format: func(x float64) string { return l.Num(x, 2) + " kg/€" }, Tick: func(x float64) string { return l.Num(x, 1) }})
	}
	if len(v.Keys) > 0 {
		var names []string
		var values []float64
		for _, k := range v.Keys {
			names = append(names, k.Name)
			if k.Row.Values == nil {
				values = append(values, gap(0, false))
			} else {
				values = append(values, k.Row.Values.SalesEUR)
			}
		}
		out["keys"] = chart.HBars(chart.Chart{ID: "an-keys", Title: l.T("analyst.chart.keys"), Desc: l.T("chart.ranking_desc"),
			Labels: names, Series: []chart.Series{{Values: values}}, YLabel: "€", Format: l.eurFormat, Tick: l.tick})
	}
	return out
}

func share(c *analytics.Contents, f func(*analytics.Contents) float64) float64 {
	if c == nil {
		return 0
	}
	return f(c)
}
