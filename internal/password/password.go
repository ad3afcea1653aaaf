// Package password hashes and checks member passwords with argon2id, the
// memory-hard function OWASP recommends, with its parameters stored in the
// PHC string format beside the hash so that they can be raised later without
// invalidating existing hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters of new hashes: OWASP's first argon2id configuration
// (19 MiB, 2 passes, 1 lane), about 30 ms on one core.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
)

// MinLength is the shortest password accepted.
const MinLength = 8

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of a new argon2id hash of pw with a random salt.
func Hash(pw string) (string, error) {
	if len(pw) < MinLength {
		return "", fmt.Errorf("password must be at least %d characters", MinLength)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memoryKiB, lanes, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Check reports whether pw matches the PHC string hash. A malformed hash
// never matches.
func Check(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<22 || t == 0 || t > 16 || p == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummy is a valid hash of a random password. Checking an unknown e-mail's
// login against it takes as long as checking a real one, so response times do
// not tell which e-mails have accounts.
var dummy, _ = Hash(base64.RawURLEncoding.EncodeToString([]byte("not a password of anyone")))

// CheckUnknown spends the time of a Check and returns false.
func CheckUnknown(pw string) bool {
	Check(dummy, pw)
	return false
}
