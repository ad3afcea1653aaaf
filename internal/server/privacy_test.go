package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

func TestChoicesAndConsentReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		f := newFixture(t, open)
		m := f.members[kori.LevelProduct]
		api := f.client(t)
		api.apiLogin(m.Email)
		post := func(path, body string) *http.Response {
			return api.do("POST", path, strings.NewReader(body), nil).Result()
		}
		if res := post("/api/v1/me/choices", `{"kind":"level","to":"group"}`); res.StatusCode != http.StatusBadRequest {
			t.Errorf("lowering without confirm: %d, want 400", res.StatusCode)
		}
		held, _ := f.db.HeldData(ctx, m.ID)
		res := post("/api/v1/me/choices", `{"kind":"level","to":"group","confirm":true}`)
		var out struct {
			Consent struct {
				Seq      int
				From, To string
				Receipt  string
			}
			Deleted struct{ Rows map[string]int64 }
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("lowering to group: %d %v", res.StatusCode, err)
		}
		if out.Consent.From != "product" || out.Consent.To != "group" || out.Deleted.Rows["receipt_lines"] != held.Lines {
			t.Errorf("lowering to group answered %+v; member held %d lines", out, held.Lines)
		}
		after, _ := f.db.HeldData(ctx, m.ID)
		if after.Lines != 0 || after.GroupSums == 0 || after.Receipts != held.Receipts {
			t.Errorf("after lowering to group the member holds %+v", after)
		}
		var receipt struct {
			Version          string
			ConsentTimestamp int64
			PIIControllers   []map[string]string
			Services         []struct {
				Purposes []struct{ PurposeCategory, PIICategory []string }
			}
			Change struct{ Kind, From, To string }
		}
		api.json(out.Consent.Receipt, &receipt)
		if receipt.Version != "KI-CR-v1.1.0" || receipt.Change.To != "group" || len(receipt.PIIControllers) != 1 || len(receipt.Services) != 1 ||
			!strings.Contains(strings.Join(receipt.Services[0].Purposes[0].PIICategory, ","), "product group") {
			t.Errorf("consent receipt %+v", receipt)
		}
		if res := post("/api/v1/me/choices", `{"kind":"objection:personalisation","to":"maybe"}`); res.StatusCode != http.StatusBadRequest {
			t.Errorf("a bad value: %d", res.StatusCode)
		}

		// The web form asks before lowering, and not before an objection.
		web := f.client(t)
		web.login(m.Email)
		rec := web.form("/me/data", "/me/choices", url.Values{"kind": {"level"}, "to": {"total"}})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="confirm" value="yes"`) {
			t.Errorf("lowering by form without confirming: %d", rec.Code)
		}
		if now, _ := f.db.Member(ctx, m.ID); now.Level != kori.LevelGroup {
			t.Errorf("the level changed before confirming: %s", now.Level)
		}
		rec = web.form("/me/data", "/me/choices", url.Values{"kind": {"level"}, "to": {"total"}, "confirm": {"yes"}})
		if rec.Code != http.StatusSeeOther {
			t.Errorf("confirmed lowering: %d", rec.Code)
		}
		rec = web.form("/me/data", "/me/choices", url.Values{"kind": {"objection:analytics"}, "to": {"objects"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/me/data?saved=1" {
			t.Errorf("objection by form: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		now, _ := f.db.Member(ctx, m.ID)
		if now.Level != kori.LevelTotal || !now.ObjectsAnalytics {
			t.Errorf("member after the forms: level %s, objects analytics %v", now.Level, now.ObjectsAnalytics)
		}
		page := web.get("/me/data?saved=1").Body.String()
		for _, want := range []string{"Valintasi on tallennettu", "/me/consents/4", "objection:analytics"} {
			if !strings.Contains(page, want) {
				t.Errorf("My data page lacks %q", want)
			}
		}
	})
}

func TestExportAndErasure(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]
	api := f.client(t)
	api.apiLogin(m.Email)
	rec := api.do("POST", "/api/v1/me/export", nil, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	z, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, zf := range z.File {
		r, _ := zf.Open()
		files[zf.Name], _ = io.ReadAll(r)
		r.Close()
	}
	for _, name := range []string{"README.txt", "member.json", "consents.json", "access_log.json", "benefits.json", "apps.json", "receipts.csv", "lines.csv", "group_sums.csv", "monthly_summaries.csv"} {
		if _, ok := files[name]; !ok {
			t.Errorf("export lacks %s", name)
		}
	}
	held, _ := f.db.HeldData(ctx, m.ID)
	receipts, _ := csv.NewReader(bytes.NewReader(files["receipts.csv"])).ReadAll()
	lines, _ := csv.NewReader(bytes.NewReader(files["lines.csv"])).ReadAll()
	if int64(len(receipts)-1) != held.Receipts || int64(len(lines)-1) != held.Lines {
		t.Errorf("export has %d receipts and %d lines, the member holds %d and %d", len(receipts)-1, len(lines)-1, held.Receipts, held.Lines)
	}
	var member map[string]any
	if err := json.Unmarshal(files["member.json"], &member); err != nil || member["email"] != m.Email {
		t.Errorf("member.json: %v %v", member, err)
	}
	reqs, _ := f.db.Requests(ctx)
	if len(reqs) != 1 || reqs[0].Kind != kori.RequestExport || reqs[0].Status != "done" {
		t.Errorf("the export is not recorded as a completed request: %+v", reqs)
	}

	if res := api.do("POST", "/api/v1/me/erase", strings.NewReader(`{"scope":"member"}`), nil); res.Code != http.StatusBadRequest {
		t.Errorf("erasure without confirm: %d", res.Code)
	}
	if res := api.do("POST", "/api/v1/me/erase", strings.NewReader(`{"scope":"member","confirm":true}`), nil); res.Code != http.StatusOK {
		t.Fatalf("erasure: %d %s", res.Code, res.Body)
	}
	if res := api.get("/api/v1/me"); res.Code != http.StatusUnauthorized {
		t.Errorf("after erasing the membership the session answers %d, want 401", res.Code)
	}
	if _, err := f.db.Member(ctx, m.ID); kori.ErrorCode(err) != kori.ENOTFOUND {
		t.Errorf("member after erasure: %v", err)
	}
	// The web form erases purchases after confirming.
	g := f.members[kori.LevelGroup]
	web := f.client(t)
	web.login(g.Email)
	if rec := web.form("/me/data", "/me/erase", url.Values{"scope": {"purchases"}}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Tätä ei voi perua") {
		t.Errorf("erase form without confirming: %d", rec.Code)
	}
	if rec := web.form("/me/data", "/me/erase", url.Values{"scope": {"purchases"}, "confirm": {"yes"}}); rec.Code != http.StatusSeeOther {
		t.Errorf("confirmed erase: %d", rec.Code)
	}
	if h, _ := f.db.HeldData(ctx, g.ID); h.Receipts != 0 || h.Rollups != 0 {
		t.Errorf("after erasing purchases the member holds %+v", h)
	}
}

// TestOpenRequestSurvivesErasure: a member who erases their membership
// while a request is open does not make it vanish: it is completed with
// the erasure as its outcome, and the officer still sees it.
func TestOpenRequestSurvivesErasure(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelGroup]
	req, err := f.db.CreateRequest(ctx, m.ID, kori.RequestAccess, kori.Actor{Channel: "admin", Name: "officer"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.EraseMember(ctx, m.ID, "member", kori.ReasonErasure, kori.Actor{Channel: "web", Name: "member"}); err != nil {
		t.Fatal(err)
	}
	rs, err := f.db.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rs {
		if r.ID == req.ID {
			found = true
			if r.Status != "done" || r.Outcome != "erasure" || r.CompletedAt.IsZero() {
				t.Errorf("request after erasure: %+v, want done with outcome erasure", r)
			}
		}
	}
	if !found {
		t.Error("the open request vanished with the erasure")
	}
}

// TestNoneIsNotOfferedLongerRetention: a member at level none keeps no
// purchases, so My data does not offer to keep them longer.
func TestNoneIsNotOfferedLongerRetention(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	for level, offered := range map[kori.Level]bool{kori.LevelNone: false, kori.LevelProduct: true} {
		c := f.client(t)
		c.login(f.members[level].Email)
		body := c.get("/me/data").Body.String()
		if got := strings.Contains(body, `name="kind" value="extended_retention"`); got != offered {
			t.Errorf("level %s: extended retention offered %v, want %v", level, got, offered)
		}
	}
}
