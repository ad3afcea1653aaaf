package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
)

const importAbout = `Imports a file. KIND is one of:
  groups     product groups, CSV: code,name_fi,name_en,food
  stores     stores, CSV: store_id,name,city
  catalogue  products, CSV or JSON array: gtin,name_fi,name_en,group,origin,country,unit,net_kg,
             nutrients_ref,energy_kj,protein_g,fat_g,sat_fat_g,carb_g,sugars_g,fibre_g,salt_g,
             fvb_pct,emission_group,nutri_category (general, cheese, fats_oils_nuts_seeds,
             beverage or water: Kori then computes the Nutri-Score grade from the nutrients)
  members    the card ↔ member registry, CSV: member_ref,card,card_status,closed_at,level,email
  campaigns  the chain's campaigns, CSV or JSON: campaign_id,name_fi,name_en,gtin,group,discount_pct,
             valid_from,valid_to (one of gtin or group; dates in the chain's zone, both included)
  scheme     the loyalty benefit scheme, JSON: {"valid_from":"2026-01","counts":"all" or "food",
             "stores":[] (none: all),"tiers":[{"from_eur":100,"rate_pct":1},…]} (examples/scheme.json)
  receipts   receipts, NDJSON (one JSON receipt per line: sales, returns and voids, see the README)
             or CSV (one row per receipt line: store,till,receipt,purchased_at,card,total,gtin,
             quantity,amount[,discount,kind,line_kind]) or ARTS POSLog XML (.xml; see the README)
The format follows the file name's ending (.csv, .json, .ndjson or .jsonl); FILE - reads stdin.
Receipts are imported in transactions of --batch receipts; re-running an import after a crash
stores each receipt once. Rejected receipts are listed with their line, field and reason.`

// kindHelp is the part of importAbout that describes one kind.
func kindHelp(kind string) string {
	lines := strings.Split(importAbout, "\n")
	for i, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == kind && strings.HasPrefix(l, "  ") {
			out := []string{"kori import " + strings.TrimSpace(l)}
			for _, next := range lines[i+1:] {
				if !strings.HasPrefix(next, "             ") {
					break
				}
				out = append(out, next)
			}
			return strings.Join(out, "\n") + "\nThe README's section on import formats describes every column."
		}
	}
	return ""
}

// barReader advances a progress bar by the bytes read, under mu.
type barReader struct {
	r   io.Reader
	bar *progressbar.ProgressBar
	mu  *sync.Mutex
}

func (b *barReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.mu.Lock()
	_ = b.bar.Add(n)
	b.mu.Unlock()
	return n, err
}

