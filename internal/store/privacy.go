package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kori-project/kori"
)

// purchaseTables hold a member's purchase data, derived tables first.
var purchaseTables = []string{"receipt_lines", "receipt_groups", "month_rollups", "receipts"}

// summaryTables are sums of month_rollups kept for fast reads: deleted
// with them, not counted in a deletion's evidence (the rollups they sum
// are).
var summaryTables = []string{"month_totals"}

// deleteSummaries deletes the member's rows of the summary tables, which
// a deletion's evidence does not count.
func (db *DB) deleteSummaries(ctx context.Context, tx *sql.Tx, id kori.MemberID) error {
	return db.deleteMemberRows(ctx, tx, id, summaryTables, map[string]int64{})
}

// derivedTables hold what is computed from a member's purchases for
// purposes they may object to: erased with the purchases.
var derivedTables = []string{"offers"}

// memberTables hold everything else about a member; the members row last.
// Data subject requests are not among them: their records stay, completed,
// as evidence that each was answered (see closeRequests).
// The link of each paid benefit to the member goes with the membership; the
// accounting record (benefit_payouts) stays, without any identifier.
var memberTables = []string{"sessions", "access_log", "outbox", "consents", "member_keys", "cards", "member_benefits",
	"household_members", "household_invites", "members"}

// grantTables are the member's app grants and their tokens: erasure of
// either scope revokes every grant, so they go in both.
var grantTables = []string{"app_tokens", "app_grants"}

