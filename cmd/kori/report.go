package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/report"
)

func runReport(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("report", "report transparency --year YEAR [--json] [--as-of DATE]",
		"Prints the yearly transparency report, built only from Kori's own records: members by level,\n"+
			"objections, consent changes, purchases stored and deleted by reason, data subject requests with\n"+
			"their completion times, reads of member data by purpose, offers made, and the rules in force.\n"+
			"The same report is public at /transparency/YEAR.")
	e.flags(fs)
	year := fs.Int("year", 0, "the year to report")
	asJSON := fs.Bool("json", false, "print JSON")
	asOf := fs.String("as-of", "", "report as on this date (default now)")
	if err := e.parseAction(fs, args, "transparency"); err != nil {
		return err
	}
	if *year == 0 {
		return usageError("report transparency needs --year, e.g. kori report transparency --year 2026")
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
	r, err := report.Build(ctx, db, *year, e.cfg.zone, clock.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	state := "complete"
	if !r.Complete {
		state = "year in progress"
	}
	fmt.Fprintf(e.stdout, "Kori transparency report %d (%s, as of %s)\n\n", r.Year, state, r.AsOf.In(e.cfg.zone).Format("2006-01-02"))
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "members\t%d\n", r.Members)
	for _, l := range kori.Levels {
		fmt.Fprintf(tw, "  at level %s\t%d\n", l, r.MembersByLevel[l])
	}
	fmt.Fprintf(tw, "  share below product level\t%.1f %%\n", 100*r.RestrictedShare)
	for _, p := range sortedKeys(r.Objections) {
		fmt.Fprintf(tw, "objecting to %s\t%d\n", p, r.Objections[p])
	}
	for _, k := range sortedKeys(r.ConsentChanges) {
		fmt.Fprintf(tw, "consent changes %s\t%d\n", k, r.ConsentChanges[k])
	}
	fmt.Fprintf(tw, "receipts of %d stored\t%d\n", r.Year, r.ReceiptsStored)
	fmt.Fprintf(tw, "product lines of %d stored\t%d\n", r.Year, r.LinesStored)
	for _, reason := range sortedKeys(r.Deleted) {
		d := r.Deleted[reason]
		fmt.Fprintf(tw, "deleted by %s\t%d times: %d receipts, %d lines, %d members\n", reason, d.Events, d.Receipts, d.Lines, d.Members)
	}
	for _, q := range r.Requests {
		fmt.Fprintf(tw, "%s requests\t%d received, %d done, median %.1f h, max %.1f h, %d past the deadline\n",
			q.Kind, q.Received, q.Completed, q.MedianHours, q.MaxHours, q.PastDeadline)
	}
	for _, p := range sortedKeys(r.Reads) {
		fmt.Fprintf(tw, "reads by others for %s\t%d\n", p, r.Reads[p])
	}
	fmt.Fprintf(tw, "offers made\t%d\n", r.Offers)
	fmt.Fprintf(tw, "receipts voided by tills\t%d\n", r.Voids)
	fmt.Fprintf(tw, "households\t%d of two or more adults, %d members sharing, %d views of shared purchases\n", r.Households.Households, r.Households.Sharing, r.Households.Views)
	fmt.Fprintf(tw, "benefits paid\t%d, %s in all\n", r.Benefits.Paid, r.Benefits.Amount)
	fmt.Fprintf(tw, "apps\t%d registered, %d grants given, %d revoked; reads by scope %v\n", r.Apps.Apps, r.Apps.Grants, r.Apps.Revocations, r.Apps.ReadsByScope)
	fmt.Fprintf(tw, "analytics queries\t%d by %d keys, %d figures suppressed, ε %.1f spent\n", r.Analytics.Queries, r.Analytics.Keys, r.Analytics.Suppressed, r.Analytics.Epsilon)
	fmt.Fprintf(tw, "rules\tpurchases kept %d years; memberships unused for %d months end (notice %d month before); requests answered within %d month\n",
		r.Rules.RetentionYears, r.Rules.InactiveMonths, r.Rules.NoticeMonths, r.Rules.DeadlineMonths)
	return tw.Flush()
}

// sortedKeys returns a map's keys in order, for stable output.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
