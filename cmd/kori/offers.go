package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/kori-project/kori/internal/offers"
)

func runOffers(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("offers", "offers run [--as-of DATE]",
		fmt.Sprintf("Computes personalised offers for every member at level product or group who has not objected to\n"+
			"personalisation: the running campaigns on products and groups the member bought on at least %d days in\n"+
			"the last %d months and is due to buy again. Old offers are replaced; members who may not get offers\n"+
			"lose any they had. `kori serve` runs this every Monday night.", offers.MinTimes, offers.WindowMonths))
	e.flags(fs)
	asOf := fs.String("as-of", "", "compute as on this date (YYYY-MM-DD or RFC 3339; default now)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	workers := fs.Int("workers", runtime.NumCPU(), "members computed at once")
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
	progress := e.progress("offers", *quiet)
	start := time.Now()
	sum, err := offers.RunParallel(ctx, db, clock.Now(), e.cfg.zone, *workers, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "offers: %d campaigns running, %d members may get offers, %d got %d offers, %d old offers of others removed, in %s\n",
		sum.Campaigns, sum.Members, sum.WithOffers, sum.Offers, sum.Removed, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(e.stdout, "offers: %.0f members/s on %d workers\n", float64(sum.Members)/max(time.Since(start).Seconds(), 1e-9), *workers)
	return nil
}
