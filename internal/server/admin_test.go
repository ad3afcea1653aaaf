package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

// TestPrivacyOfficer: only an admin key opens the requests; requests show
// their deadline; an officer's export of a member's data appears in that
// member's access log.
func TestPrivacyOfficer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.OpenSQLite)
	_, admin, _ := f.db.CreateAPIKey(ctx, "officer", []string{kori.ScopeAdmin})
	_, ingest, _ := f.db.CreateAPIKey(ctx, "tills", []string{kori.ScopeIngest})
	m := f.members[kori.LevelProduct]

	c := f.client(t)
	if rec := c.get("/admin/requests"); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `name="key"`) {
		t.Errorf("admin page without a key: %d", rec.Code)
	}
	c.bearer = ingest
	if rec := c.get("/api/v1/admin/requests"); rec.Code != http.StatusForbidden {
		t.Errorf("admin API with an ingest key: %d, want 403", rec.Code)
	}
	c.bearer = ""
	rec := c.form("/login", "/admin/login", url.Values{"key": {admin}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("admin login: %d %s", rec.Code, rec.Body)
	}
	rec = c.form("/admin/requests", "/admin/requests", url.Values{"member_id": {fmt.Sprint(m.ID)}, "kind": {"access"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("new request: %d %s", rec.Code, rec.Body)
	}
	page := c.get("/admin/requests").Body.String()
	if !strings.Contains(page, "1 avoinna, 0 yli kuukauden") {
		t.Errorf("requests page does not count the open request")
	}
	if body := c.get("/admin/processing").Body.String(); !strings.Contains(body, "officer") || !strings.Contains(body, "tills") ||
		!strings.Contains(body, "6 artiklan 1 kohdan f alakohta") {
		t.Error("the record of processing does not list the API keys and legal bases")
	}
	if rec := c.get(fmt.Sprintf("/admin/members/%d/export", m.ID)); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" {
		t.Errorf("officer export: %d", rec.Code)
	}
	// The officer logs out: the key's cookie goes.
	if rec := c.form("/admin/requests", "/admin/logout", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Errorf("admin logout: %d", rec.Code)
	}
	if rec := c.get("/admin/requests"); rec.Code != http.StatusUnauthorized {
		t.Errorf("admin page after logout: %d, want the login page (401)", rec.Code)
	}
	log, _ := f.db.AccessLog(ctx, m.ID)
	if len(log) != 1 || log[0].Purpose != kori.PurposeLegalObligation || log[0].Actor != "admin:officer" {
		t.Errorf("member's access log after the officer's export: %+v", log)
	}
	member := f.client(t)
	member.login(m.Email)
	if body := member.get("/me/access").Body.String(); !strings.Contains(body, "admin:officer") || !strings.Contains(body, "Lakisääteinen velvoite") {
		t.Error("the member's Who used my data page does not show the officer's read")
	}

	// The API: list, then complete.
	c.bearer = admin
	var v struct {
		Open     int
		Requests []struct {
			ID       int64
			MemberID int64  `json:"member_id"`
			Due      string `json:"due_at"`
		}
	}
	c.json("/api/v1/admin/requests", &v)
	if v.Open != 1 || len(v.Requests) != 1 {
		t.Fatalf("admin API requests %+v", v)
	}
	reqs, _ := f.db.Requests(ctx)
	if !reqs[0].DueAt.Equal(reqs[0].CreatedAt.AddDate(0, 1, 0)) {
		t.Errorf("deadline %v, received %v: want one month", reqs[0].DueAt, reqs[0].CreatedAt)
	}
	if rec := c.do("POST", fmt.Sprintf("/api/v1/admin/requests/%d/%d/complete", m.ID, reqs[0].ID), nil, nil); rec.Code != http.StatusNoContent {
		t.Errorf("complete: %d %s", rec.Code, rec.Body)
	}
	c.json("/api/v1/admin/requests", &v)
	if v.Open != 0 {
		t.Errorf("after completing, %d open", v.Open)
	}
	var created map[string]any
	rec = c.do("POST", "/api/v1/admin/requests", strings.NewReader(fmt.Sprintf(`{"member_id":%d,"kind":"forget"}`, m.ID)), nil)
	_ = json.Unmarshal(rec.Body.Bytes(), &created)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("unknown request kind: %d %v", rec.Code, created)
	}
}
