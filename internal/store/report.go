package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// The reads behind the yearly transparency report: counts only, from the
// system's own records (consents, deletions, access log, audit log).

// lastConsents counts, per value, the members' last record of the consent
// kinds matching kindLike before t.
func (db *DB) lastConsents(ctx context.Context, kindLike string, before time.Time) (map[string]int, error) {
	return countKindValues(db.read.QueryContext(ctx, db.q(`SELECT kind, to_value, COUNT(*) FROM (
		SELECT kind, to_value, ROW_NUMBER() OVER (PARTITION BY member_id, kind ORDER BY at DESC, seq DESC) AS rn
		FROM consents WHERE kind LIKE ? AND at < ?) last WHERE rn = 1 GROUP BY kind, to_value`), kindLike, before.Unix()))
}

// countKindValues reads rows of kind, value and count into "kind=value" keys.
func countKindValues(rows *sql.Rows, err error) (map[string]int, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind, value string
		var n int
		if err := rows.Scan(&kind, &value, &n); err != nil {
			return nil, err
		}
		out[kind+"="+value] += n
	}
	return out, rows.Err()
}

// LevelsAt counts the members at each level just before t, from the consent
// history (members erased since are not counted).
func (db *DB) LevelsAt(ctx context.Context, t time.Time) (map[kori.Level]int, error) {
	m, err := db.lastConsents(ctx, "level", t)
	if err != nil {
		return nil, err
	}
	out := map[kori.Level]int{}
	for k, n := range m {
		out[kori.Level(strings.TrimPrefix(k, "level="))] += n
	}
	return out, nil
}

// ObjectionsAt counts the members objecting to each purpose just before t.
func (db *DB) ObjectionsAt(ctx context.Context, t time.Time) (map[kori.Purpose]int, error) {
	m, err := db.lastConsents(ctx, "objection:%", t)
	if err != nil {
		return nil, err
	}
	out := map[kori.Purpose]int{}
	for k, n := range m {
		kind, value, _ := strings.Cut(k, "=")
		if value == "objects" {
			out[kori.Purpose(strings.TrimPrefix(kind, "objection:"))] += n
		}
	}
	return out, nil
}

// ConsentChanges counts the changes of choices made in [from, to), by
// "kind=new value"; the records made at enrolment are not changes.
func (db *DB) ConsentChanges(ctx context.Context, from, to time.Time) (map[string]int, error) {
	return countKindValues(db.read.QueryContext(ctx, db.q(`SELECT kind, to_value, COUNT(*) FROM consents
		WHERE at >= ? AND at < ? AND from_value <> '' AND kind NOT LIKE 'app:%' GROUP BY kind, to_value`), from.Unix(), to.Unix()))
}

// PurchasesOfYear counts the receipts and product lines stored now with
// purchase year y.
func (db *DB) PurchasesOfYear(ctx context.Context, y int) (receipts, lines int64, err error) {
	if err = db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM receipts WHERE year = ?`), y).Scan(&receipts); err != nil {
		return
	}
	err = db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM receipt_lines WHERE year = ?`), y).Scan(&lines)
	return
}

// ReadsByPurpose counts the reads of members' data by others in [from, to).
func (db *DB) ReadsByPurpose(ctx context.Context, from, to time.Time) (map[kori.Purpose]int, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT purpose, COUNT(*) FROM access_log WHERE at >= ? AND at < ? GROUP BY purpose`),
		from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[kori.Purpose]int{}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		out[kori.Purpose(p)] = n
	}
	return out, rows.Err()
}

// AuditEvents returns the audit log entries of the given kinds in [from, to).
func (db *DB) AuditEvents(ctx context.Context, kinds []string, from, to time.Time) ([]kori.AuditEvent, error) {
	args := []any{from.Unix(), to.Unix()}
	for _, k := range kinds {
		args = append(args, k)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT at, kind, detail FROM audit_log WHERE at >= ? AND at < ? AND kind IN (`+
		placeholders(len(kinds))+`) ORDER BY seq`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.AuditEvent
	for rows.Next() {
		var e kori.AuditEvent
		var at int64
		var detail string
		if err := rows.Scan(&at, &e.Kind, &detail); err != nil {
			return nil, err
		}
		e.At = fromUnix(at)
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
