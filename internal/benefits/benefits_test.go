package benefits_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/benefits"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/report"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	ctx         = context.Background()
	helsinki, _ = time.LoadLocation("Europe/Helsinki")
	// scheme is the example: 1 % from 100 €, 3 % from 600 €, 5 % from 1,000 €.
	scheme = kori.BenefitScheme{ValidFrom: 202601, Tiers: []kori.BenefitTier{{FromCents: 10000, RateBP: 100}, {FromCents: 60000, RateBP: 300}, {FromCents: 100000, RateBP: 500}}}
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 12, 0, 0, 0, helsinki) }

// shop is a chain of four members, one at each level, and a till.
type shop struct {
	db    *store.DB
	svc   *ingest.Service
	clock *clock
	ids   map[kori.Level]kori.MemberID
	n     int
}

func newShop(t *testing.T, open storetest.Opener) *shop {
	db := open(t)
	c := &clock{t: day(2026, 11, 1)}
	db.Clock = c
	storetest.Seed(t, db)
	must(t, db.UpsertScheme(ctx, scheme))
	s := &shop{db: db, svc: ingest.NewService(db, helsinki, c), clock: c, ids: map[kori.Level]kori.MemberID{}}
	var es []kori.Enrolment
	for _, l := range kori.Levels {
		es = append(es, kori.Enrolment{Ref: "REF-" + string(l), Level: l, Email: string(l) + "@example.fi",
			Cards: []kori.Card{{Number: "CARD-" + string(l), Status: kori.CardActive}}, JoinedAt: day(2025, 1, 1)})
	}
	ids, err := db.ImportMembers(ctx, es, "test")
	must(t, err)
	for i, l := range kori.Levels {
		s.ids[l] = ids[i]
	}
	return s
}

// buy sends a receipt of food (milk) for euros, a deposit of 0.40 € that
// never counts, and soap for 2.50 € that counts; returns give back milk.
func (s *shop) buy(t *testing.T, l kori.Level, when time.Time, kind kori.ReceiptKind, milkEUR float64) {
	t.Helper()
	s.n++
	if s.clock.t.Before(when) {
		s.clock.t = when.Add(time.Hour) // the till sends it soon after
	}
	milk := kori.Money(milkEUR * 100)
	lines := []kori.Line{{GTIN: "6400000000019", Quantity: 1, Amount: milk}}
	if kind == kori.KindReturn {
		lines[0].Quantity, lines[0].Amount = -1, -milk
	} else {
		lines = append(lines, kori.Line{Kind: kori.LineDeposit, Quantity: 1, Amount: 40}, kori.Line{GTIN: "6400000000033", Quantity: 1, Amount: 250})
	}
	r := kori.Receipt{Kind: kind, Key: kori.ReceiptKey{Store: "S1", Till: 1, Number: fmt.Sprintf("R%d", s.n), BusinessDay: kori.BusinessDay(when, helsinki)},
		Card: "CARD-" + string(l), PurchasedAt: when, Lines: lines}
	for _, x := range lines {
		r.Total += x.Amount
	}
	res, err := s.svc.Ingest(ctx, []ingest.Parsed{{Line: s.n, Receipt: r}})
	if err != nil || res[0].Status == ingest.StatusRejected {
		t.Fatalf("ingest: %v %+v", err, res)
	}
}

func paidOf(t *testing.T, db *store.DB, month int) map[kori.MemberID]kori.PaidBenefit {
	t.Helper()
	ps, err := db.Payouts(ctx, month)
	must(t, err)
	out := map[kori.MemberID]kori.PaidBenefit{}
	for _, p := range ps {
		out[p.MemberID] = p
	}
	return out
}

