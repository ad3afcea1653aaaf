package password

import (
	"strings"
	"testing"
)

func TestHashAndCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry the argon2id parameters", h)
	}
	if !Check(h, "correct horse battery") {
		t.Error("the right password does not match")
	}
	if Check(h, "correct horse batterx") {
		t.Error("a wrong password matches")
	}
	h2, _ := Hash("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are equal: salt is not random")
	}
	for _, bad := range []string{"", "$argon2id$", strings.Replace(h, "argon2id", "argon2i", 1), h[:len(h)-4], "$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA"} {
		if Check(bad, "correct horse battery") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
	if _, err := Hash("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	if CheckUnknown("x") {
		t.Error("CheckUnknown returned true")
	}
}
