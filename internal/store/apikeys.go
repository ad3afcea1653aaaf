package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

func validScope(s string) bool {
	for _, v := range kori.Scopes {
		if v == s {
			return true
		}
	}
	return false
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateAPIKey creates a key and returns it with its token, "kori_<id>_<secret>".
// The token is shown once and never stored; the secret has 256 bits of
// entropy, so a plain SHA-256 of it is a safe verifier.
func (db *DB) CreateAPIKey(ctx context.Context, name string, scopes []string) (*kori.APIKey, string, error) {
	if name == "" {
		return nil, "", kori.Errorf(kori.EINVALID, "name: give the key a name that says which system uses it")
	}
	if len(scopes) == 0 {
		return nil, "", kori.Errorf(kori.EINVALID, "scopes: give at least one of %s", strings.Join(kori.Scopes, ", "))
	}
	for _, s := range scopes {
		if !validScope(s) {
			return nil, "", kori.Errorf(kori.EINVALID, "scope %q is not one of %s", s, strings.Join(kori.Scopes, ", "))
		}
	}
	idb, secb := make([]byte, 6), make([]byte, 32)
	if _, err := rand.Read(idb); err != nil {
		return nil, "", err
	}
	if _, err := rand.Read(secb); err != nil {
		return nil, "", err
	}
	k := &kori.APIKey{ID: hex.EncodeToString(idb), Name: name, Scopes: scopes, CreatedAt: db.Clock.Now().UTC().Truncate(time.Second)}
	secret := hex.EncodeToString(secb)
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO api_keys (key_id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)`),
		k.ID, name, strings.Join(scopes, " "), hashSecret(secret), k.CreatedAt.Unix())
	if err != nil {
		return nil, "", err
	}
	return k, "kori_" + k.ID + "_" + secret, nil
}

// APIKeys lists all keys, revoked ones included.
func (db *DB) APIKeys(ctx context.Context) ([]kori.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT key_id, name, scopes, created_at, revoked_at, last_used_at, dp_epsilon, dp_budget FROM api_keys ORDER BY created_at, key_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kori.APIKey
	for rows.Next() {
		var k kori.APIKey
		var scopes string
		var c, r, u int64
		if err := rows.Scan(&k.ID, &k.Name, &scopes, &c, &r, &u, &k.DPEpsilon, &k.DPBudget); err != nil {
			return nil, err
		}
		k.Scopes = strings.Fields(scopes)
		k.CreatedAt, k.RevokedAt, k.LastUsedAt = fromUnix(c), fromUnix(r), fromUnix(u)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes a key by id.
func (db *DB) RevokeAPIKey(ctx context.Context, id string) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at = 0`), db.Clock.Now().Unix(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kori.Errorf(kori.ENOTFOUND, "no active API key with id %q; `kori apikey list` shows them", id)
	}
	return nil
}

// SetKeyPrivacy holds an analytics key to differential privacy: each answer
// spends epsilon, at most budget in a calendar month. Zero for both makes
// its answers exact (k-anonymous) again.
func (db *DB) SetKeyPrivacy(ctx context.Context, id string, epsilon, budget float64) error {
	if epsilon < 0 || budget < epsilon || epsilon == 0 && budget != 0 {
		return kori.Errorf(kori.EINVALID, "epsilon must be positive and budget at least epsilon (or both 0 for exact answers), not ε %v and budget %v", epsilon, budget)
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE api_keys SET dp_epsilon = ?, dp_budget = ? WHERE key_id = ? AND revoked_at = 0`), epsilon, budget, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kori.Errorf(kori.ENOTFOUND, "no active API key with id %q; `kori apikey list` shows them", id)
	}
	return nil
}

// Authenticate returns the active key of a token, or an unauthorized error
// that does not tell which part was wrong.
func (db *DB) Authenticate(ctx context.Context, token string) (*kori.APIKey, error) {
	bad := kori.Errorf(kori.EUNAUTHORIZED, "invalid or revoked API key; send it as `Authorization: Bearer kori_…`")
	parts := strings.Split(token, "_")
	if len(parts) != 3 || parts[0] != "kori" {
		return nil, bad
	}
	var k kori.APIKey
	var scopes, hash string
	var revoked int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT key_id, name, scopes, secret_hash, revoked_at, dp_epsilon, dp_budget FROM api_keys WHERE key_id = ?`), parts[1]).
		Scan(&k.ID, &k.Name, &scopes, &hash, &revoked, &k.DPEpsilon, &k.DPBudget)
	if err == sql.ErrNoRows {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	if revoked != 0 || subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(parts[2]))) != 1 {
		return nil, bad
	}
	k.Scopes = strings.Fields(scopes)
	return &k, nil
}
