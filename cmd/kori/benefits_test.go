package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBenefitsCommands: the example scheme is imported, a month the demo
// did not pay (it pays the last twelve) is paid,
// paying it again records nothing, and the payout file is the same each
// time, one row per member who earned a benefit.
func TestBenefitsCommands(t *testing.T) {
	dir := demoDB(t, 6, asOf)
	korirun(t, "import", "--data", dir, "scheme", "../../examples/scheme.json")
	out := korirun(t, "benefits", "run", "--data", dir, "--month", "2025-06", "--as-of", asOf, "--quiet")
	if !strings.Contains(out, "2025-06:") || strings.Contains(out, " 0 recorded now") {
		t.Fatalf("first run: %s", out)
	}
	if again := korirun(t, "benefits", "run", "--data", dir, "--month", "2025-06", "--as-of", asOf, "--quiet"); !strings.Contains(again, " 0 recorded now") {
		t.Errorf("second run recorded more: %s", again)
	}
	file := filepath.Join(t.TempDir(), "payouts.csv")
	korirun(t, "benefits", "export", "--data", dir, "--month", "2025-06", "--out", file)
	first, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(first)).ReadAll()
	if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "payout_ref,month,amount_eur,member_ref" || rows[1][1] != "2025-06" {
		t.Fatalf("payout file %q: %v", first, err)
	}
	if second := korirun(t, "benefits", "export", "--data", dir, "--month", "2025-06"); second != string(first) {
		t.Error("the export of the same month changed")
	}
	var errb bytes.Buffer
	err = run(context.Background(), []string{"benefits", "run", "--data", dir, "--month", "2026-11", "--as-of", asOf}, func(string) string { return "" }, nil, &bytes.Buffer{}, &errb)
	if err == nil || !strings.Contains(err.Error(), "not over yet") {
		t.Errorf("paying the month in progress: %v", err)
	}
}

// TestAnalyticsCommand: the figures as a table, CSV and Parquet; k can be
// raised but not lowered; every query is in the audit log.
func TestAnalyticsCommand(t *testing.T) {
	dir := demoDB(t, 9, asOf)
	table := korirun(t, "analytics", "figures", "--data", dir, "--as-of", asOf, "--by", "year", "--from", "2025-01", "--to", "2025-12")
	if !strings.Contains(table, "k = 10") || !strings.Contains(table, "suppressed") {
		t.Errorf("table: %s", table)
	}
	if out := korirun(t, "analytics", "members", "--data", dir, "--format", "csv"); !strings.HasPrefix(out, "level,objects,suppressed,members,share\n") {
		t.Errorf("members CSV: %q", out)
	}
	pq := filepath.Join(t.TempDir(), "a.parquet")
	korirun(t, "analytics", "figures", "--data", dir, "--as-of", asOf, "--dim", "group", "--format", "parquet", "--out", pq)
	if b, err := os.ReadFile(pq); err != nil || !bytes.HasPrefix(b, []byte("PAR1")) {
		t.Errorf("parquet file: %v", err)
	}
	err := run(context.Background(), []string{"analytics", "figures", "--data", dir, "--k", "5"}, func(string) string { return "" }, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "raised") {
		t.Errorf("--k 5: %v", err)
	}
	db := openDB(t, dir)
	evs, err := db.AuditEvents(context.Background(), []string{"analytics_query"}, mustTime(t, "2000-01-01"), mustTime(t, "2100-01-01"))
	if err != nil || len(evs) != 3 {
		t.Errorf("audit log has %d analytics queries, want 3 (%v)", len(evs), err)
	}
}

func mustTime(t *testing.T, day string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
