package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kori.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, path
}

// fileBytes reads the database file and its write-ahead log.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestErasureLeavesNoBytes: after a member is erased, their card number,
// e-mail and receipt numbers are nowhere in the SQLite file's bytes.
func TestErasureLeavesNoBytes(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	if err := db.UpsertStores(ctx, []kori.Store{{ID: "S1", Name: "Store"}}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"erase.me.please@example.invalid", "9876543210123", "RCPT-SECRET-0001", "RCPT-SECRET-0002"}
	ids, err := db.ImportMembers(ctx, []kori.Enrolment{
		{Ref: "KEEP", Email: "keep@example.invalid", Cards: []kori.Card{{Number: "1111", Status: kori.CardActive}}},
		{Ref: "GONE", Email: secrets[0], Cards: []kori.Card{{Number: secrets[1], Status: kori.CardActive}}},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var rs []kori.StoredReceipt
	for i, no := range []string{secrets[2], secrets[3], "RCPT-KEPT-0001"} {
		m, card := ids[1], secrets[1]
		if i == 2 {
			m, card = ids[0], "1111"
		}
		rs = append(rs, kori.StoredReceipt{MemberID: m, Card: card, Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: no, BusinessDay: 20250301},
			Year: 2025, Month: 3, PurchasedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), Total: 100, Grain: kori.LevelProduct,
			Lines: []kori.StoredLine{{Line: kori.Line{GTIN: "6400000000019", Quantity: 1, Amount: 100}, Group: "dairy", Known: true,
				Figures: kori.Figures{Lines: 1, Amount: 100}}}})
	}
	if _, err := db.WriteReceipts(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(ctx, ids[1], "$argon2id$secret"); err != nil {
		t.Fatal(err)
	}
	before := fileBytes(t, path)
	for _, s := range secrets {
		if !bytes.Contains(before, []byte(s)) {
			t.Fatalf("%q is not in the file before erasure; the test would prove nothing", s)
		}
	}
	if _, err := db.EraseMember(ctx, ids[1], "member", kori.ReasonErasure, kori.Actor{Channel: "test", Name: "member"}); err != nil {
		t.Fatal(err)
	}
	after := fileBytes(t, path)
	for _, s := range secrets {
		if i := bytes.Index(after, []byte(s)); i >= 0 {
			t.Errorf("%q is still in the file at byte %d after erasure", s, i)
		}
	}
	if !bytes.Contains(after, []byte("RCPT-KEPT-0001")) {
		t.Error("the other member's receipt went too")
	}
}

// TestAuditVerifyDetectsTampering edits and removes audit entries behind
// the store's back and expects VerifyAudit to name them.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	who := kori.Actor{Channel: "cli", Name: "operator"}
	for i := 0; i < 5; i++ {
		if err := db.Audit(ctx, "export", who, kori.MemberID(i+1), map[string]any{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	n, head, problems, err := db.VerifyAudit(ctx)
	if err != nil || n != 5 || len(problems) != 0 || len(head) != 64 {
		t.Fatalf("untouched log: %d entries, head %q, problems %v, %v", n, head, problems, err)
	}
	if _, err := db.write.Exec(`UPDATE audit_log SET detail = '{"n":99}' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	_, _, problems, _ = db.VerifyAudit(ctx)
	if len(problems) != 1 || problems[0].Seq != 2 || !strings.Contains(problems[0].Problem, "edited") {
		t.Errorf("edited entry: problems %v", problems)
	}
	// Recomputing the edited entry's hash does not help: the next link breaks.
	var e AuditEntry
	var at int64
	row := db.write.QueryRow(`SELECT seq, at, kind, actor, member_id, detail, prev_hash FROM audit_log WHERE seq = 2`)
	if err := row.Scan(&e.Seq, &at, &e.Kind, &e.Actor, &e.MemberID, &e.Detail, &e.PrevHash); err != nil {
		t.Fatal(err)
	}
	e.At = time.Unix(at, 0)
	if _, err := db.write.Exec(`UPDATE audit_log SET hash = ? WHERE seq = 2`, chainHash(e)); err != nil {
		t.Fatal(err)
	}
	_, _, problems, _ = db.VerifyAudit(ctx)
	if len(problems) != 1 || problems[0].Seq != 3 || !strings.Contains(problems[0].Problem, "link") {
		t.Errorf("re-hashed entry: problems %v", problems)
	}
	if _, err := db.write.Exec(`DELETE FROM audit_log WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	_, _, problems, _ = db.VerifyAudit(ctx)
	found := false
	for _, p := range problems {
		found = found || p.Seq == 5 && strings.Contains(p.Problem, "missing")
	}
	if !found {
		t.Errorf("removed entry not found: %v", problems)
	}
}
