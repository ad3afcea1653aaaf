package offers

import (
	"testing"
	"time"

	"github.com/kori-project/kori"
)

func TestForMember(t *testing.T) {
	now := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	day := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	milk, coffee := "6400000000019", "6400000000040"
	var days []kori.PurchaseDay
	// Milk every 10 days from 1 Feb to 1 June (13 days), twice on one of them.
	for d := day(2, 1); !d.After(day(6, 1)); d = d.AddDate(0, 0, 10) {
		days = append(days, kori.PurchaseDay{GTIN: milk, Group: "dairy", Day: d})
	}
	days = append(days, kori.PurchaseDay{GTIN: milk, Group: "dairy", Day: day(6, 1)})
	// Coffee on 3 days, the last yesterday: not due yet.
	for _, d := range []time.Time{day(5, 1), day(5, 30), day(6, 29)} {
		days = append(days, kori.PurchaseDay{GTIN: coffee, Group: "coffee", Day: d})
	}
	// Bread at group level, twice only: not a habit.
	days = append(days, kori.PurchaseDay{Group: "bread", Day: day(6, 1)}, kori.PurchaseDay{Group: "bread", Day: day(6, 10)})
	camp := func(id, gtin, group string) kori.Campaign {
		return kori.Campaign{ID: id, NameFi: id, GTIN: gtin, Group: group, DiscountPct: 10, ValidFrom: day(6, 1), ValidTo: day(7, 1)}
	}
	campaigns := []kori.Campaign{camp("milk", milk, ""), camp("dairy", "", "dairy"), camp("coffee", coffee, ""), camp("bread", "", "bread"),
		{ID: "old", NameFi: "old", GTIN: milk, DiscountPct: 10, ValidFrom: day(1, 1), ValidTo: day(2, 1)}}
	got := ForMember(7, days, campaigns, now)
	// Milk: 13 distinct days from 1 Feb to 1 Jun, every 10 days, so the usual
	// interval is 10 days; 29.5 days since the last; times in the window
	// (from 30 Dec) = 13; score 13 × min(2, 2.95) = 26. The dairy group
	// campaign matches the same days.
	if len(got) != 2 {
		t.Fatalf("offers %+v, want milk and dairy", got)
	}
	for _, o := range got {
		if o.Times != 13 || o.Score != 26 || !o.LastBought.Equal(day(6, 1)) || o.Months != 6 || o.MemberID != 7 {
			t.Errorf("offer %+v, want 13 times, score 26, last 1 June", o)
		}
	}
	if got[0].CampaignID != "milk" && got[0].CampaignID != "dairy" {
		t.Errorf("first offer %s", got[0].CampaignID)
	}
	// A day later than the campaign's end: nothing.
	if after := ForMember(7, days, campaigns, day(7, 2)); len(after) != 0 {
		t.Errorf("offers after the campaigns ended: %+v", after)
	}
	// The cap.
	var many []kori.Campaign
	for i := 0; i < 15; i++ {
		c := camp("m", milk, "")
		c.ID = string(rune('a' + i))
		many = append(many, c)
	}
	if n := len(ForMember(7, days, many, now)); n != PerMember {
		t.Errorf("%d offers, want the cap %d", n, PerMember)
	}
}
