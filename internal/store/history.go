package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kori-project/kori"
	"golang.org/x/sync/errgroup"
)

// This file holds the reads of a member's own purchase history. Every query
// names the member in its WHERE clause first, so that on Citus each one is
// routed to a single shard and no query can return another member's rows.

const receiptColumns = `receipt_id, member_id, year, store_id, till, receipt_no, business_day, purchased_at, total_cents, grain, kind, original`

func scanReceipt(rows scanner) (kori.ReceiptSummary, error) {
	var r kori.ReceiptSummary
	var grain, kind string
	var at int64
	err := rows.Scan(&r.ID, &r.MemberID, &r.Year, &r.Key.Store, &r.Key.Till, &r.Key.Number, &r.Key.BusinessDay,
		&at, (*int64)(&r.Total), &grain, &kind, &r.Original)
	r.Grain, r.PurchasedAt, r.Kind = kori.Level(grain), fromUnix(at), kori.ReceiptKind(kind)
	return r, err
}

// maxInList bounds the values bound into one IN list of a receipt search.
const maxInList = kori.MaxSearchTerms

// receiptWhere is the WHERE of a member's receipts (alias r) under a
// filter's year and month.
func receiptWhere(id kori.MemberID, f kori.ReceiptFilter) (where string, args []any) {
	where, args = `r.member_id = ?`, []any{id}
	if f.Year > 0 {
		where += ` AND r.year = ?`
		args = append(args, f.Year)
		if f.Month > 0 {
			where += ` AND r.business_day BETWEEN ? AND ?`
			args = append(args, f.Year*10000+f.Month*100, f.Year*10000+f.Month*100+99)
		}
	}
	return where, args
}

// ReceiptsByMember returns a member's receipts, newest first, narrowed by f.
// A search (f.Search) selects receipts from one of f.Stores or holding a line
// of one of f.GTINs or a group sum of one of f.Groups (see searchIDs).
func (db *DB) ReceiptsByMember(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter) ([]kori.ReceiptSummary, error) {
	out, _, err := db.receiptPage(ctx, id, f, false)
	return out, err
}

// SearchReceipts returns the page of the member's receipts that f asks for,
// as ReceiptsByMember does, and how many receipts match f in all, from the
// same reads.
func (db *DB) SearchReceipts(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter) ([]kori.ReceiptSummary, int, error) {
	return db.receiptPage(ctx, id, f, true)
}