// ChangeChoice records one of the member's choices and applies it at once,
// in one transaction: the consent record, the member row, and, when the
// level is lowered, the stored history rewritten to the new grain (product →
// group collapses lines into group sums computed from the catalogue, → total
// keeps receipt totals, → none deletes all purchase data). A raise changes
// nothing stored: it applies to new purchases only. It returns the consent
// record and the evidence of what the change deleted (nil if nothing).
func (db *DB) ChangeChoice(ctx context.Context, id kori.MemberID, c kori.Choice, who kori.Actor, cat *kori.Catalogue) (kori.Consent, *kori.Deletion, error) {
	if err := c.Validate(); err != nil {
		return kori.Consent{}, nil, err
	}
	at := db.Clock.Now()
	rec := kori.Consent{MemberID: id, At: at, Kind: c.Kind, To: c.To, Channel: who.Channel, Actor: who.Name}
	var del *kori.Deletion
	purge := false
	ev := kori.PrivacyEvent{At: at, Kind: kori.EventChoice, Member: id, Choice: &c, Actor: who}
	err := db.journaled(ctx, ev, func(tx *sql.Tx) error {
		var level string
		var objP, objA, ext bool
		err := tx.QueryRowContext(ctx, db.q(`SELECT level, objects_personalisation, objects_analytics, extended_retention
			FROM members WHERE member_id = ?`), id).Scan(&level, &objP, &objA, &ext)
		if err != nil {
			return notFound(err, "member not found")
		}
		onOff := func(b bool, on, off string) string {
			if b {
				return on
			}
			return off
		}
		var column string
		var value any
		switch c.Kind {
		case kori.ConsentLevel:
			rec.From, column, value = level, "level", c.To
		case kori.ConsentPersonalisation:
			rec.From, column, value = onOff(objP, "objects", "allows"), "objects_personalisation", c.To == "objects"
		case kori.ConsentAnalytics:
			rec.From, column, value = onOff(objA, "objects", "allows"), "objects_analytics", c.To == "objects"
		case kori.ConsentRetention:
			rec.From, column, value = onOff(ext, "on", "off"), "extended_retention", c.To == "on"
		}
		if rec.From == rec.To {
			return kori.Errorf(kori.ECONFLICT, "%s is already %s", c.Kind, c.To)
		}
		if err := db.insertConsent(ctx, tx, &rec); err != nil {
			return err
		}
		update := `UPDATE members SET ` + column + ` = ?, data_version = data_version + 1 WHERE member_id = ?`
		args := []any{value, id}
		if column == "level" {
			update, args = `UPDATE members SET level = ?, level_since = ?, data_version = data_version + 1 WHERE member_id = ?`, []any{value, at.Unix(), id}
		}
		if _, err := tx.ExecContext(ctx, db.q(update), args...); err != nil {
			return err
		}
		// Offers go the moment the member objects to personalisation or
		// lowers the level below what offers need.
		if c.Kind == kori.ConsentPersonalisation && c.To == "objects" || c.Kind == kori.ConsentLevel && (c.To == "total" || c.To == "none") {
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM offers WHERE member_id = ?`), id); err != nil {
				return err
			}
		}
		if c.Kind == kori.ConsentLevel {
			from, to := kori.Level(level), kori.Level(c.To)
			if !to.Allows(from) { // lowered
				rows, err := db.rewriteHistory(ctx, tx, id, to, cat)
				purge = len(rows) > 0
				if err != nil {
					return err
				}
				if len(rows) > 0 {
					del = &kori.Deletion{At: at, Reason: kori.ReasonDowngrade, MemberID: id, Scope: "purchases:" + string(to), Rows: rows}
					if err := db.recordDeletion(ctx, tx, del); err != nil {
						return err
					}
				}
			}
		}
		return db.audit(ctx, tx, at, "consent", who, id, map[string]any{"kind": rec.Kind, "from": rec.From, "to": rec.To, "seq": rec.Seq})
	})
	if err == nil && purge {
		err = db.d.purge(ctx, db.write)
	}
	return rec, del, err
}

// rewriteHistory brings a member's stored purchases down to the grain of a
// lower level and returns the rows it deleted per table.
func (db *DB) rewriteHistory(ctx context.Context, tx *sql.Tx, id kori.MemberID, to kori.Level, cat *kori.Catalogue) (map[string]int64, error) {
	rows := map[string]int64{}
	exec := func(table, query string, args ...any) error {
		res, err := tx.ExecContext(ctx, db.q(query), args...)
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if n, _ := res.RowsAffected(); n > 0 && table != "" {
			rows[table] += n
		}
		return nil
	}
	switch to {
	case kori.LevelGroup:
		// Lines become sums per group, with the figures the lines had: the
		// monthly rollups are per group already and stay as they are.
		if err := db.collapseLines(ctx, tx, id, cat); err != nil {
			return nil, err
		}
		if err := exec("receipt_lines", `DELETE FROM receipt_lines WHERE member_id = ?`, id); err != nil {
			return nil, err
		}
		if err := exec("", `UPDATE receipts SET grain = 'group' WHERE member_id = ? AND grain = 'product'`, id); err != nil {
			return nil, err
		}
	case kori.LevelTotal:
		for _, t := range []string{"receipt_lines", "receipt_groups", "month_rollups"} {
			if err := exec(t, `DELETE FROM `+t+` WHERE member_id = ?`, id); err != nil {
				return nil, err
			}
		}
		if err := db.deleteSummaries(ctx, tx, id); err != nil {
			return nil, err
		}
		if err := exec("", `UPDATE receipts SET grain = 'total' WHERE member_id = ? AND grain <> 'total'`, id); err != nil {
			return nil, err
		}
		// What is known at total: each month's money, not itemised.
		if err := exec("", `INSERT INTO month_rollups (member_id, year, month, group_code, amount_cents)
			SELECT member_id, year, (business_day / 100) % 100, ?, SUM(total_cents) FROM receipts WHERE member_id = ?
			GROUP BY member_id, year, (business_day / 100) % 100`, kori.NotItemised, id); err != nil {
			return nil, err
		}
		if err := exec("", `INSERT INTO month_totals (member_id, year, month, amount_cents)
			SELECT member_id, year, month, amount_cents FROM month_rollups WHERE member_id = ?`, id); err != nil {
			return nil, err
		}
	case kori.LevelNone:
		for _, t := range purchaseTables {
			if err := exec(t, `DELETE FROM `+t+` WHERE member_id = ?`, id); err != nil {
				return nil, err
			}
		}
		if err := db.deleteSummaries(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// collapseLines writes the group sums of the member's product-level
// receipts, computing each line's figures from the catalogue as ingest did.
func (db *DB) collapseLines(ctx context.Context, tx *sql.Tx, id kori.MemberID, cat *kori.Catalogue) error {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT receipt_id, year, kind, gtin, group_code, known, quantity, amount_cents, discount_cents
		FROM receipt_lines WHERE member_id = ? ORDER BY receipt_id, line_no`), id)
	if err != nil {
		return err
	}
	type receipt struct {
		id    int64
		year  int
		lines []kori.StoredLine
	}
	var rs []receipt
	for rows.Next() {
		var rid int64
		var year int
		var l kori.StoredLine
		if err := rows.Scan(&rid, &year, (*string)(&l.Kind), &l.GTIN, &l.Group, &l.Known, &l.Quantity, (*int64)(&l.Amount), (*int64)(&l.Discount)); err != nil {
			rows.Close()
			return err
		}
		p := cat.Products[l.GTIN]
		if !l.Known {
			p = nil
		}
		l.Figures = kori.LineFigures(l.Line, p, p != nil && cat.IsFood(p.Group))
		if n := len(rs); n == 0 || rs[n-1].id != rid {
			rs = append(rs, receipt{id: rid, year: year})
		}
		rs[len(rs)-1].lines = append(rs[len(rs)-1].lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ins := db.newBulkInsert(tx, "receipt_groups", groupColumns, "")
	defer ins.close()
	for _, r := range rs {
		for _, g := range kori.SumByGroup(r.lines) {
			if err := ins.add(ctx, append([]any{id, r.id, g.Group, r.year}, g.Figures.Values()...)...); err != nil {
				return err
			}
		}
	}
	return ins.flush(ctx)
}

// EraseMember deletes a member's purchase data (scope "purchases") or the
// whole membership (scope "member") from every table, and leaves the
// evidence. SQLite runs with secure_delete, so the bytes do not stay in free
// pages of the file.
func (db *DB) EraseMember(ctx context.Context, id kori.MemberID, scope string, reason kori.DeletionReason, who kori.Actor) (*kori.Deletion, error) {
	tables := append(append(append([]string{}, grantTables...), derivedTables...), purchaseTables...)
	switch scope {
	case "purchases":
	case "member":
		tables = append(tables, memberTables...)
	default:
		return nil, kori.Errorf(kori.EINVALID, "erasure scope %q is not purchases or member", scope)
	}
	del := &kori.Deletion{At: db.Clock.Now(), Reason: reason, MemberID: id, Scope: scope, Rows: map[string]int64{}}
	ev := kori.PrivacyEvent{At: del.At, Kind: kori.EventErasure, Member: id, Scope: scope, Reason: reason, Actor: who}
	err := db.journaled(ctx, ev, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM members WHERE member_id = ?`), id).Scan(&one); err != nil {
			return notFound(err, "member not found")
		}
		if scope == "member" {
			if err := db.closeRequests(ctx, tx, id, del.At, who); err != nil {
				return err
			}
		} else if err := db.touch(ctx, tx, id); err != nil {
			return err
		}
		if err := db.deleteMemberRows(ctx, tx, id, tables, del.Rows); err != nil {
			return err
		}
		if err := db.deleteSummaries(ctx, tx, id); err != nil {
			return err
		}
		// Invitations the member sent to others go with them. They are on
		// the invitees' shards, found only by asking every shard; a member
		// who sent one is in a household until leaving deletes them, so
		// only an erasure that took a household membership needs the
		// search (on Citus most erasures then stay on one shard).
		if del.Rows["household_members"] > 0 {
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM household_invites WHERE from_member = ?`), id); err != nil {
				return err
			}
		}
		if err := db.recordDeletion(ctx, tx, del); err != nil {
			return err
		}
		return db.audit(ctx, tx, del.At, "erasure", who, id, map[string]any{"scope": scope, "reason": reason, "rows": del.Rows})
	})
	if err != nil {
		return nil, err
	}
	return del, db.d.purge(ctx, db.write)
}

