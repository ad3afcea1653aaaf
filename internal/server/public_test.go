package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/server"
	"github.com/kori-project/kori/internal/storetest"
)

// TestPublicPages: the privacy notice states the rules the code runs on, and
// the transparency report is public, with charts and its JSON twin.
func TestPublicPages(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	notice := c.do("GET", "/privacy", nil, http.Header{"Accept-Language": {"en"}}).Body.String()
	for _, want := range []string{
		fmt.Sprintf("on 1 January %d years later", kori.RetentionYears),
		fmt.Sprintf("unused for %d months", kori.InactiveMonths),
		"Product groups", "Totals only", "You may object at any time",
	} {
		if !strings.Contains(notice, want) {
			t.Errorf("the privacy notice lacks %q", want)
		}
	}
	if strings.Count(notice, "You may object at any time") != 2 {
		t.Error("the notice should offer objection for exactly the two objectable purposes")
	}
	rec := c.get(fmt.Sprintf("/transparency/%d", now.Year()))
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `role="img"`) != 6 {
		t.Errorf("transparency page: %d, %d chart drawings, want 3 charts drawn twice", rec.Code, strings.Count(rec.Body.String(), `role="img"`))
	}
	var r struct {
		Members        int
		MembersByLevel map[string]int `json:"members_by_level"`
	}
	c.json(fmt.Sprintf("/api/v1/transparency/%d", now.Year()), &r)
	if r.Members != 5 || r.MembersByLevel["none"] != 1 {
		t.Errorf("transparency JSON: %+v", r)
	}
	if rec := c.get(fmt.Sprintf("/transparency/%d", now.Year()+3)); rec.Code != http.StatusNotFound {
		t.Errorf("a future year: %d", rec.Code)
	}
	if rec := c.get("/transparency"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != fmt.Sprintf("/transparency/%d", now.Year()-1) {
		t.Errorf("latest report redirect: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

// TestPrivacyNoticeNamesTheController: the notice names the controller,
// its address, the data protection officer, the legal basis of each
// purpose, the recipients and the right to complain; without the settings
// it shows no developer hints.
func TestPrivacyNoticeNamesTheController(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	if body := c.get("/privacy").Body.String(); strings.Contains(body, "KORI_") || !strings.Contains(body, "Tietosuojavaltuutetun toimisto") {
		t.Error("the notice without settings shows a developer hint or lacks the supervisory authority")
	}
	f.srv.Controller = server.Controller{Name: "Esimerkkiketju Oyj", Address: "Kauppakatu 1, 00100 Helsinki", DPOEmail: "dpo@example.invalid",
		Authority: server.DefaultAuthority}
	body := c.get("/privacy").Body.String()
	for _, want := range []string{"Esimerkkiketju Oyj", "Kauppakatu 1", "dpo@example.invalid", "oikeutettu etu", "kanta-asiakassopimus",
		"Kuka tietoja saa", "oikeus tehdä valitus"} {
		if !strings.Contains(body, want) {
			t.Errorf("the notice lacks %q", want)
		}
	}
}
