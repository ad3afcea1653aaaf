package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/store"
)

// pgReport is the PostgreSQL part beyond ingest: member pages, and the
// retention of one year by partition replacement against a plain DELETE of
// the same rows in an identical database.
type pgReport struct {
	engine            pgEngine
	pages             *pagesReport
	demo              time.Duration
	year              int
	dropRows, delRows map[string]int64
	dropTime, delTime time.Duration
	offers            []offersTiming
	inactivity        []inactivityTiming
}

// inactivityTiming is one run of the inactivity rule that erased every
// member of a database.
type inactivityTiming struct {
	workers, members int
	took             time.Duration
}

// eraseAllInactive runs the inactivity rule two and a half years after the
// demo's last purchase, when every member is due, with workers erasing at
// once: members erased a second, the last step on a database.
func eraseAllInactive(ctx context.Context, db *store.DB, engine pgEngine, workers int) (inactivityTiming, error) {
	zone, _ := time.LoadLocation(kori.DefaultZone)
	asOf := time.Date(2029, 6, 1, 12, 0, 0, 0, zone)
	db.Clock = kori.FixedClock(asOf)
	db.JobWorkers = workers
	fmt.Fprintf(os.Stderr, "%s: inactivity with %d workers…\n", engine.name, workers)
	start := time.Now()
	out, err := db.Inactivity(ctx, asOf, zone, false, benchActor)
	if err != nil {
		return inactivityTiming{}, err
	}
	return inactivityTiming{workers: workers, members: len(out.Erased), took: time.Since(start)}, nil
}

// pgEngine is PostgreSQL or Citus, as the benchmark starts them.
type pgEngine struct {
	name   string
	create func() (string, func(), error)
	citus  bool
}

var (
	postgresEngine = pgEngine{name: "PostgreSQL", create: pgtest.CreateDatabase}
	// citusEngine has Citus's default 32 shards a table on 2 workers.
	citusEngine = pgEngine{name: "Citus", create: func() (string, func(), error) { return pgtest.CreateCitusDatabaseShards(32) }, citus: true}
)

// newDatabase creates an empty database of the engine with Kori's schema,
// distributed on Citus.
func (e pgEngine) newDatabase(ctx context.Context, bin string) (string, func(), error) {
	url, drop, err := e.create()
	if err != nil {
		return "", nil, err
	}
	args := []string{"migrate", "--db", url}
	if e.citus {
		args = append(args, "--citus")
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		drop()
		return "", nil, fmt.Errorf("kori migrate on %s: %v\n%s", e.name, err, out)
	}
	return url, drop, nil
}

// postgresPages times the member pages and a year's retention on the
// engine; PostgreSQL also deletes the same year by a plain DELETE in a
// second, identical database.
func postgresPages(ctx context.Context, bin string, engine pgEngine, members, sample, repeat int) (*pgReport, error) {
	rep := &pgReport{engine: engine}
	var urls []string
	copies := 2
	if engine.citus {
		copies = 1
	}
	for i := 0; i < copies; i++ {
		url, drop, err := engine.newDatabase(ctx, bin)
		if err != nil {
			return nil, err
		}
		defer drop()
		fmt.Fprintf(os.Stderr, "%s: kori demo --members %d (%d of %d)…\n", engine.name, members, i+1, copies)
		cmd := exec.Command(bin, "demo", "--db", url, "--members", fmt.Sprint(members), "--as-of", "2026-11-25", "--quiet")
		cmd.Stderr = os.Stderr
		start := time.Now()
		if out, err := cmd.Output(); err != nil {
			return nil, fmt.Errorf("kori demo on %s: %w %s", engine.name, err, out)
		}
		if i == 0 {
			rep.demo = time.Since(start)
		}
		urls = append(urls, url)
	}
	db, err := store.Open(ctx, urls[0])
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rep.pages = &pagesReport{members: members, engine: engine.name, demoTime: rep.demo}
	if engine.citus {
		rep.pages.engine = "Citus (a coordinator and 2 workers on this machine, 32 shards a table)"
	}
	fmt.Fprintf(os.Stderr, "%s: member pages…\n", engine.name)
	if err := timePages(ctx, db, rep.pages, sample, repeat); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "%s: offers…\n", engine.name)
	zone, _ := time.LoadLocation(kori.DefaultZone)
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, zone)
	db.Clock = kori.FixedClock(asOf)
	if rep.offers, err = offersWorkers(ctx, db, asOf, zone); err != nil {
		return nil, err
	}
	// The oldest year of the demo, by partition replacement…
	if rep.year, rep.dropRows, rep.dropTime, err = retainOldest(ctx, db, engine); err != nil {
		return nil, err
	}
	if engine.citus {
		t, err := eraseAllInactive(ctx, db, engine, 4)
		rep.inactivity = append(rep.inactivity, t)
		return rep, err
	}
	// …and by a plain DELETE of the same rows in the identical database.
	other, err := store.Open(ctx, urls[1])
	if err != nil {
		return nil, err
	}
	defer other.Close()
	fmt.Fprintf(os.Stderr, "postgres: retention of %d by DELETE…\n", rep.year)
	start := time.Now()
	rep.delRows, err = other.DeleteYearPlain(ctx, rep.year)
	if err != nil {
		return nil, err
	}
	rep.delTime = time.Since(start)
	// Both databases' members, erased by the inactivity rule: with one
	// worker in one, four in the other.
	for i, d := range []*store.DB{other, db} {
		t, err := eraseAllInactive(ctx, d, engine, []int{1, 4}[i])
		if err != nil {
			return nil, err
		}
		rep.inactivity = append(rep.inactivity, t)
	}
	return rep, nil
}