// receiptPage reads the page f asks for; count asks for the number of
// receipts that match f in all (a search always has it).
func (db *DB) receiptPage(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter, count bool) ([]kori.ReceiptSummary, int, error) {
	if f.Search {
		matched, err := db.searchIDs(ctx, id, f)
		if err != nil {
			return nil, 0, err
		}
		page := matched[min(max(f.Offset, 0), len(matched)):]
		if f.Limit > 0 {
			page = page[:min(f.Limit, len(page))]
		}
		out, err := db.receiptsByIDs(ctx, id, page)
		return out, len(matched), err
	}
	where, args := receiptWhere(id, f)
	columns := receiptColumnsOf("r")
	if count {
		columns += `, COUNT(*) OVER ()`
	}
	query := `SELECT ` + columns + ` FROM receipts r WHERE ` + where + ` ORDER BY r.purchased_at DESC, r.receipt_id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
		if f.Offset > 0 {
			query += ` OFFSET ?`
			args = append(args, f.Offset)
		}
	}
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []kori.ReceiptSummary
	var found int
	scan := scanner(rows)
	if count {
		scan = withColumn{rows, &found}
	}
	for rows.Next() {
		r, err := scanReceipt(scan)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if count && len(out) == 0 && f.Offset > 0 {
		found, err = db.CountReceipts(ctx, id, f) // a page past the last has no rows to count on
	}
	return out, found, err
}

// receiptRef is a receipt's place in the member's history: enough to find
// its row by the primary key.
type receiptRef struct {
	year  int
	id    int64
	store string // only when a search names stores
}

// searchIDs returns the member's receipts that a search matches, newest
// first: those from one of f.Stores, or holding a line of one of f.GTINs or
// f.Groups or a group sum of one of f.Groups. It reads each table by the
// member's key (the member's receipts' ids and stores, the lines and group
// sums that match) and matches them here. A join of the matching lines to
// the receipts in SQL left the plan to each engine's estimates: on Citus's
// shards it became a nested loop over the member's receipts, 87 ms for one
// member where PostgreSQL's hash join took 7 ms (measured).
//
// The lines are most of the work (every line the member has, some 21,000
// for the heaviest), so they are read by spans of years in searchReaders
// queries at once, each pruned to its own years' partitions, while the
// receipts are read.
func (db *DB) searchIDs(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter) ([]receiptRef, error) {
	bounded := func(values []string) []string { return values[:min(len(values), maxInList)] }
	stores, gtins, groups := bounded(f.Stores), bounded(f.GTINs), bounded(f.Groups)
	if len(stores) == 0 && len(gtins) == 0 && len(groups) == 0 {
		return nil, nil
	}
	var history []receiptRef
	hits := make([][]int64, searchReaders+1)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		history, err = db.receiptRefs(gctx, id, f, len(stores) > 0)
		return err
	})
	if len(gtins) > 0 || len(groups) > 0 {
		var match []string
		var terms []any
		if len(gtins) > 0 {
			match = append(match, `gtin IN (`+valuesList(len(gtins))+`)`)
			terms = append(terms, anys(gtins)...)
		}
		if len(groups) > 0 {
			match = append(match, `group_code IN (`+valuesList(len(groups))+`)`)
			terms = append(terms, anys(groups)...)
		}
		spans := [][2]int{{f.Year, f.Year}}
		if f.Year == 0 {
			spans = yearSpans(db.Clock.Now().Year(), searchReaders)
		}
		for i, span := range spans {
			query := `SELECT DISTINCT receipt_id FROM receipt_lines WHERE member_id = ? AND year BETWEEN ? AND ?
				AND (` + strings.Join(match, ` OR `) + `)`
			args := append([]any{id, span[0], span[1]}, terms...)
			g.Go(func() (err error) {
				hits[i], err = db.receiptIDs(gctx, query, args...)
				return err
			})
		}
	}
	if len(groups) > 0 {
		year, args := ``, []any{id}
		if f.Year > 0 {
			year, args = ` AND year = ?`, append(args, f.Year)
		}
		query := `SELECT DISTINCT receipt_id FROM receipt_groups WHERE member_id = ?` + year + ` AND group_code IN (` + valuesList(len(groups)) + `)`
		g.Go(func() (err error) {
			hits[searchReaders], err = db.receiptIDs(gctx, query, append(args, anys(groups)...)...)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	hit := map[int64]bool{}
	for _, receipts := range hits {
		for _, receipt := range receipts {
			hit[receipt] = true
		}
	}
	out := history[:0]
	for _, r := range history {
		if hit[r.id] || slices.Contains(stores, r.store) {
			out = append(out, r)
		}
	}
	return out, nil
}

// searchReaders is how many queries read a search's lines at once.
const searchReaders = 3

// yearSpans splits the years up to thisYear that retention keeps into n
// spans of years, newest first; the first is open towards the future (a
// purchase dated ahead by a till's clock) and the last towards the past
// (extended retention).
func yearSpans(thisYear, n int) [][2]int {
	var out [][2]int
	for i := range n {
		hi, lo := thisYear-i*kori.RetentionYears/n, thisYear-(i+1)*kori.RetentionYears/n+1
		if i == 0 {
			hi = math.MaxInt32
		}
		if i == n-1 {
			lo = math.MinInt32
		}
		out = append(out, [2]int{lo, hi})
	}
	return out
}

// receiptRefs reads the member's receipts under f's year in history order,
// with their store only when withStore.
func (db *DB) receiptRefs(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter, withStore bool) ([]receiptRef, error) {
	where, args := receiptWhere(id, f)
	store := `''`
	if withStore {
		store = `r.store_id`
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT r.receipt_id, r.year, `+store+` FROM receipts r WHERE `+where+`
		ORDER BY r.purchased_at DESC, r.receipt_id DESC`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var refs []receiptRef
	var ref receiptRef
	for rows.Next() {
		if err := rows.Scan(&ref.id, &ref.year, &ref.store); err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return refs, rows.Err()
}

// receiptIDs runs a query of receipt ids.
func (db *DB) receiptIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	return int64s(db.read.QueryContext(ctx, db.q(query), args...))
}

