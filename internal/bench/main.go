// Command bench measures Kori's bulk ingest against a bare SQLite insert of
// the same rows, in the same run on the same machine, and writes the figures
// to BENCHMARKS.md. Run it with `make bench`.
package main

import (
	"bufio"
	"cmp"
	"context"
	"flag"
	"fmt"
	"github.com/jackc/pgx/v5"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/store"
)

func main() {
	out := flag.String("out", "BENCHMARKS.md", "file to write the results to")
	big := flag.Int("receipts", 1_000_000, "receipts in the large file (peak RSS and sustained rate)")
	small := flag.Int("compare", 100_000, "receipts in the file compared with bare inserts")
	members := flag.Int("members", 3100, "demo members in the member-page database (3,100 give about 26 M lines, the size the member pages are specified for)")
	pgMembers := flag.Int("pg-members", 300, "demo members in each PostgreSQL database (pages and retention)")
	sample := flag.Int("sample", 40, "members whose pages are timed")
	repeat := flag.Int("repeat", 10, "requests of each page per sampled member")
	pagesDir := flag.String("pages-dir", "", "keep the member-page database in this directory and reuse it when it is there (default: a temporary one)")
	only := flag.String("only", "", `run one part: "ingest", "pages", "privacy", "offers", "postgres", "http", "tills", "analytics" "benefits" or "pgpages" (its section of -out is replaced); default all`)
	flag.IntVar(&httpSeconds, "http-seconds", 10, "seconds of HTTP load at each concurrency")
	flag.StringVar(&pgPagesURL, "pg-url", "", `with -only pgpages: a PostgreSQL database made once by kori demo (3,100 members give 26 M lines) whose member pages are timed; kept and reused between runs`)
	flag.IntVar(&analyticsMembers, "analytics-members", 3100, "demo members in the PostgreSQL and Citus analytics databases (3,100 give about 26 M lines)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*out, *only, *pagesDir, *big, *small, *members, *pgMembers, *sample, *repeat); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// httpSeconds is how long the HTTP load runs at each concurrency.
var httpSeconds int

// pgPagesURL is the national-size PostgreSQL database of -only pgpages.
var pgPagesURL string

// analyticsMembers is the size of the PostgreSQL and Citus analytics databases.
var analyticsMembers int

type result struct {
	name    string
	rows    int64
	elapsed time.Duration
	rssKB   int64
	runs    []time.Duration // every run's time, where elapsed is their median
}

// compareRuns is how many times each side of an ingest comparison runs:
// one run of a few seconds moved by a fifth between runs on a busy machine
// (PostgreSQL import ÷ bare COPY 0.53 and 0.65 back to back), and the
// median of three still by a tenth between bench runs.
const compareRuns = 5

// alternate runs each of fns compareRuns times, one after the other in
// turn, so that a slow spell of the machine falls on all of them, and
// returns each one's median run, with all its runs' times.
func alternate(fns ...func() (result, error)) ([]result, error) {
	all := make([][]result, len(fns))
	for range compareRuns {
		for i, fn := range fns {
			r, err := fn()
			if err != nil {
				return nil, err
			}
			all[i] = append(all[i], r)
		}
	}
	out := make([]result, len(fns))
	for i, rs := range all {
		var runs []time.Duration
		for _, r := range rs {
			runs = append(runs, r.elapsed) // in the order they ran
		}
		slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.elapsed, b.elapsed) })
		out[i] = rs[len(rs)/2]
		out[i].runs = runs
	}
	return out, nil
}

