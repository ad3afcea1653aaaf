package privacy_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/privacy"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var helsinki, _ = time.LoadLocation("Europe/Helsinki")

// clock is a settable clock for the timeline.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func at(y, m, d, hh, mm int) time.Time { return time.Date(y, time.Month(m), d, hh, mm, 0, 0, helsinki) }

// timeline is one member's purchases as the test wrote them.
type timeline struct {
	t     *testing.T
	db    *store.DB
	svc   *ingest.Service
	clock *clock
	n     int
}

// buy ingests a receipt of a litre of milk (dairy) and half a kilo of
// mince (meat) with the card at the time given.
func (tl *timeline) buy(card string, when time.Time) {
	tl.t.Helper()
	tl.n++
	r := kori.Receipt{Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: fmt.Sprintf("R%d", tl.n), BusinessDay: kori.BusinessDay(when, helsinki)},
		Card: card, PurchasedAt: when, Total: 720, Lines: []kori.Line{
			{GTIN: "6400000000019", Quantity: 1, Amount: 120}, {GTIN: "6400000000026", Quantity: 0.5, Amount: 600}}}
	res, err := tl.svc.Ingest(context.Background(), []ingest.Parsed{{Line: tl.n, Receipt: r}})
	if err != nil || res[0].Status == ingest.StatusRejected {
		tl.t.Fatalf("ingest %v: %v %+v", when, err, res)
	}
}

// held is what the store holds of a member, counted from every table.
type held struct {
	receipts, lines, groups, rollups int
	years                            map[int]bool // years with receipts
	rollupYears                      map[int]bool
}

func (tl *timeline) held(id kori.MemberID) held {
	tl.t.Helper()
	ctx := context.Background()
	h := held{years: map[int]bool{}, rollupYears: map[int]bool{}}
	rs, err := tl.db.ReceiptsByMember(ctx, id, kori.ReceiptFilter{})
	must(tl.t, err)
	for _, r := range rs {
		h.years[r.Year] = true
	}
	ls, err := tl.db.LinesByMember(ctx, id)
	must(tl.t, err)
	gs, err := tl.db.GroupSumsByMember(ctx, id)
	must(tl.t, err)
	ro, err := tl.db.RollupsByMember(ctx, id)
	must(tl.t, err)
	for _, r := range ro {
		h.rollupYears[r.Year] = true
	}
	h.receipts, h.lines, h.groups, h.rollups = len(rs), len(ls), len(gs), len(ro)
	return h
}

