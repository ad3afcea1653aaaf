package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// Apps the member authorises (rule 11): the chain's register of apps, the
// authorizations in flight, the members' grants and the tokens issued
// under them. Every token is kept as a SHA-256 hash; a grant and its
// tokens are found by member, so on Citus each lookup is one shard.

// RegisterApp adds an app to the register.
func (db *DB) RegisterApp(ctx context.Context, a kori.App, who kori.Actor) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, db.q(`SELECT 1 FROM apps WHERE client_id = ?`), a.ClientID).Scan(&one)
		if err == nil {
			return kori.Errorf(kori.ECONFLICT, "an app with client id %q is already registered", a.ClientID)
		}
		if err != sql.ErrNoRows {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO apps (client_id, name, owner, policy_url, redirect_uris, scopes, secret_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), a.ClientID, a.Name, a.Owner, a.PolicyURL, strings.Join(a.RedirectURIs, "\n"),
			kori.JoinScopes(a.Scopes), a.SecretHash, db.Clock.Now().Unix())
		if err == nil {
			err = db.audit(ctx, tx, db.Clock.Now(), "app_registered", who, 0,
				map[string]any{"client_id": a.ClientID, "name": a.Name, "scopes": kori.JoinScopes(a.Scopes)})
		}
		return err
	})
}

const appColumns = `client_id, name, owner, policy_url, redirect_uris, scopes, secret_hash, created_at`

func scanApp(sc interface{ Scan(...any) error }) (kori.App, error) {
	var a kori.App
	var redirects, scopes string
	var created int64
	if err := sc.Scan(&a.ClientID, &a.Name, &a.Owner, &a.PolicyURL, &redirects, &scopes, &a.SecretHash, &created); err != nil {
		return a, err
	}
	a.RedirectURIs = strings.Split(redirects, "\n")
	a.Scopes = splitScopes(scopes)
	a.Created = fromUnix(created)
	return a, nil
}

func splitScopes(s string) []kori.AppScope {
	var out []kori.AppScope
	for _, w := range strings.Fields(s) {
		out = append(out, kori.AppScope(w))
	}
	return out
}

// RemoveApp takes an app off the register: every member's grant to it
// ends at the app's next request (its grants stay listed, as ended).
func (db *DB) RemoveApp(ctx context.Context, clientID string, who kori.Actor) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM apps WHERE client_id = ?`), clientID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kori.Errorf(kori.ENOTFOUND, "no app with client id %q", clientID)
		}
		return db.audit(ctx, tx, db.Clock.Now(), "app_removed", who, 0, map[string]any{"client_id": clientID})
	})
}

// App returns a registered app by its client id.
func (db *DB) App(ctx context.Context, clientID string) (*kori.App, error) {
	a, err := scanApp(db.read.QueryRowContext(ctx, db.q(`SELECT `+appColumns+` FROM apps WHERE client_id = ?`), clientID))
	if err != nil {
		return nil, notFound(err, "no app with that client id")
	}
	return &a, nil
}

// Apps returns the register, by name.
func (db *DB) Apps(ctx context.Context) ([]kori.App, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+appColumns+` FROM apps ORDER BY name, client_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// --- Authorizations in flight ----------------------------------------------------

// SaveAuthRequest records an authorization request as it arrives, and
// sweeps those older than kori.AuthRequestTTL.
func (db *DB) SaveAuthRequest(ctx context.Context, r kori.AuthRequest) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM oauth_requests WHERE created_at < ?`), r.Created.Add(-kori.AuthRequestTTL).Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO oauth_requests (request_id, client_id, redirect_uri, scopes, state, nonce, challenge, response_mode, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.ID, r.ClientID, r.RedirectURI, strings.Join(r.Scopes, " "), r.State, r.Nonce, r.Challenge, r.ResponseMode, r.Created.Unix())
		return err
	})
}

// AuthRequest returns an authorization request younger than
// kori.AuthRequestTTL.
func (db *DB) AuthRequest(ctx context.Context, id string) (*kori.AuthRequest, error) {
	var r kori.AuthRequest
	var scopes string
	var created int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT request_id, client_id, redirect_uri, scopes, state, nonce, challenge, response_mode,
		member_id, grant_id, code_hash, created_at FROM oauth_requests WHERE request_id = ? AND created_at >= ?`),
		id, db.Clock.Now().Add(-kori.AuthRequestTTL).Unix()).Scan(&r.ID, &r.ClientID, &r.RedirectURI, &scopes, &r.State, &r.Nonce,
		&r.Challenge, &r.ResponseMode, &r.Member, &r.GrantID, &r.CodeHash, &created)
	if err != nil {
		return nil, notFound(err, "the authorization request has expired or is unknown; start again from the app")
	}
	r.Scopes = strings.Fields(scopes)
	r.Created = fromUnix(created)
	return &r, nil
}