// TestBenefitsByHand: the month's benefits equal a hand computation at
// every level, with a return in the month and one after it was paid; none
// earns nothing; a run again changes nothing.
func TestBenefitsByHand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := newShop(t, open)
		// November: product 3 × (200 € milk + 2.50 € soap) − a 20 € return = 587.50 € → 1 % = 5.88 €
		// (the deposits never count); group 1,000 € milk + 2.50 € → 5 % = 50.13 €; total 150 € + 2.50 € → 1 % = 1.53 €;
		// none 900 € → nothing kept, nothing earned.
		for i := 0; i < 3; i++ {
			s.buy(t, kori.LevelProduct, day(2026, 11, 3+i), kori.KindSale, 200)
		}
		s.buy(t, kori.LevelProduct, day(2026, 11, 20), kori.KindReturn, 20)
		s.buy(t, kori.LevelGroup, day(2026, 11, 5), kori.KindSale, 1000)
		s.buy(t, kori.LevelTotal, day(2026, 11, 5), kori.KindSale, 150)
		s.buy(t, kori.LevelNone, day(2026, 11, 5), kori.KindSale, 900)

		if _, err := benefits.Run(ctx, s.db, 202611, day(2026, 11, 30), helsinki, nil); kori.ErrorCode(err) != kori.EINVALID {
			t.Errorf("a run before the month is over: %v", err)
		}
		s.clock.t = day(2026, 12, 1)
		sum, err := benefits.Run(ctx, s.db, 202611, s.clock.t, helsinki, nil)
		must(t, err)
		want := map[kori.Level][3]int64{ // purchases, rate, amount in cents
			kori.LevelProduct: {58750, 100, 588}, kori.LevelGroup: {100250, 500, 5013}, kori.LevelTotal: {15250, 100, 153}}
		paid := paidOf(t, s.db, 202611)
		for l, w := range want {
			p := paid[s.ids[l]]
			if int64(p.Purchases) != w[0] || p.RateBP != w[1] || int64(p.Amount) != w[2] || p.PayoutRef == "" {
				t.Errorf("%s: %+v, want purchases %d, rate %d bp, amount %d", l, p, w[0], w[1], w[2])
			}
		}
		if _, ok := paid[s.ids[kori.LevelNone]]; ok || len(paid) != 3 || sum.Paid != 3 || sum.Sum != 588+5013+153 {
			t.Errorf("paid %+v, summary %+v; want three benefits and none for level none", paid, sum)
		}
		rep, err := report.Build(ctx, s.db, 2026, helsinki, s.clock.t)
		must(t, err)
		if rep.Benefits.Paid != 3 || rep.Benefits.Amount != sum.Sum {
			t.Errorf("transparency report: %+v, want 3 benefits of %s", rep.Benefits, sum.Sum)
		}
		again, err := benefits.Run(ctx, s.db, 202611, s.clock.t, helsinki, nil)
		must(t, err)
		if again.Paid != 0 || len(paidOf(t, s.db, 202611)) != 3 {
			t.Errorf("a second run recorded %d more", again.Paid)
		}

		// December: a return of November's milk after November was paid
		// counts in December: 200 + 2.50 − 100 = 102.50 € → 1 % = 1.03 €.
		s.buy(t, kori.LevelProduct, day(2026, 12, 2), kori.KindSale, 200)
		s.buy(t, kori.LevelProduct, day(2026, 12, 3), kori.KindReturn, 100)
		s.clock.t = day(2027, 1, 1)
		_, err = benefits.Run(ctx, s.db, 202612, s.clock.t, helsinki, nil)
		must(t, err)
		if p := paidOf(t, s.db, 202612)[s.ids[kori.LevelProduct]]; p.Purchases != 10250 || p.Amount != 103 {
			t.Errorf("December %+v, want 102.50 € and 1.03 €", p)
		}
		if p := paidOf(t, s.db, 202611)[s.ids[kori.LevelProduct]]; p.Amount != 588 {
			t.Errorf("November changed after it was paid: %+v", p)
		}

		// The member's view: what was paid, and this month against the tiers.
		m, err := s.db.Member(ctx, s.ids[kori.LevelProduct])
		must(t, err)
		s.buy(t, kori.LevelProduct, day(2027, 1, 2), kori.KindSale, 97.50)
		v, err := benefits.For(ctx, s.db, m, day(2027, 1, 3), helsinki)
		must(t, err)
		if len(v.Paid) != 2 || v.PaidTotal != 588+103 || v.SoFar != 10000 || v.Rate != 100 || v.ToNext != 50000 || v.NextRate != 300 || v.Projected != 100 {
			t.Errorf("view %+v", v)
		}
		none, _ := s.db.Member(ctx, s.ids[kori.LevelNone])
		if v, err := benefits.For(ctx, s.db, none, day(2027, 1, 3), helsinki); err != nil || v.SoFar != 0 || len(v.Paid) != 0 || v.Projected != 0 {
			t.Errorf("level none's view %+v %v", v, err)
		}
	})
}

