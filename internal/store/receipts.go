package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kori-project/kori"
	"golang.org/x/sync/errgroup"
)

var figureList = strings.Join(kori.FigureColumns, ", ")

// rollupConflict and totalsConflict add a batch's figures to the rollup
// and total rows that exist.
var (
	rollupConflict = addingOnConflict("month_rollups", "member_id, year, month, group_code")
	totalsConflict = addingOnConflict("month_totals", "member_id, year, month")
)

func addingOnConflict(table, key string) string {
	sets := make([]string, len(kori.FigureColumns))
	for i, c := range kori.FigureColumns {
		sets[i] = c + " = " + table + "." + c + " + excluded." + c
	}
	return `ON CONFLICT (` + key + `) DO UPDATE SET ` + strings.Join(sets, ", ")
}

// rollupColumns and totalsColumns are the columns of month_rollups and
// month_totals in the order the writes give them.
var (
	rollupColumns = append([]string{"member_id", "year", "month", "group_code"}, kori.FigureColumns...)
	totalsColumns = append([]string{"member_id", "year", "month"}, kori.FigureColumns...)
)

// The columns of the tables a batch of receipts writes, in the order the
// writes give them, and the receipts' conflict clause (a receipt already
// stored is left as it is; RETURNING tells which were new). The clause
// names the natural key, so that PostgreSQL checks that index alone before
// each insert, not the primary key too, whose ids are new: 0.74–0.78 s
// against 0.65–0.67 s for 100,000 receipts.
var (
	receiptWriteColumns = []string{"member_id", "receipt_id", "year", "store_id", "till", "receipt_no", "business_day", "purchased_at",
		"total_cents", "grain", "kind", "original", "eligible_cents"}
	lineColumns = []string{"member_id", "receipt_id", "line_no", "year", "kind", "gtin",
		"group_code", "known", "quantity", "amount_cents", "discount_cents"}
	groupColumns = append([]string{"member_id", "receipt_id", "group_code", "year"}, kori.FigureColumns...)
)

const receiptConflict = `ON CONFLICT (member_id, year, store_id, till, business_day, receipt_no) DO NOTHING RETURNING receipt_id`

// prepareWrites prepares, once, the full-size statements a batch of
// receipts writes with where the engine binds rows (SQLite; see
// prepareBulk). A failure leaves each transaction to prepare its own, which
// reports the error.
func (db *DB) prepareWrites(ctx context.Context) {
	if db.d.canBulkLoad() {
		return // PostgreSQL loads with COPY and column arrays
	}
	db.writesPrepared.Do(func() {
		for _, t := range []struct {
			table string
			cols  []string
			tail  string
		}{
			{"receipts", receiptWriteColumns, receiptConflict},
			{"receipt_lines", lineColumns, ""},
			{"receipt_groups", groupColumns, ""},
			{"month_rollups", rollupColumns, rollupConflict},
			{"month_totals", totalsColumns, totalsConflict},
		} {
			if err := db.prepareBulk(ctx, t.table, t.cols, t.tail); err != nil {
				return
			}
		}
	})
}

type rollupKey struct {
	member      kori.MemberID
	year, month int
	group       string
}

