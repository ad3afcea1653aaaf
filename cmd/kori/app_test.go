package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestAppCommand: kori app registers a public and a confidential app
// (the secret printed once) and lists them; a bad redirect or scope is a
// clear error naming the field.
func TestAppCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kori.db")
	korirun(t, "migrate", "--db", db)
	out := korirun(t, "app", "--db", db, "--name", "Hiilivahti", "--owner", "Vahti Oy", "--policy", "https://vahti.example/privacy",
		"--redirect", "http://127.0.0.1/callback", "--scopes", "carbon", "register")
	if !strings.HasPrefix(out, "client_id=app_") || strings.Contains(out, "client_secret") {
		t.Fatalf("public app: %q", out)
	}
	out = korirun(t, "app", "--db", db, "--name", "Budjetti", "--owner", "Budjetti Oy", "--policy", "https://budjetti.example/privacy",
		"--redirect", "https://budjetti.example/cb", "--scopes", "spending,receipts", "--confidential", "register")
	if !strings.Contains(out, "client_secret=kori_app_") {
		t.Fatalf("confidential app: %q", out)
	}
	list := korirun(t, "app", "--db", db, "list")
	if !strings.Contains(list, "Hiilivahti") || !strings.Contains(list, "public") || !strings.Contains(list, "spending receipts") || strings.Contains(list, "kori_app_") {
		t.Fatalf("list:\n%s", list)
	}
	id := strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "client_id=")
	korirun(t, "app", "--db", db, "remove", id)
	if list := korirun(t, "app", "--db", db, "list"); strings.Contains(list, "Budjetti") {
		t.Fatalf("the removed app is listed:\n%s", list)
	}
	for field, args := range map[string][]string{
		"redirect": {"--redirect", "http://evil.example/cb", "--scopes", "carbon"},
		"scopes":   {"--redirect", "https://x.example/cb", "--scopes", "carbon passwords"},
	} {
		args = append(append([]string{"app", "--db", db, "--name", "X", "--owner", "X Oy", "--policy", "https://x.example/p"}, args...), "register")
		err := run(context.Background(), args, func(string) string { return "" }, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "invalid: "+field+":") {
			t.Errorf("a bad %s: %v", field, err)
		}
	}
}
