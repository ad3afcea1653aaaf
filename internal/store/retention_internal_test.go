package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kori-project/kori"
)

// TestCountYearKeepsInBatches: with more extended-retention members than
// one statement names, retention still counts exactly the rows of the
// others, whichever batch each kept member falls in.
func TestCountYearKeepsInBatches(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	if err := db.UpsertStores(ctx, []kori.Store{{ID: "S1", Name: "Store"}}); err != nil {
		t.Fatal(err)
	}
	const members = 2*retentionBatch + 3
	var es []kori.Enrolment
	for i := range members {
		es = append(es, kori.Enrolment{Ref: fmt.Sprint("M", i), Cards: []kori.Card{{Number: fmt.Sprint(1000 + i), Status: kori.CardActive}}})
	}
	ids, err := db.ImportMembers(ctx, es, "test")
	if err != nil {
		t.Fatal(err)
	}
	// Member i has i%3+1 receipts of 2016; all but the first two are kept.
	var rs []kori.StoredReceipt
	keep := map[kori.MemberID]bool{}
	want := int64(0)
	for i, id := range ids {
		n := i%3 + 1
		if i < 2 {
			want += int64(n)
		} else {
			keep[id] = true
		}
		for j := range n {
			rs = append(rs, kori.StoredReceipt{MemberID: id, Card: fmt.Sprint(1000 + i),
				Key:  kori.ReceiptKey{Store: "S1", Till: 1, Number: fmt.Sprint(i, "-", j), BusinessDay: 20160301},
				Year: 2016, Month: 3, PurchasedAt: time.Date(2016, 3, 1, 10, 0, 0, 0, time.UTC), Total: 100, Grain: kori.LevelTotal})
		}
	}
	if _, err := db.WriteReceipts(ctx, rs); err != nil {
		t.Fatal(err)
	}
	got, err := db.countYear(ctx, db.read, "receipts", 2016, keep)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("counted %d receipts to delete, want %d (the two members not kept)", got, want)
	}
	if got, err := db.countYear(ctx, db.read, "receipts", 2016, nil); err != nil || got != int64(len(rs)) {
		t.Errorf("with no one kept: %d, %v; want all %d", got, err, len(rs))
	}
}
