package analytics

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/kori-project/kori"
)

// Differential privacy, for the API keys that are held to it. An answer then
// has only two measures per cell, the number of members and their euros,
// each with Laplace noise. A member may be in every cell of a table, so the
// answer's sensitivity is counted over all its cells (sequential
// composition): with n cells, the count of each cell gets noise of scale
// 2n/ε and its euros, each member's contribution to a cell clipped to C
// euros, noise of scale 2nC/ε. The ε of the whole answer is stated in it and
// charged to the key's monthly budget before anything is read. Margins are
// not released (the analyst adds noisy cells), and a cell whose noisy count
// is below k is suppressed, which is post-processing and costs no ε.

// Clipping bounds of one member's euros in one cell.
const (
	ClipMonthEUR = 1000.0
	ClipYearEUR  = 12000.0
)

// DPTerms are the guarantee of a noisy answer.
type DPTerms struct {
	Epsilon      float64 `json:"epsilon"`
	Cells        int     `json:"cells"`
	ClipEUR      float64 `json:"clip_eur"`
	ScaleMembers float64 `json:"scale_members"` // Laplace scale b of each count
	ScaleSales   float64 `json:"scale_sales_eur"`
	Spent        float64 `json:"spent_this_month"`
	Budget       float64 `json:"budget_per_month"`
}

// NoisyRow is one cell of a noisy answer.
type NoisyRow struct {
	Period     string  `json:"period"`
	Key        string  `json:"key"`
	Suppressed bool    `json:"suppressed,omitempty"`
	Members    float64 `json:"members,omitempty"`
	SalesEUR   float64 `json:"sales_eur,omitempty"`
}

// spent sums the ε the key has spent since the start of the month of now.
func (e *Engine) spent(ctx context.Context, keyID string) (float64, error) {
	now := e.Clock.Now().In(e.Zone)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, e.Zone)
	events, err := e.Store.AuditEvents(ctx, []string{AuditKind}, from, now.Add(time.Second))
	if err != nil {
		return 0, err
	}
	var sum float64
	for _, ev := range events {
		if ev.Detail["key"] == keyID {
			eps, _ := ev.Detail["epsilon"].(float64)
			sum += eps
		}
	}
	return sum, nil
}

// checkBudget refuses a query that would take the key past its budget.
func (e *Engine) checkBudget(ctx context.Context, who Analyst) error {
	spent, err := e.spent(ctx, who.KeyID)
	if err != nil {
		return err
	}
	if spent+who.Epsilon > who.Budget+1e-9 {
		return kori.Errorf(kori.EFORBIDDEN, "the key's privacy budget for this month is spent (%.2f of %.2f ε; a query costs %.2f): ask again next month, or have an operator raise the budget", spent, who.Budget, who.Epsilon)
	}
	return nil
}

// Laplace draws from the Laplace distribution with mean 0 and scale b.
func Laplace(r *rand.Rand, b float64) float64 {
	u := r.Float64() - 0.5
	return -b * math.Copysign(1, u) * math.Log(1-2*math.Abs(u))
}

func (e *Engine) noise() *rand.Rand {
	if e.Noise != nil {
		return e.Noise
	}
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

// noisyFigures answers a figures query under differential privacy.
func (e *Engine) noisyFigures(ctx context.Context, q Query, who Analyst, a *Answer) error {
	if q.Dim != kori.DimTotal && q.Dim != kori.DimGroup {
		return kori.Errorf(kori.EINVALID, "under differential privacy, dim must be total or group (the store and city figures have no per-member clipping yet)")
	}
	a.Method = "Differential privacy: each cell's member count and euros (each member's euros in a cell clipped) with Laplace noise calibrated to the answer's ε over all its cells; cells whose noisy count is below k are suppressed."
	sel := q.selectOf()
	sel.ByPeriod, sel.ByKey = true, true
	clip := ClipYearEUR
	if sel.ByMonth {
		clip = ClipMonthEUR
	}
	type cell struct {
		members float64
		sales   float64
	}
	cells := map[[2]string]*cell{}
	err := e.Store.MemberCells(ctx, sel, func(c kori.MemberCell) error {
		k := [2]string{periodLabel(c.Period), c.Key}
		x := cells[k]
		if x == nil {
			x = &cell{}
			cells[k] = x
		}
		x.members++
		x.sales += math.Max(0, math.Min(euros(c.Figures.Amount), clip))
		a.members = max(a.members, int64(x.members))
		return nil
	})
	if err != nil {
		return err
	}
	// The cells released are every period of the query × the keys that
	// exist in the catalogue's data, so that an empty cell is released
	// (noisy) like a full one and its absence tells nothing.
	periods := periodsOf(sel)
	keys := map[string]bool{"": q.Dim == kori.DimTotal}
	for k := range cells {
		keys[k[1]] = true
	}
	var keyList []string
	for k, ok := range keys {
		if ok {
			keyList = append(keyList, k)
		}
	}
	sort.Strings(keyList)
	n := len(periods) * len(keyList)
	spent, err := e.spent(ctx, who.KeyID)
	if err != nil {
		return err
	}
	a.DP = &DPTerms{Epsilon: who.Epsilon, Cells: n, ClipEUR: clip, ScaleMembers: 2 * float64(n) / who.Epsilon,
		ScaleSales: 2 * float64(n) * clip / who.Epsilon, Spent: spent + who.Epsilon, Budget: who.Budget}
	r := e.noise()
	for _, p := range periods {
		for _, k := range keyList {
			x := cells[[2]string{p, k}]
			if x == nil {
				x = &cell{}
			}
			row := NoisyRow{Period: p, Key: k, Members: x.members + Laplace(r, a.DP.ScaleMembers), SalesEUR: x.sales + Laplace(r, a.DP.ScaleSales)}
			if row.Members < float64(e.k()) {
				row = NoisyRow{Period: p, Key: k, Suppressed: true}
				a.Suppressed++
			}
			a.Noisy = append(a.Noisy, row)
		}
	}
	return nil
}

// periodsOf lists the labels of every period the select covers.
func periodsOf(sel kori.AnalyticsSelect) []string {
	var out []string
	for y := sel.From / 100; y <= sel.To/100; y++ {
		if !sel.ByMonth {
			out = append(out, fmt.Sprint(y))
			continue
		}
		for m := 1; m <= 12; m++ {
			if p := y*100 + m; p >= sel.From && p <= sel.To {
				out = append(out, periodLabel(p))
			}
		}
	}
	return out
}