func (tl *timeline) expect(what string, id kori.MemberID, receipts, lines, groups, rollups int, years ...int) {
	tl.t.Helper()
	h := tl.held(id)
	if h.receipts != receipts || h.lines != lines || h.groups != groups || h.rollups != rollups {
		tl.t.Errorf("%s: member %d holds %d receipts, %d lines, %d group sums, %d rollups; want %d, %d, %d, %d",
			what, id, h.receipts, h.lines, h.groups, h.rollups, receipts, lines, groups, rollups)
	}
	want := map[int]bool{}
	for _, y := range years {
		want[y] = true
	}
	if fmt.Sprint(h.years) != fmt.Sprint(want) || len(h.rollupYears) != len(want) && rollups > 0 {
		tl.t.Errorf("%s: member %d has receipts of %v and rollups of %v, want %v", what, id, h.years, h.rollupYears, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var web = kori.Actor{Channel: "web", Name: "member"}

// TestTimeline walks a store through the rules from 2014 into 2026 and
// checks after each step that it holds exactly what the rules allow.
func TestTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		db := open(t)
		c := &clock{t: at(2014, 1, 1, 0, 0)} // enrolment
		db.Clock = c
		storetest.Seed(t, db)
		ids, err := db.ImportMembers(ctx, []kori.Enrolment{
			{Ref: "A", Email: "a@example.invalid", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}, JoinedAt: at(2014, 1, 1, 0, 0)},
			{Ref: "B", Cards: []kori.Card{{Number: "2002", Status: kori.CardActive}}, JoinedAt: at(2014, 1, 1, 0, 0)},
			{Ref: "C", Cards: []kori.Card{{Number: "3003", Status: kori.CardActive}}, JoinedAt: at(2020, 1, 1, 0, 0)},
			{Ref: "D", Cards: []kori.Card{{Number: "4004", Status: kori.CardActive}}, JoinedAt: at(2020, 1, 1, 0, 0)},
		}, "test")
		must(t, err)
		a, b, cm, d := ids[0], ids[1], ids[2], ids[3]
		c.t = at(2024, 12, 31, 12, 0) // when 2014 was still kept
		tl := &timeline{t: t, db: db, svc: ingest.NewService(db, helsinki, c), clock: c}
		cat, err := tl.svc.Catalogue(ctx)
		must(t, err)
		for _, card := range []string{"1001", "2002"} {
			for _, when := range []time.Time{at(2014, 6, 10, 12, 0), at(2014, 12, 31, 23, 59), at(2015, 1, 1, 0, 1),
				at(2015, 6, 10, 12, 0), at(2016, 3, 1, 12, 0)} {
				tl.buy(card, when)
			}
		}
		c.t = at(2025, 6, 1, 12, 0)
		tl.buy("1001", at(2025, 5, 5, 12, 0))
		tl.buy("2002", at(2025, 5, 5, 12, 0))
		tl.buy("3003", at(2024, 2, 1, 0, 10)) // C: 23 months before 1 Jan 2026 00:30
		tl.buy("4004", at(2024, 1, 1, 0, 10)) // D: 24 months before 1 Jan 2026 00:30
		must(t, db.SetPassword(ctx, a, "$argon2id$x"))
		// A purchase from a year already past retention is not stored at all.
		res, err := tl.svc.Ingest(ctx, []ingest.Parsed{{Line: 99, Receipt: kori.Receipt{Key: kori.ReceiptKey{Store: "S1", Till: 9, Number: "OLD", BusinessDay: 20131231},
			Card: "1001", PurchasedAt: at(2013, 12, 31, 12, 0), Total: 120, Lines: []kori.Line{{GTIN: "6400000000019", Quantity: 1, Amount: 120}}}}})
		if err != nil || res[0].Status != ingest.StatusRejected || res[0].Error.Field != "purchased_at" {
			t.Errorf("a 2013 purchase in 2025: %+v %v, want rejected as past retention", res, err)
		}
		_, _, err = db.ChangeChoice(ctx, b, kori.Choice{Kind: kori.ConsentRetention, To: "on"}, web, cat)
		must(t, err)
		tl.expect("after ingest", a, 6, 12, 0, 12, 2014, 2015, 2016, 2025)

		// 31 December 2025, before midnight: 2014 goes, the purchase at
		// 23:59 on New Year's Eve 2014 with it; 2015 stays.
		c.t = at(2025, 12, 31, 23, 30)
		r, err := privacy.Daily(ctx, db, c.t, helsinki, false)
		must(t, err)
		if r.OldestKept != 2015 || len(r.Retention) != 1 || r.Retention[0].Rows["receipts"] != 2 || r.Retention[0].Rows["receipt_lines"] != 4 {
			t.Errorf("31 Dec 2025 retention = %+v", r)
		}
		tl.expect("retention 31 Dec 2025", a, 4, 8, 0, 8, 2015, 2016, 2025)
		if len(r.Inactivity.Erased) != 0 || fmt.Sprint(r.Inactivity.Notified) != fmt.Sprint([]kori.MemberID{d}) {
			t.Errorf("31 Dec 2025 inactivity = %+v, want only a notice to D", r.Inactivity)
		}
		tl.expect("extended retention keeps", b, 6, 12, 0, 12, 2014, 2015, 2016, 2025)

		// The dry run of 1 January 2026 tells exactly what the real run deletes.
		c.t = at(2026, 1, 1, 0, 30)
		dry, err := privacy.Daily(ctx, db, c.t, helsinki, true)
		must(t, err)
		tl.expect("dry run deletes nothing", a, 4, 8, 0, 8, 2015, 2016, 2025)
		real, err := privacy.Daily(ctx, db, c.t, helsinki, false)
		must(t, err)
		if fmt.Sprint(dry.Retention[0].Rows) != fmt.Sprint(real.Retention[0].Rows) || real.Retention[0].Rows["month_rollups"] != 4 {
			t.Errorf("dry run %v, real run %v", dry.Retention[0].Rows, real.Retention[0].Rows)
		}
		tl.expect("retention 1 Jan 2026", a, 2, 4, 0, 4, 2016, 2025)

		// Inactivity on the same day: D's card was last used 24 months ago,
		// C's 23 months ago.
		if len(real.Inactivity.Erased) != 1 || real.Inactivity.Erased[0].MemberID != d || len(real.Inactivity.Notified) != 1 || real.Inactivity.Notified[0] != cm {
			t.Errorf("inactivity = %+v", real.Inactivity)
		}
		if _, err := db.Member(ctx, d); kori.ErrorCode(err) != kori.ENOTFOUND {
			t.Errorf("inactive member D still there: %v", err)
		}
		tl.expect("inactive member deleted", d, 0, 0, 0, 0)
		out, err := db.Outbox(ctx)
		must(t, err)
		if len(out) != 1 || out[0].MemberID != cm || !out[0].DueAt.Equal(at(2026, 2, 1, 0, 10)) {
			t.Errorf("outbox = %+v, want one notice to C due 1 Feb 2026", out)
		}
		again, err := privacy.Daily(ctx, db, c.t, helsinki, false)
		must(t, err)
		if out2, _ := db.Outbox(ctx); len(again.Inactivity.Notified) != 0 || len(out2) != 1 {
			t.Errorf("a second run notified %v again (outbox %d)", again.Inactivity.Notified, len(out2))
		}
		// C shops again: the notice is withdrawn.
		c.t = at(2026, 1, 5, 12, 0)
		tl.buy("3003", at(2026, 1, 5, 10, 0))
		_, err = privacy.Daily(ctx, db, c.t, helsinki, false)
		must(t, err)
		if out, _ := db.Outbox(ctx); len(out) != 0 {
			t.Errorf("notice not withdrawn after C used the card: %+v", out)
		}

		// B turns extended retention off: the next run catches up.
		_, _, err = db.ChangeChoice(ctx, b, kori.Choice{Kind: kori.ConsentRetention, To: "off"}, web, cat)
		must(t, err)
		_, err = privacy.Daily(ctx, db, c.t, helsinki, false)
		must(t, err)
		tl.expect("extended retention off", b, 2, 4, 0, 4, 2016, 2025)

		// Levels. product → group: lines become group sums, rollups unchanged.
		before, err := db.RollupsByMember(ctx, a)
		must(t, err)
		_, del, err := db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentLevel, To: "group"}, web, cat)
		must(t, err)
		if del == nil || del.Reason != kori.ReasonDowngrade || del.Rows["receipt_lines"] != 4 {
			t.Errorf("downgrade evidence = %+v", del)
		}
		tl.expect("product → group", a, 2, 0, 4, 4, 2016, 2025)
		after, err := db.RollupsByMember(ctx, a)
		must(t, err)
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Errorf("rollups changed by product → group:\n%+v\n%+v", before, after)
		}
		groups, err := db.GroupSumsByMember(ctx, a)
		must(t, err)
		var sum kori.Figures
		for _, g := range groups {
			sum.Add(g.Figures)
		}
		var rsum kori.Figures
		for _, r := range after {
			rsum.Add(r.Figures)
		}
		if sum.Amount != 1440 || sum.CO2eGrams != rsum.CO2eGrams || sum.FiRaw != rsum.FiRaw || sum.Lines != 4 {
			t.Errorf("group sums %+v do not carry the lines' figures %+v", sum, rsum)
		}

		// A raise changes nothing stored; a new purchase is kept at the new level.
		c.t = at(2026, 1, 6, 12, 0)
		_, del, err = db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentLevel, To: "product"}, web, cat)
		must(t, err)
		if del != nil {
			t.Errorf("a raise deleted %+v", del)
		}
		tl.expect("group → product", a, 2, 0, 4, 4, 2016, 2025)
		c.t = at(2026, 1, 7, 12, 0)
		tl.buy("1001", at(2026, 1, 7, 10, 0))
		tl.expect("new purchase after the raise", a, 3, 2, 4, 6, 2016, 2025, 2026)

		// → total: only receipt totals, rollups collapse to not itemised.
		_, _, err = db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentLevel, To: "total"}, web, cat)
		must(t, err)
		tl.expect("→ total", a, 3, 0, 0, 3, 2016, 2025, 2026)
		ro, err := db.RollupsByMember(ctx, a)
		must(t, err)
		for _, r := range ro {
			if r.Group != kori.NotItemised || r.Figures.Amount != 720 || r.Figures.CO2eGrams != 0 || r.Figures.Lines != 0 {
				t.Errorf("total-level rollup %+v, want 7.20 € not itemised", r)
			}
		}
		// → none: nothing at all.
		_, _, err = db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentLevel, To: "none"}, web, cat)
		must(t, err)
		tl.expect("→ none", a, 0, 0, 0, 0)
		if _, _, err := db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentLevel, To: "none"}, web, cat); kori.ErrorCode(err) != kori.ECONFLICT {
			t.Errorf("the same level again: %v, want conflict", err)
		}

		// Objections are recorded, each change once.
		_, _, err = db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentPersonalisation, To: "objects"}, web, cat)
		must(t, err)
		_, _, err = db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentPersonalisation, To: "allows"}, web, cat)
		must(t, err)
		m, err := db.Member(ctx, a)
		must(t, err)
		consents, err := db.Consents(ctx, a)
		must(t, err)
		if m.ObjectsPersonalisation || m.Level != kori.LevelNone || len(consents) != 7 {
			t.Errorf("member %+v with %d consent records, want level none, no objection, 7 records", m, len(consents))
		}
		if last := consents[len(consents)-1]; last.Kind != kori.ConsentPersonalisation || last.From != "objects" || last.To != "allows" || last.Seq != 7 {
			t.Errorf("last consent record %+v", last)
		}

		// Erasure: B's purchases, then B altogether.
		del, err = db.EraseMember(ctx, b, "purchases", kori.ReasonErasure, web)
		must(t, err)
		if del.Rows["receipts"] != 2 || del.Rows["receipt_lines"] != 4 || del.Rows["month_rollups"] != 4 || del.Rows["members"] != 0 {
			t.Errorf("erasure of purchases: %+v", del.Rows)
		}
		tl.expect("purchases erased", b, 0, 0, 0, 0)
		if _, err := db.Member(ctx, b); err != nil {
			t.Errorf("member B gone after erasing only purchases: %v", err)
		}
		del, err = db.EraseMember(ctx, b, "member", kori.ReasonErasure, web)
		must(t, err)
		if del.Rows["members"] != 1 || del.Rows["cards"] != 1 || del.Rows["consents"] != 3 {
			t.Errorf("erasure of member: %+v", del.Rows)
		}
		if _, err := db.Member(ctx, b); kori.ErrorCode(err) != kori.ENOTFOUND {
			t.Errorf("member B after erasure: %v", err)
		}

		// The evidence and the audit trail of all this.
		ds, err := db.Deletions(ctx, time.Time{})
		must(t, err)
		reasons := map[kori.DeletionReason]int{}
		for _, x := range ds {
			reasons[x.Reason]++
		}
		if reasons[kori.ReasonRetention] != 4 || reasons[kori.ReasonInactivity] != 1 || reasons[kori.ReasonDowngrade] != 3 || reasons[kori.ReasonErasure] != 2 {
			t.Errorf("deletions by reason = %v", reasons)
		}
		n, _, problems, err := db.VerifyAudit(ctx)
		must(t, err)
		if n < 15 || len(problems) != 0 {
			t.Errorf("audit log: %d entries, problems %v", n, problems)
		}
	})
}

