package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/kori-project/kori"
)

// testMemberReads writes a known history for two members and checks every
// read the member pages make: sums, filters, search, and that one member's
// reads never return the other's rows.
func testMemberReads(t *testing.T, open Opener) {
	db := open(t)
	Seed(t, db)
	ids, err := db.ImportMembers(ctx, []kori.Enrolment{
		{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}},
		{Ref: "B", Cards: []kori.Card{{Number: "2002", Status: kori.CardActive}}},
	}, "test")
	must(t, err)
	a, b := ids[0], ids[1]
	milk := func(cents kori.Money) kori.StoredLine {
		return kori.StoredLine{Line: kori.Line{GTIN: "6400000000019", Quantity: 1, Amount: cents}, Group: "dairy", Known: true,
			Figures: kori.Figures{Lines: 1, Amount: cents, Food: cents, FiRaw: cents, CO2eGrams: 1300}}
	}
	mince := kori.StoredLine{Line: kori.Line{GTIN: "6400000000026", Quantity: 0.5, Amount: 600}, Group: "meat", Known: true,
		Figures: kori.Figures{Lines: 1, Amount: 600, Food: 600, Foreign: 600, CO2eGrams: 17850}}
	n := 0
	receipt := func(m kori.MemberID, day time.Time, lines ...kori.StoredLine) kori.StoredReceipt {
		n++
		r := kori.StoredReceipt{MemberID: m, Card: "1001", Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: string(rune('a' + n)),
			BusinessDay: day.Year()*10000 + int(day.Month())*100 + day.Day()}, Year: day.Year(), Month: int(day.Month()),
			PurchasedAt: day, Grain: kori.LevelProduct, Lines: lines}
		for _, l := range lines {
			r.Total += l.Amount
		}
		return r
	}
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 12, 0, 0, 0, time.UTC) }
	_, err = db.WriteReceipts(ctx, []kori.StoredReceipt{
		receipt(a, d(2024, 3, 1), milk(100)),
		receipt(a, d(2025, 3, 2), milk(120), mince),
		receipt(a, d(2025, 3, 20), milk(130)),
		receipt(a, d(2025, 7, 5), mince),
		receipt(b, d(2025, 3, 3), milk(999)),
	})
	must(t, err)

	// Totals by year, by month and by group, summed in the database.
	years, err := db.RollupTotals(ctx, a, kori.TotalsByYear)
	must(t, err)
	if len(years) != 2 || years[0].Year != 2024 || years[0].Figures.Amount != 100 || years[1].Figures.Amount != 1450 ||
		years[1].Figures.Lines != 4 || years[1].Figures.CO2eGrams != 2*1300+2*17850 {
		t.Errorf("totals by year = %+v", years)
	}
	// Figures between two days: whole months from the rollups, the month
	// begun from the lines, equal to the lines alone; the other member's
	// receipt of 3 March is in neither.
	cat, err := db.Catalogue(ctx)
	must(t, err)
	for _, c := range []struct {
		from, to, receipts int
		amount             kori.Money
	}{
		{20250101, 20250710, 3, 1450}, {20250102, 20250710, 3, 1450}, {20250101, 20250704, 2, 850},
		{20250101, 20250301, 0, 0}, {20250101, 20250302, 1, 720}, {20250301, 20250331, 2, 850},
	} {
		sums, receipts, err := db.FiguresBetween(ctx, a, c.from, c.to, cat)
		must(t, err)
		var f kori.Figures
		for _, g := range sums {
			f.Add(g.Figures)
		}
		if f.Amount != c.amount || receipts != c.receipts {
			t.Errorf("figures between %d and %d: %s in %d receipts, want %s in %d", c.from, c.to, f.Amount, receipts, c.amount, c.receipts)
		}
	}
	months, err := db.RollupTotals(ctx, a, kori.TotalsByMonth, 2025)
	must(t, err)
	if len(months) != 2 || months[0].Month != 3 || months[0].Figures.Amount != 850 || months[1].Month != 7 || months[1].Figures.Amount != 600 {
		t.Errorf("totals by month of 2025 = %+v", months)
	}
	groups, err := db.RollupTotals(ctx, a, kori.TotalsByGroup, 2025)
	must(t, err)
	if len(groups) != 2 || groups[0].Group != "dairy" || groups[0].Figures.Amount != 250 || groups[1].Figures.Foreign != 1200 {
		t.Errorf("totals by group of 2025 = %+v", groups)
	}

	// Receipts by month, newest first; by search; one by id.
	march, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Year: 2025, Month: 3})
	must(t, err)
	if len(march) != 2 || march[0].Total != 130 || march[1].Total != 720 {
		t.Errorf("March 2025 receipts = %+v", march)
	}
	withMince, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Search: true, GTINs: []string{"6400000000026"}})
	must(t, err)
	byGroup, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Search: true, Groups: []string{"meat"}})
	must(t, err)
	if len(withMince) != 2 || len(byGroup) != 2 || withMince[0].Key.BusinessDay != 20250705 {
		t.Errorf("search by product found %d, by group %d receipts; want 2 each", len(withMince), len(byGroup))
	}
	if none, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Search: true}); err != nil || len(none) != 0 {
		t.Errorf("a search that matched no name found %d receipts (%v)", len(none), err)
	}
	// By store, and within a year: the member's receipts that qualify, in
	// the history's order.
	all, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{})
	must(t, err)
	var fromStore, mince2025 []int64
	for _, r := range all {
		if r.Key.Store == march[0].Key.Store {
			fromStore = append(fromStore, r.ID)
		}
	}
	for _, r := range withMince {
		if r.Year == 2025 {
			mince2025 = append(mince2025, r.ID)
		}
	}
	idsOf := func(rs []kori.ReceiptSummary) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	byStore, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Search: true, Stores: []string{march[0].Key.Store, "no such store"}})
	must(t, err)
	if len(fromStore) == 0 || !slices.Equal(idsOf(byStore), fromStore) {
		t.Errorf("search by store %s = %v, want %v", march[0].Key.Store, idsOf(byStore), fromStore)
	}
	inYear, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Search: true, GTINs: []string{"6400000000026"}, Year: 2025})
	must(t, err)
	if len(mince2025) == 0 || !slices.Equal(idsOf(inYear), mince2025) {
		t.Errorf("search in 2025 = %v, want %v", idsOf(inYear), mince2025)
	}
	if limited, _ := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Limit: 1}); len(limited) != 1 {
		t.Errorf("limit 1 gave %d", len(limited))
	}
	// Paging: the second page of one is the second receipt; the count is of all.
	minceFilter := kori.ReceiptFilter{Search: true, GTINs: []string{"6400000000026"}}
	second, err := db.ReceiptsByMember(ctx, a, kori.ReceiptFilter{Search: true, GTINs: minceFilter.GTINs, Limit: 1, Offset: 1})
	must(t, err)
	if len(second) != 1 || second[0].ID != withMince[1].ID {
		t.Errorf("page 2 of 1 = %+v, want %d", second, withMince[1].ID)
	}
	if n, err := db.CountReceipts(ctx, a, kori.ReceiptFilter{Search: true, GTINs: minceFilter.GTINs, Limit: 1}); err != nil || n != 2 {
		t.Errorf("count of the search = %d (%v), want 2", n, err)
	}
	// A search reads its page and its count at once; past the last page
	// the count is still of all.
	for offset, want := range map[int]int{0: 1, 1: 1, 2: 0} {
		page, found, err := db.SearchReceipts(ctx, a, kori.ReceiptFilter{Search: true, GTINs: minceFilter.GTINs, Limit: 1, Offset: offset})
		if err != nil || len(page) != want || found != 2 || want > 0 && page[0].ID != withMince[offset].ID {
			t.Errorf("search at offset %d = %d receipts of %d found (%v), want %d of 2", offset, len(page), found, err, want)
		}
	}
	if page, found, err := db.SearchReceipts(ctx, b, minceFilter); err != nil || len(page) != found || found > 0 && page[0].MemberID != b {
		t.Errorf("member B's search = %d receipts, %d found (%v)", len(page), found, err)
	}
	// Why each was found: the mince line, and (by group) the meat lines or sums.
	lines, err := db.MatchedLines(ctx, a, withMince[:2], minceFilter.GTINs, nil)
	must(t, err)
	if len(lines) != 2 || lines[0].GTIN != "6400000000026" || lines[1].GTIN != "6400000000026" {
		t.Errorf("matched lines = %+v, want the mince line of each receipt", lines)
	}
	if other, _ := db.MatchedLines(ctx, b, withMince[:1], minceFilter.GTINs, []string{"meat"}); len(other) != 0 {
		t.Errorf("member B sees member A's matched lines: %+v", other)
	}
	detail, err := db.ReceiptByID(ctx, a, march[1].ID)
	must(t, err)
	if len(detail.Lines) != 2 || detail.Lines[1].GTIN != "6400000000026" || detail.Lines[1].Quantity != 0.5 {
		t.Errorf("receipt detail = %+v", detail)
	}
	bs, err := db.ReceiptsByMember(ctx, b, kori.ReceiptFilter{})
	must(t, err)
	if len(bs) != 1 || bs[0].Total != 999 {
		t.Fatalf("member B receipts = %+v", bs)
	}
	if _, err := db.ReceiptByID(ctx, a, bs[0].ID); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("member A reading B's receipt: %v, want not found", err)
	}

	// Store months, products and what is held.
	sm, err := db.StoreMonthsByMember(ctx, a)
	must(t, err)
	if len(sm) != 3 || sm[1].Year != 2025 || sm[1].Month != 3 || sm[1].Receipts != 2 || sm[1].Amount != 850 {
		t.Errorf("store months = %+v", sm)
	}
	ps, err := db.ProductsByMember(ctx, a, 2025)
	must(t, err)
	if len(ps) != 2 || ps[0].GTIN != "6400000000026" || ps[0].Lines != 2 || ps[0].Quantity != 1 || ps[0].Amount != 1200 || ps[1].Amount != 250 {
		t.Errorf("products of 2025 = %+v", ps)
	}
	held, err := db.HeldData(ctx, a)
	must(t, err)
	if held.Receipts != 4 || held.Lines != 5 || held.GroupSums != 0 || held.Rollups != 4 || !held.First.Equal(d(2024, 3, 1)) || !held.Last.Equal(d(2025, 7, 5)) {
		t.Errorf("held = %+v", held)
	}
}