// writePostgres writes the PostgreSQL report and, when it ran, Citus's.
func writePostgres(b *strings.Builder, pg, citus *pgReport, citusErr error) {
	pg.pages.write(b)
	if citus != nil {
		citus.pages.write(b)
	} else {
		fmt.Fprintf(b, "\n## Member pages and API, Citus\n\nNot measured: %v.\n", citusErr)
	}
	fmt.Fprintf(b, "\n## Retention of one year, PostgreSQL and Citus\n\n")
	fmt.Fprintf(b, "Identical demo databases of %d members (the same seed); purchase year %d deleted by replacing the\n"+
		"year's partitions (Kori's retention; one member in %d chose extended retention first, and their rows are moved\n"+
		"aside and back) and, in a second PostgreSQL database, by `DELETE … WHERE year = %d` on the four purchase\n"+
		"tables (everyone's rows).\n\n",
		pg.pages.members, pg.year, keepEvery, pg.year)
	fmt.Fprintf(b, "| engine | method | rows | seconds |\n|---|---|---|---:|\n")
	fmt.Fprintf(b, "| PostgreSQL | retention (TRUNCATE of the year's partitions) | %s | %.3f |\n", rowCounts(pg.dropRows), pg.dropTime.Seconds())
	fmt.Fprintf(b, "| PostgreSQL | plain DELETE | %s | %.3f |\n", rowCounts(pg.delRows), pg.delTime.Seconds())
	if citus != nil {
		fmt.Fprintf(b, "| Citus | retention (TRUNCATE of the year's partitions) | %s | %.3f |\n", rowCounts(citus.dropRows), citus.dropTime.Seconds())
		fmt.Fprintf(b, "\n**Ratio** Citus ÷ PostgreSQL, retention of a year: **%.1f** (target ≤ 2).\n", citus.dropTime.Seconds()/pg.dropTime.Seconds())
	}
	fmt.Fprintf(b, "\n## Offers, PostgreSQL and Citus\n\n`offers.RunParallel` over the same %d-member databases with the demo's campaigns, the members\n"+
		"split over N goroutines, each with its own connection (client, PostgreSQL and Citus share this machine's cores).\n\n"+
		"PostgreSQL:\n\n", pg.pages.members)
	writeOffersTimings(b, pg.offers)
	if citus != nil {
		fmt.Fprintf(b, "\nCitus:\n\n")
		writeOffersTimings(b, citus.offers)
	}
	fmt.Fprintf(b, "\n## Inactivity, PostgreSQL and Citus\n\nThe inactivity rule run on 1 June 2029, when every member of the databases above is due: each member\n"+
		"erased with all their data in a transaction of its own (evidence, audit entry), N at a time (`kori retention run --workers N`).\n"+
		"PostgreSQL's two databases are erased with 1 and 4 workers, Citus's one with 4.\n\n")
	fmt.Fprintf(b, "| engine | workers | members | seconds | members/s |\n|---|---:|---:|---:|---:|\n")
	for _, r := range []*pgReport{pg, citus} {
		if r == nil {
			continue
		}
		for _, t := range r.inactivity {
			fmt.Fprintf(b, "| %s | %d | %d | %.2f | %.0f |\n", r.engine.name, t.workers, t.members, t.took.Seconds(), float64(t.members)/t.took.Seconds())
		}
	}
}

