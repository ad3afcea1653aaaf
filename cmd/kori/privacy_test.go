package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/journal"
	"github.com/kori-project/kori/internal/password"
	"github.com/kori-project/kori/internal/pgtest"
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
	var out, progress bytes.Buffer
	if err := run(context.Background(), []string{"retention", "run", "--data", dir, "--as-of", "2026-01-01"}, func(string) string { return "" },
		strings.NewReader(""), &out, &progress); err != nil {
		t.Fatal(err)
	}
	real := out.String()
	if !strings.Contains(real, "deleted year:2015") {
		t.Errorf("real run output:\n%s", real)
	}
	// The long steps show their progress on stderr.
	if !strings.Contains(progress.String(), "retention 2015") || !strings.Contains(progress.String(), "3/3") {
		t.Errorf("progress:\n%q", progress.String())
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
	j, err := journal.Open(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	db.Journal = j
	ids, _ := db.MemberIDs(ctx)
	gone := ids[0]
	m, _ := db.Member(ctx, gone)
	if _, err := db.EraseMember(ctx, gone, "member", kori.ReasonErasure, kori.Actor{Channel: "test", Name: "member"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	korirun(t, "retention", "run", "--data", dir, "--as-of", "2026-01-01")

	out := korirun(t, "restore", "--data", dir, backup)
	if !strings.Contains(out, "replayed 2 of 2 privacy events") {
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

// TestRestoreForgetsNothing: the live database is lost a week after a
// backup during which extended retention was turned off, a year was
// deleted, a member objected, another lowered their level and another
// left; the backup restored and the journal replayed equal the lost
// database row for row, on SQLite (kori restore) and PostgreSQL (a copy
// of the database, then kori reapply --since).
func TestRestoreForgetsNothing(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			target := dir
			if engine == "postgres" {
				target = pgtest.NewDatabase(t)
			}
			flags := append(dbFlag(target), "--journal", filepath.Join(dir, "journal"))
			korirun(t, append([]string{"demo", "--members", "5", "--as-of", "2025-12-20", "--quiet"}, flags...)...)
			who := kori.Actor{Channel: "web", Name: "member"}
			change := func(at string, fn func(db *store.DB, ids []kori.MemberID)) {
				t.Helper()
				db, err := store.Open(ctx, dbURL(target))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				j, err := journal.Open(filepath.Join(dir, "journal"))
				if err != nil {
					t.Fatal(err)
				}
				db.Journal = j
				helsinki, _ := time.LoadLocation("Europe/Helsinki")
				when, _ := time.ParseInLocation("2006-01-02 15:04", at, helsinki)
				db.Clock = kori.FixedClock(when)
				ids, _ := db.MemberIDs(ctx)
				fn(db, ids)
			}
			choose := func(db *store.DB, id kori.MemberID, kind kori.ConsentKind, to string) {
				t.Helper()
				cat, _ := db.Catalogue(ctx)
				if _, _, err := db.ChangeChoice(ctx, id, kori.Choice{Kind: kind, To: to}, who, cat); err != nil {
					t.Fatalf("%s → %s for %d: %v", kind, to, id, err)
				}
			}
			change("2025-12-21 10:00", func(db *store.DB, ids []kori.MemberID) { choose(db, ids[0], kori.ConsentRetention, "on") })

			// The backup, a week before the loss.
			backup := filepath.Join(t.TempDir(), "backup.db")
			var backupURL string
			if engine == "sqlite" {
				korirun(t, append(append([]string{"backup", "--as-of", "2025-12-24T00:00:00+02:00"}, flags...), backup)...)
			} else {
				backupURL = pgtest.CopyDatabase(t, target)
			}

			change("2025-12-27 09:00", func(db *store.DB, ids []kori.MemberID) {
				choose(db, ids[0], kori.ConsentRetention, "off")
				choose(db, ids[1], kori.ConsentPersonalisation, "objects")
				choose(db, ids[2], kori.ConsentLevel, "group")
				if _, err := db.EraseMember(ctx, ids[3], "member", kori.ReasonErasure, who); err != nil {
					t.Fatal(err)
				}
			})
			korirun(t, append([]string{"retention", "run", "--as-of", "2026-01-01"}, flags...)...)
			change("2026-01-02 12:00", func(db *store.DB, ids []kori.MemberID) { choose(db, ids[2], kori.ConsentLevel, "total") })
			want := snapshot(t, dbURL(target))

			// The live database is lost.
			restored := target
			if engine == "sqlite" {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(filepath.Join(dir, "kori.db") + suffix)
				}
				out := korirun(t, append(append([]string{"restore"}, flags...), backup)...)
				if !strings.Contains(out, "replayed 6 of 6") {
					t.Errorf("restore: %s", out)
				}
			} else {
				pgtest.DropDatabase(t, target)
				restored = pgtest.CopyDatabase(t, backupURL)
				out := korirun(t, "reapply", "--since", "2025-12-24T00:00:00+02:00", "--db", restored, "--data", dir, "--journal", filepath.Join(dir, "journal"))
				if !strings.Contains(out, "replayed 6 of 6") {
					t.Errorf("reapply: %s", out)
				}
			}
			got := snapshot(t, dbURL(restored))
			for table, rows := range want {
				if strings.Join(got[table], "\n") != strings.Join(rows, "\n") {
					t.Errorf("%s after the restore differs from the lost database:\nlost:\n%s\nrestored:\n%s", table,
						strings.Join(rows, "\n"), strings.Join(got[table], "\n"))
				}
			}
		})
	}
}

// snapshot reads every row of the tables a restore must bring back
// exactly, each row as text, sorted.
func snapshot(t *testing.T, url string) map[string][]string {
	t.Helper()
	driver := "sqlite3"
	if strings.HasPrefix(url, "postgres://") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	for _, table := range []string{"members", "cards", "member_keys", "consents", "receipts", "receipt_lines", "receipt_groups",
		"month_rollups", "offers", "deletions", "dsr_requests", "audit_log"} {
		rows, err := db.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
			}
			out[table] = append(out[table], fmt.Sprint(vals...))
		}
		rows.Close()
		sort.Strings(out[table])
	}
	return out
}
