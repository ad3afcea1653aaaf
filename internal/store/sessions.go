package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// SetPassword stores the password hash of a member (a PHC string made by the
// caller; the store never sees a password) and ends the member's sessions,
// so that a changed password logs out every other device.
func (db *DB) SetPassword(ctx context.Context, id kori.MemberID, hash string) error {
	return db.SetPasswords(ctx, []kori.MemberID{id}, hash)
}

// SetPasswords gives several members the same password hash: the demo's
// members share one password, hashed once.
func (db *DB) SetPasswords(ctx context.Context, ids []kori.MemberID, hash string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, db.q(`UPDATE members SET password_hash = ? WHERE member_id = ?`), hash, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return kori.Errorf(kori.ENOTFOUND, "member %d not found", id)
			}
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE member_id = ?`), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Credentials returns the member id and password hash for a login e-mail
// (compared without regard to case). An unknown e-mail, or a member without a
// password, is not found.
func (db *DB) Credentials(ctx context.Context, email string) (kori.MemberID, string, error) {
	var id kori.MemberID
	var hash string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT member_id FROM member_keys WHERE kind = 'email' AND lookup = ?`),
		strings.ToLower(strings.TrimSpace(email))).Scan(&id)
	if err == nil {
		err = db.read.QueryRowContext(ctx, db.q(`SELECT password_hash FROM members WHERE member_id = ? AND password_hash <> ''`), id).Scan(&hash)
	}
	if err != nil {
		return 0, "", notFound(err, "no member with that e-mail and a password")
	}
	return id, hash, nil
}

// MemberByKey finds a member by one of their keys: kind "email" (compared
// without regard to case), "ref" (the chain's member reference) or "card".
func (db *DB) MemberByKey(ctx context.Context, kind, lookup string) (kori.MemberID, error) {
	if kind == "email" {
		lookup = strings.ToLower(strings.TrimSpace(lookup))
	}
	var id kori.MemberID
	err := db.read.QueryRowContext(ctx, db.q(`SELECT member_id FROM member_keys WHERE kind = ? AND lookup = ?`), kind, lookup).Scan(&id)
	if err != nil {
		return 0, notFound(err, "no member with that %s", kind)
	}
	return id, nil
}

// CreateSession records a session of the member opened at now, identified by
// the hash of its secret, valid until expires. The member's sessions expired
// by now are swept at the same time.
func (db *DB) CreateSession(ctx context.Context, id kori.MemberID, tokenHash string, now, expires time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE member_id = ? AND expires_at <= ?`), id, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO sessions (member_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			id, tokenHash, now.Unix(), expires.Unix())
		return err
	})
}

// SessionValid reports, as nil, that the member has an unexpired session with
// the token hash at now; otherwise the error is unauthorized.
func (db *DB) SessionValid(ctx context.Context, id kori.MemberID, tokenHash string, now time.Time) error {
	var one int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT 1 FROM sessions WHERE member_id = ? AND token_hash = ? AND expires_at > ?`),
		id, tokenHash, now.Unix()).Scan(&one)
	if err == sql.ErrNoRows {
		return kori.Errorf(kori.EUNAUTHORIZED, "your session has ended; log in again")
	}
	return err
}

// DeleteSession ends one session (logout). Ending a session that does not
// exist is not an error.
func (db *DB) DeleteSession(ctx context.Context, id kori.MemberID, tokenHash string) error {
	_, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE member_id = ? AND token_hash = ?`), id, tokenHash)
	return err
}

// MembersByLevel returns, for each level, the smallest id of a member at it
// who can log in; the demo names one of each so that every level can be seen.
func (db *DB) MembersByLevel(ctx context.Context) (map[kori.Level]kori.MemberID, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT level, MIN(member_id) FROM members WHERE password_hash <> '' GROUP BY level`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[kori.Level]kori.MemberID{}
	for rows.Next() {
		var l string
		var id kori.MemberID
		if err := rows.Scan(&l, &id); err != nil {
			return nil, err
		}
		out[kori.Level(l)] = id
	}
	return out, rows.Err()
}

// MemberByEmail finds a member by login e-mail (compared without regard to case).
func (db *DB) MemberByEmail(ctx context.Context, email string) (kori.MemberID, error) {
	var id kori.MemberID
	err := db.read.QueryRowContext(ctx, db.q(`SELECT member_id FROM member_keys WHERE kind = 'email' AND lookup = ?`),
		strings.ToLower(strings.TrimSpace(email))).Scan(&id)
	return id, notFound(err, "no member with the e-mail %s", email)
}
