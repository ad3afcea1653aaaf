package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/kori-project/kori"
)

// bulkInsert buffers rows and inserts them with multi-row INSERT statements,
// which costs one statement execution per chunk instead of one per row: the
// difference between ingest keeping up with a chain's tills or not. Where the
// dialect can bulk-load (PostgreSQL COPY) and no conflict clause is needed,
// it loads the rows that way instead.
type bulkInsert struct {
	db      *DB
	tx      *sql.Tx
	conn    *sql.Conn // set when loading with the dialect's bulk load
	table   string
	colList []string
	copy    *copyRows // rows for the bulk load, when there is no conflict clause
	rows    [][]any   // rows for unnested, when there is
	head    string    // INSERT INTO t (cols) VALUES
	tail    string    // e.g. ON CONFLICT …, may be empty
	row     string    // (?, ?, …)
	cols    int
	perStmt int
	full    *sql.Stmt // prepared for perStmt rows
	args    []any
	scratch boxed // the row addRow is filling, where it is not encoded at once
}

func (db *DB) newBulkInsert(tx *sql.Tx, table string, cols []string, tail string) *bulkInsert {
	perStmt := max(1, min(200, 30000/len(cols)))
	return &bulkInsert{
		db: db, tx: tx, table: table, colList: cols,
		head:    "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		tail:    tail,
		row:     "(" + placeholders(len(cols)) + ")",
		cols:    len(cols),
		perStmt: perStmt,
		args:    make([]any, 0, perStmt*len(cols)),
	}
}

func (b *bulkInsert) query(rows int) string {
	var s strings.Builder
	s.WriteString(b.head)
	for i := 0; i < rows; i++ {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(b.row)
	}
	if b.tail != "" {
		s.WriteString(" ")
		s.WriteString(b.tail)
	}
	return b.db.q(s.String())
}

// withBulkLoad makes b load through the dialect's bulk load on conn, where
// the dialect has one. Rows with a conflict clause go in one INSERT that
// takes each column as an array (see unnested): far cheaper than binding
// thousands of parameters, and no temporary table to fill and empty. On
// Citus they do not: an INSERT … SELECT is planned on the coordinator,
// while multi-row VALUES are routed to each row's shard.
func (b *bulkInsert) withBulkLoad(conn *sql.Conn) *bulkInsert {
	if b.db.d.canBulkLoad() && !(b.db.citus && b.tail != "") {
		b.conn = conn
		if b.tail == "" {
			b.copy = newCopyRows(b.cols)
		}
	}
	return b
}

// add buffers one row; its values must match the columns.
func (b *bulkInsert) add(ctx context.Context, values ...any) error {
	if b.copy != nil {
		if err := b.copy.add(values); err != nil {
			return fmt.Errorf("%s: row %d: %w", b.table, b.copy.rows+1, err)
		}
		return nil
	}
	if b.conn != nil {
		b.rows = append(b.rows, values)
		return nil
	}
	b.args = append(b.args, values...)
	if len(b.args) == b.perStmt*b.cols {
		return b.flush(ctx)
	}
	return nil
}

// row takes one row's values in column order, typed: a bulk load encodes
// them as they come, where add would box each in an interface first. An
// import's lines and rollups are about seven million values; writing them
// typed cut its CPU by a sixth (measured).
type row interface {
	int(int64)
	float(float64)
	text(string)
	boolean(bool)
}

// addRow buffers the row that fill writes.
func (b *bulkInsert) addRow(ctx context.Context, fill func(row)) error {
	if c := b.copy; c != nil {
		c.begin()
		fill(c)
		if err := c.end(); err != nil {
			return fmt.Errorf("%s: row %d: %w", b.table, c.rows+1, err)
		}
		return nil
	}
	if b.conn != nil || b.scratch == nil {
		b.scratch = make(boxed, 0, b.cols) // unnested keeps each row's slice
	}
	b.scratch = b.scratch[:0]
	fill(&b.scratch)
	return b.add(ctx, b.scratch...)
}

// boxed collects a row's values for add.
type boxed []any

func (b *boxed) int(v int64)     { *b = append(*b, v) }
func (b *boxed) float(v float64) { *b = append(*b, v) }
func (b *boxed) text(v string)   { *b = append(*b, v) }
func (b *boxed) boolean(v bool)  { *b = append(*b, v) }

// writeFigures writes f's values in kori.FigureColumns order.
func writeFigures(w row, f *kori.Figures) {
	w.int(f.Lines)
	w.int(int64(f.Amount))
	w.float(f.Quantity)
	w.float(f.NetGrams)
	w.int(int64(f.Food))
	w.int(int64(f.FiRaw))
	w.int(int64(f.FiMade))
	w.int(int64(f.Foreign))
	w.int(int64(f.UnknownOrigin))
	w.int(int64(f.UnknownProduct))
	w.float(f.CO2eGrams)
	w.int(int64(f.CO2eCovered))
	w.float(f.EnergyKJ)
	w.float(f.ProteinG)
	w.float(f.FatG)
	w.float(f.SatFatG)
	w.float(f.CarbG)
	w.float(f.SugarsG)
	w.float(f.FibreG)
	w.float(f.SaltG)
	w.float(f.FVBGrams)
	w.int(int64(f.NutriCovered))
	w.int(int64(f.NutriA))
	w.int(int64(f.NutriB))
	w.int(int64(f.NutriC))
	w.int(int64(f.NutriD))
	w.int(int64(f.NutriE))
}