// SetAuthCode records the hash of the code issued for a consented request.
func (db *DB) SetAuthCode(ctx context.Context, id, codeHash string) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE oauth_requests SET code_hash = ? WHERE request_id = ? AND member_id <> 0 AND code_hash = ''`), codeHash, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kori.Errorf(kori.ENOTFOUND, "no consented authorization request without a code")
	}
	return nil
}

// ClaimAuthCode returns the consented request a code was issued for and
// deletes it in the same step, so a code works once: of two racing
// exchanges only one finds it.
func (db *DB) ClaimAuthCode(ctx context.Context, id, codeHash string) (*kori.AuthRequest, error) {
	r, err := db.AuthRequest(ctx, id)
	if err != nil || r.CodeHash == "" || r.CodeHash != codeHash {
		return nil, kori.Errorf(kori.ENOTFOUND, "the code is unknown, expired or used")
	}
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM oauth_requests WHERE request_id = ? AND code_hash = ?`), id, codeHash)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, kori.Errorf(kori.ENOTFOUND, "the code is unknown, expired or used")
	}
	return r, nil
}

// DeleteAuthRequest ends an authorization request: its code cannot be
// used again.
func (db *DB) DeleteAuthRequest(ctx context.Context, id string) error {
	_, err := db.write.ExecContext(ctx, db.q(`DELETE FROM oauth_requests WHERE request_id = ?`), id)
	return err
}

// --- Grants ------------------------------------------------------------------------

