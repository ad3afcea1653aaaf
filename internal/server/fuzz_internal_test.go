package server

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext: whatever a link carries, the redirect target stays on this
// site: a clean absolute path, or /me.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/me/receipts?month=2025-03", "//evil.example", "/\t/evil.example", "/%09/evil.example/", `/\evil`,
		"https://evil.example", "/%2f%2fevil", "javascript:alert(1)", "/me#x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "/me" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !cleanPath(got) {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
		if dec, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.HasPrefix(dec, "//") || strings.ContainsAny(dec, "\\\t\n\r") {
			t.Fatalf("safeNext(%q) = %q decodes to %q", next, got, dec)
		}
	})
}

// FuzzCheckQuery: any query string is accepted or refused with an error
// naming a parameter, never a panic.
func FuzzCheckQuery(f *testing.F) {
	for _, s := range []string{"year=2025", "month=2026-13", "year=abc", "q=maito&year=2024", "member=2", "month=2025-03&month=2025-04"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if err := checkQuery(q, []string{"month", "q", "year"}); err != nil && !strings.Contains(err.Error(), "query parameter") {
			t.Fatalf("%q: error %q names no parameter", raw, err)
		}
	})
}
