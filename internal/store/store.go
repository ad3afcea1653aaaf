// Package store is Kori's only SQL: the hand-written queries behind every
// feature, for SQLite (the embedded default) and PostgreSQL (production).
// Queries are written once with ? placeholders; what differs between the
// engines — placeholders, connection set-up, id allocation, migrations — lives
// in dialect.go and nowhere else.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kori-project/kori"
)

//go:embed migrations
var migrations embed.FS

// DB is an open Kori database. Writes go through one connection (SQLite allows
// one writer at a time; queuing in Go is cheaper than busy-waiting in SQLite),
// reads through a pool.
type DB struct {
	d     dialect
	write *sql.DB
	read  *sql.DB
	// Clock stamps the rows the store writes (creation times, consent records).
	Clock kori.Clock
	// citus is set when the database has the citus extension: then rows
	// with a conflict clause go as multi-row VALUES, which Citus routes to
	// each row's shard, not through a coordinator-local staging table.
	citus bool
	// Journal, when set, receives every privacy event (choices, erasures,
	// retention) in commit order, outside this database, so that a restore
	// can repeat them. kori's commands always set it; a database replaying
	// the journal has none.
	Journal kori.Journal
	// JobWorkers is how many members a nightly job erases at once, each
	// over its own connection (the inactivity run). Zero means one on
	// SQLite, whose single writer would only queue them, and four on
	// PostgreSQL and Citus.
	JobWorkers int
	// stmts holds full-size multi-row INSERTs prepared on the write pool,
	// by their SQL, for the transactions to reuse (see prepareBulk).
	stmts          sync.Map
	writesPrepared sync.Once
	// beforeNewMonths, set only by tests, runs between finding which of
	// a batch's months are new and writing them, where another writer
	// can add the same months (see writeRollups).
	beforeNewMonths func()
	// beforeNewReceipts is the same between copyNewReceipts' lookup of
	// the receipts held and its writing the others.
	beforeNewReceipts func()
}

// jobWorkers is JobWorkers with its default.
func (db *DB) jobWorkers() int {
	switch {
	case db.JobWorkers > 0:
		return db.JobWorkers
	case db.d.canBulkLoad():
		return 4
	}
	return 1
}

// journaled runs fn in a write transaction whose change is the privacy
// event ev: the event is appended to the journal at the end of fn, before
// the commit, and marked as not having happened if the commit fails.
func (db *DB) journaled(ctx context.Context, ev kori.PrivacyEvent, fn func(*sql.Tx) error) error {
	var commit kori.JournalCommit
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if db.Journal == nil {
			return nil
		}
		var err error
		commit, err = db.Journal.Begin(ev)
		return err
	})
	if commit != nil {
		if derr := commit.Done(err == nil); err == nil {
			err = derr
		}
	}
	return err
}

// Open opens the database named by url: a postgres:// URL, or a path to an
// SQLite file (optionally prefixed with sqlite:), created if missing. It does
// not migrate; call Migrate or CheckSchema.
func Open(ctx context.Context, url string) (*DB, error) {
	d, err := dialectFor(url)
	if err != nil {
		return nil, err
	}
	db := &DB{d: d, Clock: kori.SystemClock{}}
	if db.write, db.read, err = d.open(ctx, url); err != nil {
		return nil, err
	}
	if d.name() == "postgres" {
		// A database not migrated yet may lack nothing here: pg_extension always exists.
		if err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&db.citus); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Pools returns the connection pools by name, for their statistics.
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"kori": db.write}
	}
	return map[string]*sql.DB{"kori_write": db.write, "kori_read": db.read}
}

// Close closes both pools, and the journal if it can be closed.
func (db *DB) Close() error {
	db.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	if c, ok := db.Journal.(io.Closer); ok {
		if e := c.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Dialect names the engine: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name() }

// migrationFiles returns the dialect's migrations sorted by version.
func (db *DB) migrationFiles() ([]migration, error) {
	dir := "migrations/" + db.d.name()
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

type migration struct {
	version int
	name    string
	sql     string
}

// SchemaVersion returns the applied and the latest known schema versions.
func (db *DB) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := db.migrationFiles()
	if err != nil {
		return 0, 0, err
	}
	latest = ms[len(ms)-1].version
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, 0, err
	}
	var v sql.NullInt64
	if err := db.write.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, 0, err
	}
	return int(v.Int64), latest, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the names of those applied.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	applied, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := db.migrationFiles()
	if err != nil {
		return nil, err
	}
	var done []string
	for _, m := range ms {
		if m.version <= applied {
			continue
		}
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), m.version, db.Clock.Now().Unix())
			return err
		})
		if err != nil {
			return done, err
		}
		done = append(done, m.name)
	}
	return done, nil
}

// CheckSchema returns an error that says to run `kori migrate` when the
// database schema is older than this binary's (or newer: then the binary is old).
func (db *DB) CheckSchema(ctx context.Context) error {
	applied, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case applied < latest:
		return kori.Errorf(kori.ECONFLICT, "database schema is at version %d, this kori needs %d: run `kori migrate` first", applied, latest)
	case applied > latest:
		return kori.Errorf(kori.ECONFLICT, "database schema is at version %d, newer than this kori knows (%d): upgrade kori", applied, latest)
	}
	return nil
}

// inTx runs fn in a write transaction and commits it, or rolls back on error.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// inConnTx is inTx on a dedicated connection, which fn also gets, for the
// dialect's bulk load (PostgreSQL COPY runs on the raw connection inside the
// same transaction).
func (db *DB) inConnTx(ctx context.Context, fn func(*sql.Conn, *sql.Tx) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(conn, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// allocIDs reserves n ids from the named sequence (member, receipt,
// access, dsr), unique but not necessarily consecutive.
func (db *DB) allocIDs(ctx context.Context, tx *sql.Tx, seq string, n int) ([]int64, error) {
	return db.d.nextIDs(ctx, tx, seq, n)
}

// allocID reserves one id.
func (db *DB) allocID(ctx context.Context, tx *sql.Tx, seq string) (int64, error) {
	ids, err := db.allocIDs(ctx, tx, seq, 1)
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// q rebinds a query to the dialect's placeholders.
func (db *DB) q(query string) string { return db.d.rebind(query) }

// unix converts a time to the stored unix seconds; the zero time is stored as 0.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// fromUnix is the inverse of unix.
func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// notFound turns sql.ErrNoRows into a kori not-found error with the message.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return kori.Errorf(kori.ENOTFOUND, format, args...)
	}
	return err
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// valuesList is a list of n values to match a column against, written as a
// VALUES row set: `IN (VALUES (?), (?))`. PostgreSQL hashes such a set once
// and looks each row up. A plain list, `IN (?, ?)`, is compared element by
// element, and under a generic plan (which Kori's PostgreSQL connections
// use, see postgresDialect.open) the list is built again for every row: for
// the 21,000 lines of the heaviest demo member, 10 ms against 3.7 ms
// (measured).
func valuesList(n int) string {
	return `VALUES ` + strings.TrimSuffix(strings.Repeat(`(?), `, n), `, `)
}

// anys passes values as query arguments.
func anys[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// int64s reads a query's one column of integers.
func int64s(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Counts returns the number of rows in each table that holds purchase or
// member data; tests and the CLI use it to show what is stored.
func (db *DB) Counts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range []string{"members", "cards", "consents", "receipts", "receipt_lines", "receipt_groups", "month_rollups", "products", "stores", "product_groups"} {
		var n int64
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}
