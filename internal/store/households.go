package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// Households. Every statement names the member it acts for; the household's
// other members are found by its id (a query across shards on Citus, of a
// few rows).

// HouseholdOf returns the member's household (ID 0 when none) and the
// invitations waiting for them.
func (db *DB) HouseholdOf(ctx context.Context, id kori.MemberID) (*kori.Household, error) {
	h := &kori.Household{Members: []kori.HouseholdMember{}, Invites: []kori.HouseholdInvite{}}
	err := db.read.QueryRowContext(ctx, db.q(`SELECT household_id FROM household_members WHERE member_id = ?`), id).Scan(&h.ID)
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	if h.ID != 0 {
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT h.member_id, COALESCE(m.email, ''), m.level, h.shares
			FROM household_members h JOIN members m ON m.member_id = h.member_id WHERE h.household_id = ? ORDER BY h.joined_at, h.member_id`), h.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var m kori.HouseholdMember
			if err := rows.Scan(&m.MemberID, &m.Email, &m.Level, &m.Shares); err != nil {
				rows.Close()
				return nil, err
			}
			m.You = m.MemberID == id
			h.Members = append(h.Members, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT household_id, from_member FROM household_invites WHERE member_id = ? ORDER BY created_at`), id)
	if err != nil {
		return nil, err
	}
	type invite struct {
		household int64
		from      kori.MemberID
	}
	var invites []invite
	for rows.Next() {
		var i invite
		if err := rows.Scan(&i.household, &i.from); err != nil {
			rows.Close()
			return nil, err
		}
		invites = append(invites, i)
	}
	rows.Close()
	for _, i := range invites {
		var email sql.NullString
		if err := db.read.QueryRowContext(ctx, db.q(`SELECT email FROM members WHERE member_id = ?`), i.from).Scan(&email); err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		h.Invites = append(h.Invites, kori.HouseholdInvite{HouseholdID: i.household, From: email.String})
	}
	return h, nil
}

// InviteToHousehold invites the member with the e-mail to the inviter's
// household, founding one when the inviter is in none. It says nothing of
// whether the e-mail is a member's (false with no error): the inviter
// learns no more than that an invitation was sent if it could be.
func (db *DB) InviteToHousehold(ctx context.Context, from kori.MemberID, email string) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var to kori.MemberID
	err := db.read.QueryRowContext(ctx, db.q(`SELECT member_id FROM member_keys WHERE kind = 'email' AND lookup = ?`), email).Scan(&to)
	if err == sql.ErrNoRows || to == from {
		return false, nil
	} else if err != nil {
		return false, err
	}
	now := db.Clock.Now().Unix()
	sent := false
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var household int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT household_id FROM household_members WHERE member_id = ?`), from).Scan(&household)
		if err == sql.ErrNoRows {
			var b [8]byte
			_, _ = rand.Read(b[:])
			household = int64(binary.BigEndian.Uint64(b[:]) >> 1)
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO household_members (member_id, household_id, shares, joined_at) VALUES (?, ?, ?, ?)`),
				from, household, false, now); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		var in int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM household_members WHERE member_id = ? AND household_id = ?`), to, household).Scan(&in); err != nil || in > 0 {
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO household_invites (member_id, household_id, from_member, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`), to, household, from, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		sent = n > 0
		return db.audit(ctx, tx, db.Clock.Now(), "household_invite", kori.Actor{Channel: "web", Name: "member"}, from, map[string]any{"household": household})
	})
	return sent, err
}

// AnswerInvite accepts or declines an invitation. Accepting joins the
// household, sharing nothing until the member turns it on; a member in
// another household must leave it first.
func (db *DB) AnswerInvite(ctx context.Context, id kori.MemberID, household int64, accept bool) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM household_invites WHERE member_id = ? AND household_id = ?`), id, household)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kori.Errorf(kori.ENOTFOUND, "no such invitation")
		}
		if !accept {
			return nil
		}
		var current int64
		err = tx.QueryRowContext(ctx, db.q(`SELECT household_id FROM household_members WHERE member_id = ?`), id).Scan(&current)
		if err == nil {
			return kori.Errorf(kori.ECONFLICT, "you are in a household already: leave it first, then accept")
		} else if err != sql.ErrNoRows {
			return err
		}
		var members int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM household_members WHERE household_id = ?`), household).Scan(&members); err != nil {
			return err
		}
		if members == 0 {
			return kori.Errorf(kori.ENOTFOUND, "that household no longer exists")
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO household_members (member_id, household_id, shares, joined_at) VALUES (?, ?, ?, ?)`),
			id, household, false, db.Clock.Now().Unix()); err != nil {
			return err
		}
		return db.audit(ctx, tx, db.Clock.Now(), "household_join", kori.Actor{Channel: "web", Name: "member"}, id, map[string]any{"household": household})
	})
}

// SetSharing turns the member's sharing with their household on or off; off
// hides their purchases from the next request on.
func (db *DB) SetSharing(ctx context.Context, id kori.MemberID, on bool) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE household_members SET shares = ? WHERE member_id = ?`), on, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kori.Errorf(kori.ENOTFOUND, "you are not in a household")
		}
		return db.audit(ctx, tx, db.Clock.Now(), "household_share", kori.Actor{Channel: "web", Name: "member"}, id, map[string]any{"shares": on})
	})
}

// LeaveHousehold takes the member out of their household; the invitations
// they sent for it go too.
func (db *DB) LeaveHousehold(ctx context.Context, id kori.MemberID) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM household_members WHERE member_id = ?`), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kori.Errorf(kori.ENOTFOUND, "you are not in a household")
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM household_invites WHERE from_member = ?`), id); err != nil {
			return err
		}
		return db.audit(ctx, tx, db.Clock.Now(), "household_leave", kori.Actor{Channel: "web", Name: "member"}, id, nil)
	})
}

// HouseholdCounts counts the households of two or more members and the
// members who share, now.
func (db *DB) HouseholdCounts(ctx context.Context) (households, sharing int64, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT household_id FROM household_members GROUP BY household_id HAVING COUNT(*) > 1) h`).Scan(&households)
	if err != nil {
		return 0, 0, err
	}
	err = db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM household_members WHERE shares = ?`), true).Scan(&sharing)
	return households, sharing, err
}

// HouseholdViews counts the views of members' purchases by their household
// members in [from, to).
func (db *DB) HouseholdViews(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM access_log WHERE at >= ? AND at < ? AND what = 'household'`),
		from.Unix(), to.Unix()).Scan(&n)
	return n, err
}
