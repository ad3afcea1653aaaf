package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/privacy"
)

func runRetention(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("retention", "retention run [--as-of DATE] [--dry-run]",
		fmt.Sprintf("Applies the rules that act on their own: purchases of year Y are deleted on 1 January of Y+%d\n"+
			"(chain time zone) unless the member chose extended retention, and members whose cards have not been\n"+
			"used for %d months are deleted with all their data, after a notice %d month before. `kori serve`\n"+
			"runs this every night; --dry-run shows exactly what would be deleted and deletes nothing. Paid loyalty\n"+
			"benefits (accounting records) are deleted %d years after their year.",
			kori.RetentionYears, kori.InactiveMonths, kori.NoticeMonths, kori.BenefitKeepYears))
	e.flags(fs)
	asOf := fs.String("as-of", "", "apply the rules as on this date (YYYY-MM-DD or RFC 3339; default now)")
	dryRun := fs.Bool("dry-run", false, "report what would be deleted, delete nothing")
	quiet := fs.Bool("quiet", false, "no progress bars")
	workers := fs.Int("workers", 0, "members the inactivity rule erases at once, each over its own connection (default 4 on PostgreSQL and Citus, 1 on SQLite)")
	if err := e.parseAction(fs, args, "run"); err != nil {
		return err
	}
	clock, err := e.parseAsOf(*asOf)
	if err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Clock = clock
	if *workers < 0 {
		return usageError("--workers: give a number of workers, 1 or more (0 for the default)")
	}
	db.JobWorkers = *workers
	bars := map[string]func(done, total int){}
	ctx = kori.WithProgress(ctx, func(what string, done, total int) {
		if bars[what] == nil {
			bars[what] = e.progress(what, *quiet)
		}
		bars[what](done, total)
	})
	r, err := privacy.Daily(ctx, db, clock.Now(), e.cfg.zone, *dryRun)
	if err != nil {
		return err
	}
	verb := "deleted"
	if *dryRun {
		verb = "would delete"
	}
	fmt.Fprintf(e.stdout, "as of %s: purchases before %d are past retention\n", clock.Now().In(e.cfg.zone).Format("2006-01-02 15:04 MST"), r.OldestKept)
	if len(r.Retention) == 0 {
		fmt.Fprintln(e.stdout, "retention: nothing to delete")
	}
	for _, d := range r.Retention {
		fmt.Fprintf(e.stdout, "retention: %s %s: %s\n", verb, d.Scope, rowCounts(d.Rows))
	}
	notice := "notified"
	if *dryRun {
		notice = "would notify"
	}
	fmt.Fprintf(e.stdout, "inactivity: %s %d members (a month before deletion), %s %d members unused for %d months\n",
		notice, len(r.Inactivity.Notified), verb, len(r.Inactivity.Erased), kori.InactiveMonths)
	for _, d := range r.Inactivity.Erased {
		if len(d.Rows) > 0 {
			fmt.Fprintf(e.stdout, "inactivity: member %d: %s\n", d.MemberID, rowCounts(d.Rows))
		}
	}
	fmt.Fprintf(e.stdout, "benefits: %s %d paid benefits kept their %d years after their year\n", verb, r.BenefitsExpired, kori.BenefitKeepYears)
	return nil
}

// rowCounts formats per-table row counts in a stable order.
func rowCounts(rows map[string]int64) string {
	if len(rows) == 0 {
		return "no rows"
	}
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", rows[k], k)
	}
	return strings.Join(parts, ", ")
}