// insertConsent records a consent change as the member's next one, setting
// its Seq.
func (db *DB) insertConsent(ctx context.Context, tx *sql.Tx, rec *kori.Consent) error {
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COALESCE(MAX(seq), 0) + 1 FROM consents WHERE member_id = ?`), rec.MemberID).Scan(&rec.Seq); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO consents (member_id, seq, at, kind, from_value, to_value, channel, actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), rec.MemberID, rec.Seq, rec.At.Unix(), string(rec.Kind), rec.From, rec.To, rec.Channel, rec.Actor)
	return err
}

func (db *DB) deleteMemberRows(ctx context.Context, tx *sql.Tx, id kori.MemberID, tables []string, counts map[string]int64) error {
	for _, t := range tables {
		if t == "member_keys" {
			// By its keys: member_keys is distributed by the key, so a
			// member_id filter would visit every shard.
			n, err := db.deleteMemberKeys(ctx, tx, id)
			if err != nil {
				return fmt.Errorf("erase member_keys: %w", err)
			}
			if n > 0 {
				counts[t] += n
			}
			continue
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM `+t+` WHERE member_id = ?`), id)
		if err != nil {
			return fmt.Errorf("erase %s: %w", t, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			counts[t] += n
		}
	}
	return nil
}

// deleteMemberKeys deletes the lookup keys of a member (customer number,
// e-mail, card numbers), each by its key so that every delete goes to one
// shard; the keys are read from the member's own rows first.
func (db *DB) deleteMemberKeys(ctx context.Context, tx *sql.Tx, id kori.MemberID) (int64, error) {
	type key struct{ kind, lookup string }
	var keys []key
	var ref, email sql.NullString
	if err := tx.QueryRowContext(ctx, db.q(`SELECT ref, email FROM members WHERE member_id = ?`), id).Scan(&ref, &email); err != nil && err != sql.ErrNoRows {
		return 0, err
	}
	if ref.Valid {
		keys = append(keys, key{"ref", ref.String})
	}
	if email.Valid {
		keys = append(keys, key{"email", email.String})
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT card_number FROM cards WHERE member_id = ?`), id)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, err
		}
		keys = append(keys, key{"card", c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var n int64
	for _, k := range keys {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM member_keys WHERE lookup = ? AND kind = ? AND member_id = ?`), k.lookup, k.kind, id)
		if err != nil {
			return n, err
		}
		m, _ := res.RowsAffected()
		n += m
	}
	return n, nil
}

