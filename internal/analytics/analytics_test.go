package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	ctx         = context.Background()
	helsinki, _ = time.LoadLocation("Europe/Helsinki")
	now         = time.Date(2026, 3, 15, 12, 0, 0, 0, helsinki)
	analyst     = analytics.Analyst{Actor: kori.Actor{Channel: "api", Name: "bi"}, KeyID: "k1"}
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// chain is 25 members and their purchases of January and February 2026,
// as the test wrote them, so that every figure can be recomputed from the
// lines without the store:
//   - members 1–12 at product, 13–18 at group, 19–22 at total, 23 at none,
//     24–25 at product but objecting to analytics;
//   - every member buys milk at S1 each month (100+i cents);
//   - in January members 1–18 buy half a kilo of mince (500+i cents), in
//     February only members 1–9: a cell of nine members;
//   - in February members 1–18 buy soap, and members 19–21 also shop once
//     at S2 in Tampere: a store of three members.
type chain struct {
	db       *store.DB
	ids      []kori.MemberID // ids[i-1] is member i
	receipts []kori.Receipt
	member   map[string]int // card → member number
	level    map[int]kori.Level
}

func level(i int) kori.Level {
	switch {
	case i <= 12, i >= 24:
		return kori.LevelProduct
	case i <= 18:
		return kori.LevelGroup
	case i <= 22:
		return kori.LevelTotal
	}
	return kori.LevelNone
}

func newChain(t *testing.T, open storetest.Opener) *chain {
	t.Helper()
	db := open(t)
	db.Clock = kori.FixedClock(now)
	storetest.Seed(t, db)
	must(t, db.UpsertStores(ctx, []kori.Store{{ID: "S2", Name: "Store Two", City: "Tampere"}}))
	c := &chain{db: db, member: map[string]int{}, level: map[int]kori.Level{}}
	var es []kori.Enrolment
	for i := 1; i <= 25; i++ {
		card := fmt.Sprintf("CARD-%02d", i)
		c.member[card], c.level[i] = i, level(i)
		es = append(es, kori.Enrolment{Ref: fmt.Sprintf("REF-%02d", i), Level: level(i), Email: fmt.Sprintf("m%02d@example.fi", i),
			Cards: []kori.Card{{Number: card, Status: kori.CardActive}}, ObjectsAnalytics: i >= 24, JoinedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, helsinki)})
	}
	ids, err := db.ImportMembers(ctx, es, "test")
	must(t, err)
	c.ids = ids
	n := 0
	buy := func(i int, store string, day time.Time, lines ...kori.Line) {
		n++
		r := kori.Receipt{Key: kori.ReceiptKey{Store: store, Till: 1, Number: fmt.Sprintf("R%04d", n), BusinessDay: kori.BusinessDay(day, helsinki)},
			Card: fmt.Sprintf("CARD-%02d", i), PurchasedAt: day, Lines: lines}
		for _, l := range lines {
			r.Total += l.Amount
		}
		c.receipts = append(c.receipts, r)
	}
	jan, feb := time.Date(2026, 1, 10, 12, 0, 0, 0, helsinki), time.Date(2026, 2, 10, 12, 0, 0, 0, helsinki)
	milk := func(i int) kori.Line {
		return kori.Line{GTIN: "6400000000019", Quantity: 1, Amount: kori.Money(100 + i)}
	}
	mince := func(i int) kori.Line {
		return kori.Line{GTIN: "6400000000026", Quantity: 0.5, Amount: kori.Money(500 + i)}
	}
	soap := kori.Line{GTIN: "6400000000033", Quantity: 1, Amount: 250}
	for i := 1; i <= 25; i++ {
		if i <= 18 {
			buy(i, "S1", jan, milk(i), mince(i))
		} else {
			buy(i, "S1", jan, milk(i))
		}
		lines := []kori.Line{milk(i)}
		if i <= 9 {
			lines = append(lines, mince(i))
		}
		if i <= 18 {
			lines = append(lines, soap)
		}
		buy(i, "S1", feb, lines...)
		if i >= 19 && i <= 21 {
			buy(i, "S2", feb.Add(time.Hour), soap)
		}
	}
	svc := ingest.NewService(db, helsinki, kori.FixedClock(now))
	var ps []ingest.Parsed
	for i, r := range c.receipts {
		ps = append(ps, ingest.Parsed{Line: i + 1, Receipt: r})
	}
	res, err := svc.Ingest(ctx, ps)
	must(t, err)
	for _, r := range res {
		if r.Status == ingest.StatusRejected {
			t.Fatalf("ingest: %+v", r)
		}
	}
	return c
}