func TestGate(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	ids, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A"}, {Ref: "B", Level: kori.LevelTotal, ObjectsAnalytics: true}}, "test")
	must(t, err)
	a, _ := db.Member(ctx, ids[0])
	b, _ := db.Member(ctx, ids[1])
	g := privacy.Gate{Log: db}
	staff := kori.Actor{Channel: "admin", Name: "officer-7"}
	for _, c := range []struct {
		m       *kori.Member
		who     kori.Actor
		purpose kori.Purpose
		allowed bool
	}{
		{a, privacy.Self, kori.PurposeMemberService, true},
		{a, staff, kori.PurposePersonalisation, true},
		{a, staff, kori.PurposeAnalytics, true},
		{b, staff, kori.PurposePersonalisation, false}, // level total
		{b, staff, kori.PurposeAnalytics, false},       // objects
		{b, staff, kori.PurposeLegalObligation, true},
		{b, privacy.Self, kori.PurposeMemberService, true},
	} {
		err := g.Read(ctx, c.m, c.who, c.purpose, "test")
		if (err == nil) != c.allowed {
			t.Errorf("member %s, %s for %s: %v, want allowed %v", c.m.Ref, c.who, c.purpose, err, c.allowed)
		}
	}
	// Only others' admitted reads are logged; the member's own are not.
	la, _ := db.AccessLog(ctx, a.ID)
	lb, _ := db.AccessLog(ctx, b.ID)
	if len(la) != 2 || len(lb) != 1 || lb[0].Purpose != kori.PurposeLegalObligation || lb[0].Actor != "admin:officer-7" {
		t.Errorf("access logs: A %+v, B %+v", la, lb)
	}
}

