package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/storetest"
)

// TestSumsFollowEveryWrite: the member's pages cache their sums, yet every
// write that changes them shows on the very next request: a receipt, its
// void, a lowered level, retention and an erasure of purchases.
func TestSumsFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		f := newFixture(t, open)
		m := f.members[kori.LevelProduct]
		c := f.client(t)
		c.apiLogin(m.Email)
		spending := func() map[int]kori.Money {
			var v struct {
				ByYear []struct {
					Year   int
					Amount kori.Money `json:"amount_cents"`
				} `json:"by_year"`
			}
			c.json("/api/v1/me/spending", &v)
			out := map[int]kori.Money{}
			for _, y := range v.ByYear {
				out[y.Year] = y.Amount
			}
			return out
		}
		foreign := func() int {
			var v struct{ Foreign []struct{ Country string } }
			c.json("/api/v1/me/domestic?year=2025", &v)
			return len(v.Foreign)
		}
		before := spending()
		if len(before) < 3 || foreign() == 0 {
			t.Fatalf("the demo member has %d years and no foreign products; the test needs both", len(before))
		}
		spending() // served from the cache

		cards, err := f.db.CardsOf(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		cat, err := f.db.Catalogue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var gtin string
		for g := range cat.Products {
			gtin = g
			break
		}
		store := firstStore(cat)
		send := func(doc string) {
			t.Helper()
			res, err := f.svc.Ingest(ctx, []ingest.Parsed{ingest.ParseJSON([]byte(doc), 1)})
			if err != nil || res[0].Status == ingest.StatusRejected {
				t.Fatalf("ingest: %+v %v", res, err)
			}
		}
		send(fmt.Sprintf(`{"store":%q,"till":9,"receipt":"C-1","purchased_at":"2026-11-10T10:00:00+02:00","card":%q,"total":"2.00",`+
			`"lines":[{"gtin":%q,"quantity":1,"amount":"2.00"}]}`, store, cards[0].Number, gtin))
		if got := spending()[2026]; got != before[2026]+200 {
			t.Errorf("after a receipt of 2.00, 2026 is %s, was %s", got, before[2026])
		}
		send(fmt.Sprintf(`{"kind":"void","store":%q,"till":9,"receipt":"C-1","business_day":"2026-11-10","card":%q}`, store, cards[0].Number))
		if got := spending()[2026]; got != before[2026] {
			t.Errorf("after the void, 2026 is %s, want %s again", got, before[2026])
		}

		if _, _, err := f.db.ChangeChoice(ctx, m.ID, kori.Choice{Kind: kori.ConsentLevel, To: "group"}, kori.Actor{Channel: "web"}, cat); err != nil {
			t.Fatal(err)
		}
		if n := foreign(); n != 0 {
			t.Errorf("at level group, %d foreign products are still shown", n)
		}

		oldest := 9999
		for y := range before {
			oldest = min(oldest, y)
		}
		if _, err := f.db.Retention(ctx, oldest+1, false, kori.Actor{Channel: "system"}); err != nil {
			t.Fatal(err)
		}
		if got := spending(); got[oldest] != 0 {
			t.Errorf("after retention of %d, the page still shows %s for it", oldest, got[oldest])
		}

		if _, err := f.db.EraseMember(ctx, m.ID, "purchases", kori.ReasonErasure, kori.Actor{Channel: "web"}); err != nil {
			t.Fatal(err)
		}
		if got := spending(); len(got) != 0 {
			t.Errorf("after erasing the purchases, the page shows %v", got)
		}
	})
}