// benchActor is who the audit log names for the benchmark's own runs.
var benchActor = kori.Actor{Channel: "bench", Name: "bench"}

// keepEvery is how many members there are for each one who chose extended
// retention before a timed retention: 5 %, whose rows are moved aside and
// back (the demo's members never choose it).
const keepEvery = 20

// retainOldest runs Kori's retention of the database's oldest purchase year
// and returns the year, the rows deleted and the time it took, printing each
// step's time. Every keepEvery-th member chooses extended retention first.
func retainOldest(ctx context.Context, db *store.DB, engine pgEngine) (year int, rows map[string]int64, took time.Duration, err error) {
	ids, err := db.MemberIDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, nil, 0, fmt.Errorf("no members to find the oldest year of (%v)", err)
	}
	for i := 0; i < len(ids); i += keepEvery {
		on := kori.Choice{Kind: kori.ConsentRetention, To: "on"}
		if _, _, err := db.ChangeChoice(ctx, ids[i], on, benchActor, nil); err != nil {
			return 0, nil, 0, err
		}
	}
	held, err := db.HeldData(ctx, ids[0])
	if err != nil {
		return 0, nil, 0, err
	}
	year = held.First.Year()
	fmt.Fprintf(os.Stderr, "%s: retention of %d by partition…\n", engine.name, year)
	start := time.Now()
	steps := kori.WithProgress(ctx, func(what string, done, total int) {
		fmt.Fprintf(os.Stderr, "%s: %s %d/%d at %.3f s\n", engine.name, what, done, total, time.Since(start).Seconds())
	})
	ds, err := db.Retention(steps, year+1, false, benchActor)
	if err != nil {
		return 0, nil, 0, err
	}
	took = time.Since(start)
	if len(ds) > 0 {
		rows = ds[0].Rows
	}
	return year, rows, took, nil
}

// national is what a full run measures on the national-size analytics
// databases besides the analytics queries: the member pages, then a year's
// retention.
type national struct {
	engine pgEngine
	pages  *pagesReport
	year   int
	rows   map[string]int64
	took   time.Duration
}

// nationalRuns times the member pages of a national-size database after
// VACUUM ANALYZE (the state autovacuum keeps a database in), then its
// oldest year's retention.
func nationalRuns(ctx context.Context, db *store.DB, url string, engine pgEngine, sample, repeat int) (*national, error) {
	n := &national{engine: engine, pages: nationalPages(engine)}
	fmt.Fprintf(os.Stderr, "%s: VACUUM ANALYZE…\n", engine.name)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	_, err = raw.ExecContext(ctx, "VACUUM ANALYZE")
	raw.Close()
	if err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		return nil, err
	}
	n.pages.members = int(counts["members"])
	fmt.Fprintf(os.Stderr, "%s: member pages…\n", engine.name)
	if err := timePages(ctx, db, n.pages, sample, repeat); err != nil {
		return nil, err
	}
	if n.year, n.rows, n.took, err = retainOldest(ctx, db, engine); err != nil {
		return nil, err
	}
	return n, nil
}

// nationalPages is the report of the member pages of a national-size
// database, held to the 10 ms.
func nationalPages(engine pgEngine) *pagesReport {
	r := &pagesReport{engine: "on a national-size PostgreSQL database", target: 10 * time.Millisecond}
	if engine.citus {
		r.engine = "on a national-size Citus cluster (a coordinator and 2 workers on this machine, 32 shards a table)"
	}
	return r
}

// writeNationalRetention compares the retention of the national-size
// databases.
func writeNationalRetention(b *strings.Builder, runs []*national) {
	if len(runs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Retention of one year at national size, PostgreSQL and Citus\n\n")
	fmt.Fprintf(b, "The analytics databases above (%d members, the same seed), after their pages were timed: the oldest purchase year\n"+
		"deleted by Kori's retention (the year's partitions emptied; one member in %d chose extended retention first, and\n"+
		"their rows are moved aside and back).\n\n", runs[0].pages.members, keepEvery)
	fmt.Fprintf(b, "| engine | year | rows | seconds |\n|---|---:|---|---:|\n")
	for _, r := range runs {
		fmt.Fprintf(b, "| %s | %d | %s | %.3f |\n", r.engine.name, r.year, rowCounts(r.rows), r.took.Seconds())
	}
	if len(runs) == 2 && runs[0].took > 0 {
		fmt.Fprintf(b, "\n**Ratio** Citus ÷ PostgreSQL, retention of a year at national size: **%.1f** (target ≤ 2).\n", runs[1].took.Seconds()/runs[0].took.Seconds())
	}
}