func (c *chain) engine() *analytics.Engine {
	return &analytics.Engine{Store: c.db, Clock: kori.FixedClock(now), Zone: helsinki, Noise: rand.New(rand.NewPCG(1, 2))}
}

// expected recomputes a month's sales and kg CO2e from the receipts as
// written, over the members allowed: not objecting, at one of levels.
func (c *chain) expected(month int, levels []kori.Level, objecting map[int]bool) (members int, sales kori.Money, co2 float64) {
	seen := map[int]bool{}
	for _, r := range c.receipts {
		i := c.member[r.Card]
		if objecting[i] || i >= 24 || !contains(levels, c.level[i]) || int(r.PurchasedAt.In(helsinki).Month()) != month {
			continue
		}
		seen[i] = true
		sales += r.Total
		if c.level[i] == kori.LevelTotal {
			continue
		}
		for _, l := range r.Lines {
			switch l.GTIN {
			case "6400000000019":
				co2 += l.Quantity * 1.3
			case "6400000000026":
				co2 += l.Quantity * 35.7
			}
		}
	}
	return len(seen), sales, co2
}

func contains(ls []kori.Level, l kori.Level) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

var allLevels = []kori.Level{kori.LevelProduct, kori.LevelGroup, kori.LevelTotal}

func row(t *testing.T, a *analytics.Answer, period, key string) analytics.Row {
	t.Helper()
	for _, r := range a.Rows {
		if r.Period == period && r.Key == key {
			return r
		}
	}
	t.Fatalf("no row %q/%q in %+v", period, key, a.Rows)
	return analytics.Row{}
}

// TestFiguresEqualRecomputation: the totals by month equal a recomputation
// from the receipts over the members allowed (objectors and level none out,
// level total in), and an objection removes the member's purchases from the
// very next query.
func TestFiguresEqualRecomputation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		c := newChain(t, open)
		e := c.engine()
		q := analytics.Query{Kind: analytics.KindFigures, From: "2026-01", To: "2026-02"}
		a, err := e.Ask(ctx, q, analyst)
		must(t, err)
		for _, m := range []int{1, 2} {
			members, sales, _ := c.expected(m, allLevels, nil)
			r := row(t, a, fmt.Sprintf("2026-%02d", m), "")
			if r.Values == nil || r.Values.Members != int64(members) || math.Abs(r.Values.SalesEUR-float64(sales)/100) > 1e-9 {
				t.Errorf("2026-%02d: %+v, want %d members and %v", m, r.Values, members, sales)
			}
		}
		if r := row(t, a, "2026-01", ""); r.Values.Receipts == nil || *r.Values.Receipts != 22 || math.Abs(*r.Values.BasketEUR-r.Values.SalesEUR/22) > 1e-9 {
			t.Errorf("January %+v: want 22 receipts", r.Values)
		}

		// Group figures: only product and group level.
		g, err := e.Ask(ctx, analytics.Query{Kind: analytics.KindFigures, From: "2026-01", To: "2026-01", Dim: kori.DimGroup}, analyst)
		must(t, err)
		members, _, co2 := c.expected(1, []kori.Level{kori.LevelProduct, kori.LevelGroup}, nil)
		total := row(t, g, "", "")
		if total.Values == nil || total.Values.Members != int64(members) || math.Abs(total.Values.CO2eKg-co2) > 1e-6 {
			t.Errorf("January by group, total %+v; want %d members, %.2f kg CO2e", total.Values, members, co2)
		}
		for _, r := range g.Rows {
			if r.Key == kori.NotItemised {
				t.Errorf("total-level money in the group figures: %+v", r)
			}
		}

		// Member 1 objects: gone from the next query.
		_, _, err = c.db.ChangeChoice(ctx, c.ids[0], kori.Choice{Kind: kori.ConsentAnalytics, To: "objects"},
			kori.Actor{Channel: "web", Name: "member"}, nil)
		must(t, err)
		b, err := e.Ask(ctx, q, analyst)
		must(t, err)
		_, sales, _ := c.expected(1, allLevels, map[int]bool{1: true})
		if r := row(t, b, "2026-01", ""); r.Values.Members != 21 || math.Abs(r.Values.SalesEUR-float64(sales)/100) > 1e-9 {
			t.Errorf("after member 1 objected: %+v, want 21 members and %v", r.Values, sales)
		}
	})
}