// runTimes lists r's runs in seconds, in the order they ran, for a table
// cell.
func (r result) runTimes() string {
	if len(r.runs) == 0 {
		return "—"
	}
	times := make([]string, len(r.runs))
	for i, d := range r.runs {
		times[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(times, ", ")
}

func (r result) rate() float64 { return float64(r.rows) / r.elapsed.Seconds() }

func run(out, only, pagesDir string, big, small, members, pgMembers, sample, repeat int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "kori-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	defer pgtest.Stop()
	bin := filepath.Join(tmp, "kori")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/kori").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, b)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `make bench` on %s. Machine: %s/%s, %d CPUs, %s.\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	sections := map[string]string{}
	if old, err := os.ReadFile(out); err == nil {
		sections = splitSections(string(old))
	}
	if only == "" || only == "ingest" {
		var s strings.Builder
		if err := ingestBench(ctx, &s, bin, tmp, big, small); err != nil {
			return err
		}
		sections["ingest"] = s.String()
	}
	if only == "" || only == "pages" {
		if pagesDir == "" {
			pagesDir = filepath.Join(tmp, "pages")
		}
		rep, err := memberPages(ctx, bin, pagesDir, members, sample, repeat)
		if err != nil {
			return err
		}
		var s strings.Builder
		rep.write(&s)
		sections["pages"] = s.String()
	}
	if only == "" || only == "privacy" {
		if pagesDir == "" {
			return fmt.Errorf("the privacy benchmark runs on the member-page database: give -pages-dir or run all parts")
		}
		rep, err := privacyRuns(ctx, pagesDir, tmp)
		if err != nil {
			return err
		}
		var s strings.Builder
		rep.write(&s)
		sections["privacy"] = s.String()
	}
	if only == "" || only == "postgres" {
		rep, err := postgresPages(ctx, bin, postgresEngine, pgMembers, sample, repeat)
		if err != nil {
			fmt.Fprintln(os.Stderr, "PostgreSQL member pages skipped:", err)
		} else {
			citus, citusErr := postgresPages(ctx, bin, citusEngine, pgMembers, sample, repeat)
			if citusErr != nil {
				fmt.Fprintln(os.Stderr, "Citus member pages skipped:", citusErr)
			}
			var s strings.Builder
			writePostgres(&s, rep, citus, citusErr)
			sections["postgres"] = s.String()
		}
	}
	if only == "pgpages" {
		if pgPagesURL == "" {
			return fmt.Errorf("-only pgpages needs -pg-url of a database made by kori demo --members 3100")
		}
		db, err := store.Open(ctx, pgPagesURL)
		if err != nil {
			return err
		}
		counts, err := db.Counts(ctx)
		if err != nil {
			return err
		}
		rep := nationalPages(postgresEngine)
		rep.members = int(counts["members"])
		err = timePages(ctx, db, rep, sample, repeat)
		db.Close()
		if err != nil {
			return err
		}
		var s strings.Builder
		rep.write(&s)
		sections["pgpages"] = s.String()
	}
	if only == "" || only == "offers" {
		if pagesDir == "" {
			return fmt.Errorf("the offers benchmark runs on the member-page database: give -pages-dir or run all parts")
		}
		rep, err := offersRun(ctx, bin, pagesDir)
		if err != nil {
			return err
		}
		var s strings.Builder
		rep.write(&s)
		sections["offers"] = s.String()
	}
	if only == "" || only == "analytics" {
		if pagesDir == "" {
			pagesDir = filepath.Join(tmp, "pages")
		}
		var reps []*analyticsReport
		rep, err := analyticsSQLite(ctx, bin, pagesDir, members)
		if err != nil {
			return err
		}
		reps = append(reps, rep)
		var nationals []*national
		for _, engine := range []pgEngine{postgresEngine, citusEngine} {
			rep, n, err := analyticsPostgres(ctx, bin, engine, analyticsMembers, sample, repeat)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s analytics skipped: %v\n", engine.name, err)
				continue
			}
			reps = append(reps, rep)
			var s strings.Builder
			n.pages.write(&s)
			sections[map[bool]string{false: "pgpages", true: "cituspages"}[engine.citus]] = s.String()
			nationals = append(nationals, n)
		}
		var s strings.Builder
		writeAnalytics(&s, reps)
		writeNationalRetention(&s, nationals)
		sections["analytics"] = s.String()
	}
	if only == "" || only == "benefits" {
		if pagesDir == "" {
			return fmt.Errorf("the benefits benchmark runs on the member-page database: give -pages-dir or run all parts")
		}
		rep, err := benefitsRun(ctx, bin, pagesDir)
		if err != nil {
			return err
		}
		var s strings.Builder
		rep.write(&s)
		sections["benefits"] = s.String()
	}
	if only == "" || only == "tills" {
		rep, err := tillsBench(ctx, bin, tmp, small)
		if err != nil {
			return err
		}
		var s strings.Builder
		rep.write(&s)
		sections["tills"] = s.String()
	}
	if only == "" || only == "http" {
		dir := pagesDir
		if dir == "" {
			dir = filepath.Join(tmp, "http")
			fmt.Fprintln(os.Stderr, "http: kori demo --members 300…")
			if out, err := exec.Command(bin, "demo", "--data", dir, "--members", "300", "--as-of", "2026-11-25", "--quiet").CombinedOutput(); err != nil {
				return fmt.Errorf("kori demo: %v\n%s", err, out)
			}
		}
		rep, err := httpLoad(ctx, bin, dir, httpSeconds)
		if err != nil {
			return err
		}
		var s strings.Builder
		rep.write(&s)
		sections["http"] = s.String()
	}
	b.WriteString(sections["ingest"])
	b.WriteString(sections["pages"])
	b.WriteString(sections["privacy"])
	b.WriteString(sections["postgres"])
	b.WriteString(sections["pgpages"])
	b.WriteString(sections["cituspages"])
	b.WriteString(sections["offers"])
	b.WriteString(sections["http"])
	b.WriteString(sections["analytics"])
	b.WriteString(sections["benefits"])
	b.WriteString(sections["tills"])
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(b.String())
	return nil
}

// splitSections splits an earlier BENCHMARKS.md into its parts, so that a
// run of one part keeps the others.
func splitSections(doc string) map[string]string {
	heads := map[string]string{"ingest": "\n## Bulk ingest, SQLite", "pages": "\n## Member pages and API, SQLite", "privacy": "\n## Retention and erasure",
		"offers": "\n## Offers, SQLite", "postgres": "\n## Member pages and API, PostgreSQL", "pgpages": "\n## Member pages and API, on a national-size PostgreSQL",
		"cituspages": "\n## Member pages and API, on a national-size Citus", "http": "\n## Member API over HTTP",
		"tills": "\n## Real till receipts", "analytics": "\n## Analytics for the chain", "benefits": "\n## Loyalty benefits"}
	starts := map[string]int{}
	for k, h := range heads {
		if i := strings.Index(doc, h); i >= 0 {
			starts[k] = i
		}
	}
	out := map[string]string{}
	for k, i := range starts {
		end := len(doc)
		for _, j := range starts {
			if j > i && j < end {
				end = j
			}
		}
		out[k] = doc[i:end]
	}
	return out
}

// newRegistry writes a migrated database at path with the demo's groups,
// stores, catalogue and members (no receipts), to be copied for each run.
func newRegistry(ctx context.Context, path string, opts demo.Options) ([]demo.Product, []demo.Member, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, nil, err
	}
	return demo.Registry(ctx, db, opts)
}

