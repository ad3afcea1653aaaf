package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kori-project/kori"
	"golang.org/x/sync/errgroup"
)

// retentionBatch is how many members' rows of a year one transaction
// deletes where the engine cannot drop the year at once, so that ingest is
// never held up for long.
const retentionBatch = 200

// Retention deletes the purchase data of every year before oldestKept, with
// its derived rows, except that of members who chose extended retention.
// With dryRun it deletes nothing and returns exactly what would go. It
// returns one piece of evidence per year.
//
// Who has extended retention is read once, at the run's place in the
// privacy journal (the journal is held while it is read), and that set is
// kept throughout: a replay of the journal on a restored backup reads the
// same set at the same place, so it deletes exactly what this run deleted,
// member by member, whatever choices change while the deletion runs.
func (db *DB) Retention(ctx context.Context, oldestKept int, dryRun bool, who kori.Actor) (_ []kori.Deletion, err error) {
	// The job's statements visit every shard on Citus: they go over one
	// connection, set up for them once (dialect.forJob).
	job, err := db.read.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer job.Close()
	reset, err := db.d.forJob(ctx, job)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := reset(); err == nil {
			err = rerr
		}
	}()
	years, empty, err := db.yearsBefore(ctx, job, oldestKept)
	if err != nil {
		return nil, err
	}
	if len(empty) > 0 && !dryRun {
		// A year emptied on an earlier night: its partitions go. Nothing
		// personal is deleted, so there is no evidence to keep.
		dropped, err := db.d.dropEmptyYears(ctx, job, empty)
		for _, y := range dropped {
			kori.ReportProgress(ctx, fmt.Sprintf("empty partitions of %d dropped", y), 1, 1)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(years) == 0 {
		return nil, nil
	}
	now := db.Clock.Now()
	var keep map[kori.MemberID]bool
	if dryRun || db.Journal == nil {
		keep, err = db.extendedMembers(ctx, job)
	} else {
		var commit kori.JournalCommit
		commit, err = db.Journal.Begin(kori.PrivacyEvent{At: now, Kind: kori.EventRetention, OldestKept: oldestKept, Actor: who})
		if err != nil {
			return nil, err
		}
		keep, err = db.extendedMembers(ctx, job)
		if derr := commit.Done(err == nil); err == nil {
			err = derr
		}
	}
	if err != nil {
		return nil, err
	}
	var out []kori.Deletion
	for _, y := range years {
		d := kori.Deletion{At: now, Reason: kori.ReasonRetention, Scope: fmt.Sprintf("year:%d", y), Rows: map[string]int64{}}
		step := fmt.Sprintf("retention %d", y)
		const steps = 3 // counted, deleted, recorded
		kori.ReportProgress(ctx, step, 0, steps)
		for _, t := range purchaseTables {
			n, err := db.countYear(ctx, job, t, y, keep)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				d.Rows[t] = n
			}
		}
		if len(d.Rows) == 0 {
			continue // only extended-retention members' rows are left
		}
		kori.ReportProgress(ctx, step, 1, steps)
		if !dryRun {
			// The cache epoch, the evidence and the audit entry: in the
			// deletion's own transaction where the engine drops the year
			// at once, else in one of their own after it.
			record := func(tx *sql.Tx) error {
				if err := db.touchAll(ctx, tx); err != nil {
					return err
				}
				if err := db.recordDeletion(ctx, tx, &d); err != nil {
					return err
				}
				return db.audit(ctx, tx, d.At, "retention", who, 0, map[string]any{"year": y, "rows": d.Rows})
			}
			if err := db.deleteYear(ctx, job, y, keep, record); err != nil {
				return nil, fmt.Errorf("retention of %d: %w", y, err)
			}
			kori.ReportProgress(ctx, step, 2, steps)
		}
		kori.ReportProgress(ctx, step, steps, steps)
		out = append(out, d)
	}
	if len(out) > 0 && !dryRun {
		return out, db.d.purge(ctx, db.write)
	}
	return out, nil
}