// TestBenefitOutlivesErasure: after the membership is erased the paid
// benefit stays as an accounting record without any identifier, until six
// years after its year.
func TestBenefitOutlivesErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := newShop(t, open)
		s.buy(t, kori.LevelGroup, day(2026, 11, 5), kori.KindSale, 1000)
		s.clock.t = day(2026, 12, 1)
		_, err := benefits.Run(ctx, s.db, 202611, s.clock.t, helsinki, nil)
		must(t, err)
		id := s.ids[kori.LevelGroup]
		if _, err := s.db.EraseMember(ctx, id, "member", kori.ReasonErasure, kori.Actor{Channel: "web", Name: "member"}); err != nil {
			t.Fatal(err)
		}
		ps, err := s.db.Payouts(ctx, 202611)
		must(t, err)
		if len(ps) != 1 || ps[0].MemberID != 0 || ps[0].Amount != 5013 || ps[0].PayoutRef == "" {
			t.Fatalf("after erasure: %+v, want the record without its member", ps)
		}
		// Kept through 2032, gone on 1 January 2033.
		for _, c := range []struct {
			at   time.Time
			want int64
		}{{day(2032, 12, 31), 0}, {day(2033, 1, 1), 1}} {
			n, err := s.db.ExpireBenefits(ctx, c.at, helsinki, false, kori.Actor{Channel: "job", Name: "test"})
			must(t, err)
			if n != c.want {
				t.Errorf("at %s %d expired, want %d", c.at.Format(time.DateOnly), n, c.want)
			}
		}
		if ps, _ := s.db.Payouts(ctx, 202611); len(ps) != 0 {
			t.Errorf("expired records remain: %+v", ps)
		}
	})
}

// TestSchemeValidation: tiers must rise; the food-only scheme counts food
// lines only and nothing in stores that do not take part.
func TestSchemeValidation(t *testing.T) {
	bad := kori.BenefitScheme{ValidFrom: 202601, Tiers: []kori.BenefitTier{{FromCents: 60000, RateBP: 300}, {FromCents: 10000, RateBP: 100}}}
	if err := bad.Validate(); err == nil {
		t.Error("falling tiers accepted")
	}
	cat := &kori.Catalogue{Products: map[string]*kori.Product{"1": {GTIN: "1", Group: "dairy"}, "2": {GTIN: "2", Group: "household"}},
		Groups: map[string]*kori.ProductGroup{"dairy": {Code: "dairy", Food: true}, "household": {Code: "household"}}}
	food := kori.BenefitScheme{ValidFrom: 202601, FoodOnly: true, Stores: []string{"S1"}, Tiers: scheme.Tiers}
	r := kori.Receipt{Key: kori.ReceiptKey{Store: "S1"}, Lines: []kori.Line{{GTIN: "1", Amount: 300}, {GTIN: "2", Amount: 200}, {Kind: kori.LineDeposit, Amount: 40}, {Kind: kori.LineBag, Amount: 30}}}
	if got := kori.Eligible(&r, &food, cat); got != 300 {
		t.Errorf("food only: %d, want 300", got)
	}
	if got := kori.Eligible(&r, &scheme, cat); got != 530 {
		t.Errorf("everything but deposits: %d, want 530", got)
	}
	r.Key.Store = "S9"
	if got := kori.Eligible(&r, &food, cat); got != 0 {
		t.Errorf("a store not taking part: %d, want 0", got)
	}
}
