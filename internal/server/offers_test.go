package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/offers"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

// TestOffers: members get offers with reasons; marketing reads them with an
// offers key, logged for the member; an objection or a lowered level removes
// them at once, and such members get none.
func TestOffers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		f := newFixture(t, open)
		sum, err := offers.Run(ctx, f.db, now, helsinki, nil)
		if err != nil {
			t.Fatal(err)
		}
		m, g := f.members[kori.LevelProduct], f.members[kori.LevelGroup]
		mine, _ := f.db.OffersOf(ctx, m.ID)
		theirs, _ := f.db.OffersOf(ctx, g.ID)
		total, _ := f.db.OffersOf(ctx, f.members[kori.LevelTotal].ID)
		if sum.Offers == 0 || len(mine) == 0 || len(theirs) == 0 || len(total) != 0 {
			t.Fatalf("offers run %+v: product member %d, group member %d, total member %d", sum, len(mine), len(theirs), len(total))
		}
		c := f.client(t)
		c.login(m.Email)
		page := c.get("/me/offers").Body.String()
		if !strings.Contains(page, "Ostit tätä") && !strings.Contains(page, "Ostit tästä ryhmästä") {
			t.Error("My offers shows no reason")
		}

		_, key, _ := f.db.CreateAPIKey(ctx, "marketing", []string{kori.ScopeOffers})
		mk := f.client(t)
		mk.bearer = key
		var got struct {
			Offers []struct {
				ReasonFi string `json:"reason_fi"`
				ReasonEn string `json:"reason_en"`
			} `json:"offers"`
		}
		mk.json(fmt.Sprintf("/api/v1/offers?member=%d", m.ID), &got)
		if len(got.Offers) != len(mine) || !strings.Contains(got.Offers[0].ReasonEn, "You bought") || !strings.Contains(got.Offers[0].ReasonFi, "Ostit") {
			t.Errorf("marketing got %+v, want %d offers with reasons in both languages", got, len(mine))
		}
		if log, _ := f.db.AccessLog(ctx, m.ID); len(log) != 1 || log[0].Purpose != kori.PurposePersonalisation || log[0].Actor != "api:marketing" {
			t.Errorf("access log after the marketing read: %+v", log)
		}

		// The member objects: the offers go at once; marketing gets none
		// and nothing is logged.
		api := f.client(t)
		api.apiLogin(m.Email)
		if rec := api.do("POST", "/api/v1/me/choices", strings.NewReader(`{"kind":"objection:personalisation","to":"objects"}`), nil); rec.Code != http.StatusOK {
			t.Fatalf("objection: %d %s", rec.Code, rec.Body)
		}
		if left, _ := f.db.OffersOf(ctx, m.ID); len(left) != 0 {
			t.Errorf("%d offers left after the objection", len(left))
		}
		mk.json(fmt.Sprintf("/api/v1/offers?member=%d", m.ID), &got)
		if log, _ := f.db.AccessLog(ctx, m.ID); len(got.Offers) != 0 || len(log) != 1 {
			t.Errorf("after the objection marketing got %d offers and the log has %d reads", len(got.Offers), len(log))
		}
		if body := c.get("/me/offers").Body.String(); !strings.Contains(body, "Olet kieltänyt") {
			t.Error("My offers does not explain the objection")
		}
		// The next run makes none for them either.
		if _, err := offers.Run(ctx, f.db, now, helsinki, nil); err != nil {
			t.Fatal(err)
		}
		if again, _ := f.db.OffersOf(ctx, m.ID); len(again) != 0 {
			t.Errorf("the objecting member got %d offers from the next run", len(again))
		}
		// The group member lowers to total: offers go at once.
		ga := f.client(t)
		ga.apiLogin(g.Email)
		if rec := ga.do("POST", "/api/v1/me/choices", strings.NewReader(`{"kind":"level","to":"total","confirm":true}`), nil); rec.Code != http.StatusOK {
			t.Fatalf("lowering: %d %s", rec.Code, rec.Body)
		}
		if left, _ := f.db.OffersOf(ctx, g.ID); len(left) != 0 {
			t.Errorf("%d offers left after lowering to total", len(left))
		}
		// Without the offers scope, no offers.
		mk.bearer = "kori_bad_token"
		if rec := mk.get(fmt.Sprintf("/api/v1/offers?member=%d", g.ID)); rec.Code != http.StatusUnauthorized {
			t.Errorf("bad key: %d", rec.Code)
		}
	})
}

// objectingStore is the real store, with a member's objection or lowered
// level landing between the offers run's read of its members and its write.
type objectingStore struct {
	*store.DB
	member kori.MemberID
	choice kori.Choice
	t      *testing.T
}

func (s objectingStore) PurchaseDays(ctx context.Context, id kori.MemberID, since int, zone *time.Location) ([]kori.PurchaseDay, error) {
	if id == s.member {
		if _, _, err := s.DB.ChangeChoice(ctx, id, s.choice, kori.Actor{Channel: "web", Name: "member"}, nil); err != nil {
			s.t.Errorf("change during the run: %v", err)
		}
	}
	return s.DB.PurchaseDays(ctx, id, since, zone)
}

// TestChoiceWinsOffersRace: an objection, or a level lowered to total,
// committed after an offers run has read its members is never undone by
// the run's write.
func TestChoiceWinsOffersRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		for _, choice := range []kori.Choice{{Kind: kori.ConsentPersonalisation, To: "objects"}, {Kind: kori.ConsentLevel, To: "total"}} {
			ctx := context.Background()
			f := newFixture(t, open)
			m := f.members[kori.LevelProduct]
			if _, err := offers.Run(ctx, objectingStore{DB: f.db, member: m.ID, choice: choice, t: t}, now, helsinki, nil); err != nil {
				t.Fatal(err)
			}
			left, _ := f.db.OffersOf(ctx, m.ID)
			other, _ := f.db.OffersOf(ctx, f.members[kori.LevelGroup].ID)
			if len(left) != 0 || len(other) == 0 {
				t.Errorf("%s → %s during the run: the member has %d offers (want 0), another member %d (want some)", choice.Kind, choice.To, len(left), len(other))
			}
		}
	})
}

// TestOffersInParallel: several workers make exactly the offers one makes.
func TestOffersInParallel(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	one, err := offers.Run(ctx, f.db, now, helsinki, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := f.db.MemberIDs(ctx)
	before := map[kori.MemberID]int{}
	for _, id := range ids {
		os, _ := f.db.OffersOf(ctx, id)
		before[id] = len(os)
	}
	many, err := offers.RunParallel(ctx, f.db, now, helsinki, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if one.Offers == 0 || one.Offers != many.Offers || one.WithOffers != many.WithOffers || one.Members != many.Members {
		t.Errorf("one worker %+v, three %+v", one, many)
	}
	for _, id := range ids {
		if os, _ := f.db.OffersOf(ctx, id); len(os) != before[id] {
			t.Errorf("member %d: %d offers from three workers, %d from one", id, len(os), before[id])
		}
	}
}
