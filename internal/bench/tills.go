package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
)

// tillsReport is the outcome of the real-receipts benchmark.
type tillsReport struct {
	receipts, returns  int
	plain, real        result
	recompute          string // kori recompute's summary line
	recomputeTook      time.Duration
	recomputeLinesPerS float64
}

// errStop ends a demo generation early.
var errStop = errors.New("enough")

// tillsBench imports the same demo purchases twice into copies of one
// registry: as plain sales, and as real tills send them — every tenth sale
// with a bottle deposit and a deposit refund, and a return document for
// one product of every tenth sale. Then it times kori recompute of the
// plain database (every member's rollups rebuilt from the lines).
func tillsBench(ctx context.Context, bin, tmp string, receipts int) (*tillsReport, error) {
	zone, _ := time.LoadLocation(kori.DefaultZone)
	until := time.Date(2026, 11, 25, 0, 0, 0, 0, zone)
	opts := demo.Options{Members: receipts/1000 + 20, Seed: 11, Until: until, Zone: zone}
	registry := filepath.Join(tmp, "tills-registry.db")
	cat, members, err := newRegistry(ctx, registry, opts)
	if err != nil {
		return nil, err
	}
	plainFile, realFile := filepath.Join(tmp, "plain.ndjson"), filepath.Join(tmp, "real.ndjson")
	fp, err := os.Create(plainFile)
	if err != nil {
		return nil, err
	}
	defer fp.Close()
	fr, err := os.Create(realFile)
	if err != nil {
		return nil, err
	}
	defer fr.Close()
	wp, wr := bufio.NewWriter(fp), bufio.NewWriter(fr)
	rep := &tillsReport{}
	var plainLines, realLines int64
	counter := map[string]int{}
	var buf []byte
	for i := range members {
		err := demo.Receipts(&members[i], cat, demo.Stores, opts, counter, func(r kori.Receipt) error {
			if rep.receipts >= receipts {
				return errStop
			}
			rep.receipts++
			buf = append(ingest.AppendJSON(buf[:0], &r), '\n')
			wp.Write(buf)
			plainLines += int64(len(r.Lines))
			if rep.receipts%10 == 0 {
				r.Lines = append(r.Lines, kori.Line{Kind: kori.LineDeposit, Quantity: 2, Amount: 40},
					kori.Line{Kind: kori.LineDepositRefund, Quantity: 4, Amount: -80})
				r.Total -= 40
			}
			buf = append(appendReal(buf[:0], &r), '\n')
			wr.Write(buf)
			realLines += int64(len(r.Lines))
			if rep.receipts%10 == 5 && len(r.Lines) > 0 && r.Lines[0].Kind == "" && r.PurchasedAt.AddDate(0, 0, 3).Before(until) {
				l := r.Lines[0]
				ret := kori.Receipt{Kind: kori.KindReturn, Key: kori.ReceiptKey{Store: r.Key.Store, Till: r.Key.Till, Number: r.Key.Number + "-R"},
					Card: r.Card, PurchasedAt: r.PurchasedAt.AddDate(0, 0, 3), Total: -l.Amount,
					Lines: []kori.Line{{GTIN: l.GTIN, Quantity: -l.Quantity, Amount: -l.Amount}}}
				buf = append(appendReal(buf[:0], &ret), '\n')
				wr.Write(buf)
				rep.returns++
				realLines++
			}
			return nil
		})
		if errors.Is(err, errStop) {
			break
		} else if err != nil {
			return nil, err
		}
	}
	if err := wp.Flush(); err != nil {
		return nil, err
	}
	if err := wr.Flush(); err != nil {
		return nil, err
	}
	run := func(name, file string, lines int64) (result, string, error) {
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return result{}, "", err
		}
		if err := copyFile(registry, filepath.Join(dir, "kori.db")); err != nil {
			return result{}, "", err
		}
		fmt.Fprintf(os.Stderr, "tills: kori import %s…\n", name)
		start := time.Now()
		if out, err := exec.Command(bin, "import", "--data", dir, "--as-of", "2026-11-25", "--quiet", "receipts", file).CombinedOutput(); err != nil {
			return result{}, "", fmt.Errorf("kori import %s: %v\n%s", name, err, out)
		}
		return result{name: name, rows: lines, elapsed: time.Since(start)}, dir, nil
	}
	var dir string
	if rep.plain, dir, err = run("plain sales", plainFile, plainLines); err != nil {
		return nil, err
	}
	if rep.real, _, err = run("with deposits, refunds and returns", realFile, realLines); err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "tills: kori recompute…")
	start := time.Now()
	out, err := exec.Command(bin, "recompute", "--data", dir, "--quiet").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("kori recompute: %v\n%s", err, out)
	}
	rep.recomputeTook = time.Since(start)
	rep.recompute = strings.TrimSpace(string(out))
	if m := regexp.MustCompile(`\(([0-9]+) lines/s\)`).FindStringSubmatch(rep.recompute); m != nil {
		fmt.Sscan(m[1], &rep.recomputeLinesPerS)
	}
	return rep, nil
}

// appendReal writes a receipt with its kinds, as a till that sends them would.
func appendReal(b []byte, r *kori.Receipt) []byte {
	b = append(b, '{')
	if r.Kind == kori.KindReturn {
		b = append(b, `"kind":"return",`...)
	}
	b = fmt.Appendf(b, `"store":%q,"till":%d,"receipt":%q,"purchased_at":%q,"card":%q,"total":"%s","lines":[`,
		r.Key.Store, r.Key.Till, r.Key.Number, r.PurchasedAt.Format(time.RFC3339), r.Card, r.Total)
	for i, l := range r.Lines {
		if i > 0 {
			b = append(b, ',')
		}
		if l.Kind != "" && l.Kind != kori.LineProduct {
			b = fmt.Appendf(b, `{"kind":%q,"quantity":%g,"amount":"%s"}`, l.Kind, l.Quantity, l.Amount)
			continue
		}
		b = fmt.Appendf(b, `{"gtin":%q,"quantity":%g,"amount":"%s"}`, l.GTIN, l.Quantity, l.Amount)
	}
	return append(b, "]}"...)
}

func (r *tillsReport) write(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Real till receipts and recompute, SQLite\n\n")
	fmt.Fprintf(b, "%d demo receipts imported twice into copies of one registry: as plain sales, and as tills send them,\n"+
		"every tenth sale with a bottle deposit and a deposit refund line and a return document (%d in all) for\n"+
		"one product of every tenth sale. Lines are the lines sent, of every kind.\n\n", r.receipts, r.returns)
	fmt.Fprintf(b, "| run | lines | seconds | lines/s |\n|---|---:|---:|---:|\n")
	for _, x := range []result{r.plain, r.real} {
		fmt.Fprintf(b, "| %s | %d | %.2f | %.0f |\n", x.name, x.rows, x.elapsed.Seconds(), x.rate())
	}
	fmt.Fprintf(b, "\n**Ratio** real ÷ plain, lines/s: **%.2f**.\n\n", r.real.rate()/r.plain.rate())
	fmt.Fprintf(b, "`kori recompute` of the plain database (every member's months of product-level purchases rebuilt\n"+
		"from the stored lines and the catalogue): %s, %.0f lines/s, %s in all.\n", r.recompute, r.recomputeLinesPerS,
		r.recomputeTook.Round(10*time.Millisecond))
}
