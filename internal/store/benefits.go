package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"time"

	"github.com/kori-project/kori"
)

// Loyalty benefits: the chain's schemes (part of the catalogue, so that
// ingest sees a new one at once), each month's eligible sums per member,
// and the paid benefits. A paid benefit is written twice: the accounting
// record in benefit_payouts (no member identifier) and its link to the
// member in member_benefits, which erasure of the membership deletes.

// UpsertScheme stores a benefit scheme under the month it starts; a scheme
// of the same month is replaced.
func (db *DB) UpsertScheme(ctx context.Context, s kori.BenefitScheme) error {
	if err := s.Validate(); err != nil {
		return err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO benefit_schemes (valid_from, body, created_at) VALUES (?, ?, ?)
			ON CONFLICT (valid_from) DO UPDATE SET body = excluded.body, created_at = excluded.created_at`), s.ValidFrom, string(body), db.Clock.Now().Unix()); err != nil {
			return err
		}
		return db.bumpCatalogue(ctx, tx)
	})
}

// schemes reads the benefit schemes, oldest first.
func (db *DB) schemes(ctx context.Context) ([]kori.BenefitScheme, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT body FROM benefit_schemes ORDER BY valid_from`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.BenefitScheme
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var s kori.BenefitScheme
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// monthDays is the business-day range of a month (yyyymm).
func monthDays(month int) (int, int) { return month*100 + 1, month*100 + 31 }

// EligibleSums streams every member's eligible sum of a month (yyyymm),
// the members at level none aside (they keep no totals), in member order.
func (db *DB) EligibleSums(ctx context.Context, month int, fn func(kori.MemberID, kori.Money) error) error {
	from, to := monthDays(month)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT r.member_id, CAST(SUM(r.eligible_cents) AS BIGINT)
		FROM receipts r JOIN members m ON m.member_id = r.member_id
		WHERE r.year = ? AND r.business_day BETWEEN ? AND ? AND m.level <> 'none'
		GROUP BY r.member_id ORDER BY r.member_id`), month/100, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id kori.MemberID
		var sum int64
		if err := rows.Scan(&id, &sum); err != nil {
			return err
		}
		if err := fn(id, kori.Money(sum)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EligibleSum is one member's eligible sum of a month.
func (db *DB) EligibleSum(ctx context.Context, id kori.MemberID, month int) (kori.Money, error) {
	from, to := monthDays(month)
	var sum sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT SUM(eligible_cents) FROM receipts
		WHERE member_id = ? AND year = ? AND business_day BETWEEN ? AND ?`), id, month/100, from, to).Scan(&sum)
	return kori.Money(sum.Int64), err
}

// newPayoutRef is a random payout reference: it names the payment to the
// chain's payment system and says nothing about the member.
func newPayoutRef() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "KB" + base32.StdEncoding.EncodeToString(b)
}

// PayBenefits records a month's benefits in transactions of a few hundred,
// each member at most once a month: a member already paid for the month is
// left as they are, so a run that stopped half way is run again safely.
// It returns the benefits recorded now.
func (db *DB) PayBenefits(ctx context.Context, month int, bs []kori.PaidBenefit) (int, error) {
	now := db.Clock.Now().Unix()
	n := 0
	for start := 0; start < len(bs); start += 500 {
		chunk := bs[start:min(start+500, len(bs))]
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			for _, b := range chunk {
				ref := newPayoutRef()
				res, err := tx.ExecContext(ctx, db.q(`INSERT INTO member_benefits (member_id, month, payout_ref) VALUES (?, ?, ?)
					ON CONFLICT DO NOTHING`), b.MemberID, month, ref)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k == 0 {
					continue
				}
				if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO benefit_payouts (payout_ref, month, purchases_cents, rate_bp, amount_cents, created_at)
					VALUES (?, ?, ?, ?, ?, ?)`), ref, month, int64(b.Purchases), b.RateBP, int64(b.Amount), now); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// BenefitsOf returns the member's paid benefits, newest first.
func (db *DB) BenefitsOf(ctx context.Context, id kori.MemberID) ([]kori.PaidBenefit, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT payout_ref FROM member_benefits WHERE member_id = ? ORDER BY month DESC`), id)
	if err != nil {
		return nil, err
	}
	var refs []any
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			rows.Close()
			return nil, err
		}
		refs = append(refs, ref)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(refs) == 0 {
		return nil, err
	}
	out, err := db.payouts(ctx, `payout_ref IN (`+placeholders(len(refs))+`)`, refs...)
	for i := range out {
		out[i].MemberID = id
	}
	return out, err
}

// Payouts returns a month's paid benefits with the member each is for
// (0 once the membership is erased), in payout reference order.
func (db *DB) Payouts(ctx context.Context, month int) ([]kori.PaidBenefit, error) {
	out, err := db.payouts(ctx, `month = ?`, month)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT payout_ref, member_id FROM member_benefits WHERE month = ?`), month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	who := map[string]kori.MemberID{}
	for rows.Next() {
		var ref string
		var id kori.MemberID
		if err := rows.Scan(&ref, &id); err != nil {
			return nil, err
		}
		who[ref] = id
	}
	for i := range out {
		out[i].MemberID = who[out[i].PayoutRef]
	}
	return out, rows.Err()
}

func (db *DB) payouts(ctx context.Context, where string, args ...any) ([]kori.PaidBenefit, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT payout_ref, month, purchases_cents, rate_bp, amount_cents FROM benefit_payouts
		WHERE `+where+` ORDER BY month DESC, payout_ref`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.PaidBenefit
	for rows.Next() {
		var b kori.PaidBenefit
		if err := rows.Scan(&b.PayoutRef, &b.Month, (*int64)(&b.Purchases), &b.RateBP, (*int64)(&b.Amount)); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BenefitsPaid counts the benefits paid for the months of a year: how many
// and their sum.
func (db *DB) BenefitsPaid(ctx context.Context, year int) (n int64, sum kori.Money, err error) {
	var s sql.NullInt64
	err = db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*), SUM(amount_cents) FROM benefit_payouts WHERE month BETWEEN ? AND ?`),
		year*100+1, year*100+12).Scan(&n, &s)
	return n, kori.Money(s.Int64), err
}

// ExpireBenefits deletes the paid benefits whose keeping time is over at
// now: a benefit of year Y is kept through 31 December of Y + 6 (accounting
// vouchers) and deleted on 1 January of Y + 7. A dry run only counts them.
// A time rule, so a restored backup needs no journal for it: the next run
// deletes the same records again.
func (db *DB) ExpireBenefits(ctx context.Context, now time.Time, zone *time.Location, dryRun bool, who kori.Actor) (int64, error) {
	before := (now.In(zone).Year() - kori.BenefitKeepYears) * 100
	var n int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM benefit_payouts WHERE month < ?`), before).Scan(&n); err != nil || n == 0 || dryRun {
		return n, err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM member_benefits WHERE month < ?`), before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM benefit_payouts WHERE month < ?`), before); err != nil {
			return err
		}
		return db.audit(ctx, tx, db.Clock.Now(), "benefits_expired", who, 0, map[string]any{"before": before, "records": n})
	})
	return n, err
}
