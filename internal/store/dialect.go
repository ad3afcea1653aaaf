package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	_ "github.com/mattn/go-sqlite3"  // registers the "sqlite3" driver
)

// dialect is everything that differs between SQLite and PostgreSQL. Keep it
// small: a query that needs more than this should be rewritten portably.
type dialect interface {
	name() string
	// open returns the write and read pools.
	open(ctx context.Context, url string) (write, read *sql.DB, err error)
	// rebind turns ? placeholders into the engine's own.
	rebind(query string) string
	// ensureYears makes sure purchase data of the given years can be written
	// (PostgreSQL: creates the years' partitions).
	ensureYears(ctx context.Context, db *sql.DB, years []int) error
	// canBulkLoad reports whether bulkLoad is available.
	canBulkLoad() bool
	// bulkLoad loads rows into table inside the transaction open on conn,
	// and empties rows.
	bulkLoad(ctx context.Context, conn *sql.Conn, table string, cols []string, rows *copyRows) error
	// serialize makes transactions that call it with the same name run one
	// at a time (SQLite's single writer does this already).
	serialize(ctx context.Context, tx *sql.Tx, name string) error
	// dropYear deletes a purchase year of every member but those in keep
	// at once, if the engine can, and calls record in the same transaction
	// (the deletion's evidence); done is false if it cannot.
	// On PostgreSQL it writes through conn, the job's connection.
	dropYear(ctx context.Context, conn *sql.Conn, year int, keep []int64, record func(*sql.Tx) error) (done bool, err error)
	// yearsBefore lists the purchase years older than year that hold rows,
	// if the engine can tell without reading them; done is false if not.
	// empty lists the older years that have partitions but no rows.
	yearsBefore(ctx context.Context, conn *sql.Conn, year int) (years, empty []int, done bool, err error)
	// dropEmptyYears drops the partitions of those of years that still
	// hold no row, and returns them.
	dropEmptyYears(ctx context.Context, conn *sql.Conn, years []int) (dropped []int, err error)
	// purge makes deleted rows leave the files now, not at the engine's leisure.
	purge(ctx context.Context, db *sql.DB) error
	// forJob sets a connection up for a nightly job's statements, which
	// visit every shard on Citus but each do little there; reset undoes it
	// before the connection goes back to its pool.
	forJob(ctx context.Context, conn *sql.Conn) (reset func() error, err error)
	// forUpdate is the clause that locks the rows a SELECT reads until the
	// transaction ends ("" where the engine has one writer at a time).
	forUpdate() string
	// nextIDs hands out n unique ids of a sequence inside tx.
	nextIDs(ctx context.Context, tx *sql.Tx, seq string, n int) ([]int64, error)
}

func dialectFor(url string) (dialect, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgresDialect{mu: &sync.Mutex{}, known: map[int]bool{}}, nil
	case url == "":
		return nil, fmt.Errorf("no database given: pass --db with a file path or a postgres:// URL")
	}
	return sqliteDialect{}, nil
}

type sqliteDialect struct{}

func (sqliteDialect) serialize(context.Context, *sql.Tx, string) error { return nil }

func (sqliteDialect) dropYear(context.Context, *sql.Conn, int, []int64, func(*sql.Tx) error) (bool, error) {
	return false, nil
}

func (sqliteDialect) yearsBefore(context.Context, *sql.Conn, int) ([]int, []int, bool, error) {
	return nil, nil, false, nil
}

// dropEmptyYears has nothing to drop: SQLite's tables are not partitioned.
func (sqliteDialect) dropEmptyYears(context.Context, *sql.Conn, []int) ([]int, error) {
	return nil, nil
}

func (sqliteDialect) forJob(context.Context, *sql.Conn) (func() error, error) {
	return func() error { return nil }, nil
}

// purge checkpoints the write-ahead log and truncates it: secure_delete has
// zeroed the deleted rows in the database pages, but the log still holds the
// pages as they were until it is checkpointed and cut.
func (sqliteDialect) purge(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) forUpdate() string { return "" }

// nextIDs takes a consecutive block from the counter row: SQLite has one
// writer at a time, so the row is no bottleneck.
func (sqliteDialect) nextIDs(ctx context.Context, tx *sql.Tx, seq string, n int) ([]int64, error) {
	var next int64
	err := tx.QueryRowContext(ctx, `UPDATE id_sequences SET next_value = next_value + ? WHERE name = ? RETURNING next_value`, n, seq).Scan(&next)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = next - int64(n) + int64(i)
	}
	return ids, nil
}