// TestInactivityErasesInParallel: the inactivity rule erases members
// several at a time (JobWorkers), and each erasure is still whole: its own
// evidence, an unbroken audit chain, the active member untouched.
func TestInactivityErasesInParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		db := open(t)
		c := &clock{t: at(2020, 1, 1, 0, 0)}
		db.Clock = c
		db.JobWorkers = 4
		const inactive = 13
		var es []kori.Enrolment
		for i := range inactive {
			es = append(es, kori.Enrolment{Ref: fmt.Sprint("M", i), Cards: []kori.Card{{Number: fmt.Sprint(5000 + i), Status: kori.CardActive}},
				JoinedAt: at(2020, 1, 1, 0, 0)})
		}
		gone, err := db.ImportMembers(ctx, es, "test")
		must(t, err)
		c.t = at(2021, 6, 1, 0, 0)
		kept, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A", Cards: []kori.Card{{Number: "6000", Status: kori.CardActive}},
			JoinedAt: at(2021, 6, 1, 0, 0)}}, "test")
		must(t, err)
		c.t = at(2022, 3, 1, 12, 0)
		r, err := privacy.Daily(ctx, db, c.t, helsinki, false)
		must(t, err)
		var erased []kori.MemberID
		ids := map[int64]bool{}
		for _, d := range r.Inactivity.Erased {
			erased = append(erased, d.MemberID)
			ids[d.ID] = true
		}
		if fmt.Sprint(erased) != fmt.Sprint(gone) || len(ids) != inactive {
			t.Errorf("erased %v with %d distinct pieces of evidence, want %v with %d", erased, len(ids), gone, inactive)
		}
		for _, id := range gone {
			if _, err := db.Member(ctx, id); kori.ErrorCode(err) != kori.ENOTFOUND {
				t.Errorf("member %d after erasure: %v", id, err)
			}
		}
		if _, err := db.Member(ctx, kept[0]); err != nil {
			t.Errorf("the active member: %v", err)
		}
		n, _, problems, err := db.VerifyAudit(ctx)
		must(t, err)
		if len(problems) > 0 || n < inactive {
			t.Errorf("audit chain of %d entries: %v", n, problems)
		}
	})
}

