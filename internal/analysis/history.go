package analysis

import (
	"sort"

	"github.com/kori-project/kori"
)

// Period is a calendar month, or a whole year when Month is 0, in the chain's
// time zone.
type Period struct {
	Year  int `json:"year"`
	Month int `json:"month,omitempty"`
}

// Before reports whether p starts before q.
func (p Period) Before(q Period) bool {
	return p.Year < q.Year || p.Year == q.Year && p.Month < q.Month
}

// Point is the figures summed over one period.
type Point struct {
	Period
	Figures kori.Figures
}

// ByMonth sums rollups over their groups into one point per month, in time
// order. Months without purchases are absent.
func ByMonth(rollups []kori.MonthRollup) []Point {
	return sum(rollups, func(r kori.MonthRollup) Period { return Period{r.Year, r.Month} })
}

// ByYear sums rollups into one point per year, in time order.
func ByYear(rollups []kori.MonthRollup) []Point {
	return sum(rollups, func(r kori.MonthRollup) Period { return Period{Year: r.Year} })
}

func sum(rollups []kori.MonthRollup, key func(kori.MonthRollup) Period) []Point {
	idx := map[Period]int{}
	var out []Point
	for _, r := range rollups {
		k := key(r)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Point{Period: k})
		}
		out[i].Figures.Add(r.Figures)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j].Period) })
	return out
}

// MonthsOf returns the twelve months of year in order, with zero figures for
// months without purchases, so that charts of a year always have twelve bars.
func MonthsOf(points []Point, year int) []Point {
	out := make([]Point, 12)
	for i := range out {
		out[i].Period = Period{year, i + 1}
	}
	for _, p := range points {
		if p.Year == year && p.Month >= 1 && p.Month <= 12 {
			out[p.Month-1].Figures.Add(p.Figures)
		}
	}
	return out
}

// GroupTotal is the figures of one product group over a period.
type GroupTotal struct {
	Group   string
	Figures kori.Figures
}

// ByGroup sums the rollups of the periods that in accepts per group, ordered
// by amount, largest first (ties by group code).
func ByGroup(rollups []kori.MonthRollup, in func(Period) bool) []GroupTotal {
	idx := map[string]int{}
	var out []GroupTotal
	for _, r := range rollups {
		if in != nil && !in(Period{r.Year, r.Month}) {
			continue
		}
		i, ok := idx[r.Group]
		if !ok {
			i = len(out)
			idx[r.Group] = i
			out = append(out, GroupTotal{Group: r.Group})
		}
		out[i].Figures.Add(r.Figures)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Figures.Amount != out[j].Figures.Amount {
			return out[i].Figures.Amount > out[j].Figures.Amount
		}
		return out[i].Group < out[j].Group
	})
	return out
}

// Total sums the rollups of the periods that in accepts (all when in is nil).
func Total(rollups []kori.MonthRollup, in func(Period) bool) kori.Figures {
	var f kori.Figures
	for _, r := range rollups {
		if in == nil || in(Period{r.Year, r.Month}) {
			f.Add(r.Figures)
		}
	}
	return f
}

// InYear accepts the months of one year.
func InYear(year int) func(Period) bool {
	return func(p Period) bool { return p.Year == year }
}

// YearToDate accepts the months 1..month of year: comparing this year so far
// with the same months of last year is fair where comparing with the whole of
// last year is not.
func YearToDate(year, month int) func(Period) bool {
	return func(p Period) bool { return p.Year == year && p.Month <= month }
}

// StoreTotal is a member's receipts in one store over a period.
type StoreTotal struct {
	Store    string
	Receipts int
	Amount   kori.Money
}

// ByStore sums store months of the periods in accepts per store, largest
// amount first.
func ByStore(months []kori.StoreMonth, in func(Period) bool) []StoreTotal {
	idx := map[string]int{}
	var out []StoreTotal
	for _, m := range months {
		if in != nil && !in(Period{m.Year, m.Month}) {
			continue
		}
		i, ok := idx[m.Store]
		if !ok {
			i = len(out)
			idx[m.Store] = i
			out = append(out, StoreTotal{Store: m.Store})
		}
		out[i].Receipts += m.Receipts
		out[i].Amount += m.Amount
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Amount != out[j].Amount {
			return out[i].Amount > out[j].Amount
		}
		return out[i].Store < out[j].Store
	})
	return out
}

// ReceiptCounts counts receipts per period (by year when byMonth is false).
func ReceiptCounts(months []kori.StoreMonth, byMonth bool) map[Period]int {
	out := map[Period]int{}
	for _, m := range months {
		k := Period{Year: m.Year}
		if byMonth {
			k.Month = m.Month
		}
		out[k] += m.Receipts
	}
	return out
}

// Change is the relative change from prev to cur (0.1 is +10 %); ok is false
// when there is nothing to compare with.
func Change(cur, prev float64) (change float64, ok bool) {
	if prev == 0 {
		return 0, false
	}
	return (cur - prev) / prev, true
}

// Share returns part/whole, or 0 when whole is 0.
func Share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return part / whole
}