func ingestBench(ctx context.Context, b *strings.Builder, bin, tmp string, big, small int) error {
	zone, _ := time.LoadLocation(kori.DefaultZone)
	until := time.Date(2026, 11, 25, 0, 0, 0, 0, zone)
	opts := demo.Options{Members: big/1000 + 50, Seed: 42, Until: until, Zone: zone}

	// One registry database, copied for each run so every run starts equal.
	registry := filepath.Join(tmp, "registry.db")
	cat, members, err := newRegistry(ctx, registry, opts)
	if err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "writing receipt files…")
	bigFile, smallFile := filepath.Join(tmp, "big.ndjson"), filepath.Join(tmp, "small.ndjson")
	bigLines, smallLines, smallRows, err := writeFiles(cat, members, opts, bigFile, smallFile, big, small)
	if err != nil {
		return err
	}

	importRun := func(name, file string, lines int64) (result, error) {
		dir := filepath.Join(tmp, name)
		if err := os.RemoveAll(dir); err != nil {
			return result{}, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return result{}, err
		}
		if err := copyFile(registry, filepath.Join(dir, "kori.db")); err != nil {
			return result{}, err
		}
		fmt.Fprintf(os.Stderr, "%s: kori import…\n", name)
		cmd := exec.Command(bin, "import", "--data", dir, "--as-of", "2026-11-25", "--quiet", "receipts", file)
		cmd.Stderr = os.Stderr
		quiesce()
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return result{}, fmt.Errorf("kori import: %w", err)
		}
		r := result{name: "kori import (NDJSON → receipts, lines, rollups)", rows: lines, elapsed: time.Since(start)}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.rssKB = ru.Maxrss
		}
		return r, nil
	}
	sqlite, err := alternate(
		func() (result, error) { return importRun("small", smallFile, smallLines) },
		func() (result, error) { return bareInsert(ctx, tmp, smallRows, false) },
		func() (result, error) { return bareInsert(ctx, tmp, smallRows, true) })
	if err != nil {
		return err
	}
	koriSmall, bareSingle, bareMulti := sqlite[0], sqlite[1], sqlite[2]
	koriBig, err := importRun("big", bigFile, bigLines)
	if err != nil {
		return err
	}
	pg, pgErr := postgresRuns(ctx, bin, postgresEngine, opts, smallFile, smallLines, smallRows)
	if pgErr != nil {
		fmt.Fprintln(os.Stderr, "PostgreSQL runs skipped:", pgErr)
	}
	citus, citusErr := postgresRuns(ctx, bin, citusEngine, opts, smallFile, smallLines, smallRows)
	if citusErr != nil {
		fmt.Fprintln(os.Stderr, "Citus runs skipped:", citusErr)
	}
	fmt.Fprintf(b, "\n## Bulk ingest, SQLite\n\nDemo purchases (%d members' worth) as NDJSON, imported with `kori import receipts` into a\n"+
		"database holding the catalogue and members. \"Lines\" are product lines sent; Kori also writes the\n"+
		"receipt rows, group sums for group-level members and the monthly rollups in the same transactions.\n"+
		"The bare inserts write only the same product-line rows into the same table, with nothing parsed\n"+
		"or computed, in transactions of the same size. The %d-receipt runs and the bare inserts ran %d times each,\n"+
		"taking turns, each time into a fresh database and after a sync; the table gives each one's median run.\n\n",
		len(members), small, compareRuns)
	fmt.Fprintf(b, "| run | receipts | lines | seconds (median) | lines/s | runs (s) | peak RSS |\n|---|---:|---:|---:|---:|---|---:|\n")
	row := func(r result, receipts int) {
		rss := "—"
		if r.rssKB > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(r.rssKB)/1024)
		}
		fmt.Fprintf(b, "| %s | %d | %d | %.2f | %.0f | %s | %s |\n", r.name, receipts, r.rows, r.elapsed.Seconds(), r.rate(), r.runTimes(), rss)
	}
	row(koriSmall, small)
	row(bareSingle, small)
	row(bareMulti, small)
	row(koriBig, big)
	fmt.Fprintf(b, "\n**Ratio** Kori import ÷ bare prepared insert of the same rows: **%.2f** (target ≥ 0.5); "+
		"÷ bare multi-row insert: **%.2f**.\n\n", koriSmall.rate()/bareSingle.rate(), koriSmall.rate()/bareMulti.rate())
	fmt.Fprintf(b, "Peak RSS of the %d-receipt import: %.0f MiB (memory is bounded by one batch of %d receipts and the catalogue).\n",
		big, float64(koriBig.rssKB)/1024, ingest.DefaultBatch)
	fmt.Fprintf(b, "\n## Bulk ingest, PostgreSQL\n\n")
	if pgErr != nil {
		fmt.Fprintf(b, "Not measured: %v.\n", pgErr)
	} else {
		fmt.Fprintf(b, "The same %d-receipt file into a throwaway PostgreSQL 15 cluster on the same machine (fsync off, as in\n"+
			"tests), against a bare COPY of the same line rows into the same partitioned table; %d runs each, taking\n"+
			"turns, each into a fresh database, median given.\n\n", small, compareRuns)
		compareTable(b, pg, small)
		fmt.Fprintf(b, "\n**Ratio** Kori import ÷ bare COPY: **%.2f** (target ≥ 0.6).\n", pg[0].rate()/pg[1].rate())
	}
	fmt.Fprintf(b, "\n## Bulk ingest, Citus\n\n")
	if citusErr != nil {
		fmt.Fprintf(b, "Not measured: %v.\n", citusErr)
	} else {
		fmt.Fprintf(b, "The same file into a throwaway Citus 13 cluster on the same machine (a coordinator and 2 workers, 32\n"+
			"shards a table, fsync off), against a bare COPY of the same line rows into the same distributed table;\n"+
			"%d runs each, taking turns, each into a fresh database, median given.\n\n", compareRuns)
		compareTable(b, citus, small)
		fmt.Fprintf(b, "\n**Ratio** Kori import ÷ bare COPY: **%.2f**", citus[0].rate()/citus[1].rate())
		if pgErr == nil {
			fmt.Fprintf(b, "; Citus ÷ PostgreSQL, Kori import: **%.2f**", citus[0].rate()/pg[0].rate())
		}
		fmt.Fprintf(b, ".\n")
	}
	return nil
}

