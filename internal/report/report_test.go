package report_test

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
	"github.com/kori-project/kori/internal/report"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var helsinki, _ = time.LoadLocation("Europe/Helsinki")

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func at(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 12, 0, 0, 0, helsinki) }

// TestScriptedYear scripts a year of activity, counting as it goes what the
// report must say, and compares.
func TestScriptedYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		db := open(t)
		c := &clock{t: at(2025, 6, 1)}
		db.Clock = c
		storetest.Seed(t, db)
		svc := ingest.NewService(db, helsinki, c)
		cat, err := svc.Catalogue(ctx)
		must(t, err)
		var en []kori.Enrolment
		levels := []kori.Level{kori.LevelProduct, kori.LevelProduct, kori.LevelGroup, kori.LevelTotal, kori.LevelNone, kori.LevelProduct}
		for i, l := range levels {
			en = append(en, kori.Enrolment{Ref: string(rune('A' + i)), Level: l, ObjectsPersonalisation: i == 5,
				Cards: []kori.Card{{Number: fmt.Sprint(1000 + i), Status: kori.CardActive}}})
		}
		ids, err := db.ImportMembers(ctx, en, "test")
		must(t, err)
		a, b, cm, f := ids[0], ids[1], ids[2], ids[5]
		n := 0
		buy := func(card string, when time.Time) {
			n++
			r := kori.Receipt{Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: fmt.Sprint(n), BusinessDay: kori.BusinessDay(when, helsinki)},
				Card: card, PurchasedAt: when, Total: 240, Lines: []kori.Line{{GTIN: "6400000000019", Quantity: 1, Amount: 120}, {GTIN: "6400000000019", Quantity: 1, Amount: 120}}}
			res, err := svc.Ingest(ctx, []ingest.Parsed{{Line: n, Receipt: r}})
			if err != nil || res[0].Status != ingest.StatusStored {
				t.Fatalf("ingest: %v %+v", err, res)
			}
		}
		// What the report must say, counted as the script goes.
		type deleted struct {
			events                   int
			receipts, lines, members int64
		}
		want := struct {
			changes  map[string]int
			deleted  map[kori.DeletionReason]deleted
			reads    map[kori.Purpose]int
			offers   int
			receipts int64
			lines    int64
		}{changes: map[string]int{}, deleted: map[kori.DeletionReason]deleted{}, reads: map[kori.Purpose]int{}}

		// 2025: B buys once in 2015's last-kept year... (2015 is past
		// retention by 2026: the 1 January 2026 run deletes it).
		c.t = at(2025, 6, 1)
		buy("1001", at(2015, 12, 30))
		c.t = time.Date(2026, 1, 1, 0, 30, 0, 0, helsinki)
		_, err = privacy.Daily(ctx, db, c.t, helsinki, false)
		must(t, err)
		want.deleted[kori.ReasonRetention] = deleted{events: 1, receipts: 1, lines: 2}

		// January: A buys three times, B twice.
		for i, card := range []string{"1000", "1000", "1000", "1001", "1001"} {
			c.t = at(2026, 1, 10+i)
			buy(card, c.t.Add(-time.Hour))
		}
		want.receipts = 5
		// February: A lowers to group; its six lines become group sums.
		c.t = at(2026, 2, 1)
		_, _, err = db.ChangeChoice(ctx, a, kori.Choice{Kind: kori.ConsentLevel, To: "group"}, privacy.Self, cat)
		must(t, err)
		want.changes["level=group"]++
		want.deleted[kori.ReasonDowngrade] = deleted{events: 1, lines: 6}
		want.lines = 4 // B's
		// B objects to analytics and allows it again; C objects to personalisation.
		for _, ch := range []struct {
			id kori.MemberID
			c  kori.Choice
		}{{b, kori.Choice{Kind: kori.ConsentAnalytics, To: "objects"}}, {b, kori.Choice{Kind: kori.ConsentAnalytics, To: "allows"}},
			{cm, kori.Choice{Kind: kori.ConsentPersonalisation, To: "objects"}}} {
			c.t = c.t.Add(24 * time.Hour)
			_, _, err = db.ChangeChoice(ctx, ch.id, ch.c, privacy.Self, cat)
			must(t, err)
			want.changes[string(ch.c.Kind)+"="+ch.c.To]++
		}
		// April: F ends their membership.
		c.t = at(2026, 4, 1)
		_, err = db.EraseMember(ctx, f, "member", kori.ReasonErasure, privacy.Self)
		must(t, err)
		want.deleted[kori.ReasonErasure] = deleted{events: 1, members: 1}
		// Requests: an access request done in 48 hours, an export at once,
		// a rectification never done.
		officer := kori.Actor{Channel: "admin", Name: "officer"}
		c.t = at(2026, 5, 1)
		req, err := db.CreateRequest(ctx, a, kori.RequestAccess, officer)
		must(t, err)
		c.t = at(2026, 5, 3)
		must(t, db.CompleteRequest(ctx, a, req.ID, officer))
		req, err = db.CreateRequest(ctx, b, kori.RequestExport, privacy.Self)
		must(t, err)
		must(t, db.CompleteRequest(ctx, b, req.ID, privacy.Self))
		c.t = at(2026, 6, 1)
		_, err = db.CreateRequest(ctx, cm, kori.RequestRectification, officer)
		must(t, err)
		// Reads by others through the gate.
		g := privacy.Gate{Log: db}
		ma, _ := db.Member(ctx, a)
		mb, _ := db.Member(ctx, b)
		for i := 0; i < 2; i++ {
			must(t, g.Read(ctx, ma, officer, kori.PurposeLegalObligation, "export"))
			want.reads[kori.PurposeLegalObligation]++
		}
		must(t, g.Read(ctx, mb, kori.Actor{Channel: "api", Name: "marketing"}, kori.PurposePersonalisation, "offers"))
		want.reads[kori.PurposePersonalisation]++
		// The member's own reads are not counted.
		must(t, g.Read(ctx, mb, privacy.Self, kori.PurposeMemberService, "page"))
		for _, o := range []int{5, 7} {
			must(t, db.Audit(ctx, "offers_run", kori.Actor{Channel: "job", Name: "offers"}, 0, map[string]any{"offers": o}))
			want.offers += o
		}

		r, err := report.Build(ctx, db, 2026, helsinki, at(2027, 1, 15))
		must(t, err)
		if !r.Complete || r.Members != 5 || r.MembersByLevel[kori.LevelProduct] != 1 || r.MembersByLevel[kori.LevelGroup] != 2 ||
			r.MembersByLevel[kori.LevelTotal] != 1 || r.MembersByLevel[kori.LevelNone] != 1 || r.RestrictedShare != 0.8 {
			t.Errorf("members: %d %v, restricted %v", r.Members, r.MembersByLevel, r.RestrictedShare)
		}
		if len(r.Objections) != 1 || r.Objections[kori.PurposePersonalisation] != 1 {
			t.Errorf("objections %v, want personalisation 1 (B allowed analytics again, F is gone)", r.Objections)
		}
		if fmt.Sprint(r.ConsentChanges) != fmt.Sprint(want.changes) {
			t.Errorf("consent changes %v, want %v", r.ConsentChanges, want.changes)
		}
		if r.ReceiptsStored != want.receipts || r.LinesStored != want.lines {
			t.Errorf("stored %d receipts, %d lines; want %d, %d", r.ReceiptsStored, r.LinesStored, want.receipts, want.lines)
		}
		for reason, w := range want.deleted {
			got := r.Deleted[reason]
			if got.Events != w.events || got.Receipts != w.receipts || got.Lines != w.lines || got.Members != w.members {
				t.Errorf("deleted by %s: %+v, want %+v", reason, got, w)
			}
		}
		if len(r.Deleted) != len(want.deleted) {
			t.Errorf("deletion reasons %v", r.Deleted)
		}
		stats := map[kori.RequestKind]report.RequestStat{}
		for _, s := range r.Requests {
			stats[s.Kind] = s
		}
		if s := stats[kori.RequestAccess]; s.Received != 1 || s.Completed != 1 || s.MedianHours != 48 || s.MaxHours != 48 || s.PastDeadline != 0 {
			t.Errorf("access requests %+v", s)
		}
		if s := stats[kori.RequestExport]; s.Received != 1 || s.Completed != 1 || s.MaxHours != 0 {
			t.Errorf("export requests %+v", s)
		}
		if s := stats[kori.RequestRectification]; s.Received != 1 || s.Completed != 0 || s.PastDeadline != 1 {
			t.Errorf("rectification requests %+v", s)
		}
		if fmt.Sprint(r.Reads) != fmt.Sprint(want.reads) || r.Offers != want.offers {
			t.Errorf("reads %v offers %d; want %v %d", r.Reads, r.Offers, want.reads, want.offers)
		}
		if r.Rules.RetentionYears != 11 || r.Rules.InactiveMonths != 24 {
			t.Errorf("rules %+v", r.Rules)
		}
		if _, err := report.Build(ctx, db, 2030, helsinki, at(2027, 1, 15)); kori.ErrorCode(err) != kori.ENOTFOUND {
			t.Errorf("a future year: %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
