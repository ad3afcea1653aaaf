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

// oneMember opens a database with the suite's catalogue and one member,
// whose card is 1001.
func oneMember(t *testing.T, open storetest.Opener) (*store.DB, []kori.MemberID) {
	db := open(t)
	storetest.Seed(t, db)
	ids, err := db.ImportMembers(context.Background(), []kori.Enrolment{{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return db, ids
}

// TestNewMonthsMeetingWriters: on PostgreSQL and Citus a month with no
// total yet is written by COPY. When transactions all find the same month
// new, the later COPYs meet the first's rows; they must fall back to
// adding to them, losing nothing and failing nothing. The hook holds the
// writers after their check until all have made it, so that they meet.
func TestNewMonthsMeetingWriters(t *testing.T) {
	t.Run("postgres", func(t *testing.T) { testNewMonthsMeetingWriters(t, storetest.OpenPostgres) })
	t.Run("citus", func(t *testing.T) { testNewMonthsMeetingWriters(t, storetest.OpenCitus) })
}

func testNewMonthsMeetingWriters(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	db, ids := oneMember(t, open)
	const writers = 3
	checked := holdUntilAllChecked(t, writers, func(fn func()) { store.SetBeforeNewMonths(db, fn) })
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
	if n := checked(); n <= writers {
		t.Errorf("the check ran %d times: no writer had to look again after meeting another", n)
	}
}

// holdUntilAllChecked sets, through set, a hook that holds each of the
// first writers callers until all have called it, so that they all check
// before any writes; it returns how many times the hook ran.
func holdUntilAllChecked(t *testing.T, writers int, set func(func())) (checked func() int) {
	var (
		mu    sync.Mutex
		calls int
		all   = make(chan struct{})
	)
	set(func() {
		mu.Lock()
		calls++
		if calls == writers {
			close(all)
		}
		first := calls <= writers
		mu.Unlock()
		if first {
			select {
			case <-all:
			case <-time.After(30 * time.Second):
				t.Error("the writers never all reached the check")
			}
		}
	})
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return calls
	}
}

// TestSameReceiptMeetingWriters: on PostgreSQL and Citus receipts not yet
// stored are written by COPY. When writers send the same receipt at once
// and all find it new, one stores it; the others meet it in their COPY,
// look again, and report it already stored, failing nothing.
func TestSameReceiptMeetingWriters(t *testing.T) {
	t.Run("postgres", func(t *testing.T) { testSameReceiptMeetingWriters(t, storetest.OpenPostgres) })
	t.Run("citus", func(t *testing.T) { testSameReceiptMeetingWriters(t, storetest.OpenCitus) })
}

func testSameReceiptMeetingWriters(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	db, ids := oneMember(t, open)
	const writers = 3
	checked := holdUntilAllChecked(t, writers, func(fn func()) { store.SetBeforeNewReceipts(db, fn) })
	r := kori.StoredReceipt{MemberID: ids[0], Card: "1001", Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: "7", BusinessDay: 20250301},
		Year: 2025, Month: 3, PurchasedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), Total: 120, Grain: kori.LevelTotal}
	var wg sync.WaitGroup
	outs := make([][]kori.WriteOutcome, writers)
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[w], errs[w] = db.WriteReceipts(ctx, []kori.StoredReceipt{r})
		}()
	}
	wg.Wait()
	stored := 0
	for w := range writers {
		if errs[w] != nil {
			t.Errorf("writer %d: %v", w, errs[w])
		} else if outs[w][0] == kori.Stored {
			stored++
		} else if outs[w][0] != kori.Duplicate {
			t.Errorf("writer %d: %v, want stored or duplicate", w, outs[w][0])
		}
	}
	if stored != 1 {
		t.Errorf("%d writers stored the receipt, want 1", stored)
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["receipts"] != 1 {
		t.Errorf("%d receipts stored, want 1", counts["receipts"])
	}
	// Every writer found the receipt new and went on to write it (the
	// hook runs only then), so two met the third's in their COPY.
	if n := checked(); n < writers {
		t.Errorf("%d writers found the receipt new, want all %d", n, writers)
	}
}
