package ingest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

// TestConcurrentCommitsKeepOrderWhereItMatters: with four batches written
// at once, sales repeated across batches are stored once, and a void in a
// later batch finds the sale of an earlier one, whatever order the
// batches commit in; the rollups equal a recomputation from what is held.
func TestConcurrentCommitsKeepOrderWhereItMatters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		f := newFixture(t, open)
		f.svc.Committers = 4
		c := card(kori.LevelProduct)
		var b strings.Builder
		for i := 1; i <= 60; i++ {
			b.WriteString(receiptJSON(i, c) + "\n")
			if i%7 == 0 {
				b.WriteString(receiptJSON(i-3, c) + "\n") // a repeat, in this or the next batch
			}
		}
		for i := 5; i <= 60; i += 5 {
			fmt.Fprintf(&b, `{"kind":"void","store":"S1","till":2,"receipt":"%d","business_day":"2025-05-01","card":"%s"}`+"\n", i, c)
		}
		results, sum := f.ingest(t, b.String())
		if sum.Stored != 60 || sum.Duplicates != 8 || sum.Voided != 12 || sum.Rejected != 0 || sum.NotStored != 0 {
			t.Fatalf("summary %+v (%d results)", sum, len(results))
		}
		id := f.members[kori.LevelProduct]
		held, err := f.db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{})
		if err != nil || len(held) != 48 {
			t.Fatalf("%d receipts held, want 60 − 12 voided (%v)", len(held), err)
		}
		for _, r := range held {
			var n int
			fmt.Sscan(r.Key.Number, &n)
			if n%5 == 0 {
				t.Errorf("voided receipt %s is held", r.Key.Number)
			}
		}
		rollups, _ := f.db.RollupsByMember(ctx, id)
		if _, err := f.db.Recompute(ctx, mustCatalogue(t, f), id, nil); err != nil {
			t.Fatal(err)
		}
		again, _ := f.db.RollupsByMember(ctx, id)
		if fmt.Sprint(rollups) != fmt.Sprint(again) {
			t.Errorf("rollups after concurrent commits differ from a recomputation:\n%v\n%v", rollups, again)
		}
		// A rerun ends where the first run did: the voided sales come back
		// and are voided again, nothing else is written.
		if _, sum := f.ingest(t, b.String()); sum.Stored != 12 || sum.Voided != 12 || sum.Duplicates != 56 {
			t.Errorf("rerun: %+v", sum)
		}
		if again, _ := f.db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{}); len(again) != 48 {
			t.Errorf("after the rerun %d receipts are held, want 48", len(again))
		}
	})
}
