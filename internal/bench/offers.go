package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/offers"
	"github.com/kori-project/kori/internal/store"
)

type offersReport struct {
	members int
	sum     offers.Summary
	elapsed time.Duration
	// parallel are runs of offers.RunParallel on more workers.
	parallel []offersTiming
}

// offersTiming is one run of the offers over every member on some workers.
type offersTiming struct {
	workers int
	members int
	elapsed time.Duration
}

func (t offersTiming) rate() float64 { return float64(t.members) / t.elapsed.Seconds() }

// offersWorkers runs the offers of every member on 1, 2 and 4 workers.
func offersWorkers(ctx context.Context, db *store.DB, asOf time.Time, zone *time.Location) ([]offersTiming, error) {
	var out []offersTiming
	for _, w := range []int{1, 2, 4} {
		fmt.Fprintf(os.Stderr, "offers: %d workers…\n", w)
		start := time.Now()
		sum, err := offers.RunParallel(ctx, db, asOf, zone, w, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, offersTiming{workers: w, members: sum.Members, elapsed: time.Since(start)})
	}
	return out, nil
}

func writeOffersTimings(b *strings.Builder, ts []offersTiming) {
	fmt.Fprintf(b, "| workers | members | seconds | members/s |\n|---:|---:|---:|---:|\n")
	for _, t := range ts {
		fmt.Fprintf(b, "| %d | %d | %.2f | %.0f |\n", t.workers, t.members, t.elapsed.Seconds(), t.rate())
	}
}

// offersRun computes the offers of every member of the member-page database
// with the demo campaigns running on its last day.
func offersRun(ctx context.Context, bin, pagesDir string) (*offersReport, error) {
	// Bring the schema up to date first (the database may predate offers).
	if out, err := exec.Command(bin, "migrate", "--data", pagesDir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("migrate: %v %s", err, out)
	}
	db, err := store.Open(ctx, filepath.Join(pagesDir, "kori.db"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	zone, _ := time.LoadLocation(kori.DefaultZone)
	asOf := time.Date(2026, 11, 25, 12, 0, 0, 0, zone)
	db.Clock = kori.FixedClock(asOf)
	cat, err := demo.Catalogue()
	if err != nil {
		return nil, err
	}
	if err := db.UpsertCampaigns(ctx, demo.Campaigns(cat, demo.Options{Until: asOf, Zone: zone})); err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "offers: computing…")
	start := time.Now()
	sum, err := offers.Run(ctx, db, asOf, zone, nil)
	if err != nil {
		return nil, err
	}
	rep := &offersReport{sum: sum, elapsed: time.Since(start)}
	ids, _ := db.MemberIDs(ctx)
	rep.members = len(ids)
	if rep.parallel, err = offersWorkers(ctx, db, asOf, zone); err != nil {
		return nil, err
	}
	return rep, nil
}

func (r *offersReport) write(b *strings.Builder) {
	per := r.elapsed / time.Duration(max(1, r.sum.Members))
	fmt.Fprintf(b, "\n## Offers, SQLite\n\n")
	fmt.Fprintf(b, "`offers.Run` over the member-page database (%d members, purchases of the last %d months read per member)\n"+
		"with the demo's %d campaigns, one goroutine:\n\n", r.members, offers.HistoryMonths, r.sum.Campaigns)
	fmt.Fprintf(b, "| members who may get offers | members with offers | offers | seconds | ms per member |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(b, "| %d | %d | %d | %.2f | %.2f |\n\n", r.sum.Members, r.sum.WithOffers, r.sum.Offers, r.elapsed.Seconds(), float64(per.Microseconds())/1000)
	fmt.Fprintf(b, "Each member is computed from their own rows only (one indexed query for the last %d months, then\n"+
		"arithmetic), so the run is linear in members: at this rate 3.3 million members take about %.1f hours on one\n"+
		"core; split by member id over 16 workers (or run on each Citus worker over its shards) about %.0f minutes.\n",
		offers.HistoryMonths, (per * 3_300_000).Hours(), (per * 3_300_000 / 16).Minutes())
	fmt.Fprintf(b, "\n`offers.RunParallel` (what `kori offers run --workers N` and `serve` use), the members split over N\n"+
		"goroutines, each with its own connection, on this machine's %d cores:\n\n", runtime.NumCPU())
	writeOffersTimings(b, r.parallel)
}
