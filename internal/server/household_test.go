package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

// hhView is what the tests read of the household answer.
type hhView struct {
	Household struct {
		ID      int64
		Invites []struct {
			HouseholdID int64 `json:"household_id"`
			From        string
		}
	}
	Members []struct {
		MemberID kori.MemberID `json:"member_id"`
		Shares   bool
		Figures  *struct {
			Amount  kori.Money `json:"amount_cents"`
			HasFood bool       `json:"has_food"`
		}
	}
	Combined struct {
		Amount  kori.Money `json:"amount_cents"`
		HasFood bool       `json:"has_food"`
	}
	Sharing int
}

func act(t *testing.T, c *client, body string) {
	t.Helper()
	if rec := c.do("POST", "/api/v1/me/household", strings.NewReader(body), nil); rec.Code != http.StatusOK {
		t.Fatalf("household %s: %d %s", body, rec.Code, rec.Body)
	}
}

// TestHouseholdSharing: an invitation accepted, sharing turned on and off,
// a lowered level, leaving and erasure each change what the other adult sees
// on the next request; every view of the sharer's purchases is in the
// sharer's access log; a household never sees a member who does not share.
func TestHouseholdSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		f := newFixture(t, open)
		a, b, c := f.members[kori.LevelProduct], f.members[kori.LevelGroup], f.members[kori.LevelTotal]
		ca, cb, cc := f.client(t), f.client(t), f.client(t)
		ca.apiLogin(a.Email)
		cb.apiLogin(b.Email)
		cc.apiLogin(c.Email)
		year := now.Year()
		yearOf := func(id kori.MemberID) kori.Figures {
			rows, err := f.db.RollupTotals(ctx, id, kori.TotalsByYear, year)
			if err != nil || len(rows) != 1 {
				t.Fatalf("rollups of %d: %v %v", id, rows, err)
			}
			return rows[0].Figures
		}
		view := func(c *client) hhView {
			t.Helper()
			var v hhView
			c.json(fmt.Sprintf("/api/v1/me/household?year=%d", year), &v)
			return v
		}
		logged := func(id kori.MemberID) int {
			log, err := f.db.AccessLog(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range log {
				if e.What == "household" && strings.HasPrefix(e.Actor, "household:") {
					n++
				}
			}
			return n
		}

		act(t, ca, fmt.Sprintf(`{"action":"invite","email":%q}`, strings.ToUpper(b.Email)))
		act(t, ca, `{"action":"invite","email":"nobody@example.fi"}`) // answered the same way
		vb := view(cb)
		if len(vb.Household.Invites) != 1 || vb.Household.Invites[0].From != a.Email {
			t.Fatalf("B's invitations: %+v", vb.Household.Invites)
		}
		act(t, cb, fmt.Sprintf(`{"action":"accept","household":%d}`, vb.Household.Invites[0].HouseholdID))
		if v := view(ca); len(v.Members) != 2 || v.Sharing != 0 || v.Members[1].Figures != nil {
			t.Errorf("B joined, sharing nothing: %+v", v)
		}
		if logged(b.ID) != 0 {
			t.Error("a view logged while B shares nothing")
		}

		act(t, cb, `{"action":"share"}`)
		v := view(ca)
		want := yearOf(b.ID)
		if v.Sharing != 1 || v.Combined.Amount != want.Amount || !v.Combined.HasFood {
			t.Errorf("B shares: %+v, want B's %s with food figures", v, want.Amount)
		}
		if logged(b.ID) != 1 {
			t.Errorf("B's access log has %d household views, want 1", logged(b.ID))
		}
		var tr struct {
			Households struct {
				Households, Views int64
				Sharing           int64 `json:"sharing_members"`
			} `json:"households"`
		}
		ca.json(fmt.Sprintf("/api/v1/transparency/%d", year), &tr)
		if tr.Households.Households != 1 || tr.Households.Sharing != 1 || tr.Households.Views != 1 {
			t.Errorf("transparency report: %+v, want 1 household, 1 sharing, 1 view", tr.Households)
		}
		if rec := ca.get(fmt.Sprintf("/api/v1/me/household?who=%d", c.ID)); rec.Code != http.StatusBadRequest {
			t.Errorf("a filter on a member outside the household: %d, want 400", rec.Code)
		}

		// B lowers their level to total: group sums go, totals stay.
		if _, _, err := f.db.ChangeChoice(ctx, b.ID, kori.Choice{Kind: kori.ConsentLevel, To: "total"}, kori.Actor{Channel: "web", Name: "member"}, nil); err != nil {
			t.Fatal(err)
		}
		if v := view(ca); v.Combined.HasFood || v.Combined.Amount != yearOf(b.ID).Amount {
			t.Errorf("after B's downgrade: %+v, want totals only", v.Combined)
		}
		act(t, cb, `{"action":"unshare"}`)
		if v := view(ca); v.Sharing != 0 || v.Combined.Amount != 0 {
			t.Errorf("after B stopped sharing: %+v", v)
		}
		act(t, cb, `{"action":"leave"}`)
		if v := view(ca); len(v.Members) != 1 {
			t.Errorf("after B left: %+v", v)
		}

		// C joins and shares, then erases the membership.
		act(t, ca, fmt.Sprintf(`{"action":"invite","email":%q}`, c.Email))
		vc := view(cc)
		act(t, cc, fmt.Sprintf(`{"action":"accept","household":%d}`, vc.Household.Invites[0].HouseholdID))
		act(t, cc, `{"action":"share"}`)
		if v := view(ca); v.Sharing != 1 || v.Combined.Amount == 0 {
			t.Errorf("C shares: %+v", v)
		}
		// C invites B (who left) before going: the invitation goes with C.
		act(t, cc, fmt.Sprintf(`{"action":"invite","email":%q}`, b.Email))
		if v := view(cb); len(v.Household.Invites) != 1 {
			t.Fatalf("B's invitations from C: %+v", v.Household.Invites)
		}
		if _, err := f.db.EraseMember(ctx, c.ID, "member", kori.ReasonErasure, kori.Actor{Channel: "web", Name: "member"}); err != nil {
			t.Fatal(err)
		}
		if v := view(ca); len(v.Members) != 1 || v.Sharing != 0 {
			t.Errorf("after C's erasure: %+v", v)
		}
		if v := view(cb); len(v.Household.Invites) != 0 {
			t.Errorf("after C's erasure B still has C's invitation: %+v", v.Household.Invites)
		}
		// The pages: B's Who used my data names the household view.
		web := f.client(t)
		web.login(b.Email)
		if body := web.get("/me/access").Body.String(); !strings.Contains(body, "Kotitalouden jäsen katsoi ostojasi") {
			t.Error("B's access page does not show the household view")
		}
	})
}