// recordDeletion writes the evidence of a deletion.
func (db *DB) recordDeletion(ctx context.Context, tx *sql.Tx, d *kori.Deletion) error {
	counts, err := json.Marshal(d.Rows)
	if err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, db.q(`INSERT INTO deletions (at, reason, member_id, scope, row_counts) VALUES (?, ?, ?, ?, ?)
		RETURNING deletion_id`), d.At.Unix(), string(d.Reason), d.MemberID, d.Scope, string(counts)).Scan(&d.ID)
}

// Deletions returns the evidence of deletions made at or after since, oldest first.
func (db *DB) Deletions(ctx context.Context, since time.Time) ([]kori.Deletion, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT deletion_id, at, reason, member_id, scope, row_counts FROM deletions
		WHERE at >= ? ORDER BY deletion_id`), since.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.Deletion
	for rows.Next() {
		var d kori.Deletion
		var at int64
		var reason, counts string
		if err := rows.Scan(&d.ID, &at, &reason, &d.MemberID, &d.Scope, &counts); err != nil {
			return nil, err
		}
		d.At, d.Reason = fromUnix(at), kori.DeletionReason(reason)
		if err := json.Unmarshal([]byte(counts), &d.Rows); err != nil {
			return nil, fmt.Errorf("deletion %d: %w", d.ID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Consents returns a member's consent records in order.
func (db *DB) Consents(ctx context.Context, id kori.MemberID) ([]kori.Consent, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT seq, at, kind, from_value, to_value, channel, actor FROM consents
		WHERE member_id = ? ORDER BY seq`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.Consent
	for rows.Next() {
		c := kori.Consent{MemberID: id}
		var at int64
		var kind string
		if err := rows.Scan(&c.Seq, &at, &kind, &c.From, &c.To, &c.Channel, &c.Actor); err != nil {
			return nil, err
		}
		c.At, c.Kind = fromUnix(at), kori.ConsentKind(kind)
		out = append(out, c)
	}
	return out, rows.Err()
}