// extendedMembers returns the members who chose extended retention.
func (db *DB) extendedMembers(ctx context.Context, q querier) (map[kori.MemberID]bool, error) {
	ids, err := scanMemberIDs(q.QueryContext(ctx, db.q(`SELECT member_id FROM members WHERE extended_retention = ?`), true))
	if err != nil {
		return nil, err
	}
	out := make(map[kori.MemberID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// countYear counts the rows of year in table that retention deletes: all
// of them less those of the members kept, counted in the same statement
// (on Citus each is a round of tasks on every shard), in batches when the
// kept are many.
func (db *DB) countYear(ctx context.Context, q querier, table string, year int, keep map[kori.MemberID]bool) (int64, error) {
	ids := memberArgs(keep)
	var n int64
	for from := 0; from == 0 || from < len(ids); from += retentionBatch {
		batch := ids[from:min(from+retentionBatch, len(ids))]
		all, kept := `0`, `0`
		if from == 0 {
			all = `COUNT(*)`
		}
		if len(batch) > 0 {
			kept = `COUNT(CASE WHEN member_id IN (` + placeholders(len(batch)) + `) THEN 1 END)`
		}
		var rows, keptRows int64
		if err := q.QueryRowContext(ctx, db.q(`SELECT `+all+`, `+kept+` FROM `+table+` WHERE year = ?`),
			append(slices.Clip(batch), year)...).Scan(&rows, &keptRows); err != nil {
			return 0, err
		}
		n += rows - keptRows
	}
	return n, nil
}

func memberArgs(set map[kori.MemberID]bool) []any {
	out := make([]any, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	return out
}

// yearsBefore lists the purchase years held that are older than year, and
// where the engine partitions by year, the older years whose partitions
// are empty.
func (db *DB) yearsBefore(ctx context.Context, job *sql.Conn, year int) (held, empty []int, err error) {
	if held, empty, done, err := db.d.yearsBefore(ctx, job, year); done || err != nil {
		return held, empty, err
	}
	rows, err := job.QueryContext(ctx, db.q(`SELECT DISTINCT year FROM receipts WHERE year < ?
		UNION SELECT DISTINCT year FROM month_rollups WHERE year < ? ORDER BY 1`), year, year)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, nil, err
		}
		held = append(held, y)
	}
	return held, nil, rows.Err()
}

// deleteYear removes one purchase year of every member not in keep: on
// PostgreSQL by emptying the year's partitions after moving the kept
// members' rows aside (time independent of the year's size), elsewhere in
// batches of members.
func (db *DB) deleteYear(ctx context.Context, job *sql.Conn, year int, keep map[kori.MemberID]bool, record func(*sql.Tx) error) error {
	kept := make([]int64, 0, len(keep))
	for id := range keep {
		kept = append(kept, int64(id))
	}
	if done, err := db.d.dropYear(ctx, job, year, kept, record); done || err != nil {
		return err
	}
	rows, err := job.QueryContext(ctx, db.q(`SELECT DISTINCT member_id FROM receipts WHERE year = ?
		UNION SELECT DISTINCT member_id FROM month_rollups WHERE year = ?`), year, year)
	if err != nil {
		return err
	}
	var ids []any
	for rows.Next() {
		var id kori.MemberID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if !keep[id] {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for from := 0; from < len(ids); from += retentionBatch {
		batch := ids[from:min(from+retentionBatch, len(ids))]
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			for _, t := range append(purchaseTables, summaryTables...) {
				args := append([]any{year}, batch...)
				if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM `+t+` WHERE year = ? AND member_id IN (`+placeholders(len(batch))+`)`), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return db.inTx(ctx, record)
}

// Inactivity applies the inactivity rule at now: members whose last card use
// (or enrolment in Kori, if later) is InactiveMonths or more ago are
// deleted with all their data; those within NoticeMonths of it get a notice
// in the outbox, once. Notices of members who have since used their card are
// withdrawn. With dryRun nothing is written.
func (db *DB) Inactivity(ctx context.Context, now time.Time, zone *time.Location, dryRun bool, who kori.Actor) (kori.InactivityOutcome, error) {
	var out kori.InactivityOutcome
	cutoff := kori.InactiveSince(now, zone).Unix()
	noticeFrom := kori.InactiveSince(now.AddDate(0, kori.NoticeMonths, 0), zone).Unix()
	const activity = `CASE WHEN last_card_use > enrolled_at THEN last_card_use ELSE enrolled_at END`
	type member struct {
		id   kori.MemberID
		last int64
	}
	query := func(where string, args ...any) ([]member, error) {
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT member_id, `+activity+` FROM members WHERE `+where+` ORDER BY member_id`), args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ms []member
		for rows.Next() {
			var m member
			if err := rows.Scan(&m.id, &m.last); err != nil {
				return nil, err
			}
			ms = append(ms, m)
		}
		return ms, rows.Err()
	}
	if !dryRun {
		// A member who used their card again is no longer due a notice.
		if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM outbox WHERE kind = 'inactivity_notice' AND sent_at = 0 AND member_id IN
			(SELECT member_id FROM members WHERE `+activity+` > ?)`), noticeFrom); err != nil {
			return out, err
		}
	}
	gone, err := query(activity+` <= ?`, cutoff)
	if err != nil {
		return out, err
	}
	soon, err := query(activity+` > ? AND `+activity+` <= ? AND member_id NOT IN
		(SELECT member_id FROM outbox WHERE kind = 'inactivity_notice')`, cutoff, noticeFrom)
	if err != nil {
		return out, err
	}
	if dryRun {
		for _, m := range gone {
			out.Erased = append(out.Erased, kori.Deletion{Reason: kori.ReasonInactivity, MemberID: m.id, Scope: "member"})
		}
	} else {
		// Members are erased jobWorkers at a time, each in its own
		// transaction: their rows go in parallel, while the audit chain and
		// the journal take their entries one at a time at the end of each.
		erased := make([]*kori.Deletion, len(gone))
		var mu sync.Mutex // progress
		done := 0
		kori.ReportProgress(ctx, "inactivity", 0, len(gone))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(db.jobWorkers())
		for i, m := range gone {
			g.Go(func() error {
				d, err := db.EraseMember(gctx, m.id, "member", kori.ReasonInactivity, who)
				if err != nil {
					return err
				}
				erased[i] = d
				mu.Lock()
				defer mu.Unlock()
				done++
				kori.ReportProgress(ctx, "inactivity", done, len(gone))
				return nil
			})
		}
		err := g.Wait()
		for _, d := range erased {
			if d != nil {
				out.Erased = append(out.Erased, *d) // in member order, as far as it got
			}
		}
		if err != nil {
			return out, err
		}
	}
	kori.ReportProgress(ctx, "inactivity", len(gone), len(gone))
	for _, m := range soon {
		out.Notified = append(out.Notified, m.id)
	}
	if dryRun {
		return out, nil
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		for _, m := range soon {
			due := time.Unix(m.last, 0).In(zone).AddDate(0, kori.InactiveMonths, 0)
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO outbox (member_id, kind, due_at, created_at) VALUES (?, 'inactivity_notice', ?, ?)`),
				m.id, due.Unix(), now.Unix()); err != nil {
				return err
			}
		}
		if len(soon) > 0 {
			return db.audit(ctx, tx, now, "inactivity_notice", who, 0, map[string]any{"members": len(soon)})
		}
		return nil
	})
	return out, err
}

