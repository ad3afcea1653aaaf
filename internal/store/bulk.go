package store

import (
	"context"
	"database/sql"
	"strings"
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
	rows    [][]any
	head    string // INSERT INTO t (cols) VALUES
	tail    string // e.g. ON CONFLICT …, may be empty
	row     string // (?, ?, …)
	cols    int
	perStmt int
	full    *sql.Stmt // prepared for perStmt rows
	args    []any
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
// the dialect has one. Rows with a conflict clause are staged: loaded into
// a temporary table, then inserted from it in one statement with the clause
// — far cheaper than binding thousands of parameters. On Citus they are
// not: an INSERT … SELECT from a coordinator-local table would pull every
// row through the coordinator, while multi-row VALUES are routed to each
// row's shard.
func (b *bulkInsert) withBulkLoad(conn *sql.Conn) *bulkInsert {
	if b.db.d.canBulkLoad() && !(b.db.citus && b.tail != "") {
		b.conn = conn
	}
	return b
}

// add buffers one row; its values must match the columns.
func (b *bulkInsert) add(ctx context.Context, values ...any) error {
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

// flush inserts the buffered rows.
func (b *bulkInsert) flush(ctx context.Context) error {
	if b.conn != nil {
		if len(b.rows) == 0 {
			return nil
		}
		var err error
		if b.tail == "" {
			err = b.db.d.bulkLoad(ctx, b.conn, b.table, b.colList, b.rows)
		} else {
			err = b.staged(ctx)
		}
		b.rows = b.rows[:0]
		return err
	}
	rows := len(b.args) / b.cols
	if rows == 0 {
		return nil
	}
	var err error
	if rows == b.perStmt {
		if b.full == nil {
			if b.full, err = b.tx.PrepareContext(ctx, b.query(rows)); err != nil {
				return err
			}
		}
		_, err = b.full.ExecContext(ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(ctx, b.query(rows), b.args...)
	}
	b.args = b.args[:0]
	return err
}

// staged loads the rows into a temporary copy of the table, kept by the
// connection and emptied at each commit, and inserts them from there with
// the conflict clause in one statement.
func (b *bulkInsert) staged(ctx context.Context) error {
	stage := "kori_stage_" + b.table
	if _, err := b.tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+stage+` (LIKE `+b.table+` INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
		return err
	}
	if _, err := b.tx.ExecContext(ctx, `TRUNCATE `+stage); err != nil {
		return err
	}
	if err := b.db.d.bulkLoad(ctx, b.conn, stage, b.colList, b.rows); err != nil {
		return err
	}
	cols := strings.Join(b.colList, ", ")
	_, err := b.tx.ExecContext(ctx, `INSERT INTO `+b.table+` (`+cols+`) SELECT `+cols+` FROM `+stage+` `+b.tail)
	return err
}

func (b *bulkInsert) close() {
	if b.full != nil {
		b.full.Close()
	}
}