// --- Audit log ----------------------------------------------------------------

// AuditEntry is one link of the hash-chained audit log.
type AuditEntry struct {
	Seq      int64
	At       time.Time
	Kind     string
	Actor    string
	MemberID kori.MemberID
	Detail   string // JSON
	PrevHash string
	Hash     string
}

// chainHash is the hash of an entry: SHA-256 over the previous hash and the
// entry's fields, each on its own line.
func chainHash(e AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At.Unix(), 10), e.Kind, e.Actor,
		strconv.FormatInt(int64(e.MemberID), 10), e.Detail} {
		h.Write([]byte(f))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends an entry to the audit log inside tx. Appends are serialised
// (SQLite has one writer; PostgreSQL takes a transaction lock), so the
// chain has no forks.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, at time.Time, kind string, who kori.Actor, member kori.MemberID, detail map[string]any) error {
	if err := db.d.serialize(ctx, tx, "audit_log"); err != nil {
		return err
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	e := AuditEntry{At: at, Kind: kind, Actor: who.String(), MemberID: member, Detail: string(b)}
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	e.Seq++
	e.Hash = chainHash(e)
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO audit_log (seq, at, kind, actor, member_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), e.Seq, e.At.Unix(), e.Kind, e.Actor, e.MemberID, e.Detail, e.PrevHash, e.Hash)
	return err
}

// Audit appends an entry in its own transaction, for events that change
// nothing else (an export, an admin's read).
func (db *DB) Audit(ctx context.Context, kind string, who kori.Actor, member kori.MemberID, detail map[string]any) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.audit(ctx, tx, db.Clock.Now(), kind, who, member, detail) })
}

// AuditProblem is a break in the audit chain.
type AuditProblem struct {
	Seq     int64
	Problem string
}

