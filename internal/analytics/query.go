package analytics

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// Kind is which of the analyst's questions a query asks.
type Kind string

// The queries an analyst may ask.
const (
	KindFigures      Kind = "figures"      // sums and shares by period × dimension
	KindDistribution Kind = "distribution" // quartiles of members' values by period
	KindMembers      Kind = "members"      // members by level and objection
)

// Measures of a distribution: a value per member and period.
const (
	MeasureSpending     = "spending"       // euros
	MeasureFinnishShare = "finnish_share"  // fi_raw + fi_made over food of known origin
	MeasureFiRawShare   = "fi_raw_share"   // fi_raw over food of known origin
	MeasureCO2ePerEuro  = "co2e_per_euro"  // kg CO2e per euro with a known factor
	MeasureNutriAB      = "nutri_ab_share" // euros in Nutri-Score A or B over graded euros
)

var measures = []string{MeasureSpending, MeasureFinnishShare, MeasureFiRawShare, MeasureCO2ePerEuro, MeasureNutriAB}

// Query is one analyst's question, as the API's parameters and the CLI's
// flags give it.
type Query struct {
	Kind    Kind                    `json:"kind"`
	From    string                  `json:"from,omitempty"` // yyyy-mm
	To      string                  `json:"to,omitempty"`   // yyyy-mm
	By      string                  `json:"by,omitempty"`   // month or year
	Dim     kori.AnalyticsDimension `json:"dim,omitempty"`
	Measure string                  `json:"measure,omitempty"`
}

// String is the query as the query log and the answer name it.
func (q Query) String() string {
	switch q.Kind {
	case KindMembers:
		return string(q.Kind)
	case KindDistribution:
		return fmt.Sprintf("%s measure=%s by=%s from=%s to=%s", q.Kind, q.Measure, q.By, q.From, q.To)
	}
	return fmt.Sprintf("%s dim=%s by=%s from=%s to=%s", q.Kind, q.Dim, q.By, q.From, q.To)
}

// ParseQuery reads a query from URL parameters (from, to, by, dim, measure),
// filling defaults: by month, dimension total, the twelve months up to the
// last whole month before now. An error names the parameter and says what
// it takes.
func ParseQuery(kind Kind, v url.Values, now time.Time, zone *time.Location) (Query, error) {
	q := Query{Kind: kind, From: v.Get("from"), To: v.Get("to"), By: v.Get("by"), Dim: kori.AnalyticsDimension(v.Get("dim")), Measure: v.Get("measure")}
	return q, q.normalise(now, zone)
}

// normalise checks the query and fills its defaults.
func (q *Query) normalise(now time.Time, zone *time.Location) error {
	switch q.Kind {
	case KindMembers:
		*q = Query{Kind: KindMembers}
		return nil
	case KindFigures, KindDistribution:
	default:
		return kori.Errorf(kori.EINVALID, "unknown analytics query %q: ask for figures, distribution or members", q.Kind)
	}
	if q.To == "" {
		q.To = kori.MonthLabel(kori.PreviousMonth(now, zone))
	}
	to, err := kori.ParseMonth("to", q.To)
	if err != nil {
		return err
	}
	if q.From == "" {
		q.From = time.Date(to/100, time.Month(to%100), 1, 0, 0, 0, 0, zone).AddDate(0, -11, 0).Format("2006-01")
	}
	from, err := kori.ParseMonth("from", q.From)
	if err != nil {
		return err
	}
	if from > to {
		return kori.Errorf(kori.EINVALID, "from %s is after to %s: give from=yyyy-mm no later than to", q.From, q.To)
	}
	if q.By == "" {
		q.By = "month"
	}
	if q.By != "month" && q.By != "year" {
		return kori.Errorf(kori.EINVALID, "by must be month or year, not %q", q.By)
	}
	if q.Kind == KindDistribution {
		q.Dim = ""
		if q.Measure == "" {
			q.Measure = MeasureSpending
		}
		for _, m := range measures {
			if q.Measure == m {
				return nil
			}
		}
		return kori.Errorf(kori.EINVALID, "measure must be one of %s, not %q", strings.Join(measures, ", "), q.Measure)
	}
	q.Measure = ""
	if q.Dim == "" {
		q.Dim = kori.DimTotal
	}
	for _, d := range kori.AnalyticsDimensions {
		if q.Dim == d {
			return nil
		}
	}
	names := make([]string, len(kori.AnalyticsDimensions))
	for i, d := range kori.AnalyticsDimensions {
		names[i] = string(d)
	}
	return kori.Errorf(kori.EINVALID, "dim must be one of %s, not %q", strings.Join(names, ", "), q.Dim)
}

// selectOf is the store's select for the query's months and dimension.
func (q Query) selectOf() kori.AnalyticsSelect {
	from, _ := kori.ParseMonth("from", q.From)
	to, _ := kori.ParseMonth("to", q.To)
	sel := kori.AnalyticsSelect{From: from, To: to, ByMonth: q.By == "month", Dim: q.Dim}
	// Rule 8: group figures only from product and group level; totals from
	// every level but none.
	switch q.Dim {
	case kori.DimGroup:
		sel.Levels = []kori.Level{kori.LevelProduct, kori.LevelGroup}
	default:
		sel.Levels = []kori.Level{kori.LevelProduct, kori.LevelGroup, kori.LevelTotal}
	}
	if q.Kind == KindDistribution && q.Measure != MeasureSpending {
		// Shares and intensities need the figures of what was bought.
		sel.Levels = []kori.Level{kori.LevelProduct, kori.LevelGroup}
	}
	return sel
}

// periodLabel writes a period key as yyyy-mm or yyyy; 0 is every period.
func periodLabel(p int) string {
	switch {
	case p == 0:
		return ""
	case p > 9999:
		return kori.MonthLabel(p)
	}
	return strconv.Itoa(p)
}