// TestSmallCellsSuppressed: the February mince of nine members is hidden,
// and so is a complement in its month's line and in its group's line, so
// that the totals shown with them cannot give it back; a store of three
// members likewise. Every additive line of every answer hides none or at
// least two entries.
func TestSmallCellsSuppressed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		c := newChain(t, open)
		e := c.engine()
		g, err := e.Ask(ctx, analytics.Query{Kind: analytics.KindFigures, From: "2026-01", To: "2026-02", Dim: kori.DimGroup}, analyst)
		must(t, err)
		if r := row(t, g, "2026-02", "meat"); !r.Suppressed || r.Values != nil {
			t.Fatalf("the nine-member cell is shown: %+v", r)
		}
		checkLines(t, g)
		if g.Suppressed < 4 {
			t.Errorf("%d entries suppressed; a lone cell in a 2×3 table with margins needs at least 4", g.Suppressed)
		}
		s, err := e.Ask(ctx, analytics.Query{Kind: analytics.KindFigures, From: "2026-02", To: "2026-02", Dim: kori.DimStore}, analyst)
		must(t, err)
		if r := row(t, s, "2026-02", "S2"); !r.Suppressed {
			t.Errorf("the store of three members is shown: %+v", r)
		}
		if r := row(t, s, "2026-02", "S1"); !r.Suppressed {
			t.Errorf("S1 is shown beside the month's total, which gives S2 away: %+v", r)
		}
		checkLines(t, s)
		city, err := e.Ask(ctx, analytics.Query{Kind: analytics.KindFigures, From: "2026-02", To: "2026-02", Dim: kori.DimCity}, analyst)
		must(t, err)
		if r := row(t, city, "2026-02", "Tampere"); !r.Suppressed {
			t.Errorf("Tampere with three members is shown: %+v", r)
		}
	})
}

// checkLines rebuilds, from the rows alone, each additive line (a period's
// keys with the period's total, a key's periods with the key's total, the
// totals with the grand total; with one period or one key, the grand total
// is that line's total) and fails when one hides exactly one entry.
func checkLines(t *testing.T, a *analytics.Answer) {
	t.Helper()
	type at = [2]string
	hidden := map[at]bool{}
	periods, keys := map[string]bool{}, map[string]bool{}
	for _, r := range a.Rows {
		hidden[at{r.Period, r.Key}] = r.Suppressed
		if r.Period != "" && r.Key != "" {
			periods[r.Period], keys[r.Key] = true, true
		}
	}
	var lines [][]at
	grand := at{"", ""}
	margin := func(m at, single bool) (at, bool) {
		if _, ok := hidden[m]; ok {
			return m, true
		}
		_, ok := hidden[grand]
		return grand, ok && single
	}
	for p := range periods {
		var l []at
		for k := range keys {
			if _, ok := hidden[at{p, k}]; ok {
				l = append(l, at{p, k})
			}
		}
		if m, ok := margin(at{p, ""}, len(periods) == 1); ok {
			lines = append(lines, append(l, m))
		}
	}
	for k := range keys {
		var l []at
		for p := range periods {
			if _, ok := hidden[at{p, k}]; ok {
				l = append(l, at{p, k})
			}
		}
		if m, ok := margin(at{"", k}, len(keys) == 1); ok {
			lines = append(lines, append(l, m))
		}
	}
	var ptot, ktot []at
	for e := range hidden {
		switch {
		case e[0] != "" && e[1] == "":
			ptot = append(ptot, e)
		case e[0] == "" && e[1] != "":
			ktot = append(ktot, e)
		}
	}
	if _, ok := hidden[grand]; ok {
		lines = append(lines, append(ptot, grand), append(ktot, grand))
	}
	for _, l := range lines {
		n := 0
		for _, e := range l {
			if hidden[e] {
				n++
			}
		}
		if n == 1 && len(l) > 1 {
			t.Errorf("the line %v hides exactly one entry: %+v", l, a.Rows)
		}
	}
}