// VerifyAudit walks the audit log and reports every entry whose hash does
// not match its content (edited), whose link does not match the entry
// before it, or that is missing from the sequence (removed). It returns the
// number of entries and the hash of the last, which an operator can keep
// elsewhere to detect a cut-off tail.
func (db *DB) VerifyAudit(ctx context.Context) (n int64, head string, problems []AuditProblem, err error) {
	rows, err := db.read.QueryContext(ctx, `SELECT seq, at, kind, actor, member_id, detail, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, "", nil, err
	}
	defer rows.Close()
	var prev AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.Actor, &e.MemberID, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return n, head, problems, err
		}
		e.At = time.Unix(at, 0)
		switch {
		case e.Seq != prev.Seq+1:
			problems = append(problems, AuditProblem{e.Seq, fmt.Sprintf("entries %d to %d are missing", prev.Seq+1, e.Seq-1)})
		case e.PrevHash != prev.Hash:
			problems = append(problems, AuditProblem{e.Seq, "does not link to the entry before it"})
		}
		if chainHash(e) != e.Hash {
			problems = append(problems, AuditProblem{e.Seq, "content does not match its hash (edited)"})
		}
		prev = e
		n++
	}
	return n, prev.Hash, problems, rows.Err()
}

// --- Backups --------------------------------------------------------------------

// Backup writes a consistent copy of a SQLite database to path while it is
// in use (VACUUM INTO reads one snapshot), and records in the copy when it
// was taken and the privacy journal's last entry at that moment (the
// journal is held meanwhile, so no privacy event commits between the two):
// restore replays the journal from there. PostgreSQL is backed up with its
// own tools (pg_dump, base backups), and kori reapply replays by time.
func (db *DB) Backup(ctx context.Context, path string, j Holder) (time.Time, error) {
	if db.d.name() != "sqlite" {
		return time.Time{}, kori.Errorf(kori.EINVALID, "kori backup and restore handle SQLite databases; back PostgreSQL up with pg_dump or base backups")
	}
	taken := db.Clock.Now()
	head := int64(-1)
	copyNow := func(h int64) error {
		head = h
		if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
			return fmt.Errorf("backup to %s: %w", path, err)
		}
		return nil
	}
	var err error
	if j != nil {
		err = j.Hold(copyNow)
	} else {
		err = copyNow(-1)
	}
	if err != nil {
		return taken, err
	}
	copy, err := Open(ctx, path)
	if err != nil {
		return taken, err
	}
	defer copy.Close()
	for key, value := range map[string]int64{"backup_taken_at": taken.Unix(), "backup_journal_seq": head} {
		if _, err := copy.write.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, strconv.FormatInt(value, 10)); err != nil {
			return taken, err
		}
	}
	return taken, nil
}

// Holder holds the privacy journal while a backup is copied.
type Holder interface {
	Hold(fn func(head int64) error) error
}

// BackupPoint returns when the backup this database is (or was restored
// from) was taken, and the privacy journal's last entry then (-1 if the
// backup was taken without a journal); zero time if it is not a backup.
func (db *DB) BackupPoint(ctx context.Context) (time.Time, int64, error) {
	get := func(key string) (int64, bool, error) {
		var v string
		err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
		if err == sql.ErrNoRows {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, true, err
	}
	taken, ok, err := get("backup_taken_at")
	if err != nil || !ok {
		return time.Time{}, -1, err
	}
	seq, ok, err := get("backup_journal_seq")
	if !ok {
		seq = -1
	}
	return fromUnix(taken), seq, err
}

// Replay repeats privacy events from the journal on this database (a
// restored backup), in order, each at its own time and by its own actor,
// so that the result equals the lost database: choices are made again
// (lowered levels rewrite history again), erasures and inactivity
// deletions erase again, retention runs again where it ran. Events that no
// longer apply (the member is gone, the choice is already so) are skipped.
// The database must have no Journal: the events are in it already.
func (db *DB) Replay(ctx context.Context, events []kori.PrivacyEvent, cat *kori.Catalogue) (applied int, err error) {
	if db.Journal != nil {
		return 0, fmt.Errorf("replay on a database that journals its own events would journal them twice")
	}
	clock := db.Clock
	defer func() { db.Clock = clock }()
	for _, ev := range events {
		db.Clock = kori.FixedClock(ev.At)
		var err error
		switch ev.Kind {
		case kori.EventChoice:
			if ev.Choice == nil {
				err = fmt.Errorf("no choice")
				break
			}
			_, _, err = db.ChangeChoice(ctx, ev.Member, *ev.Choice, ev.Actor, cat)
		case kori.EventErasure:
			_, err = db.EraseMember(ctx, ev.Member, ev.Scope, ev.Reason, ev.Actor)
		case kori.EventRetention:
			_, err = db.Retention(ctx, ev.OldestKept, false, ev.Actor)
		case kori.EventRevokeGrant:
			err = db.RevokeGrant(ctx, ev.Member, ev.Grant, ev.Actor)
		default:
			err = fmt.Errorf("unknown kind %q", ev.Kind)
		}
		if code := kori.ErrorCode(err); code == kori.ENOTFOUND || code == kori.ECONFLICT {
			continue
		}
		if err != nil {
			return applied, fmt.Errorf("replaying journal entry %d (%s of member %d): %w", ev.Seq, ev.Kind, ev.Member, err)
		}
		applied++
	}
	return applied, nil
}

// --- Access log and data subject requests ---------------------------------------

// LogAccess records a read of a member's data by someone other than them.
func (db *DB) LogAccess(ctx context.Context, id kori.MemberID, who kori.Actor, purpose kori.Purpose, what string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		aid, err := db.allocID(ctx, tx, "access")
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO access_log (member_id, access_id, at, actor, purpose, what) VALUES (?, ?, ?, ?, ?, ?)`),
			id, aid, db.Clock.Now().Unix(), who.String(), string(purpose), what)
		return err
	})
}