// OutboxMessage is a message waiting for the mail system.
type OutboxMessage struct {
	MemberID  kori.MemberID
	Kind      string
	DueAt     time.Time
	CreatedAt time.Time
}

// Outbox lists the messages not yet sent.
func (db *DB) Outbox(ctx context.Context) ([]OutboxMessage, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT member_id, kind, due_at, created_at FROM outbox WHERE sent_at = 0 ORDER BY created_at, member_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var m OutboxMessage
		var due, created int64
		if err := rows.Scan(&m.MemberID, &m.Kind, &due, &created); err != nil {
			return nil, err
		}
		m.DueAt, m.CreatedAt = fromUnix(due), fromUnix(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteYearPlain deletes a purchase year with plain DELETE statements in
// one transaction, ignoring extended retention: the baseline the
// benchmark compares partition replacement with. Not used by Kori itself.
func (db *DB) DeleteYearPlain(ctx context.Context, year int) (map[string]int64, error) {
	rows := map[string]int64{}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, t := range append(purchaseTables, summaryTables...) {
			res, err := tx.ExecContext(ctx, db.q(`DELETE FROM `+t+` WHERE year = ?`), year)
			if err != nil {
				return err
			}
			if !slices.Contains(summaryTables, t) {
				rows[t], _ = res.RowsAffected()
			}
		}
		return nil
	})
	return rows, err
}
