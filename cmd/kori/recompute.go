package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/kori-project/kori"
)

func runRecompute(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("recompute", "recompute [--member ID] [--quiet]",
		"Rebuilds the monthly figures behind the members' analyses from the purchases held, so that a corrected\n"+
			"catalogue (origin, country, emission group, nutrients, net weight, Nutri-Score) reaches every purchase\n"+
			"held at product level. Purchases held at group level keep the figures computed when they were stored.\n"+
			"`kori import catalogue` marks when a correction needs this, and `kori serve` then runs it by itself;\n"+
			"a run stopped midway resumes where it was.")
	e.flags(fs)
	member := fs.String("member", "", "recompute only this member (Kori's member number)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError(fmt.Sprintf("recompute takes no arguments, got %q; flags go first", fs.Args()))
	}
	var only kori.MemberID
	if *member != "" {
		n, err := strconv.ParseInt(*member, 10, 64)
		if err != nil || n <= 0 {
			return usageError(fmt.Sprintf("--member %q is not a member number", *member))
		}
		only = kori.MemberID(n)
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	cat, err := db.Catalogue(ctx)
	if err != nil {
		return err
	}
	progress := e.progress("recompute", *quiet)
	start := time.Now()
	sum, err := db.Recompute(ctx, cat, only, progress)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(e.stdout, "recompute: %d members, %d months, %d lines in %s (%.0f lines/s)\n", sum.Members, sum.Months, sum.Lines,
		took.Round(time.Millisecond), float64(sum.Lines)/max(took.Seconds(), 1e-9))
	return nil
}
