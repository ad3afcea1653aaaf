package main

import (
	"context"
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
	pages             *pagesReport
	demo              time.Duration
	year              int
	dropRows, delRows map[string]int64
	dropTime, delTime time.Duration
}

func postgresPages(ctx context.Context, bin string, members, sample, repeat int) (*pgReport, error) {
	rep := &pgReport{}
	var urls []string
	for i := 0; i < 2; i++ {
		url, drop, err := pgtest.CreateDatabase()
		if err != nil {
			return nil, err
		}
		defer drop()
		fmt.Fprintf(os.Stderr, "postgres: kori demo --members %d (%d of 2)…\n", members, i+1)
		cmd := exec.Command(bin, "demo", "--db", url, "--members", fmt.Sprint(members), "--as-of", "2026-11-25", "--quiet")
		cmd.Stderr = os.Stderr
		start := time.Now()
		if out, err := cmd.Output(); err != nil {
			return nil, fmt.Errorf("kori demo on PostgreSQL: %w %s", err, out)
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
	rep.pages = &pagesReport{members: members, engine: "PostgreSQL", demoTime: rep.demo}
	fmt.Fprintln(os.Stderr, "postgres: member pages…")
	if err := timePages(ctx, db, rep.pages, sample, repeat); err != nil {
		return nil, err
	}
	// The oldest year of the demo, by partition replacement…
	ids, _ := db.MemberIDs(ctx)
	held, err := db.HeldData(ctx, ids[0])
	if err != nil {
		return nil, err
	}
	rep.year = held.First.Year()
	who := kori.Actor{Channel: "bench", Name: "bench"}
	fmt.Fprintf(os.Stderr, "postgres: retention of %d by partition…\n", rep.year)
	start := time.Now()
	ds, err := db.Retention(ctx, rep.year+1, false, who)
	if err != nil {
		return nil, err
	}
	rep.dropTime = time.Since(start)
	if len(ds) > 0 {
		rep.dropRows = ds[0].Rows
	}
	// …and by a plain DELETE of the same rows in the identical database.
	other, err := store.Open(ctx, urls[1])
	if err != nil {
		return nil, err
	}
	defer other.Close()
	fmt.Fprintf(os.Stderr, "postgres: retention of %d by DELETE…\n", rep.year)
	start = time.Now()
	rep.delRows, err = other.DeleteYearPlain(ctx, rep.year)
	if err != nil {
		return nil, err
	}
	rep.delTime = time.Since(start)
	return rep, nil
}

func (r *pgReport) write(b *strings.Builder) {
	r.pages.write(b)
	fmt.Fprintf(b, "\n## Retention of one year, PostgreSQL\n\n")
	fmt.Fprintf(b, "Two identical demo databases of %d members; purchase year %d deleted in one by replacing the\n"+
		"year's partitions (Kori's retention), in the other by `DELETE … WHERE year = %d` on the four purchase tables.\n\n",
		r.pages.members, r.year, r.year)
	fmt.Fprintf(b, "| method | rows | seconds |\n|---|---|---:|\n")
	fmt.Fprintf(b, "| partition replacement (kori retention) | %s | %.3f |\n", rowCounts(r.dropRows), r.dropTime.Seconds())
	fmt.Fprintf(b, "| plain DELETE | %s | %.3f |\n", rowCounts(r.delRows), r.delTime.Seconds())
}