// TestNoMemberIdentifierInAnswers: no answer names a member, card, e-mail
// or receipt, in JSON, CSV or Parquet.
func TestNoMemberIdentifierInAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		c := newChain(t, open)
		e := c.engine()
		var out strings.Builder
		for _, q := range []analytics.Query{
			{Kind: analytics.KindFigures, Dim: kori.DimTotal}, {Kind: analytics.KindFigures, Dim: kori.DimGroup},
			{Kind: analytics.KindFigures, Dim: kori.DimStore}, {Kind: analytics.KindFigures, Dim: kori.DimCity, By: "year"},
			{Kind: analytics.KindDistribution, Measure: analytics.MeasureSpending}, {Kind: analytics.KindMembers},
		} {
			q.From, q.To = "2026-01", "2026-02"
			a, err := e.Ask(ctx, q, analyst)
			must(t, err)
			b, _ := json.Marshal(a)
			out.Write(b)
			tab := a.Table()
			must(t, tab.WriteCSV(&out))
			must(t, tab.WriteParquet(&out))
		}
		s := out.String()
		for _, bad := range []string{"CARD-", "REF-", "@example.fi", "R00", "member_id", "card"} {
			if strings.Contains(s, bad) {
				t.Errorf("an answer contains %q", bad)
			}
		}
	})
}

// TestDistribution: the quartiles of members' monthly spending equal those
// computed from the receipts; a month of fewer than k members is suppressed.
func TestDistribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		c := newChain(t, open)
		a, err := c.engine().Ask(ctx, analytics.Query{Kind: analytics.KindDistribution, From: "2026-01", To: "2026-03"}, analyst)
		must(t, err)
		var jan []float64
		for _, r := range c.receipts {
			if i := c.member[r.Card]; i < 23 && r.PurchasedAt.Month() == 1 {
				jan = append(jan, float64(r.Total)/100)
			}
		}
		sort.Float64s(jan)
		if len(a.Quartiles) != 2 {
			t.Fatalf("quartiles %+v, want January and February (March has no purchases)", a.Quartiles)
		}
		q := a.Quartiles[0]
		if q.Period != "2026-01" || q.Members != 22 || math.Abs(q.Median-analytics.Quantile(jan, 0.5)) > 1e-9 ||
			math.Abs(q.P25-analytics.Quantile(jan, 0.25)) > 1e-9 || math.Abs(q.P75-analytics.Quantile(jan, 0.75)) > 1e-9 {
			t.Errorf("January %+v, want 22 members, quartiles %.2f %.2f %.2f", q, analytics.Quantile(jan, 0.25),
				analytics.Quantile(jan, 0.5), analytics.Quantile(jan, 0.75))
		}
		e := c.engine()
		e.K = 30 // more than the chain has
		a, err = e.Ask(ctx, analytics.Query{Kind: analytics.KindDistribution, From: "2026-01", To: "2026-01"}, analyst)
		must(t, err)
		if len(a.Quartiles) != 1 || !a.Quartiles[0].Suppressed || a.Quartiles[0].Median != 0 {
			t.Errorf("with k=30, %+v, want suppressed", a.Quartiles)
		}
	})
}

// TestMembersByLevel: the levels' counts, with the one none-level member
// suppressed and a complement so the total does not give it away; the two
// objectors are fewer than k.
func TestMembersByLevel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		c := newChain(t, open)
		a, err := c.engine().Ask(ctx, analytics.Query{Kind: analytics.KindMembers}, analyst)
		must(t, err)
		hidden := 0
		for _, r := range a.Members {
			switch {
			case r.Level == kori.LevelProduct && !r.Suppressed && r.Members != 14:
				t.Errorf("product: %+v, want 14", r)
			case r.Level == kori.LevelNone && !r.Suppressed, r.Objects == kori.PurposeAnalytics && !r.Suppressed:
				t.Errorf("a group of fewer than 10 is shown: %+v", r)
			}
			if r.Level != "" && r.Suppressed {
				hidden++
			}
		}
		if hidden < 2 {
			t.Errorf("%d levels hidden; one alone is recovered from the total: %+v", hidden, a.Members)
		}
	})
}

// TestQueriesAreLogged: every answer is in the audit log with the key, the
// query, the members who contributed and the cells suppressed.
func TestQueriesAreLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		c := newChain(t, open)
		_, err := c.engine().Ask(ctx, analytics.Query{Kind: analytics.KindFigures, From: "2026-01", To: "2026-02", Dim: kori.DimGroup}, analyst)
		must(t, err)
		evs, err := c.db.AuditEvents(ctx, []string{analytics.AuditKind}, now.Add(-time.Hour), now.Add(time.Hour))
		must(t, err)
		if len(evs) != 1 || evs[0].Detail["key"] != "k1" || evs[0].Detail["members"] != float64(18) ||
			!strings.HasPrefix(fmt.Sprint(evs[0].Detail["query"]), "figures dim=group") || evs[0].Detail["suppressed"].(float64) < 4 {
			t.Errorf("audit log %+v", evs)
		}
	})
}

