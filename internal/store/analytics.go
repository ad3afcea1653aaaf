package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/kori-project/kori"
)

// The chain's analytics read sums over many members. Each query joins the
// purchase table with members on member_id, which on Citus is co-located, so
// every shard aggregates its own members and the coordinator only adds up
// the shards' groups. Members who object to analytics are left out by the
// join's filter at the moment of the query: an objection counts from the
// next query on.

// analyticsFilter is the members' part of every analytics query.
func analyticsFilter(levels []kori.Level) (string, []any) {
	args := []any{false}
	for _, l := range levels {
		args = append(args, string(l))
	}
	return `m.objects_analytics = ? AND m.level IN (` + placeholders(len(levels)) + `)`, args
}

// AnalyticsCells sums the purchases of the selected members into cells by
// period and key, counting the distinct members of each cell. The rollup
// dimensions read month_totals (total) or month_rollups (group); store and city read receipt
// totals, which also give the number of sales receipts.
func (db *DB) AnalyticsCells(ctx context.Context, sel kori.AnalyticsSelect) ([]kori.AnalyticsCell, error) {
	if len(sel.Levels) == 0 {
		return nil, nil
	}
	q, args, err := analyticsQuery(sel)
	if err != nil {
		return nil, err
	}
	cells, err := db.analyticsCells(ctx, q, args)
	if err != nil || sel.Dim != kori.DimTotal {
		return cells, err
	}
	// The total dimension also counts receipts, from the receipt table
	// (rollups have no receipts).
	members, margs := analyticsFilter(sel.Levels)
	receipts, err := db.analyticsCells(ctx, receiptCells(sel, members), append(receiptArgs(sel), margs...))
	if err != nil {
		return nil, err
	}
	n := map[int]int64{}
	for _, c := range receipts {
		n[c.Period] = c.Receipts
	}
	for i := range cells {
		cells[i].Receipts = n[cells[i].Period]
	}
	return cells, nil
}

// AnalyticsPlan is the database's plan of the select's main query, for
// operators (kori analytics --explain) and for the test that the
// aggregation runs on Citus's shards.
func (db *DB) AnalyticsPlan(ctx context.Context, sel kori.AnalyticsSelect) (string, error) {
	q, args, err := analyticsQuery(sel)
	if err != nil {
		return "", err
	}
	explain := `EXPLAIN `
	if db.d.name() == "sqlite" {
		explain = `EXPLAIN QUERY PLAN `
	}
	rows, err := db.read.QueryContext(ctx, db.q(explain+q), args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintln(&out, vals[len(vals)-1])
	}
	return out.String(), rows.Err()
}

// analyticsQuery is the query of the select's cells: rollups for the total
// and group dimensions, receipt totals for store and city.
func analyticsQuery(sel kori.AnalyticsSelect) (string, []any, error) {
	if sel.From > sel.To || sel.From < 100001 || sel.To > 999912 {
		return "", nil, kori.Errorf(kori.EINVALID, "analytics months %d–%d out of range", sel.From, sel.To)
	}
	members, margs := analyticsFilter(sel.Levels)
	switch sel.Dim {
	case kori.DimTotal, kori.DimGroup:
		period := `0`
		if sel.ByPeriod {
			period = `r.year`
			if sel.ByMonth {
				period = `r.year * 100 + r.month`
			}
		}
		key, table := analyticsSource(sel)
		// A member has one rollup row a month and group, and one total row
		// a month, so in cells by month (and group) each row is a distinct
		// member: no DISTINCT (a sort of every row).
		count := `COUNT(DISTINCT r.member_id)`
		if sel.ByPeriod && sel.ByMonth && (table == "month_totals" || sel.ByKey && sel.Dim == kori.DimGroup) {
			count = `COUNT(*)`
		}
		sums := figureSums
		if sel.CountsOnly {
			sums = zeroFigures
		}
		return `SELECT ` + period + `, ` + key + `, ` + count + `, 0, ` + sums + `
			FROM ` + table + ` r JOIN members m ON m.member_id = r.member_id
			WHERE r.year BETWEEN ? AND ? AND r.year * 100 + r.month BETWEEN ? AND ? AND ` + members + `
			GROUP BY 1, 2 ORDER BY 1, 2`, append([]any{sel.From / 100, sel.To / 100, sel.From, sel.To}, margs...), nil
	case kori.DimStore, kori.DimCity:
		return receiptCells(sel, members), append(receiptArgs(sel), margs...), nil
	}
	return "", nil, kori.Errorf(kori.EINVALID, "unknown analytics dimension %q", sel.Dim)
}