// AccessLog returns the reads of a member's data by others, newest first.
func (db *DB) AccessLog(ctx context.Context, id kori.MemberID) ([]kori.Access, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT at, actor, purpose, what FROM access_log WHERE member_id = ?
		ORDER BY at DESC, access_id DESC LIMIT 1000`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.Access
	for rows.Next() {
		var a kori.Access
		var at int64
		var purpose string
		if err := rows.Scan(&at, &a.Actor, &purpose, &a.What); err != nil {
			return nil, err
		}
		a.At, a.Purpose = fromUnix(at), kori.Purpose(purpose)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateRequest records a data subject request, due in one month.
func (db *DB) CreateRequest(ctx context.Context, id kori.MemberID, kind kori.RequestKind, who kori.Actor) (kori.Request, error) {
	if err := kind.Validate(); err != nil {
		return kori.Request{}, err
	}
	now := db.Clock.Now()
	r := kori.Request{MemberID: id, Kind: kind, Status: "open", CreatedAt: now, DueAt: now.AddDate(0, kori.RequestDeadline, 0)}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM members WHERE member_id = ?`), id).Scan(&one); err != nil {
			return notFound(err, "member not found")
		}
		var err error
		if r.ID, err = db.allocID(ctx, tx, "dsr"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO dsr_requests (member_id, request_id, kind, status, created_at, due_at)
			VALUES (?, ?, ?, 'open', ?, ?)`), id, r.ID, string(kind), now.Unix(), r.DueAt.Unix()); err != nil {
			return err
		}
		return db.audit(ctx, tx, now, "dsr_created", who, id, map[string]any{"request": r.ID, "kind": kind, "due": r.DueAt.Unix()})
	})
	return r, err
}

// CompleteRequest marks a request done. The audit log keeps its kind and
// times even after an erasure removes the request with the member.
func (db *DB) CompleteRequest(ctx context.Context, id kori.MemberID, request int64, who kori.Actor) error {
	now := db.Clock.Now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var kind string
		var created int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT kind, created_at FROM dsr_requests WHERE member_id = ? AND request_id = ? AND status = 'open'`),
			id, request).Scan(&kind, &created)
		if err != nil {
			return notFound(err, "no open request %d of member %d", request, id)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE dsr_requests SET status = 'done', completed_at = ? WHERE member_id = ? AND request_id = ?`),
			now.Unix(), id, request); err != nil {
			return err
		}
		return db.audit(ctx, tx, now, "dsr_completed", who, id, map[string]any{"request": request, "kind": kind,
			"created": created, "seconds": now.Unix() - created})
	})
}

// closeRequests completes a leaving member's open requests with the
// erasure as their outcome.
func (db *DB) closeRequests(ctx context.Context, tx *sql.Tx, id kori.MemberID, now time.Time, who kori.Actor) error {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT request_id, kind, created_at FROM dsr_requests WHERE member_id = ? AND status = 'open'
		ORDER BY request_id`), id)
	if err != nil {
		return err
	}
	type open struct {
		id      int64
		kind    string
		created int64
	}
	var rs []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.kind, &o.created); err != nil {
			rows.Close()
			return err
		}
		rs = append(rs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range rs {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE dsr_requests SET status = 'done', completed_at = ?, outcome = 'erasure'
			WHERE member_id = ? AND request_id = ?`), now.Unix(), id, o.id); err != nil {
			return err
		}
		if err := db.audit(ctx, tx, now, "dsr_completed", who, id, map[string]any{"request": o.id, "kind": o.kind,
			"created": o.created, "seconds": now.Unix() - o.created, "outcome": "erasure"}); err != nil {
			return err
		}
	}
	return nil
}

// Requests lists data subject requests, open ones first, each by deadline.
func (db *DB) Requests(ctx context.Context) ([]kori.Request, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT request_id, member_id, kind, status, outcome, created_at, due_at, completed_at FROM dsr_requests
		ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, due_at, request_id LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.Request
	for rows.Next() {
		var r kori.Request
		var kind string
		var created, due, done int64
		if err := rows.Scan(&r.ID, &r.MemberID, &kind, &r.Status, &r.Outcome, &created, &due, &done); err != nil {
			return nil, err
		}
		r.Kind, r.CreatedAt, r.DueAt, r.CompletedAt = kori.RequestKind(kind), fromUnix(created), fromUnix(due), fromUnix(done)
		out = append(out, r)
	}
	return out, rows.Err()
}
