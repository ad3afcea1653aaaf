package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/benefits"
	"github.com/kori-project/kori/internal/store"
)

// benefitsReport is one month's benefits run on the member-page database.
type benefitsReport struct {
	members int
	sum     benefits.Summary
	took    time.Duration
	again   time.Duration
}

// benefitsRun loads the example scheme into the member-page database and
// pays October 2026, then runs the month again (which records nothing).
func benefitsRun(ctx context.Context, bin, dir string) (*benefitsReport, error) {
	if out, err := exec.Command(bin, "import", "--data", dir, "scheme", filepath.Join("examples", "scheme.json")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("kori import scheme: %v\n%s", err, out)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "kori.db"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	zone, _ := time.LoadLocation(kori.DefaultZone)
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, zone)
	db.Clock = kori.FixedClock(asOf)
	ids, err := db.MemberIDs(ctx)
	if err != nil {
		return nil, err
	}
	rep := &benefitsReport{members: len(ids)}
	fmt.Fprintln(os.Stderr, "benefits: kori benefits run --month 2026-10…")
	start := time.Now()
	if rep.sum, err = benefits.Run(ctx, db, 202610, asOf, zone, nil); err != nil {
		return nil, err
	}
	rep.took = time.Since(start)
	start = time.Now()
	if _, err := benefits.Run(ctx, db, 202610, asOf, zone, nil); err != nil {
		return nil, err
	}
	rep.again = time.Since(start)
	return rep, nil
}

func (r *benefitsReport) write(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Loyalty benefits, SQLite\n\n")
	fmt.Fprintf(b, "`benefits.Run` for October 2026 on the member-page database (%d members) with the example scheme\n"+
		"(examples/scheme.json): every member's eligible sum of the month, the tiers, and a payout record and its link\n"+
		"written for each member who earned a benefit; then the same month again, which records nothing.\n\n", r.members)
	fmt.Fprintf(b, "| run | members with purchases | benefits | sum | seconds | members/s |\n|---|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(b, "| first | %d | %d | %s | %.2f | %.0f |\n", r.sum.Members, r.sum.Paid, r.sum.Sum, r.took.Seconds(), float64(r.sum.Members)/r.took.Seconds())
	fmt.Fprintf(b, "| again | %d | 0 | – | %.2f | %.0f |\n", r.sum.Members, r.again.Seconds(), float64(r.sum.Members)/r.again.Seconds())
}