type lineRow struct {
	member  kori.MemberID
	receipt int64
	lineNo  int
	year    int
	l       kori.Line
}

// writeFiles writes the large and the small NDJSON files (the small one is the
// large one's head) and returns their line counts and the small file's rows.
func writeFiles(cat []demo.Product, members []demo.Member, o demo.Options, bigFile, smallFile string, big, small int) (int64, int64, []lineRow, error) {
	fb, err := os.Create(bigFile)
	if err != nil {
		return 0, 0, nil, err
	}
	defer fb.Close()
	fs, err := os.Create(smallFile)
	if err != nil {
		return 0, 0, nil, err
	}
	defer fs.Close()
	wb, ws := bufio.NewWriterSize(fb, 1<<20), bufio.NewWriterSize(fs, 1<<20)
	var n int
	var bigLines, smallLines int64
	var rows []lineRow
	counter := map[string]int{}
	buf := make([]byte, 0, 4096)
	stop := fmt.Errorf("enough")
	for i := range members {
		m := &members[i]
		if m.Level == kori.LevelNone {
			continue
		}
		err := demo.Receipts(m, cat, demo.Stores, o, counter, func(r kori.Receipt) error {
			if n == big {
				return stop
			}
			buf = append(ingest.AppendJSON(buf[:0], &r), '\n')
			wb.Write(buf)
			bigLines += int64(len(r.Lines))
			if n < small {
				ws.Write(buf)
				smallLines += int64(len(r.Lines))
				for j, l := range r.Lines {
					rows = append(rows, lineRow{kori.MemberID(i + 1), int64(n), j + 1, r.PurchasedAt.In(o.Zone).Year(), l})
				}
			}
			n++
			return nil
		})
		if err == stop {
			break
		} else if err != nil {
			return 0, 0, nil, err
		}
	}
	if n < big {
		return 0, 0, nil, fmt.Errorf("only %d receipts generated, wanted %d", n, big)
	}
	if err := wb.Flush(); err != nil {
		return 0, 0, nil, err
	}
	return bigLines, smallLines, rows, ws.Flush()
}