// receiptsByIDs reads the member's receipts refs names, in the order of
// refs (which is the history's, newest first), maxInList at a time.
func (db *DB) receiptsByIDs(ctx context.Context, member kori.MemberID, refs []receiptRef) ([]kori.ReceiptSummary, error) {
	out := make([]kori.ReceiptSummary, 0, len(refs))
	for len(refs) > 0 {
		chunk := refs[:min(len(refs), maxInList)]
		refs = refs[len(chunk):]
		var years []int
		args := []any{member}
		for _, r := range chunk {
			if !slices.Contains(years, r.year) {
				years = append(years, r.year)
				args = append(args, r.year)
			}
		}
		for _, r := range chunk {
			args = append(args, r.id)
		}
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+receiptColumns+` FROM receipts WHERE member_id = ? AND year IN (`+placeholders(len(years))+`)
			AND receipt_id IN (`+placeholders(len(chunk))+`) ORDER BY purchased_at DESC, receipt_id DESC`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			r, err := scanReceipt(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanner is a row to scan: *sql.Rows, *sql.Row or withColumn.
type scanner interface{ Scan(...any) error }

// withColumn scans one more column after those its caller asks for.
type withColumn struct {
	rows  scanner
	extra any
}

func (w withColumn) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra)...) }

// CountReceipts counts the member's receipts under a filter (its Limit and
// Offset aside), so that a search can say how many it found in all.
func (db *DB) CountReceipts(ctx context.Context, id kori.MemberID, f kori.ReceiptFilter) (int, error) {
	if f.Search {
		matched, err := db.searchIDs(ctx, id, f)
		return len(matched), err
	}
	where, args := receiptWhere(id, f)
	var n int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM receipts r WHERE `+where), args...).Scan(&n)
	return n, err
}

// MatchedLines returns the lines and group sums of the member's receipts
// whose product is one of gtins or whose group is one of groups: why a search
// found each receipt. Lists are bounded like a search's. The receipts' years
// narrow the read to their partitions and to the primary key's prefix
// (member, year, receipt), instead of every line the member has.
func (db *DB) MatchedLines(ctx context.Context, member kori.MemberID, receipts []kori.ReceiptSummary, gtins, groups []string) ([]kori.LineMatch, error) {
	if len(receipts) == 0 || len(gtins) == 0 && len(groups) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(receipts))
	var years []int
	for i, r := range receipts {
		ids[i] = r.ID
		if !slices.Contains(years, r.Year) {
			years = append(years, r.Year)
		}
	}
	gtins, groups = gtins[:min(len(gtins), maxInList)], groups[:min(len(groups), maxInList)]
	var args []any
	add := func(vs ...any) { args = append(args, vs...) }
	idList := func() string {
		add(anys(years)...)
		add(anys(ids)...)
		return placeholders(len(years)) + `) AND receipt_id IN (` + placeholders(len(ids))
	}
	var parts []string
	var match []string
	add(member)
	lines := `SELECT receipt_id, line_no, gtin, group_code FROM receipt_lines WHERE member_id = ? AND year IN (` + idList() + `)`
	if len(gtins) > 0 {
		add(anys(gtins)...)
		match = append(match, `gtin IN (`+valuesList(len(gtins))+`)`)
	}
	if len(groups) > 0 {
		add(anys(groups)...)
		match = append(match, `group_code IN (`+valuesList(len(groups))+`)`)
	}
	parts = append(parts, lines+` AND (`+strings.Join(match, ` OR `)+`)`)
	if len(groups) > 0 {
		add(member)
		sums := `SELECT receipt_id, 0, '', group_code FROM receipt_groups WHERE member_id = ? AND year IN (` + idList() + `)`
		add(anys(groups)...)
		parts = append(parts, sums+` AND group_code IN (`+valuesList(len(groups))+`)`)
	}
	rows, err := db.read.QueryContext(ctx, db.q(strings.Join(parts, ` UNION ALL `)+` ORDER BY 1, 2`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.LineMatch
	for rows.Next() {
		var m kori.LineMatch
		var lineNo int
		if err := rows.Scan(&m.ReceiptID, &lineNo, &m.GTIN, &m.Group); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// receiptColumnsOf is receiptColumns qualified by a table alias.
func receiptColumnsOf(alias string) string {
	cols := strings.Split(receiptColumns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// ReceiptByID returns one of the member's receipts with what its grain kept.
// A receipt of another member is not found, exactly like one that never existed.
func (db *DB) ReceiptByID(ctx context.Context, member kori.MemberID, id int64) (*kori.ReceiptDetail, error) {
	r, err := scanReceipt(db.read.QueryRowContext(ctx, db.q(`SELECT `+receiptColumns+` FROM receipts
		WHERE member_id = ? AND receipt_id = ?`), member, id))
	if err != nil {
		return nil, notFound(err, "receipt not found")
	}
	d := &kori.ReceiptDetail{ReceiptSummary: r}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT kind, gtin, group_code, known, quantity, amount_cents, discount_cents
		FROM receipt_lines WHERE member_id = ? AND receipt_id = ? ORDER BY line_no`), member, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var l kori.StoredLine
		if err := rows.Scan((*string)(&l.Kind), &l.GTIN, &l.Group, &l.Known, &l.Quantity, (*int64)(&l.Amount), (*int64)(&l.Discount)); err != nil {
			return nil, err
		}
		d.Lines = append(d.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	groups, err := db.groupSums(ctx, `member_id = ? AND receipt_id = ?`, member, id)
	d.Groups = groups
	return d, err
}

