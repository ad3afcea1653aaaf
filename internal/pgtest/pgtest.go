// Package pgtest gives tests a real PostgreSQL: the server named by
// KORI_TEST_POSTGRES_URL, or a throwaway cluster started from the system's
// initdb and pg_ctl in a temporary directory on a free port, removed when the
// tests end. Tests skip with a clear message when neither is available, so a
// developer without PostgreSQL can still run `make test`; CI installs it.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

var (
	once    sync.Once
	base    string // URL of the server, without a database name
	dir     string // the throwaway cluster's directory, if we started one
	asUser  []string
	why     string // why PostgreSQL is unavailable
	counter atomic.Int64
)

// Main runs the tests and stops the throwaway cluster afterwards; call it from
// TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	stopCitus()
	return code
}

// NewDatabase returns the URL of a new, empty database for the test, or skips
// the test when PostgreSQL is not available (fails under CI=true, where it
// must be).
func NewDatabase(t testing.TB) string {
	t.Helper()
	return use(t, "PostgreSQL", "install postgresql-15 or set KORI_TEST_POSTGRES_URL", CreateDatabase)
}

// use creates a database for the test with create and drops it after; when
// the engine is unavailable it skips the test, saying how to get it, or
// fails it under CI=true, where the engine must be there.
func use(t testing.TB, engine, hint string, create func() (string, func(), error)) string {
	t.Helper()
	url, drop, err := create()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI but unavailable: %v", engine, err)
		}
		t.Skipf("skipping %s tests: %v (%s)", engine, err, hint)
	}
	t.Cleanup(drop)
	return url
}

// CreateDatabase starts the server if needed and creates an empty database
// on it; drop removes the database. Benchmarks use it outside tests.
func CreateDatabase() (url string, drop func(), err error) {
	once.Do(start)
	if base == "" {
		return "", nil, fmt.Errorf("%s", why)
	}
	name := fmt.Sprintf("kori_test_%d_%d", os.Getpid(), counter.Add(1))
	admin, err := sql.Open("pgx", base+"/postgres?sslmode=disable")
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop = func() {
		admin, err := sql.Open("pgx", base+"/postgres?sslmode=disable")
		if err == nil {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		}
	}
	return base + "/" + name + "?sslmode=disable", drop, nil
}

// CopyDatabase copies the database at url (no one may be connected to it)
// into a new one, as a backup and its restore would, and returns the
// copy's URL; the copy is dropped after the test.
func CopyDatabase(t testing.TB, url string) string {
	t.Helper()
	src := dbName(url)
	name := fmt.Sprintf("kori_test_%d_%d", os.Getpid(), counter.Add(1))
	admin, err := sql.Open("pgx", base+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + src); err != nil {
		t.Fatalf("copy database %s: %v", src, err)
	}
	t.Cleanup(func() { DropDatabase(t, base+"/"+name) })
	return base + "/" + name + "?sslmode=disable"
}

// DropDatabase drops the database at url, as if it were lost.
func DropDatabase(t testing.TB, url string) {
	admin, err := sql.Open("pgx", base+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("DROP DATABASE IF EXISTS " + dbName(url) + " WITH (FORCE)"); err != nil {
		t.Errorf("drop database: %v", err)
	}
}

func dbName(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(p.Path, "/")
}

func start() {
	if u := os.Getenv("KORI_TEST_POSTGRES_URL"); u != "" {
		p, err := url.Parse(u)
		if err != nil {
			why = "KORI_TEST_POSTGRES_URL is not a URL"
			return
		}
		p.Path, p.RawQuery = "", ""
		base = p.String()
		return
	}
	bin := findBin()
	if bin == "" {
		why = "no initdb/pg_ctl found on PATH or in /usr/lib/postgresql/*/bin"
		return
	}
	var err error
	dir, err = os.MkdirTemp("", "kori-pg-")
	if err != nil {
		why = err.Error()
		return
	}
	// PostgreSQL refuses to run as root: run it as the postgres user then.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			why = "running as root and there is no postgres user to run the server as"
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			why = err.Error()
			return
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	port, err := freePort()
	if err != nil {
		why = err.Error()
		return
	}
	data := filepath.Join(dir, "data")
	if out, err := command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		why = fmt.Sprintf("initdb failed: %v: %s", err, out)
		return
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
	if out, err := command(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		why = fmt.Sprintf("pg_ctl start failed: %v: %s %s", err, out, log)
		return
	}
	base = fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, _ := sql.Open("pgx", base+"/postgres?sslmode=disable")
	defer db.Close()
	for db.PingContext(ctx) != nil {
		if ctx.Err() != nil {
			why, base = "server did not accept connections", ""
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the throwaway clusters (PostgreSQL, and Citus when one was
// started) and removes their directories.
func Stop() {
	stopCitus()
	if dir == "" {
		return
	}
	if bin := findBin(); bin != "" {
		_ = command(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-m", "immediate", "-w", "stop").Run()
	}
	os.RemoveAll(dir)
	dir = ""
}

func command(name string, args ...string) *exec.Cmd {
	if len(asUser) > 0 {
		return exec.Command(asUser[0], append(append(asUser[1:], name), args...)...)
	}
	return exec.Command(name, args...)
}

func findBin() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(r)
		}
		return filepath.Dir(p)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