// TestDifferentialPrivacy: a key held to ε gets noisy answers stating their
// terms, is charged ε per answer, and is refused past its budget.
func TestDifferentialPrivacy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		c := newChain(t, open)
		e := c.engine()
		dp := analyst
		dp.Epsilon, dp.Budget = 1, 2.5
		q := analytics.Query{Kind: analytics.KindFigures, From: "2026-01", To: "2026-02", By: "year"}
		a, err := e.Ask(ctx, q, dp)
		must(t, err)
		if a.DP == nil || a.DP.Cells != 1 || a.DP.ScaleMembers != 2 || a.DP.ScaleSales != 2*analytics.ClipYearEUR || a.DP.Spent != 1 || len(a.Noisy) != 1 {
			t.Fatalf("noisy answer %+v %+v", a.DP, a.Noisy)
		}
		if len(a.Rows) != 0 {
			t.Errorf("exact rows in a noisy answer: %+v", a.Rows)
		}
		_, err = e.Ask(ctx, q, dp)
		must(t, err)
		if _, err := e.Ask(ctx, q, dp); kori.ErrorCode(err) != kori.EFORBIDDEN || !strings.Contains(err.Error(), "budget") {
			t.Errorf("third query past a budget of 2.5: %v", err)
		}
	})
}

// TestLaplaceScale: over many draws with a fixed seed, the noise has mean 0,
// mean absolute deviation b and variance 2b².
func TestLaplaceScale(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const n, b = 200_000, 3.0
	var sum, abs, sq float64
	for range n {
		x := analytics.Laplace(r, b)
		sum += x
		abs += math.Abs(x)
		sq += x * x
	}
	mean, mad, variance := sum/n, abs/n, sq/n-(sum/n)*(sum/n)
	// Standard errors: mean b√2/√n ≈ 0.0095, MAD b/√n ≈ 0.0067, variance ≈ 0.09.
	if math.Abs(mean) > 0.05 || math.Abs(mad-b) > 0.04 || math.Abs(variance-2*b*b) > 0.5 {
		t.Errorf("Laplace(%v): mean %.4f, mean |x| %.4f, variance %.3f; want 0, %v, %v", b, mean, mad, variance, b, 2*b*b)
	}
}

// TestParseQuery: defaults and errors that name the parameter.
func TestParseQuery(t *testing.T) {
	q, err := analytics.ParseQuery(analytics.KindFigures, map[string][]string{}, now, helsinki)
	if err != nil || q.From != "2025-03" || q.To != "2026-02" || q.By != "month" || q.Dim != kori.DimTotal {
		t.Errorf("defaults %+v %v", q, err)
	}
	for field, v := range map[string]map[string][]string{
		"from": {"from": {"2026-13"}}, "to": {"to": {"26-01"}}, "by": {"by": {"week"}}, "dim": {"dim": {"member"}},
	} {
		if _, err := analytics.ParseQuery(analytics.KindFigures, v, now, helsinki); err == nil || !strings.Contains(err.Error(), ": "+field+" ") {
			t.Errorf("%v: %v, want an error naming %s", v, err, field)
		}
	}
}

// TestCitusAggregatesOnShards: on Citus the figures query runs as one task
// per shard with the aggregation on the workers, so that the coordinator only
// adds up the shards' groups (a member lives on one shard, so even the
// distinct members of a cell add up across shards).
func TestCitusAggregatesOnShards(t *testing.T) {
	c := newChain(t, storetest.OpenCitus)
	plan, err := c.db.AnalyticsPlan(ctx, kori.AnalyticsSelect{From: 202601, To: 202602, ByMonth: true, Dim: kori.DimGroup,
		Levels: []kori.Level{kori.LevelProduct, kori.LevelGroup}, ByPeriod: true, ByKey: true})
	must(t, err)
	task := strings.Index(plan, "->  Task")
	if strings.Contains(plan, "Task Count: 1\n") || !strings.Contains(plan, "Task Count: ") || task < 0 || !strings.Contains(plan[task:], "Aggregate") {
		t.Errorf("the figures query is not aggregated on the shards:\n%s", plan)
	}
}