// TestEmptyYearsDropped: once retention has emptied a year, the next run
// drops its partitions (PostgreSQL and Citus), so that they do not gather
// a year at a time; a year an extended-retention member still holds rows
// in keeps its partitions, and a year dropped can be written again.
func TestEmptyYearsDropped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		db := open(t)
		c := &clock{t: at(2014, 1, 1, 0, 0)}
		db.Clock = c
		storetest.Seed(t, db)
		ids, err := db.ImportMembers(ctx, []kori.Enrolment{
			{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}, JoinedAt: at(2014, 1, 1, 0, 0)},
			{Ref: "K", Cards: []kori.Card{{Number: "2002", Status: kori.CardActive}}, JoinedAt: at(2014, 1, 1, 0, 0)},
		}, "test")
		must(t, err)
		a, k := ids[0], ids[1]
		c.t = at(2024, 12, 31, 12, 0)
		tl := &timeline{t: t, db: db, svc: ingest.NewService(db, helsinki, c), clock: c}
		cat, err := tl.svc.Catalogue(ctx)
		must(t, err)
		_, _, err = db.ChangeChoice(ctx, k, kori.Choice{Kind: kori.ConsentRetention, To: "on"}, web, cat)
		must(t, err)
		tl.buy("1001", at(2014, 6, 10, 12, 0))
		tl.buy("1001", at(2015, 6, 10, 12, 0))
		tl.buy("2002", at(2015, 6, 10, 12, 0))
		tl.buy("1001", at(2024, 6, 10, 12, 0))
		// The number of a year's partitions there are; -1 where the engine
		// has none.
		partitions := func(year int) int {
			t.Helper()
			if db.Dialect() != "postgres" {
				return -1
			}
			var n int
			for _, pool := range db.Pools() {
				err := pool.QueryRowContext(ctx, `SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname ~ $1`, fmt.Sprintf("_y%d$", year)).Scan(&n)
				must(t, err)
				break
			}
			return n
		}
		if db.Dialect() == "postgres" && (partitions(2014) != 5 || partitions(2015) != 5) {
			t.Fatalf("before retention: %d partitions of 2014 and %d of 2015, want 5 each", partitions(2014), partitions(2015))
		}
		system := kori.Actor{Channel: "system"}
		c.t = at(2026, 1, 1, 0, 30)
		dels, err := db.Retention(ctx, 2016, false, system)
		must(t, err)
		if len(dels) != 2 {
			t.Fatalf("first run deleted %+v, want 2014 and 2015", dels)
		}
		tl.expect("first run", a, 1, 2, 0, 2, 2024)
		tl.expect("first run keeps", k, 1, 2, 0, 2, 2015)
		if n := partitions(2014); n != 5 && n != -1 {
			t.Errorf("2014 emptied: %d partitions, want 5 until the next run", n)
		}
		// A dry run drops nothing.
		if _, err := db.Retention(ctx, 2016, true, system); err != nil {
			t.Fatal(err)
		}
		if n := partitions(2014); n != 5 && n != -1 {
			t.Errorf("after a dry run: %d partitions of 2014, want 5", n)
		}
		dels, err = db.Retention(ctx, 2016, false, system)
		must(t, err)
		if len(dels) != 0 {
			t.Errorf("second run deleted %+v, want nothing", dels)
		}
		if n := partitions(2014); n != 0 && n != -1 {
			t.Errorf("second run: %d partitions of 2014 left, want none", n)
		}
		if n := partitions(2015); n != 5 && n != -1 {
			t.Errorf("second run: %d partitions of 2015, want 5 (K keeps rows there)", n)
		}
		tl.expect("second run keeps", k, 1, 2, 0, 2, 2015)
		// The year can be written again (its partitions are made anew).
		c.t = at(2024, 12, 31, 12, 0)
		tl.buy("1001", at(2014, 7, 1, 12, 0))
		tl.expect("2014 written again", a, 2, 4, 0, 4, 2014, 2024)
		if n := partitions(2014); n != 5 && n != -1 {
			t.Errorf("written again: %d partitions of 2014, want 5", n)
		}
	})
}