func (sqliteDialect) rebind(q string) string { return q }

// open sets the pragmas in the order that matters: busy_timeout first so that
// the others wait rather than fail, then WAL with synchronous=NORMAL (durable
// across process crashes, fast), foreign keys, and secure_delete so that
// deleted member data is overwritten in the file, not left in free pages.
func (sqliteDialect) open(ctx context.Context, path string) (*sql.DB, *sql.DB, error) {
	path = strings.TrimPrefix(path, "sqlite:")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	params := url.Values{}
	params.Set("_busy_timeout", "10000")
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "NORMAL")
	params.Set("_foreign_keys", "on")
	params.Set("_secure_delete", "on")
	params.Set("_cache_size", "-65536")
	writeParams := url.Values{}
	for k, v := range params {
		writeParams[k] = v
	}
	writeParams.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite3", "file:"+path+"?"+writeParams.Encode())
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	read, err := sql.Open("sqlite3", "file:"+path+"?"+params.Encode())
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	read.SetMaxOpenConns(8)
	return write, read, nil
}

func (sqliteDialect) ensureYears(context.Context, *sql.DB, []int) error { return nil }

// SQLite's multi-row inserts are its bulk load: no separate path.
func (sqliteDialect) canBulkLoad() bool { return false }

func (sqliteDialect) bulkLoad(context.Context, *sql.Conn, string, []string, *copyRows) error {
	return fmt.Errorf("sqlite has no bulk load")
}

// postgresDialect is PostgreSQL through pgx. Purchase tables are partitioned
// by year; known holds the years whose partitions exist.
type postgresDialect struct {
	mu    *sync.Mutex
	known map[int]bool
}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) forUpdate() string { return " FOR UPDATE" }

// nextIDs draws from the sequence kori_<seq>_ids: no row lock, so
// concurrent writers (and Citus coordinators' sessions) never wait on each
// other for ids.
func (postgresDialect) nextIDs(ctx context.Context, tx *sql.Tx, seq string, n int) ([]int64, error) {
	switch seq {
	case "member", "receipt", "access", "dsr":
	default:
		return nil, fmt.Errorf("no id sequence %q", seq)
	}
	return int64s(tx.QueryContext(ctx, `SELECT nextval('kori_`+seq+`_ids') FROM generate_series(1, $1)`, n))
}

// rebind turns ? into $1, $2, …; Kori's queries never contain a literal '?'.
func (postgresDialect) rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// open returns one pool for reads and writes: PostgreSQL handles concurrent
// writers itself.
//
// pgx prepares each statement once a connection and reuses it; on plain
// PostgreSQL generic plans make the server plan it once too, instead of
// planning the member's query again over every year's partition on each
// call: every hot query is keyed by member (and year where it has one),
// which the executor prunes by at run time. Citus plans its distributed
// queries itself and refuses some generic ones. A URL that sets
// plan_cache_mode itself wins.
func (postgresDialect) open(ctx context.Context, url string) (*sql.DB, *sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, nil, fmt.Errorf("database URL: %w", err)
	}
	_, set := cfg.RuntimeParams["plan_cache_mode"]
	db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		if set {
			return nil
		}
		_, err := c.Exec(ctx, `DO $$ BEGIN
			IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN SET plan_cache_mode = force_generic_plan; END IF;
			END $$`)
		return err
	}))
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16) // a page reads with up to a dozen queries at once; a connection closed and opened again plans its statements again
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return db, db, nil
}

// partitioned are the tables partitioned by purchase year.
var partitioned = []string{"receipts", "receipt_lines", "receipt_groups", "month_rollups", "month_totals"}

func (d postgresDialect) ensureYears(ctx context.Context, db *sql.DB, years []int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, y := range years {
		if d.known[y] {
			continue
		}
		if y < 1900 || y > 9999 {
			return fmt.Errorf("year %d out of range", y)
		}
		if err := d.createYear(ctx, db, y); err != nil {
			return err
		}
		d.known[y] = true
	}
	return nil
}

