package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// ImportMembers creates members not yet known by their ref and adds or updates
// their cards. An existing member's level and choices are never changed by an
// import: they are the member's own, changed only through consent. It returns
// the ids in the order given.
func (db *DB) ImportMembers(ctx context.Context, ms []kori.Enrolment, channel string) ([]kori.MemberID, error) {
	ids := make([]kori.MemberID, len(ms))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		cardStmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO cards (member_id, card_number, status, closed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (member_id, card_number) DO UPDATE SET status = excluded.status, closed_at = excluded.closed_at`))
		if err != nil {
			return err
		}
		defer cardStmt.Close()
		for i, m := range ms {
			if m.Ref == "" {
				return kori.Errorf(kori.EINVALID, "member %d: ref is empty", i+1)
			}
			var id int64
			err := tx.QueryRowContext(ctx, db.q(`SELECT member_id FROM member_keys WHERE kind = 'ref' AND lookup = ?`), m.Ref).Scan(&id)
			if err == sql.ErrNoRows {
				mid, err := db.createMember(ctx, tx, m, channel)
				if err != nil {
					return err
				}
				id = int64(mid)
			} else if err != nil {
				return err
			}
			ids[i] = kori.MemberID(id)
			for _, c := range m.Cards {
				if err := c.Validate(); err != nil {
					return kori.Errorf(kori.EINVALID, "member %s: %s", m.Ref, kori.ErrorMessage(err))
				}
				var owner int64
				err := tx.QueryRowContext(ctx, db.q(`SELECT member_id FROM member_keys WHERE kind = 'card' AND lookup = ?`), c.Number).Scan(&owner)
				if err == nil && owner != id {
					return kori.Errorf(kori.ECONFLICT, "card %s belongs to another member; close it there first", maskCard(c.Number))
				} else if err == sql.ErrNoRows {
					if err := db.addKey(ctx, tx, "card", c.Number, kori.MemberID(id)); err != nil {
						return err
					}
				} else if err != nil {
					return err
				}
				if _, err := cardStmt.ExecContext(ctx, id, c.Number, string(c.Status), unix(c.ClosedAt)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return ids, err
}

func (db *DB) createMember(ctx context.Context, tx *sql.Tx, m kori.Enrolment, channel string) (kori.MemberID, error) {
	level := m.Level
	if level == "" {
		level = kori.LevelProduct
	}
	if err := level.Validate(); err != nil {
		return 0, err
	}
	id, err := db.allocID(ctx, tx, "member")
	if err != nil {
		return 0, err
	}
	at := m.JoinedAt
	if at.IsZero() {
		at = db.Clock.Now()
	}
	var email any
	if m.Email != "" {
		email = strings.ToLower(m.Email)
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO members (member_id, ref, level, level_since, objects_personalisation,
		objects_analytics, created_at, email, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, m.Ref, string(level), at.Unix(), m.ObjectsPersonalisation, m.ObjectsAnalytics, at.Unix(), email, db.Clock.Now().Unix()); err != nil {
		return 0, err
	}
	if err := db.addKey(ctx, tx, "ref", m.Ref, kori.MemberID(id)); err != nil {
		return 0, err
	}
	if email != nil {
		if err := db.addKey(ctx, tx, "email", email.(string), kori.MemberID(id)); err != nil {
			return 0, err
		}
	}
	rec := func(seq int, kind, to string) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO consents (member_id, seq, at, kind, from_value, to_value, channel, actor)
			VALUES (?, ?, ?, ?, '', ?, ?, 'member')`), id, seq, at.Unix(), kind, to, channel)
		return err
	}
	if err := rec(1, "level", string(level)); err != nil {
		return 0, err
	}
	seq := 2
	for _, o := range []struct {
		on      bool
		purpose kori.Purpose
	}{{m.ObjectsPersonalisation, kori.PurposePersonalisation}, {m.ObjectsAnalytics, kori.PurposeAnalytics}} {
		if o.on {
			if err := rec(seq, "objection:"+string(o.purpose), "objects"); err != nil {
				return 0, err
			}
			seq++
		}
	}
	return kori.MemberID(id), nil
}

// addKey records a key that finds the member: their customer number
// ("ref"), login e-mail ("email") or a card number ("card"). Each key finds
// one member only.
func (db *DB) addKey(ctx context.Context, tx *sql.Tx, kind, key string, id kori.MemberID) error {
	res, err := tx.ExecContext(ctx, db.q(`INSERT INTO member_keys (kind, lookup, member_id) VALUES (?, ?, ?) ON CONFLICT (kind, lookup) DO NOTHING`),
		kind, key, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var owner kori.MemberID
		if err := tx.QueryRowContext(ctx, db.q(`SELECT member_id FROM member_keys WHERE kind = ? AND lookup = ?`), kind, key).Scan(&owner); err != nil {
			return err
		}
		if owner != id {
			if kind == "card" {
				key = maskCard(key)
			}
			return kori.Errorf(kori.ECONFLICT, "%s %s belongs to another member", kind, key)
		}
	}
	return nil
}