// Grant records the member's consent to the authorization request: a new
// grant for the app with the request's scopes for the duration chosen,
// its consent record, and the request bound to the member and grant. The
// grant's id is returned.
func (db *DB) Grant(ctx context.Context, member kori.MemberID, requestID string, d kori.GrantDuration, who kori.Actor) (*kori.AppGrant, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	req, err := db.AuthRequest(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if req.Member != 0 {
		return nil, kori.Errorf(kori.ECONFLICT, "this authorization request has been answered already")
	}
	app, err := db.App(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	now := db.Clock.Now()
	g := &kori.AppGrant{ID: randomID(), Member: member, ClientID: app.ClientID, AppName: app.Name, Duration: d, Created: now, Expires: d.Expires(now)}
	for _, s := range req.Scopes {
		if app.Allows(kori.AppScope(s)) {
			g.Scopes = append(g.Scopes, kori.AppScope(s))
		}
	}
	if len(g.Scopes) == 0 {
		return nil, kori.Errorf(kori.EINVALID, "the app asked for no scope it may have")
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE oauth_requests SET member_id = ?, grant_id = ? WHERE request_id = ? AND member_id = 0`), member, g.ID, requestID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kori.Errorf(kori.ECONFLICT, "this authorization request has been answered already")
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO app_grants (member_id, grant_id, client_id, scopes, duration, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), member, g.ID, g.ClientID, kori.JoinScopes(g.Scopes), string(d), now.Unix(), unix(g.Expires)); err != nil {
			return err
		}
		rec := kori.Consent{MemberID: member, At: now, Kind: kori.ConsentKind("app:" + app.ClientID), From: "",
			To: app.Name + ": " + kori.JoinScopes(g.Scopes) + " (" + string(d) + ")", Channel: who.Channel, Actor: who.Name}
		return db.insertConsent(ctx, tx, &rec)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func randomID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

const grantColumns = `g.grant_id, g.member_id, g.client_id, COALESCE(a.name, g.client_id), g.scopes, g.duration, g.created_at, g.expires_at,
	g.revoked_at, g.last_used_at, CASE WHEN a.client_id IS NULL THEN 1 ELSE 0 END`

// scanGrant reads grantColumns, then any extra columns into extra.
func scanGrant(sc interface{ Scan(...any) error }, extra ...any) (kori.AppGrant, error) {
	var g kori.AppGrant
	var scopes, d string
	var created, expires, revoked, used, removed int64
	dest := append([]any{&g.ID, &g.Member, &g.ClientID, &g.AppName, &scopes, &d, &created, &expires, &revoked, &used, &removed}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return g, err
	}
	g.AppRemoved = removed == 1
	g.Scopes, g.Duration = splitScopes(scopes), kori.GrantDuration(d)
	g.Created, g.Expires, g.Revoked, g.LastUsed = fromUnix(created), fromUnix(expires), fromUnix(revoked), fromUnix(used)
	return g, nil
}

// GrantsOf returns the member's grants, newest first, revoked ones too.
func (db *DB) GrantsOf(ctx context.Context, member kori.MemberID) ([]kori.AppGrant, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+grantColumns+` FROM app_grants g LEFT JOIN apps a ON a.client_id = g.client_id
		WHERE g.member_id = ? ORDER BY g.created_at DESC, g.grant_id`), member)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.AppGrant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GrantOf returns one of the member's grants.
func (db *DB) GrantOf(ctx context.Context, member kori.MemberID, id string) (*kori.AppGrant, error) {
	g, err := scanGrant(db.read.QueryRowContext(ctx, db.q(`SELECT `+grantColumns+` FROM app_grants g LEFT JOIN apps a ON a.client_id = g.client_id
		WHERE g.member_id = ? AND g.grant_id = ?`), member, id))
	if err != nil {
		return nil, notFound(err, "no such grant")
	}
	return &g, nil
}

// RevokeGrant ends a grant at once: its tokens are deleted, so the app's
// next request fails, and the revocation is a consent record of its own
// and an entry of the privacy journal (a restored backup revokes again).
func (db *DB) RevokeGrant(ctx context.Context, member kori.MemberID, id string, who kori.Actor) error {
	g, err := db.GrantOf(ctx, member, id)
	if err != nil {
		return err
	}
	if !g.Revoked.IsZero() {
		return kori.Errorf(kori.ECONFLICT, "the grant was revoked already")
	}
	now := db.Clock.Now()
	ev := kori.PrivacyEvent{At: now, Kind: kori.EventRevokeGrant, Member: member, Grant: id, Actor: who}
	return db.journaled(ctx, ev, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE app_grants SET revoked_at = ? WHERE member_id = ? AND grant_id = ?`), now.Unix(), member, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM app_tokens WHERE member_id = ? AND grant_id = ?`), member, id); err != nil {
			return err
		}
		rec := kori.Consent{MemberID: member, At: now, Kind: kori.ConsentKind("app:" + g.ClientID),
			From: g.AppName + ": " + kori.JoinScopes(g.Scopes) + " (" + string(g.Duration) + ")", To: "revoked", Channel: who.Channel, Actor: who.Name}
		return db.insertConsent(ctx, tx, &rec)
	})
}

// --- Tokens --------------------------------------------------------------------------

// Token kinds.
const (
	AccessToken  = "access"
	RefreshToken = "refresh"
)

// AddAppToken stores the hash of a token issued under an active grant. A
// token never outlives its grant.
func (db *DB) AddAppToken(ctx context.Context, member kori.MemberID, grantID, hash, kind string, expires time.Time) (time.Time, error) {
	g, err := db.GrantOf(ctx, member, grantID)
	if err != nil {
		return time.Time{}, err
	}
	if !g.Active(db.Clock.Now()) {
		return time.Time{}, kori.Errorf(kori.EUNAUTHORIZED, "the member's grant has ended")
	}
	if !g.Expires.IsZero() && expires.After(g.Expires) {
		expires = g.Expires
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO app_tokens (member_id, token_hash, grant_id, kind, expires_at) VALUES (?, ?, ?, ?, ?)`),
		member, hash, grantID, kind, expires.Unix())
	return expires, err
}