// createYear creates a year's partitions in one transaction under an
// advisory lock, so that writers in other processes reaching the same new
// year wait for each other instead of failing on "already exists" (IF NOT
// EXISTS alone races: both see none, one loses).
func (postgresDialect) createYear(ctx context.Context, db *sql.DB, y int) error {
	tx, err := partitionsTx(ctx, db)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range partitioned {
		// The year is an int checked by the caller, so formatting it into DDL is safe.
		q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s_y%d PARTITION OF %s FOR VALUES IN (%d)`, t, y, t, y)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create partition %s_y%d: %w", t, y, err)
		}
	}
	return tx.Commit()
}

// partitionsTx begins a transaction that holds the partition lock, which
// every change to the year partitions takes first: creating a year,
// emptying one and dropping one wait for each other, in any process.
func partitionsTx(ctx context.Context, db interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('kori_partitions'))`); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

func (postgresDialect) canBulkLoad() bool { return true }

// dropYear empties each purchase table's partition of the year with
// TRUNCATE, the kept members' rows moved aside first and back after: the
// cost is that of those rows, not of the year. TRUNCATE rather than a
// dropped and recreated partition: on Citus that is DDL creating every
// shard of four tables again (14 times PostgreSQL's time, measured), while
// a truncate runs on the shards in parallel. The rows aside go to the
// retention_keep_ tables (migration 0016), which Citus co-locates with the
// purchase tables: each shard moves its own rows, where a temporary table
// on the coordinator would pull every kept row through it and back.
func (d postgresDialect) dropYear(ctx context.Context, db *sql.Conn, year int, keep []int64, record func(*sql.Tx) error) (bool, error) {
	if year < 1900 || year > 9999 {
		return false, fmt.Errorf("year %d out of range", year)
	}
	// The partition lock also makes this transaction the staging tables'
	// only user.
	tx, err := partitionsTx(ctx, db)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	parts := make([]string, len(partitioned))
	staging := make([]string, len(partitioned))
	for i, t := range partitioned {
		parts[i] = fmt.Sprintf("%s_y%d", t, year) // the year is a checked int
		staging[i] = retentionStaging(t)
	}
	// The kept members' rows go aside first (only when there are any: most
	// years keep no one), then one TRUNCATE empties all five partitions,
	// one round of tasks on Citus instead of five.
	if len(keep) > 0 {
		for i, part := range parts {
			q := fmt.Sprintf(`INSERT INTO %s SELECT * FROM %s WHERE member_id = ANY($1)`, staging[i], part)
			if _, err := tx.ExecContext(ctx, q, keep); err != nil {
				return false, fmt.Errorf("%s: %w", part, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `TRUNCATE `+strings.Join(parts, ", ")); err != nil {
		return false, fmt.Errorf("truncate year %d: %w", year, err)
	}
	if len(keep) > 0 {
		for i, part := range parts {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s SELECT * FROM %s`, part, staging[i])); err != nil {
				return false, fmt.Errorf("%s: %w", part, err)
			}
		}
		// DELETE, not TRUNCATE: the staging tables hold few rows, and a
		// truncate gives each of their shards new files (on Citus at 1,000
		// members, 5 % kept: 50 ms against 19 ms, measured).
		for _, t := range staging {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return false, err
			}
		}
	}
	// The evidence commits with the deletion: one two-phase commit on
	// Citus instead of two.
	if err := record(tx); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// yearsBefore reads the years from the partitions' names and asks each
// older year's partitions for one row: a lookup a year, where reading the
// years from the rows scanned every row of every older year (on Citus a
// quarter of a small year's retention, measured). A year's receipts
// partition is probed first; its rollups only when it has no receipts (a
// member at the total level has rollups only). A year with neither is
// empty: retention emptied it and no extended-retention member keeps rows
// in it.
func (postgresDialect) yearsBefore(ctx context.Context, conn *sql.Conn, year int) (held, empty []int, done bool, err error) {
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT substring(c.relname FROM '_y([0-9]+)$')::int AS y
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent IN ('receipts'::regclass, 'month_rollups'::regclass) AND c.relname ~ '_y[0-9]+$' ORDER BY 1`)
	if err != nil {
		return nil, nil, false, err
	}
	var all []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			rows.Close()
			return nil, nil, false, err
		}
		if y < year {
			all = append(all, y)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, false, err
	}
	for _, y := range all {
		has, err := yearHolds(ctx, conn, y, "receipts", "month_rollups")
		if err != nil {
			return nil, nil, false, err
		}
		if has {
			held = append(held, y)
		} else {
			empty = append(empty, y)
		}
	}
	return held, empty, true, nil
}

// yearHolds tells whether any of the tables' partitions of year holds a row.
func yearHolds(ctx context.Context, q querier, year int, tables ...string) (bool, error) {
	for _, t := range tables {
		var one int
		// The year is an int from the catalogue or a caller: safe in the name.
		err := q.QueryRowContext(ctx, fmt.Sprintf(`SELECT 1 FROM %s_y%d LIMIT 1`, t, year)).Scan(&one)
		if err == nil {
			return true, nil
		} else if err != sql.ErrNoRows {
			return false, err
		}
	}
	return false, nil
}

// dropEmptyYears drops the partitions of years past retention that hold
// nothing, so that the tables do not gather a partition a year for as long
// as the chain runs: every member's query plans over all of a table's
// partitions, and retention probes each every night. A year is dropped
// only when none of its five partitions holds a row, checked again under
// the partition lock in the dropping transaction; ingest refuses purchases
// of years that old, and ensureYears would create a year again if asked.
func (d postgresDialect) dropEmptyYears(ctx context.Context, conn *sql.Conn, years []int) ([]int, error) {
	var dropped []int
	for _, y := range years {
		if y < 1900 || y > 9999 {
			return dropped, fmt.Errorf("year %d out of range", y)
		}
		done, err := func() (bool, error) {
			tx, err := partitionsTx(ctx, conn)
			if err != nil {
				return false, err
			}
			defer tx.Rollback()
			if has, err := yearHolds(ctx, tx, y, partitioned...); has || err != nil {
				return false, err
			}
			parts := make([]string, len(partitioned))
			for i, t := range partitioned {
				parts[i] = fmt.Sprintf("%s_y%d", t, y)
			}
			if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+strings.Join(parts, ", ")); err != nil {
				return false, fmt.Errorf("drop the partitions of %d: %w", y, err)
			}
			return true, tx.Commit()
		}()
		if err != nil {
			return dropped, err
		}
		if done {
			d.mu.Lock()
			delete(d.known, y)
			d.mu.Unlock()
			dropped = append(dropped, y)
		}
	}
	return dropped, nil
}

// retentionStaging names the table that holds table's kept rows while
// retention empties a year of it.
func retentionStaging(table string) string { return "retention_keep_" + table }

// forJob has Citus run each of the job's multi-shard statements over one
// connection to each worker, opened once for the job, instead of opening up
// to 16 a worker for every statement: a job's statements (a year's counts,
// its TRUNCATE) are many small tasks, and on a year's retention of 100
// members opening those connections was half the time (0.44 s against
// 0.23 s, measured). On plain PostgreSQL the setting is an unused
// placeholder.
func (postgresDialect) forJob(ctx context.Context, conn *sql.Conn) (func() error, error) {
	if _, err := conn.ExecContext(ctx, `SET citus.max_adaptive_executor_pool_size = 1`); err != nil {
		return nil, err
	}
	return func() error {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), `RESET citus.max_adaptive_executor_pool_size`)
		return err
	}, nil
}

// purge is left to autovacuum on PostgreSQL: deleted tuples are unreachable
// at once and their space reused; VACUUM FULL would lock the tables.
func (postgresDialect) purge(context.Context, *sql.DB) error { return nil }

func (postgresDialect) serialize(ctx context.Context, tx *sql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, name)
	return err
}

// bulkLoad streams the rows, already in COPY's binary format, on the raw
// connection; it joins the transaction database/sql has open on it.
func (postgresDialect) bulkLoad(ctx context.Context, conn *sql.Conn, table string, cols []string, rows *copyRows) error {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	stmt := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(quoted, ", ") + ") FROM STDIN (FORMAT binary)"
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk load: unexpected driver connection %T", dc)
		}
		_, err := c.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(rows.data()), stmt)
		return err
	})
}

// isWriteConflict tells whether err is PostgreSQL's refusal of a write
// that met another transaction's: a unique key taken meanwhile or a
// deadlock. The statement can be tried again from a savepoint. Citus's
// COPY passes a worker's unique violation on as an internal error (XX000)
// with the worker's message.
func isWriteConflict(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "23505" || pe.Code == "40P01" ||
		pe.Code == "XX000" && strings.HasPrefix(pe.Message, "duplicate key value violates unique constraint")
}