// maskCard shows only the last four digits of a card number in messages.
func maskCard(n string) string {
	if len(n) <= 4 {
		return "****"
	}
	return strings.Repeat("*", len(n)-4) + n[len(n)-4:]
}

// CardHolders looks up the holders of the given card numbers; unknown cards
// are absent from the map.
func (db *DB) CardHolders(ctx context.Context, cards []string) (map[string]kori.CardHolder, error) {
	out := make(map[string]kori.CardHolder, len(cards))
	const chunk = 500
	for start := 0; start < len(cards); start += chunk {
		end := min(start+chunk, len(cards))
		args := make([]any, 0, end-start)
		for _, c := range cards[start:end] {
			args = append(args, c)
		}
		// The card's member from the lookup table, then the card and member
		// rows by member id: on Citus each step is routed by its own key.
		ids, err := int64s(db.read.QueryContext(ctx, db.q(`SELECT DISTINCT member_id FROM member_keys WHERE kind = 'card' AND lookup IN (`+
			placeholders(len(args))+`)`), args...))
		if err != nil {
			return nil, err
		}
		members := anys(ids)
		if len(members) == 0 {
			continue
		}
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT c.card_number, c.member_id, c.status, c.closed_at, m.level, m.level_since
			FROM cards c JOIN members m ON m.member_id = c.member_id
			WHERE c.member_id IN (`+placeholders(len(members))+`) AND c.card_number IN (`+placeholders(len(args))+`)`), append(members, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var h kori.CardHolder
			var status, level string
			var closed, since int64
			if err := rows.Scan(&h.Card, &h.MemberID, &status, &closed, &level, &since); err != nil {
				rows.Close()
				return nil, err
			}
			h.Status, h.ClosedAt, h.Level, h.LevelSince = kori.CardStatus(status), fromUnix(closed), kori.Level(level), fromUnix(since)
			out[h.Card] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LevelAt returns the member's level in force at t, from the consent history.
// Before the first record, the member's first level applies.
func (db *DB) LevelAt(ctx context.Context, id kori.MemberID, t time.Time) (kori.Level, error) {
	var level string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT to_value FROM consents WHERE member_id = ? AND kind = 'level' AND at <= ?
		ORDER BY at DESC, seq DESC LIMIT 1`), id, t.Unix()).Scan(&level)
	if err == sql.ErrNoRows {
		err = db.read.QueryRowContext(ctx, db.q(`SELECT to_value FROM consents WHERE member_id = ? AND kind = 'level'
			ORDER BY at, seq LIMIT 1`), id).Scan(&level)
	}
	if err != nil {
		return "", notFound(err, "member %d has no level record", id)
	}
	return kori.Level(level), nil
}

// Member returns a member by id.
func (db *DB) Member(ctx context.Context, id kori.MemberID) (*kori.Member, error) {
	m := &kori.Member{}
	var ref, email sql.NullString
	var level string
	var since, last, created int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT member_id, ref, level, level_since, objects_personalisation, objects_analytics,
		extended_retention, last_card_use, created_at, email, locale,
		data_version + COALESCE((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_epoch'), 0)
		FROM members WHERE member_id = ?`), id).Scan(
		&m.ID, &ref, &level, &since, &m.ObjectsPersonalisation, &m.ObjectsAnalytics, &m.ExtendedRetention,
		&last, &created, &email, &m.Locale, &m.DataVersion)
	if err != nil {
		return nil, notFound(err, "member not found")
	}
	m.Ref, m.Email, m.Level = ref.String, email.String, kori.Level(level)
	m.LevelSince, m.LastCardUse, m.CreatedAt = fromUnix(since), fromUnix(last), fromUnix(created)
	return m, nil
}

// MemberIDs returns every member id in ascending order.
func (db *DB) MemberIDs(ctx context.Context) ([]kori.MemberID, error) {
	return scanMemberIDs(db.read.QueryContext(ctx, `SELECT member_id FROM members ORDER BY member_id`))
}

// scanMemberIDs reads rows of one member id each.
func scanMemberIDs(rows *sql.Rows, err error) ([]kori.MemberID, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.MemberID
	for rows.Next() {
		var id kori.MemberID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