// RollupsByMember returns a member's monthly rollups in time and group order.
func (db *DB) RollupsByMember(ctx context.Context, id kori.MemberID) ([]kori.MonthRollup, error) {
	return scanRollups(db.read.QueryContext(ctx, db.q(`SELECT year, month, group_code, `+figureList+`
		FROM month_rollups WHERE member_id = ? ORDER BY year, month, group_code`), id))
}

// scanRollups reads rows of year, month, group and the figures.
func scanRollups(rows *sql.Rows, err error) ([]kori.MonthRollup, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.MonthRollup
	// One row to scan into, copied out: a page reads hundreds of rows of
	// thirty columns, and a destination list per row was a fifth of what
	// the member pages allocated.
	var r kori.MonthRollup
	dest := append([]any{&r.Year, &r.Month, &r.Group}, r.Figures.Pointers()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RollupTotals sums a member's monthly rollups in the database, so that a
// page reads tens of rows instead of a row per month and group: by year
// (Month 0, Group ""), by month (Group ""), or by year and group (Month 0).
// years limits the rows to those years; none means every year. Totals by
// month and year come from month_totals, which holds each month's groups
// summed at write time: a member's eleven years are about 130 rows there.
func (db *DB) RollupTotals(ctx context.Context, id kori.MemberID, by kori.RollupGrouping, years ...int) ([]kori.MonthRollup, error) {
	var keys, groupBy string
	table := "month_totals"
	switch by {
	case kori.TotalsByYear:
		keys, groupBy = `year, 0, ''`, `year`
	case kori.TotalsByMonth:
		keys, groupBy = `year, month, ''`, `year, month`
	case kori.TotalsByGroup:
		keys, groupBy, table = `year, 0, group_code`, `year, group_code`, "month_rollups"
	default:
		return nil, kori.Errorf(kori.EINVALID, "unknown rollup grouping %d", by)
	}
	where, args := `member_id = ?`, []any{id}
	if len(years) > 0 {
		where += ` AND year IN (` + placeholders(len(years)) + `)`
		for _, y := range years {
			args = append(args, y)
		}
	}
	if by == kori.TotalsByMonth {
		return scanRollups(db.read.QueryContext(ctx, db.q(`SELECT `+keys+`, `+figureList+` FROM month_totals WHERE `+where+`
			ORDER BY 1, 2`), args...))
	}
	return scanRollups(db.read.QueryContext(ctx, db.q(`SELECT `+keys+`, `+figureSums+` FROM `+table+` WHERE `+where+`
		GROUP BY `+groupBy+` ORDER BY 1, 2, 3`), args...))
}

// figureSums sums every figure column, integer columns as integers in both
// engines (PostgreSQL's SUM of a bigint is a numeric).
var figureSums = func() string {
	sums := make([]string, len(kori.FigureColumns))
	for i, c := range kori.FigureColumns {
		if c == "lines" || strings.HasSuffix(c, "_cents") {
			sums[i] = `CAST(SUM(` + c + `) AS BIGINT)`
		} else {
			sums[i] = `SUM(` + c + `)`
		}
	}
	return strings.Join(sums, ", ")
}()

// StoreMonthsByMember returns the member's receipts counted and summed per
// store and month, in time and store order. Receipts are kept at every grain
// but none, so this is the one analysis a total-level member has.
func (db *DB) StoreMonthsByMember(ctx context.Context, id kori.MemberID) ([]kori.StoreMonth, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT year, (business_day / 100) % 100 AS month, store_id, COUNT(*), SUM(total_cents)
		FROM receipts WHERE member_id = ? GROUP BY year, (business_day / 100) % 100, store_id ORDER BY 1, 2, 3`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.StoreMonth
	for rows.Next() {
		var s kori.StoreMonth
		if err := rows.Scan(&s.Year, &s.Month, &s.Store, &s.Receipts, (*int64)(&s.Amount)); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ProductsByMember returns what the member bought of each product in a year
// (every year when year is 0), largest amount first. Only product-level
// receipts have products.
func (db *DB) ProductsByMember(ctx context.Context, id kori.MemberID, year int) ([]kori.ProductSum, error) {
	where, args := `member_id = ?`, []any{id}
	if year > 0 {
		where, args = where+` AND year = ?`, append(args, year)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT gtin, COUNT(*), SUM(quantity), SUM(amount_cents)
		FROM receipt_lines WHERE `+where+` AND kind = 'product' GROUP BY gtin ORDER BY 4 DESC, 1`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.ProductSum
	for rows.Next() {
		var p kori.ProductSum
		if err := rows.Scan(&p.GTIN, &p.Lines, &p.Quantity, (*int64)(&p.Amount)); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// HeldData counts what is stored about the member's purchases.
func (db *DB) HeldData(ctx context.Context, id kori.MemberID) (kori.DataHeld, error) {
	var h kori.DataHeld
	var first, last sql.NullInt64
	// One statement (on Citus one query routed to the member's shard), not
	// one a table.
	err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*), MIN(purchased_at), MAX(purchased_at),
		(SELECT COUNT(*) FROM receipt_lines WHERE member_id = ?),
		(SELECT COUNT(*) FROM receipt_groups WHERE member_id = ?),
		(SELECT COUNT(*) FROM month_rollups WHERE member_id = ?)
		FROM receipts WHERE member_id = ?`), id, id, id, id).
		Scan(&h.Receipts, &first, &last, &h.Lines, &h.GroupSums, &h.Rollups)
	if err != nil {
		return h, err
	}
	h.First, h.Last = fromUnix(first.Int64), fromUnix(last.Int64)
	return h, nil
}

// GroupSumsByMember returns the group sums of a member's group-level receipts.
func (db *DB) GroupSumsByMember(ctx context.Context, id kori.MemberID) ([]kori.GroupSum, error) {
	return db.groupSums(ctx, `member_id = ?`, id)
}

func (db *DB) groupSums(ctx context.Context, where string, args ...any) ([]kori.GroupSum, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT group_code, `+figureList+`
		FROM receipt_groups WHERE `+where+` ORDER BY receipt_id, group_code`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.GroupSum
	var g kori.GroupSum
	dest := append([]any{&g.Group}, g.Figures.Pointers()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// LinesByMember returns a member's product lines with their receipt ids,
// in receipt and line order.
func (db *DB) LinesByMember(ctx context.Context, id kori.MemberID) ([]kori.LineOfReceipt, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT receipt_id, kind, gtin, group_code, known, quantity, amount_cents, discount_cents
		FROM receipt_lines WHERE member_id = ? ORDER BY receipt_id, line_no`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.LineOfReceipt
	for rows.Next() {
		var l kori.LineOfReceipt
		if err := rows.Scan(&l.ReceiptID, (*string)(&l.Kind), &l.GTIN, &l.Group, &l.Known, &l.Quantity, (*int64)(&l.Amount), (*int64)(&l.Discount)); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// GroupSumsOfReceipts returns a member's group sums with their receipt ids,
// for the export.
func (db *DB) GroupSumsOfReceipts(ctx context.Context, id kori.MemberID) ([]kori.GroupSumOfReceipt, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT receipt_id, group_code, `+figureList+`
		FROM receipt_groups WHERE member_id = ? ORDER BY receipt_id, group_code`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.GroupSumOfReceipt
	var g kori.GroupSumOfReceipt
	dest := append([]any{&g.ReceiptID, &g.Group}, g.Figures.Pointers()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// CardsOf returns a member's cards.
func (db *DB) CardsOf(ctx context.Context, id kori.MemberID) ([]kori.Card, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT card_number, status, closed_at FROM cards WHERE member_id = ? ORDER BY card_number`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.Card
	for rows.Next() {
		c := kori.Card{MemberID: id}
		var status string
		var closed int64
		if err := rows.Scan(&c.Number, &status, &closed); err != nil {
			return nil, err
		}
		c.Status, c.ClosedAt = kori.CardStatus(status), fromUnix(closed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CheckTotals compares month_totals with month_rollups summed by month and
// names the first months that differ. month_totals is written beside the
// rollups on every path that changes them; the tests run this after each
// store test, so that a path that forgets it fails there and not on a
// member's page.
func (db *DB) CheckTotals(ctx context.Context) error {
	type key struct {
		member      kori.MemberID
		year, month int
	}
	read := func(query string) (map[key]kori.Figures, error) {
		rows, err := db.read.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[key]kori.Figures{}
		var k key
		var f kori.Figures
		dest := append([]any{&k.member, &k.year, &k.month}, f.Pointers()...)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return nil, err
			}
			out[k] = f
		}
		return out, rows.Err()
	}
	want, err := read(`SELECT member_id, year, month, ` + figureSums + ` FROM month_rollups GROUP BY member_id, year, month`)
	if err != nil {
		return err
	}
	got, err := read(`SELECT member_id, year, month, ` + figureList + ` FROM month_totals`)
	if err != nil {
		return err
	}
	var bad []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			bad = append(bad, fmt.Sprintf("member %d %d-%02d: no total", k.member, k.year, k.month))
		} else if !sameFigures(g, w) {
			bad = append(bad, fmt.Sprintf("member %d %d-%02d: total %+v, rollups sum to %+v", k.member, k.year, k.month, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			bad = append(bad, fmt.Sprintf("member %d %d-%02d: a total without rollups", k.member, k.year, k.month))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return fmt.Errorf("%d months of month_totals disagree with month_rollups: %s", len(bad), strings.Join(bad[:min(2, len(bad))], "; "))
}

// sameFigures compares figures exactly where they are integers and to a
// billionth where they are sums of floating-point values, which differ in
// their last bits when summed in another order.
func sameFigures(a, b kori.Figures) bool {
	av, bv := a.Values(), b.Values()
	for i := range av {
		x, isFloat := av[i].(float64)
		if !isFloat {
			if av[i] != bv[i] {
				return false
			}
			continue
		}
		y := bv[i].(float64)
		if math.Abs(x-y) > 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) {
			return false
		}
	}
	return true
}
