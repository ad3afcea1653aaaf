package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/password"
	"github.com/kori-project/kori/internal/store"
)

// demoDB makes a small demo database as of a date and returns its directory.
func demoDB(t *testing.T, members int, asOf string) string {
	t.Helper()
	dir := t.TempDir()
	korirun(t, "demo", "--data", dir, "--members", string(rune('0'+members)), "--as-of", asOf, "--quiet")
	return dir
}

func openDB(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "kori.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRetentionCommand(t *testing.T) {
	dir := demoDB(t, 3, "2025-12-31")
	dry := korirun(t, "retention", "run", "--data", dir, "--as-of", "2026-01-01", "--dry-run")
	if !strings.Contains(dry, "would delete year:2015") || !strings.Contains(dry, "purchases before 2016") {
		t.Errorf("dry run output:\n%s", dry)
	}
	before := openDB(t, dir)
	c1, _ := before.Counts(context.Background())
	before.Close()
	real := korirun(t, "retention", "run", "--data", dir, "--as-of", "2026-01-01")
	if !strings.Contains(real, "deleted year:2015") {
		t.Errorf("real run output:\n%s", real)
	}
	// The dry run named exactly the rows the real run deleted.
	dryRows := dry[strings.Index(dry, "year:2015: ")+len("year:2015: "):]
	realRows := real[strings.Index(real, "year:2015: ")+len("year:2015: "):]
	if first := func(s string) string { return s[:strings.Index(s, "\n")] }; first(dryRows) != first(realRows) {
		t.Errorf("dry run %q, real run %q", first(dryRows), first(realRows))
	}
	db := openDB(t, dir)
	c2, _ := db.Counts(context.Background())
	if c2["receipts"] >= c1["receipts"] {
		t.Errorf("receipts %d → %d", c1["receipts"], c2["receipts"])
	}
	again := korirun(t, "retention", "run", "--data", dir, "--as-of", "2026-01-01")
	if !strings.Contains(again, "retention: nothing to delete") {
		t.Errorf("second run:\n%s", again)
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	dir := demoDB(t, 3, "2026-11-25")
	korirun(t, "retention", "run", "--data", dir, "--as-of", "2027-01-01")
	out := korirun(t, "audit", "verify", "--data", dir)
	if !strings.Contains(out, "audit log intact") {
		t.Fatalf("verify on an untouched log:\n%s", out)
	}
	raw, err := sql.Open("sqlite3", filepath.Join(dir, "kori.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET detail = '{"year":1999}' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"audit", "verify", "--data", dir}, func(string) string { return "" }, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), "entry 1: content does not match its hash") {
		t.Errorf("verify on a tampered log: err %v, output %s", err, stdout.String())
	}
}

// TestRestoreDoesNotResurrect: a member erased after a backup stays erased
// when the backup is restored, and so does a year deleted by retention.
func TestRestoreDoesNotResurrect(t *testing.T) {
	ctx := context.Background()
	dir := demoDB(t, 4, "2025-12-31")
	backup := filepath.Join(t.TempDir(), "backup.db")
	if out := korirun(t, "backup", "--data", dir, "--as-of", "2025-12-31", backup); !strings.Contains(out, "backup of") {
		t.Fatalf("backup: %s", out)
	}
	db := openDB(t, dir)
	ids, _ := db.MemberIDs(ctx)
	gone := ids[0]
	m, _ := db.Member(ctx, gone)
	if _, err := db.EraseMember(ctx, gone, "member", kori.ReasonErasure, kori.Actor{Channel: "test", Name: "member"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	korirun(t, "retention", "run", "--data", dir, "--as-of", "2026-01-01")

	out := korirun(t, "restore", "--data", dir, backup)
	if !strings.Contains(out, "re-applied 2 of 2 deletions") {
		t.Errorf("restore: %s", out)
	}
	restored := openDB(t, dir)
	if _, err := restored.Member(ctx, gone); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("erased member %d (%s) is back after the restore: %v", gone, m.Email, err)
	}
	if _, _, err := restored.Credentials(ctx, m.Email); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("erased member's login is back: %v", err)
	}
	others, _ := restored.MemberIDs(ctx)
	if len(others) != len(ids)-1 {
		t.Errorf("%d members after restore, want %d", len(others), len(ids)-1)
	}
	if rs, _ := restored.ReceiptsByMember(ctx, others[0], kori.ReceiptFilter{Year: 2015}); len(rs) != 0 {
		t.Errorf("%d receipts of 2015 came back", len(rs))
	}
	if n, _, problems, err := restored.VerifyAudit(ctx); err != nil || len(problems) != 0 || n == 0 {
		t.Errorf("audit after restore: %d entries, %v %v", n, problems, err)
	}
}

func TestPasswordCommand(t *testing.T) {
	dir := demoDB(t, 3, "2026-11-25")
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"password", "--data", dir, "member1@demo.kori.invalid"}, func(string) string { return "" },
		strings.NewReader("a brand new secret\n"), &out, &errb)
	if err != nil || !strings.Contains(errb.String(), "password set") {
		t.Fatalf("password: %v %s", err, errb.String())
	}
	db := openDB(t, dir)
	_, hash, err := db.Credentials(context.Background(), "MEMBER1@demo.kori.invalid")
	if err != nil || !password.Check(hash, "a brand new secret") || password.Check(hash, "kori-demo") {
		t.Errorf("the stored hash does not match the new password (%v)", err)
	}
	for _, c := range []struct {
		args  []string
		stdin string
	}{{[]string{"password", "--data", dir, "nobody@example.invalid"}, "long enough\n"}, {[]string{"password", "--data", dir, "member1@demo.kori.invalid"}, "short\n"}} {
		if err := run(context.Background(), c.args, func(string) string { return "" }, strings.NewReader(c.stdin), &out, &errb); err == nil {
			t.Errorf("%v with %q succeeded", c.args, c.stdin)
		}
	}
}