// lockedWriter lets two goroutines write to one writer, a write at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("import", "import [flags] KIND FILE", importAbout)
	e.flags(fs)
	batch := fs.Int("batch", ingest.DefaultBatch, "receipts per transaction")
	committers := fs.Int("committers", 4, "on PostgreSQL and Citus, batches written at once (a void or return waits for the batches before it); SQLite writes one at a time")
	format := fs.String("format", "", "csv, json, ndjson or xml (ARTS POSLog; default: from the file name)")
	asOf := fs.String("as-of", "", "validate purchase times against this date instead of now (YYYY-MM-DD or RFC 3339)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	// kori import KIND -h: that kind's columns.
	if len(args) == 2 && (args[1] == "-h" || args[1] == "--help") {
		if help := kindHelp(args[0]); help != "" {
			fmt.Fprintln(e.stderr, help)
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 2 {
		for _, a := range fs.Args()[2:] {
			if strings.HasPrefix(a, "-") {
				return usageError(fmt.Sprintf("%s comes after KIND and FILE: put flags first: kori import %s %s %s", a,
					strings.Join(fs.Args()[2:], " "), fs.Arg(0), fs.Arg(1)))
			}
		}
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return usageError("import needs KIND and FILE")
	}
	if err := e.validate(); err != nil {
		return err
	}
	clock, err := e.parseAsOf(*asOf)
	if err != nil {
		return err
	}
	// Bulk loading makes much short-lived garbage over a small live heap:
	// collecting less often costs little memory and saves a fifth of the time.
	debug.SetGCPercent(400)
	kind, name := fs.Arg(0), fs.Arg(1)
	in, size, err := openInput(e, name)
	if err != nil {
		return err
	}
	defer in.Close()
	if *format == "" {
		*format = formatOf(name)
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fail := func(err error) error { return fmt.Errorf("%s: %w", name, err) }
	switch kind {
	case "groups":
		gs, err := ingest.ReadGroups(in)
		if err != nil {
			return fail(err)
		}
		if err := db.UpsertGroups(ctx, gs); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stdout, "imported %d product groups\n", len(gs))
	case "stores":
		ss, err := ingest.ReadStores(in)
		if err != nil {
			return fail(err)
		}
		if err := db.UpsertStores(ctx, ss); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stdout, "imported %d stores\n", len(ss))
	case "campaigns":
		cs, err := ingest.ReadCampaigns(in, *format, e.cfg.zone)
		if err != nil {
			return fail(err)
		}
		if err := db.UpsertCampaigns(ctx, cs); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stdout, "imported %d campaigns; offers are computed by `kori offers run` and weekly by serve\n", len(cs))
	case "scheme":
		sc, err := ingest.ReadScheme(in)
		if err != nil {
			return fail(err)
		}
		if err := db.UpsertScheme(ctx, sc); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stdout, "imported the benefit scheme from %s (%d tiers); receipts stored from now on count under it, and `kori benefits run` pays it\n",
			kori.MonthLabel(sc.ValidFrom), len(sc.Tiers))
	case "catalogue", "products":
		ps, err := ingest.ReadProducts(in, *format)
		if err != nil {
			return fail(err)
		}
		if err := db.UpsertProducts(ctx, ps); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stdout, "imported %d products\n", len(ps))
		ungraded := 0
		for _, p := range ps {
			if p.HasNutrients && p.NutriGrade == "" {
				ungraded++
			}
		}
		if ungraded > 0 {
			fmt.Fprintf(e.stderr, "warning: %d products have nutrients but no nutri_category, so no Nutri-Score grade: give nutri_category "+
				"(general, cheese, fats_oils_nuts_seeds, beverage or water) to grade them\n", ungraded)
		}
		if pending, err := db.RecomputePending(ctx); err == nil && pending {
			fmt.Fprintln(e.stdout, "the catalogue corrects figures of products already bought: run `kori recompute` (serve does it by itself)")
		}
	case "members":
		rows, err := ingest.ReadMembers(in)
		if err != nil {
			return fail(err)
		}
		es := ingest.Enrolments(rows)
		if _, err := db.ImportMembers(ctx, es, "import"); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stdout, "imported %d members with %d cards\n", len(es), len(rows))
	case "receipts":
		var reader ingest.Reader
		var bar *progressbar.ProgressBar
		// The bar advances on the reading goroutine, which may still be
		// reading when Stream returns; messages come from this one. barMu
		// keeps a message and the bar's clearing together, and stderr takes
		// one write at a time from either.
		var barMu sync.Mutex
		stderr := &lockedWriter{w: e.stderr}
		say := func(format string, args ...any) {
			barMu.Lock()
			defer barMu.Unlock()
			if bar != nil {
				bar.Clear()
			}
			fmt.Fprintf(stderr, format, args...)
		}
		var src io.Reader = in
		if !*quiet && size > 0 {
			bar = progressbar.NewOptions64(size, progressbar.OptionSetWriter(stderr), progressbar.OptionShowBytes(true),
				progressbar.OptionSetDescription("importing receipts"), progressbar.OptionThrottle(200_000_000),
				progressbar.OptionShowCount(), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
			src = &barReader{r: in, bar: bar, mu: &barMu}
		}
		switch *format {
		case "csv":
			reader = ingest.NewCSVReader(src)
		case "ndjson", "json":
			reader = ingest.NewNDJSONReader(src)
		case "xml":
			reader = ingest.NewPOSLogReader(src)
		default:
			return usageError(fmt.Sprintf("receipts: format %q is not csv, ndjson or xml (ARTS POSLog)", *format))
		}
		svc := ingest.NewService(db, e.cfg.zone, clock)
		if db.Dialect() == "postgres" {
			// A server database writes two batches at once: one core
			// parses while the server uses the others.
			svc.Committers = *committers
		}
		shown, unknown := 0, 0
		reasons := map[string]int{}
		sum, err := svc.Stream(ctx, reader, *batch, func(_ []ingest.Parsed, results []ingest.Result) {
			for _, r := range results {
				switch {
				case r.Status == ingest.StatusRejected && shown < 1000:
					shown++
					say("%s: %v\n", name, r.Error)
				case r.Status == ingest.StatusNotStored:
					reasons[r.Reason]++
					if r.Reason == ingest.ReasonUnknownCard {
						if unknown++; unknown <= 100 {
							say("%s: line %d: not stored: the card is not in the member registry (import members first)\n", name, r.Line)
						}
					}
				}
			}
		})
		if bar != nil {
			barMu.Lock()
			_ = bar.Finish()
			barMu.Unlock()
		}
		if unknown > 100 {
			say("%s: and %d more receipts with unknown cards\n", name, unknown-100)
		}
		fmt.Fprintf(e.stdout, "receipts: %d stored (%d lines), %d voided, %d already stored, %d not stored (%d unknown card, %d level none, %d voids of receipts not held), %d rejected\n",
			sum.Stored, sum.Lines, sum.Voided, sum.Duplicates, sum.NotStored, reasons[ingest.ReasonUnknownCard], reasons[ingest.ReasonLevelNone],
			reasons[ingest.ReasonNotHeld], sum.Rejected)
		if err != nil {
			return fail(err)
		}
		if sum.Rejected > 0 {
			return fmt.Errorf("%d receipts rejected (listed above); fix them and import the file again: stored receipts are not duplicated", sum.Rejected)
		}
	default:
		fs.Usage()
		return usageError(fmt.Sprintf("unknown KIND %q", kind))
	}
	return nil
}

func openInput(e *env, name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

func formatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".json":
		return "json"
	case ".xml":
		return "xml"
	default:
		return "ndjson"
	}
}
