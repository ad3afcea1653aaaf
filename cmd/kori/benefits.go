package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/benefits"
)

func runBenefits(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("benefits", "benefits run|export --month yyyy-mm [flags]",
		"Loyalty benefits under the chain's scheme (kori import scheme FILE).\n\n"+
			"  run     computes and freezes every member's benefit of a month that is over (serve does it on the\n"+
			"          first night of each month); running it again changes nothing\n"+
			"  export  writes the month's payout file for the chain's payment system, CSV:\n"+
			"          payout_ref,month,amount_eur,member_ref (member_ref is empty once the membership is erased);\n"+
			"          the same month gives the same payouts every time")
	e.flags(fs)
	monthFlag := fs.String("month", "", "the month, yyyy-mm (default: the month before --as-of)")
	out := fs.String("out", "", "export: write to this file instead of standard output")
	asOf := fs.String("as-of", "", "run as on this date (default now)")
	quiet := fs.Bool("quiet", false, "no progress")
	action := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, args = args[0], args[1:]
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if (action != "run" && action != "export") || fs.NArg() != 0 {
		fs.Usage()
		return usageError("benefits takes run or export")
	}
	clock, err := e.parseAsOf(*asOf)
	if err != nil {
		return err
	}
	now := clock.Now().In(e.cfg.zone)
	month := kori.PreviousMonth(now, e.cfg.zone)
	if *monthFlag != "" {
		if month, err = kori.ParseMonth("--month", *monthFlag); err != nil {
			return err
		}
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Clock = clock
	if action == "run" {
		start := time.Now()
		var progress func(int)
		if !*quiet {
			progress = func(done int) { fmt.Fprintf(e.stderr, "\r%s: %d members…", kori.MonthLabel(month), done) }
		}
		sum, err := benefits.Run(ctx, db, month, now, e.cfg.zone, progress)
		if progress != nil {
			fmt.Fprintln(e.stderr)
		}
		if err != nil {
			return err
		}
		secs := time.Since(start).Seconds()
		fmt.Fprintf(e.stdout, "%s: %d members with purchases, %d earned a benefit (%s in all), %d recorded now; %.1f s, %.0f members/s\n",
			kori.MonthLabel(month), sum.Members, sum.Earned, sum.Sum, sum.Paid, secs, float64(sum.Members)/max(secs, 1e-9))
		return nil
	}
	ps, err := db.Payouts(ctx, month)
	if err != nil {
		return err
	}
	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"payout_ref", "month", "amount_eur", "member_ref"})
	var total kori.Money
	for _, p := range ps {
		ref := ""
		if p.MemberID != 0 {
			m, err := db.Member(ctx, p.MemberID)
			if err != nil && kori.ErrorCode(err) != kori.ENOTFOUND {
				return err
			}
			if m != nil {
				ref = m.Ref
			}
		}
		total += p.Amount
		_ = cw.Write([]string{p.PayoutRef, kori.MonthLabel(p.Month), strconv.FormatFloat(float64(p.Amount)/100, 'f', 2, 64), ref})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d payouts of %s, %s in all\n", len(ps), kori.MonthLabel(month), total)
	return nil
}