// bareInsert writes the rows into receipt_lines of a fresh Kori SQLite
// database (same schema, same pragmas) in transactions of the ingest batch
// size: single-row prepared inserts, or multi-row ones.
func bareInsert(ctx context.Context, tmp string, rows []lineRow, multi bool) (result, error) {
	path := filepath.Join(tmp, fmt.Sprintf("bare-%v.db", multi))
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return result{}, err
		}
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return result{}, err
	}
	name := "bare SQLite insert, prepared single-row"
	if multi {
		name = "bare SQLite insert, multi-row (200 rows/statement)"
	}
	perTx := ingest.DefaultBatch * 8
	quiesce()
	start := time.Now()
	err = store.BareLineInsert(ctx, db, len(rows), perTx, multi, func(i int) []any {
		r := &rows[i]
		return []any{r.member, r.receipt, r.lineNo, r.year, r.l.GTIN, "dairy", true, r.l.Quantity, int64(r.l.Amount), int64(r.l.Discount)}
	})
	return result{name: name, rows: int64(len(rows)), elapsed: time.Since(start)}, err
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// postgresRuns imports the file with Kori into PostgreSQL and COPYs the same
// line rows into a fresh database, when PostgreSQL can be started here.
func postgresRuns(ctx context.Context, bin string, engine pgEngine, opts demo.Options, file string, lines int64, rows []lineRow) ([]result, error) {
	// The databases are dropped after all the runs: dropping one frees
	// hundreds of megabytes of page cache, which the kernel reclaims while
	// the next run goes.
	var drops []func()
	defer func() {
		for _, drop := range drops {
			drop()
		}
	}()
	koriOnce := func() (result, error) {
		url, drop, err := engine.newDatabase(ctx, bin)
		if err != nil {
			return result{}, err
		}
		drops = append(drops, drop)
		db, err := store.Open(ctx, url)
		if err != nil {
			return result{}, err
		}
		_, _, err = demo.Registry(ctx, db, opts)
		db.Close()
		if err != nil {
			return result{}, err
		}
		fmt.Fprintf(os.Stderr, "%s: kori import…\n", engine.name)
		cmd := exec.Command(bin, "import", "--db", url, "--as-of", "2026-11-25", "--quiet", "receipts", file)
		cmd.Stderr = os.Stderr
		quiesce()
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return result{}, fmt.Errorf("kori import: %w", err)
		}
		return result{name: "kori import (NDJSON → receipts, lines, rollups)", rows: lines, elapsed: time.Since(start)}, nil
	}
	bareOnce := func() (result, error) {
		url, drop, err := engine.newDatabase(ctx, bin)
		if err != nil {
			return result{}, err
		}
		drops = append(drops, drop)
		fmt.Fprintf(os.Stderr, "%s: bare COPY…\n", engine.name)
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return result{}, err
		}
		defer conn.Close(ctx)
		for y := 2015; y <= 2026; y++ {
			if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE receipt_lines_y%d PARTITION OF receipt_lines FOR VALUES IN (%d)", y, y)); err != nil {
				return result{}, err
			}
		}
		cols := []string{"member_id", "receipt_id", "line_no", "year", "gtin", "group_code", "known", "quantity", "amount_cents", "discount_cents"}
		perTx := ingest.DefaultBatch * 8
		quiesce()
		start := time.Now()
		for from := 0; from < len(rows); from += perTx {
			chunk := rows[from:min(from+perTx, len(rows))]
			src := pgx.CopyFromSlice(len(chunk), func(i int) ([]any, error) {
				r := &chunk[i]
				return []any{int64(r.member), r.receipt, r.lineNo, r.year, r.l.GTIN, "dairy", true, r.l.Quantity, int64(r.l.Amount), int64(r.l.Discount)}, nil
			})
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{"receipt_lines"}, cols, src); err != nil {
				return result{}, err
			}
		}
		return result{name: "bare COPY of the line rows", rows: int64(len(rows)), elapsed: time.Since(start)}, nil
	}
	return alternate(koriOnce, bareOnce)
}

// compareTable writes the runs of an engine's ingest comparison.
func compareTable(b *strings.Builder, rs []result, receipts int) {
	fmt.Fprintf(b, "| run | receipts | lines | seconds (median) | lines/s | runs (s) |\n|---|---:|---:|---:|---:|---|\n")
	for _, r := range rs {
		fmt.Fprintf(b, "| %s | %d | %d | %.2f | %.0f | %s |\n", r.name, receipts, r.rows, r.elapsed.Seconds(), r.rate(), r.runTimes())
	}
}

// quiesce writes the page cache's dirty pages to disk before a timed run,
// so that the run does not pay for flushing what earlier runs wrote: right
// after the million-receipt SQLite import, Kori's PostgreSQL import took
// 4.92 s; after a sync, 4.30–4.47 s (three runs).
func quiesce() {
	syscall.Sync()
}
