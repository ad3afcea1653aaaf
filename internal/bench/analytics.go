package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
	"github.com/kori-project/kori/internal/store"
)

// analyticsReport times the chain-wide analytics queries on one engine's
// demo database.
type analyticsReport struct {
	engine  string
	members int
	lines   int64
	demo    time.Duration
	runs    []analyticsRun
}

type analyticsRun struct {
	name       string
	query      analytics.Query
	seconds    []float64
	cells      int
	suppressed int
}

// analyticsQueries are the queries timed: the chain-wide monthly
// query by group over every month held, and the others an analyst's page makes.
var analyticsQueries = []analyticsRun{
	{name: "figures by month × group, 2016-01–2026-10", query: analytics.Query{Kind: analytics.KindFigures, From: "2016-01", To: "2026-10", By: "month", Dim: kori.DimGroup}},
	{name: "figures by month, chain total, 2025-11–2026-10", query: analytics.Query{Kind: analytics.KindFigures, From: "2025-11", To: "2026-10", By: "month", Dim: kori.DimTotal}},
	{name: "figures by year × city, 2016–2026", query: analytics.Query{Kind: analytics.KindFigures, From: "2016-01", To: "2026-10", By: "year", Dim: kori.DimCity}},
	{name: "distribution of monthly spending, 2025-11–2026-10", query: analytics.Query{Kind: analytics.KindDistribution, From: "2025-11", To: "2026-10", By: "month", Measure: analytics.MeasureSpending}},
	{name: "distribution of the Finnish share by year, 2016–2026", query: analytics.Query{Kind: analytics.KindDistribution, From: "2016-01", To: "2026-10", By: "year", Measure: analytics.MeasureFinnishShare}},
}

// analyticsBench times each query three times on db.
func analyticsBench(ctx context.Context, db *store.DB, rep *analyticsReport) error {
	zone, _ := time.LoadLocation(kori.DefaultZone)
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, zone)
	db.Clock = kori.FixedClock(asOf)
	counts, err := db.Counts(ctx)
	if err != nil {
		return err
	}
	rep.lines = counts["receipt_lines"]
	e := &analytics.Engine{Store: db, Clock: kori.FixedClock(asOf), Zone: zone}
	who := analytics.Analyst{Actor: benchActor, KeyID: "bench"}
	for _, q := range analyticsQueries {
		run := q
		for range 3 {
			start := time.Now()
			a, err := e.Ask(ctx, q.query, who)
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			run.seconds = append(run.seconds, time.Since(start).Seconds())
			run.cells, run.suppressed = len(a.Rows)+len(a.Quartiles), a.Suppressed
		}
		sort.Float64s(run.seconds)
		fmt.Fprintf(os.Stderr, "%s: %s %.2f s\n", rep.engine, q.name, run.seconds[1])
		rep.runs = append(rep.runs, run)
	}
	return nil
}

// analyticsSQLite runs the queries on the member-page database.
func analyticsSQLite(ctx context.Context, bin, dir string, members int) (*analyticsReport, error) {
	rep := &analyticsReport{engine: "SQLite", members: members}
	path := filepath.Join(dir, "kori.db")
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(os.Stderr, "analytics: kori demo --members %d…\n", members)
		start := time.Now()
		if out, err := exec.Command(bin, "demo", "--data", dir, "--members", fmt.Sprint(members), "--as-of", "2026-11-25", "--quiet").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("kori demo: %v\n%s", err, out)
		}
		rep.demo = time.Since(start)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return rep, analyticsBench(ctx, db, rep)
}

// analyticsPostgres runs the queries on a demo database of the engine.
func analyticsPostgres(ctx context.Context, bin string, engine pgEngine, members, sample, repeat int) (*analyticsReport, *national, error) {
	rep := &analyticsReport{engine: engine.name, members: members}
	url, drop, err := engine.newDatabase(ctx, bin)
	if err != nil {
		return nil, nil, err
	}
	defer drop()
	fmt.Fprintf(os.Stderr, "%s: kori demo --members %d…\n", engine.name, members)
	cmd := exec.Command(bin, "demo", "--db", url, "--members", fmt.Sprint(members), "--as-of", "2026-11-25", "--quiet")
	cmd.Stderr = os.Stderr
	start := time.Now()
	if out, err := cmd.Output(); err != nil {
		return nil, nil, fmt.Errorf("kori demo on %s: %w %s", engine.name, err, out)
	}
	rep.demo = time.Since(start)
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	if err := analyticsBench(ctx, db, rep); err != nil {
		return nil, nil, err
	}
	n, err := nationalRuns(ctx, db, url, engine, sample, repeat)
	return rep, n, err
}

// writeAnalytics writes the reports of the engines that ran.
func writeAnalytics(b *strings.Builder, reps []*analyticsReport) {
	fmt.Fprintf(b, "\n## Analytics for the chain, SQLite, PostgreSQL and Citus\n\n")
	fmt.Fprintf(b, "Each analytics query answered by the engine as the API does (the cells, their margins, k-anonymity with\n"+
		"complementary suppression, the query log), three times in a row; the median is shown. Demo databases with\n"+
		"purchases from 2016 to 25 November 2026; Citus is a coordinator and 2 workers on this machine, 32 shards a table.\n\n")
	fmt.Fprintf(b, "| engine | members | product lines | query | rows | suppressed | median s | min s |\n|---|---:|---:|---|---:|---:|---:|---:|\n")
	for _, r := range reps {
		for _, run := range r.runs {
			fmt.Fprintf(b, "| %s | %d | %d | %s | %d | %d | %.2f | %.2f |\n", r.engine, r.members, r.lines, run.name, run.cells, run.suppressed, run.seconds[1], run.seconds[0])
		}
	}
	for _, r := range reps {
		if r.demo > 0 {
			fmt.Fprintf(b, "\n%s's database was built by `kori demo` in %s.", r.engine, r.demo.Round(time.Second))
		}
	}
	b.WriteString("\n")
}
