package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/store"
)

// TestHelperProcess is not a test: other tests run the test binary as the
// kori command through it, so that they can kill it like a real process.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestHelperProcess(t *testing.T) {
	if os.Getenv("KORI_TEST_HELPER") != "1" {
		return
	}
	args := strings.Split(os.Getenv("KORI_TEST_ARGS"), "\x1f")
	err := run(context.Background(), args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func helper(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "KORI_TEST_HELPER=1", "KORI_TEST_ARGS="+strings.Join(args, "\x1f"))
	return cmd
}

// kori runs the command in-process and returns its stdout.
func korirun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	env := func(string) string { return "" }
	if err := run(context.Background(), args, env, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("kori %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

var asOf = "2026-11-25"

// seedRegistry writes groups, stores, catalogue and members (no receipts) of
// the demo to a fresh database in dir, and returns NDJSON of their receipts.
func seedRegistry(t *testing.T, target string, members int) (receipts []byte, n int) {
	t.Helper()
	korirun(t, append([]string{"migrate"}, dbFlag(target)...)...)
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL(target))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	zone, _ := time.LoadLocation("Europe/Helsinki")
	opts := demo.Options{Members: members, Seed: 7, Until: time.Date(2026, 11, 25, 0, 0, 0, 0, zone), Zone: zone}
	cat, ms, err := demo.Registry(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	counter := map[string]int{}
	for i := range ms {
		err := demo.Receipts(&ms[i], cat, demo.Stores, opts, counter, func(r kori.Receipt) error {
			receipts = append(ingest.AppendJSON(receipts, &r), '\n')
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return receipts, n
}

// target is a data directory (SQLite) or a postgres:// URL; dbFlag and dbURL
// turn it into the command's flag and the store's URL.
func dbFlag(target string) []string {
	if strings.HasPrefix(target, "postgres://") {
		return []string{"--db", target}
	}
	return []string{"--data", target}
}

func dbURL(target string) string {
	if strings.HasPrefix(target, "postgres://") {
		return target
	}
	return filepath.Join(target, "kori.db")
}

// targets returns a fresh SQLite data directory and, when available, a fresh
// PostgreSQL database, as subtests.
func eachTarget(t *testing.T, fn func(t *testing.T, newTarget func() string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, t.TempDir) })
	t.Run("postgres", func(t *testing.T) {
		fn(t, func() string { return pgtest.NewDatabase(t) })
	})
}

func counts(t *testing.T, target string) map[string]int64 {
	t.Helper()
	db, err := store.Open(context.Background(), dbURL(target))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKilledImportConvergesOnRerun kills an import mid-way with SIGKILL, runs
// it again, and checks that the result equals an uninterrupted import.
func TestKilledImportConvergesOnRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: imports a file twice")
	}
	eachTarget(t, testKilledImport)
}

func testKilledImport(t *testing.T, newTarget func() string) {
	killed, clean := newTarget(), newTarget()
	receipts, n := seedRegistry(t, killed, 12)
	seedRegistry(t, clean, 12)
	file := filepath.Join(t.TempDir(), "receipts.ndjson")
	if err := os.WriteFile(file, receipts, 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := helper(append(append([]string{"import"}, dbFlag(killed)...), "--as-of", asOf, "--batch", "100", "--quiet", "receipts", file)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for counts(t, killed)["receipts"] < int64(n/10) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("import stored nothing in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	mid := counts(t, killed)["receipts"]
	if mid >= int64(n) {
		t.Logf("import finished before the kill (%d receipts); the re-run still must change nothing", mid)
	}

	korirun(t, append(append([]string{"import"}, dbFlag(killed)...), "--as-of", asOf, "--quiet", "receipts", file)...)
	korirun(t, append(append([]string{"import"}, dbFlag(clean)...), "--as-of", asOf, "--quiet", "receipts", file)...)
	got, want := counts(t, killed), counts(t, clean)
	for table, w := range want {
		if got[table] != w {
			t.Errorf("%s: %d rows after kill and re-run, %d uninterrupted", table, got[table], w)
		}
	}
	if want["receipts"] == 0 || mid == 0 {
		t.Errorf("nothing imported: %v (killed at %d)", want, mid)
	}
	t.Logf("killed at %d of %d receipts; final %v", mid, n, got)
}

// TestServeEndToEnd boots the real server on a free port with a temporary
// data directory, creates an API key with the CLI, and ingests through HTTP.
func TestServeEndToEnd(t *testing.T) { eachTarget(t, testServeEndToEnd) }

func testServeEndToEnd(t *testing.T, newTarget func() string) {
	dir := newTarget()
	receipts, _ := seedRegistry(t, dir, 2)
	token := strings.TrimSpace(korirun(t, append(append([]string{"apikey"}, dbFlag(dir)...), "create", "tills", "ingest")...))
	if !strings.HasPrefix(token, "kori_") {
		t.Fatalf("token %q", token)
	}

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append(append([]string{"serve"}, dbFlag(dir)...), "--addr", "127.0.0.1:0"), func(string) string { return "" }, nil, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	base := line[strings.Index(line, "http://"):]
	base = strings.TrimSpace(base)

	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("healthz = %d", res.StatusCode)
	}

	first := receipts[:bytes.IndexByte(receipts, '\n')]
	post := func(ct string, body []byte, auth string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", base+"/api/v1/receipts", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, m
	}
	if code, _ := post("application/json", first, ""); code != http.StatusUnauthorized {
		t.Errorf("no key: %d", code)
	}
	if code, m := post("application/json", first, token); code != http.StatusCreated || m["status"] != "stored" {
		t.Errorf("first post: %d %v", code, m)
	}
	if code, m := post("application/json", first, token); code != http.StatusOK || m["status"] != "duplicate" {
		t.Errorf("second post: %d %v", code, m)
	}
	code, m := post("application/x-ndjson", receipts, token)
	if code != http.StatusOK || m["duplicates"].(float64) != 1 || m["stored"].(float64) < 100 {
		t.Errorf("batch: %d stored %v duplicates %v", code, m["stored"], m["duplicates"])
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"import", "receipts"}, {"serve", "--tz", "Mars/Olympus"}} {
		err := run(context.Background(), args, func(string) string { return "" }, nil, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("kori %v: err %v, exit %d; want a usage error", args, err, exitCode(err))
		}
	}
	if out := korirun(t, "version"); !strings.HasPrefix(out, "kori ") {
		t.Errorf("version printed %q", out)
	}
}

func TestServeRefusesOldSchema(t *testing.T) {
	dir := t.TempDir()
	var errb bytes.Buffer
	err := run(context.Background(), []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, nil, io.Discard, &errb)
	if err == nil || !strings.Contains(kori.ErrorMessageOrText(err), "kori migrate") {
		t.Errorf("serve on an empty database: %v; want an error that says to run kori migrate", err)
	}
}
