package store

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/kori-project/kori"
)

// RecomputeSummary is what a recomputation did.
type RecomputeSummary struct {
	Members, Months, Lines int
}

// RecomputePending reports whether a catalogue correction waits to reach
// the rollups.
func (db *DB) RecomputePending(ctx context.Context) (bool, error) {
	_, ok, err := db.recomputeCursor(ctx)
	return ok, err
}

func (db *DB) recomputeCursor(ctx context.Context) (kori.MemberID, bool, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'recompute_from'`).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, false, nil
	} else if err != nil {
		return 0, false, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return kori.MemberID(n), true, err
}

// recomputePage is how many members one step of a recomputation takes
// before it records how far it got.
const recomputePage = 200

// Recompute rebuilds the monthly rollups of members' purchases from what is
// held: product lines from the catalogue as it is now, group sums as they
// were stored (a group-level member's figures stay those computed at write
// time), totals as they are. With only set it does that one member;
// otherwise every member with receipts, in member order, recording after
// each page how far it got, so that a run stopped midway resumes where it
// was (the mark a catalogue correction leaves is cleared at the end).
// progress, if not nil, is told the members done of the total.
func (db *DB) Recompute(ctx context.Context, cat *kori.Catalogue, only kori.MemberID, progress func(done, total int)) (RecomputeSummary, error) {
	var sum RecomputeSummary
	if only != 0 {
		months, lines, err := db.recomputeMember(ctx, only, cat)
		if months > 0 {
			sum.Members = 1
		}
		sum.Months, sum.Lines = months, lines
		return sum, err
	}
	from, _, err := db.recomputeCursor(ctx)
	if err != nil {
		return sum, err
	}
	var total int
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM members WHERE member_id > ?`), from).Scan(&total); err != nil {
		return sum, err
	}
	for {
		ids, err := scanMemberIDs(db.read.QueryContext(ctx, db.q(`SELECT member_id FROM members WHERE member_id > ? ORDER BY member_id LIMIT ?`),
			from, recomputePage))
		if err != nil {
			return sum, err
		}
		for _, id := range ids {
			months, lines, err := db.recomputeMember(ctx, id, cat)
			if err != nil {
				return sum, err
			}
			if months > 0 {
				sum.Members++
			}
			sum.Months += months
			sum.Lines += lines
		}
		if len(ids) == 0 {
			_, err := db.write.ExecContext(ctx, `DELETE FROM meta WHERE key = 'recompute_from'`)
			return sum, err
		}
		from = ids[len(ids)-1]
		if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO meta (key, value) VALUES ('recompute_from', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`), strconv.FormatInt(int64(from), 10)); err != nil {
			return sum, err
		}
		if progress != nil {
			progress(min(sum.Members, total), total)
		}
	}
}

// recomputeMember rebuilds the months of one member's rollups that hold
// product-level receipts, in one transaction, and returns the months and
// lines it went through.
func (db *DB) recomputeMember(ctx context.Context, id kori.MemberID, cat *kori.Catalogue) (months, lines int, err error) {
	// Only months with product-level receipts can change; the others are
	// left exactly as stored.
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT DISTINCT year, (business_day / 100) % 100 FROM receipts
		WHERE member_id = ? AND grain = 'product' ORDER BY 1, 2`), id)
	if err != nil {
		return 0, 0, err
	}
	type ym struct{ y, m int }
	var all []ym
	for rows.Next() {
		var x ym
		if err := rows.Scan(&x.y, &x.m); err != nil {
			rows.Close()
			return 0, 0, err
		}
		all = append(all, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(all) == 0 {
		return 0, 0, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		for _, x := range all {
			n, err := db.rebuildMonth(ctx, tx, id, x.y, x.m, cat)
			if err != nil {
				return err
			}
			lines += n
		}
		return db.touch(ctx, tx, id)
	})
	return len(all), lines, err
}