// testSessions checks passwords and sessions: e-mail lookups ignore case,
// sessions expire, a password change ends every session.
func testSessions(t *testing.T, open Opener) {
	db := open(t)
	ids, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A", Email: "Anna@Example.invalid"}, {Ref: "B", Email: "b@example.invalid"}}, "test")
	must(t, err)
	if _, _, err := db.Credentials(ctx, "anna@example.invalid"); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("member without a password: %v, want not found", err)
	}
	must(t, db.SetPassword(ctx, ids[0], "$argon2id$hash"))
	id, hash, err := db.Credentials(ctx, " ANNA@example.invalid ")
	if err != nil || id != ids[0] || hash != "$argon2id$hash" {
		t.Errorf("credentials = %d %q %v", id, hash, err)
	}
	if err := db.SetPassword(ctx, 999999, "x"); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("password of an unknown member: %v", err)
	}
	expires := Jan.Add(time.Hour)
	must(t, db.CreateSession(ctx, ids[0], "h1", Jan, expires))
	must(t, db.SessionValid(ctx, ids[0], "h1", Jan))
	for _, c := range []struct {
		id   kori.MemberID
		hash string
		at   time.Time
	}{{ids[1], "h1", Jan}, {ids[0], "h2", Jan}, {ids[0], "h1", expires}} {
		if err := db.SessionValid(ctx, c.id, c.hash, c.at); kori.ErrorCode(err) != kori.EUNAUTHORIZED {
			t.Errorf("session %d/%s at %v: %v, want unauthorized", c.id, c.hash, c.at, err)
		}
	}
	must(t, db.DeleteSession(ctx, ids[0], "h1"))
	if err := db.SessionValid(ctx, ids[0], "h1", Jan); err == nil {
		t.Error("a deleted session is still valid")
	}
	must(t, db.CreateSession(ctx, ids[0], "h3", Jan, expires))
	must(t, db.SetPassword(ctx, ids[0], "$argon2id$new"))
	if err := db.SessionValid(ctx, ids[0], "h3", Jan); err == nil {
		t.Error("a session survived a password change")
	}
	byLevel, err := db.MembersByLevel(ctx)
	must(t, err)
	if len(byLevel) != 1 || byLevel[kori.LevelProduct] != ids[0] {
		t.Errorf("members by level = %v", byLevel)
	}
}