// analyticsSource returns the cell key of a rollup dimension and the table to
// read: the monthly totals (one row a member and month) unless the cells
// are by product group, which only the rollups have.
func analyticsSource(sel kori.AnalyticsSelect) (key, table string) {
	if sel.ByKey && sel.Dim == kori.DimGroup {
		return `r.group_code`, "month_rollups"
	}
	return `''`, "month_totals"
}

// zeroFigures stands for the figure columns where only counts are asked.
var zeroFigures = strings.TrimSuffix(strings.Repeat("0, ", len(kori.FigureColumns)), ", ")

// receiptCells is the query of receipt totals by period and store or city.
func receiptCells(sel kori.AnalyticsSelect, members string) string {
	period := `0`
	if sel.ByPeriod {
		period = `r.year`
		if sel.ByMonth {
			period = `r.business_day / 100`
		}
	}
	key, join := `''`, ``
	if sel.ByKey {
		switch sel.Dim {
		case kori.DimStore:
			key = `r.store_id`
		case kori.DimCity:
			key, join = `COALESCE(s.city, '')`, ` LEFT JOIN stores s ON s.store_id = r.store_id`
		}
	}
	// The figures are only the money: receipts carry their total alone.
	zeros := ""
	for range kori.FigureColumns[2:] {
		zeros += ", 0"
	}
	money := `CAST(SUM(CASE WHEN r.kind = 'sale' THEN 1 ELSE 0 END) AS BIGINT), 0, CAST(SUM(r.total_cents) AS BIGINT)`
	if sel.CountsOnly {
		money = `0, 0, 0`
	}
	return `SELECT ` + period + `, ` + key + `, COUNT(DISTINCT r.member_id), ` + money + zeros + `
		FROM receipts r JOIN members m ON m.member_id = r.member_id` + join + `
		WHERE r.year BETWEEN ? AND ? AND r.business_day BETWEEN ? AND ? AND ` + members + `
		GROUP BY 1, 2 ORDER BY 1, 2`
}

func receiptArgs(sel kori.AnalyticsSelect) []any {
	return []any{sel.From / 100, sel.To / 100, sel.From*100 + 1, sel.To*100 + 31}
}

func (db *DB) analyticsCells(ctx context.Context, q string, args []any) ([]kori.AnalyticsCell, error) {
	rows, err := db.read.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.AnalyticsCell
	var c kori.AnalyticsCell
	dest := append([]any{&c.Period, &c.Key, &c.Members, &c.Receipts}, c.Figures.Pointers()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MemberCells streams each selected member's sums per period (month or
// year), and per group when the select is by group, in period order and
// without the member's identifier: for the distributions (quartiles of
// members' spending, shares and intensities) and for clipping each member's
// contribution under differential privacy. The rows stay inside the process.
func (db *DB) MemberCells(ctx context.Context, sel kori.AnalyticsSelect, fn func(kori.MemberCell) error) error {
	if len(sel.Levels) == 0 {
		return nil
	}
	members, margs := analyticsFilter(sel.Levels)
	period := `r.year`
	if sel.ByMonth {
		period = `r.year * 100 + r.month`
	}
	key, table := analyticsSource(sel)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+period+`, `+key+`, `+figureSums+`
		FROM `+table+` r JOIN members m ON m.member_id = r.member_id
		WHERE r.year BETWEEN ? AND ? AND r.year * 100 + r.month BETWEEN ? AND ? AND `+members+`
		GROUP BY r.member_id, 1, 2 ORDER BY 1, 2`), append([]any{sel.From / 100, sel.To / 100, sel.From, sel.To}, margs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var c kori.MemberCell
	dest := append([]any{&c.Period, &c.Key}, c.Figures.Pointers()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// MemberCounts counts the members by level and objections now.
func (db *DB) MemberCounts(ctx context.Context) ([]kori.MemberCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT level, objects_analytics, objects_personalisation, COUNT(*)
		FROM members GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.MemberCount
	for rows.Next() {
		var c kori.MemberCount
		if err := rows.Scan(&c.Level, &c.ObjectsAnalytics, &c.ObjectsPersonalisation, &c.Members); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
