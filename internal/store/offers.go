package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kori-project/kori"
)

// UpsertCampaigns adds or replaces campaigns.
func (db *DB) UpsertCampaigns(ctx context.Context, cs []kori.Campaign) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, c := range cs {
			if err := c.Validate(); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO campaigns (campaign_id, name_fi, name_en, gtin, group_code, discount_pct, valid_from, valid_to)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id) DO UPDATE SET name_fi = excluded.name_fi, name_en = excluded.name_en,
				gtin = excluded.gtin, group_code = excluded.group_code, discount_pct = excluded.discount_pct,
				valid_from = excluded.valid_from, valid_to = excluded.valid_to`),
				c.ID, c.NameFi, c.NameEn, c.GTIN, c.Group, c.DiscountPct, c.ValidFrom.Unix(), c.ValidTo.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Campaigns returns the campaigns running at t (all when t is zero).
func (db *DB) Campaigns(ctx context.Context, t time.Time) ([]kori.Campaign, error) {
	where, args := ``, []any{}
	if !t.IsZero() {
		where, args = ` WHERE valid_from <= ? AND valid_to > ?`, []any{t.Unix(), t.Unix()}
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT campaign_id, name_fi, name_en, gtin, group_code, discount_pct, valid_from, valid_to
		FROM campaigns`+where+` ORDER BY campaign_id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.Campaign
	for rows.Next() {
		var c kori.Campaign
		var from, to int64
		if err := rows.Scan(&c.ID, &c.NameFi, &c.NameEn, &c.GTIN, &c.Group, &c.DiscountPct, &from, &to); err != nil {
			return nil, err
		}
		c.ValidFrom, c.ValidTo = fromUnix(from), fromUnix(to)
		out = append(out, c)
	}
	return out, rows.Err()
}

// PurchaseDays returns the days since the given business day (yyyymmdd) on
// which the member bought something: a product at product level, a group at
// group level, one row per line or group sum.
func (db *DB) PurchaseDays(ctx context.Context, id kori.MemberID, sinceDay int, zone *time.Location) ([]kori.PurchaseDay, error) {
	year := sinceDay / 10000
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT l.gtin, l.group_code, r.business_day FROM receipt_lines l
		JOIN receipts r ON r.member_id = l.member_id AND r.receipt_id = l.receipt_id
		WHERE l.member_id = ? AND l.year >= ? AND r.business_day >= ? AND l.kind = 'product' AND r.kind = 'sale'
		UNION ALL
		SELECT '', g.group_code, r.business_day FROM receipt_groups g
		JOIN receipts r ON r.member_id = g.member_id AND r.receipt_id = g.receipt_id
		WHERE g.member_id = ? AND g.year >= ? AND r.business_day >= ? AND g.group_code NOT LIKE 'line:%' AND r.kind = 'sale'`),
		id, year, sinceDay, id, year, sinceDay)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.PurchaseDay
	for rows.Next() {
		var p kori.PurchaseDay
		var day int
		if err := rows.Scan(&p.GTIN, &p.Group, &day); err != nil {
			return nil, err
		}
		p.Day = time.Date(day/10000, time.Month(day/100%100), day%100, 0, 0, 0, 0, zone)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ReplaceOffers sets the offers of the given members, removing their old
// ones, in one transaction; members absent from the map keep theirs.
//
// A member's choice wins every race: each member's row is read again in
// this transaction and locked (PostgreSQL; SQLite has one writer), so an
// objection or a lowered level committed after the run read its members
// keeps that member's offers away, and one committed while this runs waits
// for it and then deletes what it wrote. One statement per member keeps
// each lock on one shard under Citus.
func (db *DB) ReplaceOffers(ctx context.Context, offers map[kori.MemberID][]kori.Offer) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ins := db.newBulkInsert(tx, "offers", []string{"member_id", "campaign_id", "score", "times", "months", "last_bought", "created_at"}, "")
		defer ins.close()
		for id, os := range offers {
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM offers WHERE member_id = ?`), id); err != nil {
				return err
			}
			var level string
			var objects bool
			err := tx.QueryRowContext(ctx, db.q(`SELECT level, objects_personalisation FROM members WHERE member_id = ?`+db.d.forUpdate()), id).
				Scan(&level, &objects)
			if err == sql.ErrNoRows || err == nil && (objects || !kori.Level(level).Allows(kori.LevelGroup)) {
				continue // gone, objected or lowered since the run read it
			} else if err != nil {
				return err
			}
			for _, o := range os {
				if err := ins.add(ctx, id, o.CampaignID, o.Score, o.Times, o.Months, o.LastBought.Unix(), o.CreatedAt.Unix()); err != nil {
					return err
				}
			}
		}
		return ins.flush(ctx)
	})
}

// OffersOf returns a member's offers, best first.
func (db *DB) OffersOf(ctx context.Context, id kori.MemberID) ([]kori.Offer, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT campaign_id, score, times, months, last_bought, created_at FROM offers
		WHERE member_id = ? ORDER BY score DESC, campaign_id`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.Offer
	for rows.Next() {
		o := kori.Offer{MemberID: id}
		var last, created int64
		if err := rows.Scan(&o.CampaignID, &o.Score, &o.Times, &o.Months, &last, &created); err != nil {
			return nil, err
		}
		o.LastBought, o.CreatedAt = fromUnix(last), fromUnix(created)
		out = append(out, o)
	}
	return out, rows.Err()
}

// MembersForOffers returns the members who may get offers: level product or
// group and no objection to personalisation.
func (db *DB) MembersForOffers(ctx context.Context) ([]kori.MemberID, error) {
	return scanMemberIDs(db.read.QueryContext(ctx, db.q(`SELECT member_id FROM members WHERE level IN ('product', 'group')
		AND objects_personalisation = ? ORDER BY member_id`), false))
}

// DeleteOffersOfOthers removes the offers of members who may no longer get
// any (a safety net behind ChangeChoice, which removes them at once).
func (db *DB) DeleteOffersOfOthers(ctx context.Context) (int64, error) {
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM offers WHERE member_id IN (SELECT member_id FROM members
		WHERE level NOT IN ('product', 'group') OR objects_personalisation = ?)`), true)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
