package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/store"
)

// privacyReport is the timing of retention and erasure on a large database.
type privacyReport struct {
	dbBytes       int64
	members       int
	year          int
	retention     time.Duration
	retentionRows map[string]int64
	erasure       time.Duration
	erasureRows   map[string]int64
	span          string
}

// privacyRuns copies the member-page database and times, on the copy, the
// retention of its oldest purchase year and the erasure of one member with
// the longest history.
func privacyRuns(ctx context.Context, pagesDir, tmp string) (*privacyReport, error) {
	src := filepath.Join(pagesDir, "kori.db")
	db, err := store.Open(ctx, src)
	if err != nil {
		return nil, err
	}
	dst := filepath.Join(tmp, "privacy.db")
	fmt.Fprintln(os.Stderr, "privacy: copying the database…")
	if _, err := db.Backup(ctx, dst, nil); err != nil {
		db.Close()
		return nil, err
	}
	db.Close()
	db, err = store.Open(ctx, dst)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rep := &privacyReport{}
	if fi, err := os.Stat(dst); err == nil {
		rep.dbBytes = fi.Size()
	}
	ids, err := db.MemberIDs(ctx)
	if err != nil {
		return nil, err
	}
	rep.members = len(ids)
	who := benchActor
	// The member to erase: the first product-level one with purchases in
	// the oldest year, so that eleven or more years go.
	var victim kori.MemberID
	var held kori.DataHeld
	for _, id := range ids {
		m, err := db.Member(ctx, id)
		if err != nil {
			return nil, err
		}
		if h, err := db.HeldData(ctx, id); err == nil && m.Level == kori.LevelProduct && h.Lines > held.Lines {
			victim, held = id, h
		}
		if held.Lines > 0 && id > ids[0]+50 {
			break
		}
	}
	rep.year = held.First.Year()
	fmt.Fprintf(os.Stderr, "privacy: retention of %d…\n", rep.year)
	start := time.Now()
	ds, err := db.Retention(ctx, rep.year+1, false, who)
	if err != nil {
		return nil, err
	}
	rep.retention = time.Since(start)
	if len(ds) > 0 {
		rep.retentionRows = ds[0].Rows
	}
	held, err = db.HeldData(ctx, victim)
	if err != nil {
		return nil, err
	}
	rep.span = fmt.Sprintf("%s to %s", held.First.Format("2006-01-02"), held.Last.Format("2006-01-02"))
	fmt.Fprintln(os.Stderr, "privacy: erasure of one member…")
	start = time.Now()
	d, err := db.EraseMember(ctx, victim, "member", kori.ReasonErasure, who)
	if err != nil {
		return nil, err
	}
	rep.erasure = time.Since(start)
	rep.erasureRows = d.Rows
	return rep, nil
}

func (r *privacyReport) write(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Retention and erasure, SQLite\n\n")
	fmt.Fprintf(b, "On a copy of the member-page database (%d members, %.1f GiB), one run each, including the\n"+
		"write-ahead-log checkpoint that makes the deleted bytes leave the file (`secure_delete` is on).\n\n", r.members, float64(r.dbBytes)/(1<<30))
	fmt.Fprintf(b, "| operation | rows deleted | seconds |\n|---|---|---:|\n")
	fmt.Fprintf(b, "| retention of purchase year %d (in batches of %d members per transaction) | %s | %.2f |\n",
		r.year, 200, rowCounts(r.retentionRows), r.retention.Seconds())
	fmt.Fprintf(b, "| erasure of one member (purchases %s, after the retention above) | %s | %.3f |\n",
		r.span, rowCounts(r.erasureRows), r.erasure.Seconds())
}

func rowCounts(rows map[string]int64) string {
	parts := []string{}
	for _, t := range []string{"receipts", "receipt_lines", "receipt_groups", "month_rollups", "cards", "consents", "sessions", "members"} {
		if n := rows[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, t))
		}
	}
	return strings.Join(parts, ", ")
}