// flush inserts the buffered rows.
func (b *bulkInsert) flush(ctx context.Context) error {
	if b.copy != nil {
		if b.copy.rows == 0 {
			return nil
		}
		return b.db.d.bulkLoad(ctx, b.conn, b.table, b.colList, b.copy)
	}
	if b.conn != nil {
		if len(b.rows) == 0 {
			return nil
		}
		err := b.unnested(ctx)
		b.rows = b.rows[:0]
		return err
	}
	rows := len(b.args) / b.cols
	if rows == 0 {
		return nil
	}
	var err error
	if rows == b.perStmt {
		var full *sql.Stmt
		if full, err = b.fullStmt(ctx); err != nil {
			return err
		}
		_, err = full.ExecContext(ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(ctx, b.query(rows), b.args...)
	}
	b.args = b.args[:0]
	return err
}

// unnested inserts the rows with the conflict clause in one statement: a
// round trip and a plan for the whole batch.
func (b *bulkInsert) unnested(ctx context.Context) error {
	q, args, err := unnestInsert(b.table, b.colList, b.rows, b.tail)
	if err != nil {
		return err
	}
	_, err = b.tx.ExecContext(ctx, q, args...)
	return err
}

// unnestInsert is a PostgreSQL INSERT of rows that passes each column as
// one array parameter, whatever the number of rows.
func unnestInsert(table string, cols []string, rows [][]any, tail string) (string, []any, error) {
	arrays := make([]any, len(cols))
	casts := make([]string, len(cols))
	for c := range cols {
		var err error
		if arrays[c], casts[c], err = column(rows, c); err != nil {
			return "", nil, fmt.Errorf("%s.%s: %w", table, cols[c], err)
		}
		casts[c] = "$" + strconv.Itoa(c+1) + "::" + casts[c] + "[]"
	}
	return `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) SELECT * FROM unnest(` + strings.Join(casts, ", ") + `) ` + tail, arrays, nil
}

// column gathers column c of rows into a typed slice, with its SQL type.
func column(rows [][]any, c int) (any, string, error) {
	switch rows[0][c].(type) {
	case int, int64, kori.MemberID:
		out := make([]int64, len(rows))
		for i, r := range rows {
			switch v := r[c].(type) {
			case int:
				out[i] = int64(v)
			case int64:
				out[i] = v
			case kori.MemberID:
				out[i] = int64(v)
			default:
				return nil, "", fmt.Errorf("row %d: %T among integers", i+1, v)
			}
		}
		return out, "bigint", nil
	case float64:
		out := make([]float64, len(rows))
		for i, r := range rows {
			v, ok := r[c].(float64)
			if !ok {
				return nil, "", fmt.Errorf("row %d: %T among floats", i+1, r[c])
			}
			out[i] = v
		}
		return out, "double precision", nil
	case string:
		out := make([]string, len(rows))
		for i, r := range rows {
			v, ok := r[c].(string)
			if !ok {
				return nil, "", fmt.Errorf("row %d: %T among strings", i+1, r[c])
			}
			out[i] = v
		}
		return out, "text", nil
	case bool:
		out := make([]bool, len(rows))
		for i, r := range rows {
			v, ok := r[c].(bool)
			if !ok {
				return nil, "", fmt.Errorf("row %d: %T among booleans", i+1, r[c])
			}
			out[i] = v
		}
		return out, "boolean", nil
	}
	return nil, "", fmt.Errorf("no array type for %T", rows[0][c])
}

// fullStmt returns the statement of perStmt rows prepared for b's
// transaction: the one prepareBulk prepared on the write pool where there is
// one, which SQLite's single writer connection reuses, else one prepared now.
func (b *bulkInsert) fullStmt(ctx context.Context) (*sql.Stmt, error) {
	if b.full != nil {
		return b.full, nil
	}
	q := b.query(b.perStmt)
	if s, ok := b.db.stmts.Load(q); ok {
		b.full = b.tx.StmtContext(ctx, s.(*sql.Stmt))
		return b.full, nil
	}
	var err error
	b.full, err = b.tx.PrepareContext(ctx, q)
	return b.full, err
}

// prepareBulk prepares the full-size statement of a bulk insert into table
// on the write pool, outside any transaction (SQLite has one writer
// connection, which a transaction holds), so that every transaction on
// that connection reuses it: preparing a statement of a few thousand
// parameters for every batch was 8 % of a SQLite import's CPU (measured).
func (db *DB) prepareBulk(ctx context.Context, table string, cols []string, tail string) error {
	b := db.newBulkInsert(nil, table, cols, tail)
	q := b.query(b.perStmt)
	if _, ok := db.stmts.Load(q); ok {
		return nil
	}
	s, err := db.write.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	if _, loaded := db.stmts.LoadOrStore(q, s); loaded {
		s.Close()
	}
	return nil
}

func (b *bulkInsert) close() {
	if b.full != nil {
		b.full.Close()
	}
}
