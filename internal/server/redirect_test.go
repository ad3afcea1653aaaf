package server

import "testing"

// TestSafeNextRefusesOffSite checks the known open-redirect bypasses: each
// must fall back to the member's home, while plain paths pass unchanged.
func TestSafeNextRefusesOffSite(t *testing.T) {
	for _, bad := range []string{
		"", "https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example",
		"/\t/evil.example/", "/%09/evil.example/", "/\n/evil.example", "/%0a/evil.example",
		"/%2f/evil.example", "/%5cevil.example", "/\\/evil.example", "///evil.example",
		"javascript:alert(1)", "/%00/evil.example", "evil.example",
	} {
		if got := safeNext(bad); got != "/me" {
			t.Errorf("safeNext(%q) = %q, want /me", bad, got)
		}
	}
	for _, good := range []string{"/me", "/me/receipts?month=2026-11", "/me/carbon#year"} {
		if got := safeNext(good); got != good {
			t.Errorf("safeNext(%q) = %q, want it unchanged", good, got)
		}
	}
}