// AppToken finds the active grant behind a token of the kind; an unknown,
// expired or rotated token, or one whose grant has ended, is unauthorized.
// A refresh token presented again after it was rotated is taken as stolen
// (RFC 9700, section 4.14.2): the whole grant is revoked.
func (db *DB) AppToken(ctx context.Context, member kori.MemberID, hash, kind string) (*kori.AppGrant, error) {
	var expires, rotated int64
	// One read: the token, its grant (co-located by member) and the app.
	g, err := scanGrant(db.read.QueryRowContext(ctx, db.q(`SELECT `+grantColumns+`, t.expires_at, t.rotated_at FROM app_tokens t
		JOIN app_grants g ON g.member_id = t.member_id AND g.grant_id = t.grant_id LEFT JOIN apps a ON a.client_id = g.client_id
		WHERE t.member_id = ? AND t.token_hash = ? AND t.kind = ?`), member, hash, kind), &expires, &rotated)
	if err == sql.ErrNoRows {
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "the token is unknown, expired or revoked; ask the member to authorise the app again")
	}
	if err != nil {
		return nil, err
	}
	now := db.Clock.Now()
	if rotated != 0 {
		if err := db.RevokeGrant(ctx, member, g.ID, kori.Actor{Channel: "oauth", Name: "refresh token reused"}); err != nil && kori.ErrorCode(err) != kori.ECONFLICT {
			return nil, err
		}
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "the refresh token was used before; the grant is revoked")
	}
	if expires <= now.Unix() {
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "the token has expired")
	}
	if !g.Active(now) {
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "the member's grant has ended")
	}
	return &g, nil
}

// RotateRefreshToken marks a refresh token used, once: a second rotation
// of the same token fails, so two racing refreshes cannot both win.
func (db *DB) RotateRefreshToken(ctx context.Context, member kori.MemberID, hash string) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE app_tokens SET rotated_at = ? WHERE member_id = ? AND token_hash = ? AND kind = ? AND rotated_at = 0`),
		db.Clock.Now().Unix(), member, hash, RefreshToken)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kori.Errorf(kori.EUNAUTHORIZED, "the refresh token was used already")
	}
	return nil
}

// DeleteAppToken ends one token (RFC 7009 revocation of an access token).
func (db *DB) DeleteAppToken(ctx context.Context, member kori.MemberID, hash string) error {
	_, err := db.write.ExecContext(ctx, db.q(`DELETE FROM app_tokens WHERE member_id = ? AND token_hash = ?`), member, hash)
	return err
}

// UsedGrant records that the app read under the grant at now (shown on
// My data as its last use).
func (db *DB) UsedGrant(ctx context.Context, member kori.MemberID, id string) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE app_grants SET last_used_at = ? WHERE member_id = ? AND grant_id = ?`), db.Clock.Now().Unix(), member, id)
	return err
}

// OAuthKey returns the key that seals the authorization server's codes and
// access tokens, made on first use and kept in meta, so that every server
// of a deployment, and a restart, reads the same one.
func (db *DB) OAuthKey(ctx context.Context) ([32]byte, error) {
	var key [32]byte
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'oauth_key'`).Scan(&v)
	if err == sql.ErrNoRows {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return key, err
		}
		if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO meta (key, value) VALUES ('oauth_key', ?) ON CONFLICT (key) DO NOTHING`), hex.EncodeToString(fresh)); err != nil {
			return key, err
		}
		err = db.write.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'oauth_key'`).Scan(&v)
	}
	if err != nil {
		return key, err
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) != 32 {
		return key, kori.Errorf(kori.EINTERNAL, "meta.oauth_key is damaged; delete it to make a new one (every app token ends)")
	}
	copy(key[:], b)
	return key, nil
}

// AppCounts counts the apps registered before to, and the grants made and
// revoked in [from, to), from the members' consent records.
func (db *DB) AppCounts(ctx context.Context, from, to time.Time) (apps, grants, revocations int64, err error) {
	if err = db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM apps WHERE created_at < ?`), to.Unix()).Scan(&apps); err != nil {
		return
	}
	err = db.read.QueryRowContext(ctx, db.q(`SELECT COALESCE(SUM(CASE WHEN from_value = '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN to_value = 'revoked' THEN 1 ELSE 0 END), 0)
		FROM consents WHERE kind LIKE 'app:%' AND at >= ? AND at < ?`), from.Unix(), to.Unix()).Scan(&grants, &revocations)
	return
}

// AppReadsByScope counts the apps' reads of members' data in [from, to)
// by scope, from the access log.
func (db *DB) AppReadsByScope(ctx context.Context, from, to time.Time) (map[string]int64, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT what, COUNT(*) FROM access_log WHERE actor LIKE 'app:%' AND at >= ? AND at < ? GROUP BY what`),
		from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var scope string
		var n int64
		if err := rows.Scan(&scope, &n); err != nil {
			return nil, err
		}
		out[scope] = n
	}
	return out, rows.Err()
}
