package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A throwaway Citus cluster — a coordinator and two workers on free ports,
// from the system's initdb and pg_ctl with citus preloaded — or the
// coordinator named by KORI_TEST_CITUS_URL, whose workers are found in its
// pg_dist_node. Every test gets a database of its own, created with the
// citus extension on every node and the workers registered, and dropped
// afterwards: a Citus database is never reset by dropping public, which
// would drop the extension with it.
var citus struct {
	once  sync.Once
	base  string // coordinator URL without a database
	nodes []string
	dir   string
	why   string
}

// citusShards is the shard count of the tests' distributed tables: few,
// so that creating a database stays quick; the routing is the same.
const citusShards = 4

// NewCitusDatabase returns the URL of a new database on a Citus cluster
// (coordinator and two workers) for the test, or skips the test when Citus
// is not installed (fails under CI=true, where it must be).
func NewCitusDatabase(t testing.TB) string {
	t.Helper()
	return use(t, "Citus", "run `sudo bash ../shared/citus/install.sh`, or set KORI_TEST_CITUS_URL", CreateCitusDatabase)
}

// CreateCitusDatabase creates a database with citus on every node of the
// cluster and the workers registered on the coordinator, with the tests'
// few shards.
func CreateCitusDatabase() (string, func(), error) { return CreateCitusDatabaseShards(citusShards) }

// CreateCitusDatabaseShards is CreateCitusDatabase with distributed tables
// of the given number of shards (32 is Citus's default, for benchmarks).
func CreateCitusDatabaseShards(shards int) (string, func(), error) {
	citus.once.Do(startCitus)
	if citus.base == "" {
		return "", nil, fmt.Errorf("%s", citus.why)
	}
	name := fmt.Sprintf("kori_citus_%d_%d", os.Getpid(), counter.Add(1))
	all := append([]string{citus.base}, citus.nodes...)
	drop := func() {
		for _, n := range all {
			if db, err := sql.Open("pgx", n+"/postgres?sslmode=disable"); err == nil {
				_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
				db.Close()
			}
		}
	}
	for _, n := range all {
		if err := execOn(n+"/postgres", "CREATE DATABASE "+name); err != nil {
			drop()
			return "", nil, err
		}
		if err := execOn(n+"/"+name, "CREATE EXTENSION citus", "ALTER DATABASE "+name+" SET citus.shard_count = "+strconv.Itoa(shards)); err != nil {
			drop()
			return "", nil, err
		}
	}
	coord, _ := url.Parse(citus.base)
	stmts := []string{fmt.Sprintf("SELECT citus_set_coordinator_host('%s', %s)", coord.Hostname(), coord.Port())}
	for _, n := range citus.nodes {
		u, _ := url.Parse(n)
		stmts = append(stmts, fmt.Sprintf("SELECT citus_add_node('%s', %s)", u.Hostname(), u.Port()))
	}
	if err := execOn(citus.base+"/"+name, stmts...); err != nil {
		drop()
		return "", nil, err
	}
	return citus.base + "/" + name + "?sslmode=disable", drop, nil
}

func execOn(url string, stmts ...string) error {
	db, err := sql.Open("pgx", url+"?sslmode=disable")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func startCitus() {
	if u := os.Getenv("KORI_TEST_CITUS_URL"); u != "" {
		p, err := url.Parse(u)
		if err != nil {
			citus.why = "KORI_TEST_CITUS_URL is not a URL"
			return
		}
		p.Path, p.RawQuery = "", ""
		citus.base = p.String()
		db, err := sql.Open("pgx", u)
		if err != nil {
			citus.why, citus.base = err.Error(), ""
			return
		}
		defer db.Close()
		rows, err := db.Query(`SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0`)
		if err != nil {
			citus.why, citus.base = "KORI_TEST_CITUS_URL: cannot read pg_dist_node: "+err.Error(), ""
			return
		}
		defer rows.Close()
		for rows.Next() {
			var host string
			var port int
			if rows.Scan(&host, &port) == nil {
				w := *p
				w.Host = fmt.Sprintf("%s:%d", host, port)
				citus.nodes = append(citus.nodes, w.String())
			}
		}
		return
	}
	bin := findBin()
	if bin == "" {
		citus.why = "no initdb/pg_ctl found on PATH or in /usr/lib/postgresql/*/bin"
		return
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(bin), "lib", "citus.so")); err != nil {
		citus.why = "Citus is not installed (no citus.so beside PostgreSQL)"
		return
	}
	var err error
	if citus.dir, err = os.MkdirTemp("", "kori-citus-"); err != nil {
		citus.why = err.Error()
		return
	}
	// PostgreSQL refuses to run as root: run it as the postgres user then.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			citus.why = "running as root and there is no postgres user to run the servers as"
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(citus.dir, uid, gid); err != nil {
			citus.why = err.Error()
			return
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	var urls []string
	for i := 0; i < 3; i++ {
		port, err := freePort()
		if err != nil {
			citus.why = err.Error()
			return
		}
		data := filepath.Join(citus.dir, fmt.Sprintf("node%d", i))
		if out, err := command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
			citus.why = fmt.Sprintf("initdb failed: %v: %s", err, out)
			return
		}
		opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c synchronous_commit=off "+
			"-c full_page_writes=off -c max_connections=300 -c shared_preload_libraries=citus,pg_stat_statements -c max_prepared_transactions=100 "+
			"-c citus.shard_count=%d -c log_min_messages=warning", port, citus.dir, citusShards)
		if out, err := command(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", data+".log", "-w", "-t", "60", "start").CombinedOutput(); err != nil {
			log, _ := os.ReadFile(data + ".log")
			citus.why = fmt.Sprintf("pg_ctl start failed: %v: %s %s", err, out, log)
			return
		}
		urls = append(urls, fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, u := range urls {
		db, _ := sql.Open("pgx", u+"/postgres?sslmode=disable")
		for db.PingContext(ctx) != nil {
			if ctx.Err() != nil {
				db.Close()
				citus.why = "a Citus node did not accept connections"
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		db.Close()
	}
	citus.base, citus.nodes = urls[0], urls[1:]
}

// stopCitus stops the throwaway Citus cluster and removes its directory.
func stopCitus() {
	if citus.dir == "" {
		return
	}
	if bin := findBin(); bin != "" {
		for i := 0; i < 3; i++ {
			_ = command(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(citus.dir, fmt.Sprintf("node%d", i)), "-m", "immediate", "-w", "stop").Run()
		}
	}
	os.RemoveAll(citus.dir)
	citus.dir = ""
}