// WriteReceipts stores receipts already reduced to their members' grain, in one
// transaction: the receipts, their lines or group sums, the monthly rollups,
// and the last use of each card. A receipt already stored (same member, store,
// till, business day and number) is left as it is, so re-sending a batch
// converges to the same state.
func (db *DB) WriteReceipts(ctx context.Context, rs []kori.StoredReceipt) ([]kori.WriteOutcome, error) {
	out := make([]kori.WriteOutcome, len(rs))
	var years []int
	seenYear := map[int]bool{}
	for i := range rs {
		if y := rs[i].Year; !seenYear[y] && rs[i].Grain != kori.LevelNone && rs[i].Kind != kori.KindVoid {
			seenYear[y] = true
			years = append(years, y)
		}
	}
	if err := db.d.ensureYears(ctx, db.write, years); err != nil {
		return nil, err
	}
	db.prepareWrites(ctx)
	err := db.inConnTx(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
		n := 0
		for i := range rs {
			if rs[i].Grain != kori.LevelNone && rs[i].Kind != kori.KindVoid {
				n++
			}
		}
		var ids []int64
		if n > 0 {
			var err error
			if ids, err = db.allocIDs(ctx, tx, "receipt", n); err != nil {
				return err
			}
		}
		w, err := db.prepareWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		lines := db.newBulkInsert(tx, "receipt_lines", lineColumns, "").withBulkLoad(conn)
		defer lines.close()
		groups := db.newBulkInsert(tx, "receipt_groups", groupColumns, "").withBulkLoad(conn)
		defer groups.close()
		// Receipts first, many per statement; RETURNING tells which were new.
		var todo []pending
		lastUse := map[kori.MemberID]int64{}
		type card struct {
			member kori.MemberID
			number string
		}
		cardUse := map[card]int64{}
		var voids []int
		for i := range rs {
			r := &rs[i]
			if r.Kind == kori.KindVoid {
				voids = append(voids, i)
				continue
			}
			at := r.PurchasedAt.Unix()
			lastUse[r.MemberID] = max(lastUse[r.MemberID], at)
			cardUse[card{r.MemberID, r.Card}] = max(cardUse[card{r.MemberID, r.Card}], at)
			if r.Grain == kori.LevelNone {
				out[i] = kori.CardUse
				continue
			}
			out[i] = kori.Duplicate
			todo = append(todo, pending{i, ids[len(todo)]})
		}
		copied := false
		if db.d.canBulkLoad() && len(todo) > 0 {
			var err error
			if copied, err = db.copyNewReceipts(ctx, conn, tx, rs, todo, out); err != nil {
				return err
			}
		}
		byID := make(map[int64]int, len(todo))
		// Where COPY did not (SQLite, or a batch that kept meeting other
		// writers): plain PostgreSQL takes the batch's receipts in one
		// statement of column arrays; Citus routes multi-row VALUES to the
		// shards (see withBulkLoad) and SQLite binds them, 200 a statement.
		arrays := db.d.canBulkLoad() && !db.citus
		ins := db.newBulkInsert(tx, "receipts", receiptWriteColumns, receiptConflict)
		defer ins.close()
		perStmt := ins.perStmt
		if arrays {
			perStmt = max(1, len(todo))
		}
		for start := 0; !copied && start < len(todo); start += perStmt {
			chunk := todo[start:min(start+perStmt, len(todo))]
			values := make([][]any, 0, len(chunk))
			for _, p := range chunk {
				byID[p.id] = p.i
				v := make(boxed, 0, len(receiptWriteColumns))
				writeReceipt(&v, &rs[p.i], p.id)
				values = append(values, v)
			}
			var rows *sql.Rows
			var err error
			if arrays {
				q, args, uerr := unnestInsert("receipts", receiptWriteColumns, values, receiptConflict)
				if uerr != nil {
					return uerr
				}
				rows, err = tx.QueryContext(ctx, q, args...)
			} else {
				args := make([]any, 0, len(values)*len(receiptWriteColumns))
				for _, v := range values {
					args = append(args, v...)
				}
				if len(chunk) == ins.perStmt {
					var full *sql.Stmt
					if full, err = ins.fullStmt(ctx); err != nil {
						return err
					}
					rows, err = full.QueryContext(ctx, args...)
				} else {
					rows, err = tx.QueryContext(ctx, ins.query(len(chunk)), args...)
				}
			}
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				out[byID[id]] = kori.Stored
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		rollups := map[rollupKey]*kori.Figures{}
		var order []rollupKey
		var sums kori.GroupSums
		for _, p := range todo {
			r := &rs[p.i]
			if out[p.i] != kori.Stored {
				continue
			}
			id := p.id
			switch r.Grain {
			case kori.LevelProduct:
				for j, l := range r.Lines {
					kind := l.Kind
					if kind == "" {
						kind = kori.LineProduct
					}
					if err := lines.addRow(ctx, func(w row) {
						w.int(int64(r.MemberID))
						w.int(id)
						w.int(int64(j + 1))
						w.int(int64(r.Year))
						w.text(string(kind))
						w.text(l.GTIN)
						w.text(l.Group)
						w.boolean(l.Known)
						w.float(l.Quantity)
						w.int(int64(l.Amount))
						w.int(int64(l.Discount))
					}); err != nil {
						return err
					}
				}
			case kori.LevelGroup:
				for _, g := range r.Groups {
					args := append([]any{int64(r.MemberID), id, g.Group, r.Year}, g.Figures.Values()...)
					if err := groups.add(ctx, args...); err != nil {
						return err
					}
				}
			}
			for _, g := range r.GroupFiguresIn(&sums) {
				k := rollupKey{r.MemberID, r.Year, r.Month, g.Group}
				f, ok := rollups[k]
				if !ok {
					f = &kori.Figures{}
					rollups[k] = f
					order = append(order, k)
				}
				f.Add(g.Figures)
			}
		}
		if err := lines.flush(ctx); err != nil {
			return err
		}
		if err := groups.flush(ctx); err != nil {
			return err
		}
		if err := db.writeRollups(ctx, conn, tx, order, rollups); err != nil {
			return err
		}
		// In member and card order, so that concurrent batches lock the
		// same rows in the same order.
		members := slices.Sorted(maps.Keys(lastUse))
		cards := slices.SortedFunc(maps.Keys(cardUse), func(a, b card) int {
			return cmp.Or(cmp.Compare(a.member, b.member), strings.Compare(a.number, b.number))
		})
		if db.d.canBulkLoad() {
			// PostgreSQL: one statement each instead of a round trip a
			// row. The member_id = ANY lets Citus send it only to the
			// shards that hold the batch's members: joined to unnest
			// alone it went to all 32, and took 54 ms a batch.
			ids, ats := make([]int64, len(members)), make([]int64, len(members))
			for i, m := range members {
				ids[i], ats[i] = int64(m), lastUse[m]
			}
			if _, err := tx.ExecContext(ctx, `UPDATE members m SET last_card_use = GREATEST(m.last_card_use, v.at), data_version = m.data_version + 1
				FROM unnest($1::bigint[], $2::bigint[]) AS v(id, at) WHERE m.member_id = v.id AND m.member_id = ANY($1::bigint[])`, ids, ats); err != nil {
				return err
			}
			ids, ats = ids[:0], ats[:0]
			numbers := make([]string, 0, len(cards))
			for _, c := range cards {
				ids, numbers, ats = append(ids, int64(c.member)), append(numbers, c.number), append(ats, cardUse[c])
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cards c SET last_used = GREATEST(c.last_used, v.at)
				FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS v(id, number, at) WHERE c.member_id = v.id AND c.card_number = v.number
				AND c.member_id = ANY($1::bigint[])`,
				ids, numbers, ats); err != nil {
				return err
			}
		} else {
			// SQLite: prepared statements cost no round trip.
			for _, m := range members {
				if _, err := w.memberUse.ExecContext(ctx, lastUse[m], lastUse[m], m); err != nil {
					return err
				}
			}
			for _, c := range cards {
				if _, err := w.cardUse.ExecContext(ctx, cardUse[c], cardUse[c], c.member, c.number); err != nil {
					return err
				}
			}
		}
		if len(voids) > 0 {
			// A void rebuilds its month from the catalogue: read it once per batch.
			cat, err := db.Catalogue(ctx)
			if err != nil {
				return err
			}
			for _, i := range voids {
				if out[i], err = db.void(ctx, tx, &rs[i], cat); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// monthKey names one member's month.
type monthKey struct {
	member      kori.MemberID
	year, month int
}

// writeRollups adds a batch's figures to month_rollups, a row a member,
// month and group, and their sums to month_totals, in key order, so that
// concurrent batches that add to the same rows lock them in the same order
// and cannot deadlock.
//
// On PostgreSQL and Citus a month that has no total yet has no rollups
// either (both are written in the same transactions), so its rows are new
// and go in by COPY: half the server's work of an upsert, which a bulk
// import of a member's history spends mostly on such months (measured).
// The months that exist are upserted. Should another transaction add one
// of the new months meanwhile, the COPY fails on the unique key (or,
// rarely, the two meet in a deadlock); the rows are written again from a
// savepoint, with the months that now exist upserted, and after three
// tries all upserted. SQLite binds every row and upserts everything.
func (db *DB) writeRollups(ctx context.Context, conn *sql.Conn, tx *sql.Tx, order []rollupKey, rollups map[rollupKey]*kori.Figures) error {
	slices.SortFunc(order, func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.member, b.member), cmp.Compare(a.year, b.year), cmp.Compare(a.month, b.month), strings.Compare(a.group, b.group))
	})
	if len(order) == 0 || !db.d.canBulkLoad() {
		return db.addRollups(ctx, conn, tx, order, rollups, nil)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		held, err := db.heldMonths(ctx, tx, order)
		if err != nil {
			return err
		}
		wrote, err := inSavepoint(ctx, tx, db.beforeNewMonths, func() error {
			return db.addRollups(ctx, conn, tx, order, rollups, held)
		})
		if wrote || err != nil {
			return err
		}
	}
	return db.addRollups(ctx, conn, tx, order, rollups, nil)
}

// heldMonths returns which of the months of order (sorted) have a row in
// month_totals: one index probe a month.
func (db *DB) heldMonths(ctx context.Context, tx *sql.Tx, order []rollupKey) (map[monthKey]bool, error) {
	var members, years, months []int64
	for i, k := range order {
		if i == 0 || k.member != order[i-1].member || k.year != order[i-1].year || k.month != order[i-1].month {
			members, years, months = append(members, int64(k.member)), append(years, int64(k.year)), append(months, int64(k.month))
		}
	}
	// LATERAL … LIMIT 1 keeps this an index probe a month whatever the
	// table's size: as a join, a table of a few thousand months was
	// scanned whole into a hash (measured 4.5 ms against 0.2 ms). Citus
	// cannot join a distributed table to a local function so; it is asked
	// for the batch's members' rows in the batch's years and months, one
	// task a shard that holds one of the members, and the months that
	// were not asked for are left out here.
	query := `SELECT v.member_id, v.year, v.month
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(member_id, year, month)
		CROSS JOIN LATERAL (SELECT 1 FROM month_totals t
			WHERE t.member_id = v.member_id AND t.year = v.year AND t.month = v.month LIMIT 1) AS held`
	if db.citus {
		query = `SELECT member_id, year, month FROM month_totals
			WHERE member_id = ANY($1::bigint[]) AND year = ANY($2::bigint[]) AND month = ANY($3::bigint[])`
	}
	asked := make(map[monthKey]bool, len(members))
	for i := range members {
		asked[monthKey{kori.MemberID(members[i]), int(years[i]), int(months[i])}] = true
	}
	rows, err := tx.QueryContext(ctx, query, members, years, months)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	held := map[monthKey]bool{}
	for rows.Next() {
		var k monthKey
		if err := rows.Scan(&k.member, &k.year, &k.month); err != nil {
			return nil, err
		}
		held[k] = asked[k]
	}
	return held, rows.Err()
}

// addRollups writes the rows of order (sorted); those of the months in held
// are added to the rows that exist, the others inserted as new. With held
// nil, every row is added (upserted).
func (db *DB) addRollups(ctx context.Context, conn *sql.Conn, tx *sql.Tx, order []rollupKey, rollups map[rollupKey]*kori.Figures, held map[monthKey]bool) error {
	upRollups := db.newBulkInsert(tx, "month_rollups", rollupColumns, rollupConflict).withBulkLoad(conn)
	defer upRollups.close()
	upTotals := db.newBulkInsert(tx, "month_totals", totalsColumns, totalsConflict).withBulkLoad(conn)
	defer upTotals.close()
	newRollups, newTotals := upRollups, upTotals
	if held != nil {
		newRollups = db.newBulkInsert(tx, "month_rollups", rollupColumns, "").withBulkLoad(conn)
		defer newRollups.close()
		newTotals = db.newBulkInsert(tx, "month_totals", totalsColumns, "").withBulkLoad(conn)
		defer newTotals.close()
	}
	// The month's total is the sum of its groups, which the order keeps
	// together.
	var month kori.Figures
	for i, k := range order {
		rs, ts := newRollups, newTotals
		if held == nil || held[monthKey{k.member, k.year, k.month}] {
			rs, ts = upRollups, upTotals
		}
		if err := rs.addRow(ctx, func(w row) {
			w.int(int64(k.member))
			w.int(int64(k.year))
			w.int(int64(k.month))
			w.text(k.group)
			writeFigures(w, rollups[k])
		}); err != nil {
			return err
		}
		month.Add(*rollups[k])
		if next := i + 1; next == len(order) || order[next].member != k.member || order[next].year != k.year || order[next].month != k.month {
			if err := ts.addRow(ctx, func(w row) {
				w.int(int64(k.member))
				w.int(int64(k.year))
				w.int(int64(k.month))
				writeFigures(w, &month)
			}); err != nil {
				return err
			}
			month = kori.Figures{}
		}
	}
	for _, b := range []*bulkInsert{newRollups, upRollups, newTotals, upTotals} {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// pending is a receipt of a batch to store: its place in the batch and
// the id drawn for it.
type pending struct {
	i  int
	id int64
}

// writeReceipt writes r's row of receipts, stored under id, in
// receiptWriteColumns order.
func writeReceipt(w row, r *kori.StoredReceipt, id int64) {
	kind := r.Kind
	if kind == "" {
		kind = kori.KindSale
	}
	w.int(int64(r.MemberID))
	w.int(id)
	w.int(int64(r.Year))
	w.text(r.Key.Store)
	w.int(int64(r.Key.Till))
	w.text(r.Key.Number)
	w.int(int64(r.Key.BusinessDay))
	w.int(r.PurchasedAt.Unix())
	w.int(int64(r.Total))
	w.text(string(r.Grain))
	w.text(string(kind))
	w.text(r.Original)
	w.int(int64(r.Eligible))
}

// receiptKey is a receipt's natural key, which the till gives it.
type receiptKey struct {
	member kori.MemberID
	year   int
	store  string
	till   int
	day    int
	number string
}

// copyNewReceipts writes the receipts of todo that are not stored yet by
// COPY and marks them stored in out (PostgreSQL and Citus): 0.54 s against
// 0.70–0.74 s for the upsert of 100,000 receipts, the held ones' lookup
// included. Which are held is looked up by their natural key first; a
// receipt that appears twice in the batch is written once. Should another
// writer store one of them meanwhile, the COPY fails on the key and is
// tried again from a savepoint; after three tries copyNewReceipts reports
// false and leaves out alone, for the upsert to write them.
func (db *DB) copyNewReceipts(ctx context.Context, conn *sql.Conn, tx *sql.Tx, rs []kori.StoredReceipt, todo []pending, out []kori.WriteOutcome) (bool, error) {
	keys := make([]receiptKey, len(todo))
	for n, p := range todo {
		r := &rs[p.i]
		keys[n] = receiptKey{r.MemberID, r.Year, r.Key.Store, r.Key.Till, r.Key.BusinessDay, r.Key.Number}
	}
	for attempt := 1; attempt <= 3; attempt++ {
		held, err := db.heldReceipts(ctx, tx, keys)
		if err != nil {
			return false, err
		}
		load := newCopyRows(len(receiptWriteColumns))
		var fresh []int
		for n, p := range todo {
			if held[keys[n]] {
				continue
			}
			held[keys[n]] = true // a second copy in the batch is a duplicate
			fresh = append(fresh, p.i)
			load.begin()
			writeReceipt(load, &rs[p.i], p.id)
			if err := load.end(); err != nil {
				return false, fmt.Errorf("receipts: %w", err)
			}
		}
		if len(fresh) == 0 {
			return true, nil
		}
		wrote, err := inSavepoint(ctx, tx, db.beforeNewReceipts, func() error {
			return db.d.bulkLoad(ctx, conn, "receipts", receiptWriteColumns, load)
		})
		if err != nil {
			return false, err
		}
		if wrote {
			for _, i := range fresh {
				out[i] = kori.Stored
			}
			return true, nil
		}
	}
	return false, nil
}

// inSavepoint runs write from a savepoint and tells whether it wrote.
// When write met another transaction's rows (isWriteConflict), its work is
// rolled back to the savepoint and inSavepoint reports false with no
// error, for the caller to look again. hook, set only by tests, runs
// first.
func inSavepoint(ctx context.Context, tx *sql.Tx, hook func(), write func() error) (bool, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT new_rows`); err != nil {
		return false, err
	}
	if hook != nil {
		hook()
	}
	err := write()
	if err == nil {
		_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT new_rows`)
		return err == nil, err
	}
	if !isWriteConflict(err) {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT new_rows`)
	return false, err
}

// heldReceipts returns which of keys are stored: on PostgreSQL one probe
// of the natural key's index each; on Citus, which cannot join a
// distributed table to a local function so, the batch's members' receipts
// on the batch's days, one task a shard that holds one of them.
func (db *DB) heldReceipts(ctx context.Context, tx *sql.Tx, keys []receiptKey) (map[receiptKey]bool, error) {
	var rows *sql.Rows
	var err error
	if db.citus {
		members, years, days := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
		for _, k := range keys {
			members[int64(k.member)], years[int64(k.year)], days[int64(k.day)] = true, true, true
		}
		rows, err = tx.QueryContext(ctx, `SELECT member_id, year, store_id, till, business_day, receipt_no FROM receipts
			WHERE member_id = ANY($1::bigint[]) AND year = ANY($2::bigint[]) AND business_day = ANY($3::bigint[])`,
			slices.Collect(maps.Keys(members)), slices.Collect(maps.Keys(years)), slices.Collect(maps.Keys(days)))
	} else {
		members, years, stores, tills, days, numbers := make([]int64, len(keys)), make([]int64, len(keys)), make([]string, len(keys)),
			make([]int64, len(keys)), make([]int64, len(keys)), make([]string, len(keys))
		for i, k := range keys {
			members[i], years[i], stores[i], tills[i], days[i], numbers[i] = int64(k.member), int64(k.year), k.store, int64(k.till), int64(k.day), k.number
		}
		rows, err = tx.QueryContext(ctx, `SELECT v.member_id, v.year, v.store_id, v.till, v.business_day, v.receipt_no
			FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])
				AS v(member_id, year, store_id, till, business_day, receipt_no)
			CROSS JOIN LATERAL (SELECT 1 FROM receipts r WHERE r.member_id = v.member_id AND r.year = v.year
				AND r.store_id = v.store_id AND r.till = v.till AND r.business_day = v.business_day
				AND r.receipt_no = v.receipt_no LIMIT 1) AS held`, members, years, stores, tills, days, numbers)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	held := map[receiptKey]bool{}
	for rows.Next() {
		var k receiptKey
		if err := rows.Scan(&k.member, &k.year, &k.store, &k.till, &k.day, &k.number); err != nil {
			return nil, err
		}
		held[k] = true
	}
	return held, rows.Err()
}

// writer holds the prepared statements of one write transaction.
type writer struct {
	memberUse, cardUse *sql.Stmt
}

func (db *DB) prepareWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	w := &writer{}
	if db.d.canBulkLoad() {
		return w, nil // PostgreSQL updates a batch's members and cards in one statement each
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.memberUse, `UPDATE members SET last_card_use = CASE WHEN last_card_use < ? THEN ? ELSE last_card_use END,
			data_version = data_version + 1 WHERE member_id = ?`},
		{&w.cardUse, `UPDATE cards SET last_used = CASE WHEN last_used < ? THEN ? ELSE last_used END WHERE member_id = ? AND card_number = ?`},
	} {
		s, err := tx.PrepareContext(ctx, db.q(p.sql))
		if err != nil {
			w.close()
			return nil, err
		}
		*p.stmt = s
	}
	return w, nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.memberUse, w.cardUse} {
		if s != nil {
			s.Close()
		}
	}
}

// void removes the receipt r names (by member and natural key), with its
// lines or group sums, and rebuilds the rollups of its month from what
// remains, so that its contribution to every figure goes with it. The
// audit log counts it (the transparency report shows voids); it is not a
// deletion by rule.
func (db *DB) void(ctx context.Context, tx *sql.Tx, r *kori.StoredReceipt, cat *kori.Catalogue) (kori.WriteOutcome, error) {
	var id int64
	var day int
	err := tx.QueryRowContext(ctx, db.q(`SELECT receipt_id, business_day FROM receipts WHERE member_id = ? AND year = ? AND store_id = ?
		AND till = ? AND business_day = ? AND receipt_no = ?`), r.MemberID, r.Key.BusinessDay/10000, r.Key.Store, r.Key.Till,
		r.Key.BusinessDay, r.Key.Number).Scan(&id, &day)
	if err == sql.ErrNoRows {
		return kori.NotHeld, nil
	} else if err != nil {
		return 0, err
	}
	for _, t := range []string{"receipt_lines", "receipt_groups", "receipts"} {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM `+t+` WHERE member_id = ? AND receipt_id = ?`), r.MemberID, id); err != nil {
			return 0, err
		}
	}
	year, month := day/10000, day/100%100
	if _, err := db.rebuildMonth(ctx, tx, r.MemberID, year, month, cat); err != nil {
		return 0, err
	}
	if err := db.touch(ctx, tx, r.MemberID); err != nil {
		return 0, err
	}
	return kori.Voided, db.audit(ctx, tx, db.Clock.Now(), "void", kori.Actor{Channel: "api", Name: "till"}, 0,
		map[string]any{"year": year, "month": month})
}

// touch changes a member's data version, in the transaction that changes
// what their analyses read.
func (db *DB) touch(ctx context.Context, tx *sql.Tx, id kori.MemberID) error {
	_, err := tx.ExecContext(ctx, db.q(`UPDATE members SET data_version = data_version + 1 WHERE member_id = ?`), id)
	return err
}

// touchAll changes every member's data version at once, after retention
// deleted rows of many.
func (db *DB) touchAll(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_epoch'`)
	return err
}

// rebuildMonth computes a member's rollups of one month again from the
// receipts held: product lines from the catalogue as it is now (so a
// corrected catalogue corrects them), group sums as they were stored,
// totals as they are. It returns the number of lines it read.
func (db *DB) rebuildMonth(ctx context.Context, tx *sql.Tx, member kori.MemberID, year, month int, cat *kori.Catalogue) (int, error) {
	for _, t := range []string{"month_rollups", "month_totals"} {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM `+t+` WHERE member_id = ? AND year = ? AND month = ?`), member, year, month); err != nil {
			return 0, err
		}
	}
	sums, n, err := db.figuresBetween(ctx, tx, member, year*10000+month*100+1, year*10000+month*100+31, cat, nil)
	if err != nil || len(sums) == 0 {
		return n, err
	}
	ins := db.newBulkInsert(tx, "month_rollups", rollupColumns, "")
	defer ins.close()
	var total kori.Figures
	for _, g := range sums {
		if err := ins.add(ctx, append([]any{member, year, month, g.Group}, g.Figures.Values()...)...); err != nil {
			return n, err
		}
		total.Add(g.Figures)
	}
	if err := ins.flush(ctx); err != nil {
		return n, err
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO month_totals (`+strings.Join(totalsColumns, ", ")+`) VALUES (`+placeholders(len(totalsColumns))+`)`),
		append([]any{member, year, month}, total.Values()...)...)
	return n, err
}

