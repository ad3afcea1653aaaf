package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

// TestNewMonthsMeetingWriters: on PostgreSQL and Citus a month with no
// total yet is written by COPY. When two transactions both find the same month new, the
// second COPY meets the first's rows; it must fall back to adding to them,
// losing nothing and failing nothing. The hook holds both writers after
// their check until both have made it, so that they always meet.
func TestNewMonthsMeetingWriters(t *testing.T) {
	t.Run("postgres", func(t *testing.T) { testNewMonthsMeetingWriters(t, storetest.OpenPostgres) })
	t.Run("citus", func(t *testing.T) { testNewMonthsMeetingWriters(t, storetest.OpenCitus) })
}

func testNewMonthsMeetingWriters(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	db := open(t)
	storetest.Seed(t, db)
	ids, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	const writers = 3
	var (
		mu      sync.Mutex
		checked int
		all     = make(chan struct{})
	)
	store.SetBeforeNewMonths(db, func() {
		mu.Lock()
		checked++
		if checked == writers {
			close(all)
		}
		first := checked <= writers
		mu.Unlock()
		if first {
			select {
			case <-all:
			case <-time.After(30 * time.Second):
				t.Error("the writers never all reached the check")
			}
		}
	})
	milk := kori.Figures{Lines: 1, Amount: 120, Quantity: 1, Food: 120, CO2eGrams: 1300}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := kori.StoredReceipt{MemberID: ids[0], Card: "1001", Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: fmt.Sprint(w), BusinessDay: 20250301},
				Year: 2025, Month: 3, PurchasedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), Total: 120, Grain: kori.LevelProduct,
				Lines: []kori.StoredLine{{Line: kori.Line{GTIN: "6400000000019", Quantity: 1, Amount: 120}, Group: "dairy", Known: true, Figures: milk}}}
			_, errs[w] = db.WriteReceipts(ctx, []kori.StoredReceipt{r})
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	rollups, err := db.RollupsByMember(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rollups) != 1 || rollups[0].Group != "dairy" || rollups[0].Figures.Amount != writers*120 || rollups[0].Figures.Lines != writers {
		t.Errorf("rollups = %+v, want one dairy row of %d receipts", rollups, writers)
	}
	mu.Lock()
	defer mu.Unlock()
	if checked <= writers {
		t.Errorf("the check ran %d times: no writer had to look again after meeting another", checked)
	}
}
