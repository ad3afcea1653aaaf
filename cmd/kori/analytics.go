package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
)

func runAnalytics(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("analytics", "analytics figures|distribution|members [flags]",
		"Answers the chain's aggregate questions over the members who allow analytics, at the grain\n"+
			"their level allows, as the analyst API does (/api/v1/analytics/…): never a member's rows, no\n"+
			"figure from fewer than k members, and every query written to the audit log.\n\n"+
			"  figures       sales, receipts, basket, domestic share, CO2e and nutrition by month or year × dimension\n"+
			"  distribution  quartiles of members' monthly or yearly spending, domestic share or CO2e per euro\n"+
			"  members       members by level and by objection")
	e.flags(fs)
	from := fs.String("from", "", "first month, yyyy-mm (default: 11 months before --to)")
	to := fs.String("to", "", "last month, yyyy-mm (default: the last whole month)")
	by := fs.String("by", "month", "period: month or year")
	dim := fs.String("dim", "total", "figures by: total, group, store or city")
	measure := fs.String("measure", analytics.MeasureSpending, "distribution of: spending, finnish_share, fi_raw_share, co2e_per_euro or nutri_ab_share")
	format := fs.String("format", "table", "output: table, csv, json or parquet")
	out := fs.String("out", "", "write to this file instead of standard output (needed for parquet)")
	k := fs.Int64("k", kAnonymity(e), "the smallest number of members a figure may come from; 10 or more (env KORI_ANALYTICS_K)")
	asOf := fs.String("as-of", "", "ask as on this date: the default months end before it (default now)")
	explain := fs.Bool("explain", false, "print the database's plan of the figures query instead of answering it (on Citus: one task per shard, aggregated there)")
	kind := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kind, args = args[0], args[1:]
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if kind == "" || fs.NArg() != 0 {
		fs.Usage()
		return usageError("analytics takes one question: figures, distribution or members")
	}
	if *k < analytics.DefaultK {
		return usageError(fmt.Sprintf("--k %d is below %d: k can only be raised", *k, analytics.DefaultK))
	}
	if *format == "parquet" && *out == "" {
		return usageError("--format parquet needs --out FILE")
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
	engine := &analytics.Engine{Store: db, Clock: clock, Zone: e.cfg.zone, K: *k}
	q := analytics.Query{Kind: analytics.Kind(kind), From: *from, To: *to, By: *by, Dim: kori.AnalyticsDimension(*dim), Measure: *measure}
	if *explain {
		sel, err := engine.Select(q)
		if err != nil {
			return err
		}
		plan, err := db.AnalyticsPlan(ctx, sel)
		if err != nil {
			return err
		}
		fmt.Fprint(e.stdout, plan)
		return nil
	}
	user := e.getenv("USER")
	if user == "" {
		user = "operator"
	}
	a, err := engine.Ask(ctx, q, analytics.Analyst{Actor: kori.Actor{Channel: "cli", Name: user}, KeyID: "cli"})
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
	t := a.Table()
	switch *format {
	case "csv":
		err = t.WriteCSV(w)
	case "parquet":
		err = t.WriteParquet(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(a)
	case "table":
		if a.Period != "" {
			fmt.Fprintf(w, "%s, %s; k = %d, %d suppressed\n\n", a.Query, a.Period, a.K, a.Suppressed)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(append(append(t.Text, "suppressed"), t.Numbers...), "\t")+"\t")
		for _, r := range t.Rows {
			cells := append(append([]string{}, r.Text...), map[bool]string{true: "yes", false: ""}[r.Suppressed])
			for i, n := range r.Numbers {
				switch {
				case n == nil:
					cells = append(cells, "")
				case t.Numbers[i] == "members" || t.Numbers[i] == "receipts":
					cells = append(cells, strconv.FormatFloat(*n, 'f', 0, 64))
				default:
					cells = append(cells, strconv.FormatFloat(*n, 'f', 2, 64))
				}
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
		}
		err = tw.Flush()
		fmt.Fprintf(w, "\n%s\n", a.Method)
	default:
		return usageError(fmt.Sprintf("--format %q is not table, csv, json or parquet", *format))
	}
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "wrote %d rows to %s\n", len(t.Rows), *out)
	}
	return nil
}

// kAnonymity is the configured k (env KORI_ANALYTICS_K), or the default.
func kAnonymity(e *env) int64 {
	if v, err := strconv.ParseInt(e.getenv("KORI_ANALYTICS_K"), 10, 64); err == nil {
		return v
	}
	return analytics.DefaultK
}