// querier is a transaction or a pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// FiguresBetween returns a member's figures per group, and the number of
// receipts, for the business days from to to (yyyymmdd, both included, in
// one year), computed as the rollups are: for comparing this year so far
// with the same dates of last year, day for day, where the monthly rollups
// would set part of this month against the whole of last year's.
//
// Whole months are read from the rollups, which hold the same sums, and only
// the days of a month begun are summed from the lines: a year to date costs
// a month's lines, not a year's. The five reads run at once (on Citus each
// is a round trip through the coordinator) and are added up in one order.
func (db *DB) FiguresBetween(ctx context.Context, member kori.MemberID, from, to int, cat *kori.Catalogue) ([]kori.GroupSum, int, error) {
	year := from / 10000
	partFrom := max(from, to/100*100+1) // the first day of to's month, or from
	var whole []kori.MonthRollup
	var receipts int
	reads := []func(context.Context) error{func(ctx context.Context) error {
		return db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM receipts WHERE member_id = ? AND year = ? AND business_day BETWEEN ? AND ?`),
			member, year, from, to).Scan(&receipts)
	}}
	if fromMonth, toMonth := from/100%100, partFrom/100%100-1; from%100 == 1 && fromMonth <= toMonth {
		reads = append(reads, func(ctx context.Context) (err error) {
			whole, err = scanRollups(db.read.QueryContext(ctx, db.q(`SELECT year, 0, group_code, `+figureSums+` FROM month_rollups
				WHERE member_id = ? AND year = ? AND month BETWEEN ? AND ? GROUP BY year, group_code ORDER BY 3`), member, year, fromMonth, toMonth))
			return err
		})
	} else {
		partFrom = from
	}
	days, err := db.readDays(ctx, db.read, member, partFrom, to, cat, reads...)
	if err != nil {
		return nil, 0, err
	}
	sums := make([]kori.GroupSum, 0, len(whole))
	for _, r := range whole {
		sums = append(sums, kori.GroupSum{Group: r.Group, Figures: r.Figures})
	}
	return days.addTo(sums), receipts, nil
}

// dayRows are what a member's receipts of some days add up from: the
// product lines' figures, the group sums' and the not-itemised receipts'
// total.
type dayRows struct {
	lines  []kori.GroupSum // summed per group, in the order first seen
	n      int             // lines read
	groups []kori.GroupSum
	total  sql.NullInt64
}

// addTo adds the rows to the sums in out, always in the same order (the
// figures are floating-point), and returns them.
func (d dayRows) addTo(out []kori.GroupSum) []kori.GroupSum {
	sums := kori.GroupSums{Sums: out}
	for _, l := range d.lines {
		sums.Add(l.Group, l.Figures)
	}
	for _, g := range d.groups {
		sums.Add(g.Group, g.Figures)
	}
	if d.total.Valid {
		sums.Add(kori.NotItemised, kori.Figures{Amount: kori.Money(d.total.Int64)})
	}
	return sums.Sums
}

// receiptsBetween selects a member's receipts of some days of a year, so
// that only their lines are read (a join let SQLite read the whole year's).
const receiptsBetween = `SELECT r.receipt_id FROM receipts r WHERE r.member_id = ? AND r.year = ? AND r.business_day BETWEEN ? AND ?`

// figuresBetween sums a member's receipts of the business days from to to
// (one year) per group: product lines from the catalogue as it is now,
// group sums as stored, totals as they are, added to the sums in out. It
// returns them and the lines it read.
func (db *DB) figuresBetween(ctx context.Context, q querier, member kori.MemberID, from, to int, cat *kori.Catalogue, out []kori.GroupSum) ([]kori.GroupSum, int, error) {
	days, err := db.readDays(ctx, q, member, from, to, cat)
	return days.addTo(out), days.n, err
}

// readDays reads the rows of a member's receipts of the business days from
// to to (one year), with more reads of the caller's: at once from the read
// pool, one after another in a transaction.
func (db *DB) readDays(ctx context.Context, q querier, member kori.MemberID, from, to int, cat *kori.Catalogue, more ...func(context.Context) error) (dayRows, error) {
	year := from / 10000
	var d dayRows
	lines := func(ctx context.Context) error {
		rows, err := q.QueryContext(ctx, db.q(`SELECT l.kind, l.gtin, l.group_code, l.known, l.quantity, l.amount_cents, l.discount_cents
			FROM receipt_lines l WHERE l.member_id = ? AND l.year = ? AND l.receipt_id IN (`+receiptsBetween+`)
			ORDER BY l.receipt_id, l.line_no`),
			member, year, member, year, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		var sums kori.GroupSums
		for rows.Next() {
			var l kori.StoredLine
			if err := rows.Scan((*string)(&l.Kind), &l.GTIN, &l.Group, &l.Known, &l.Quantity, (*int64)(&l.Amount), (*int64)(&l.Discount)); err != nil {
				return err
			}
			p := cat.Products[l.GTIN]
			if !l.Known || l.Kind != kori.LineProduct {
				p = nil
			}
			if p != nil {
				l.Group = p.Group
			}
			sums.Add(l.Group, kori.LineFigures(l.Line, p, p != nil && cat.IsFood(p.Group)))
			d.n++
		}
		d.lines = sums.Sums
		return rows.Err()
	}
	groups := func(ctx context.Context) error {
		sumCols := make([]string, len(kori.FigureColumns))
		for i, c := range kori.FigureColumns {
			sumCols[i] = "SUM(g." + c + ")"
		}
		rows, err := q.QueryContext(ctx, db.q(`SELECT g.group_code, `+strings.Join(sumCols, ", ")+` FROM receipt_groups g
			WHERE g.member_id = ? AND g.year = ? AND g.receipt_id IN (`+receiptsBetween+`) GROUP BY g.group_code ORDER BY 1`),
			member, year, member, year, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g kori.GroupSum
			if err := rows.Scan(append([]any{&g.Group}, g.Figures.Pointers()...)...); err != nil {
				return err
			}
			d.groups = append(d.groups, g)
		}
		return rows.Err()
	}
	total := func(ctx context.Context) error {
		return q.QueryRowContext(ctx, db.q(`SELECT SUM(total_cents) FROM receipts WHERE member_id = ? AND year = ? AND grain = 'total'
			AND business_day BETWEEN ? AND ?`), member, year, from, to).Scan(&d.total)
	}
	reads := append([]func(context.Context) error{lines, groups, total}, more...)
	if q != db.read {
		for _, read := range reads {
			if err := read(ctx); err != nil {
				return d, err
			}
		}
		return d, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, read := range reads {
		g.Go(func() error { return read(gctx) })
	}
	return d, g.Wait()
}
