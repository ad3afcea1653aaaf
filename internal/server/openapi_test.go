package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

// validate checks a decoded JSON value against a JSON Schema of the subset
// the document uses: type (or [type, "null"]), properties, required,
// additionalProperties, items.
func validate(t *testing.T, where string, schema map[string]any, v any) {
	t.Helper()
	types := []string{}
	switch ty := schema["type"].(type) {
	case string:
		types = append(types, ty)
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	if len(types) == 0 {
		return // any value
	}
	kind := "null"
	switch v.(type) {
	case map[string]any:
		kind = "object"
	case []any:
		kind = "array"
	case string:
		kind = "string"
	case bool:
		kind = "boolean"
	case float64:
		kind = "number"
	}
	ok := false
	for _, ty := range types {
		if ty == kind || ty == "number" && kind == "number" || ty == "integer" && kind == "number" && v.(float64) == float64(int64(v.(float64))) {
			ok = true
		}
	}
	if !ok {
		t.Errorf("%s: %s, schema says %v", where, kind, types)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		if props != nil {
			for k := range x {
				if _, ok := props[k]; !ok {
					t.Errorf("%s: key %q is not in the schema", where, k)
				}
			}
			for _, r := range schema["required"].([]any) {
				if _, ok := x[r.(string)]; !ok {
					t.Errorf("%s: required key %q missing", where, r)
				}
			}
			for k, val := range x {
				if ps, ok := props[k].(map[string]any); ok {
					validate(t, where+"."+k, ps, val)
				}
			}
		} else if add, ok := schema["additionalProperties"].(map[string]any); ok {
			for k, val := range x {
				validate(t, where+"."+k, add, val)
			}
		}
	case []any:
		items := schema["items"].(map[string]any)
		for i, val := range x {
			if i > 3 { // the first few show any mismatch
				break
			}
			validate(t, fmt.Sprintf("%s[%d]", where, i), items, val)
		}
	}
}

// TestOpenAPIMatchesHandlers: the document lists exactly the member API
// routes, and every GET answer of a real member validates against it.
func TestOpenAPIMatchesHandlers(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct{ Schema map[string]any }
			}
		}
	}
	c.json("/api/openapi.json", &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range memberRoutes {
		if strings.HasPrefix(r, "/api/") {
			served = append(served, "GET "+r)
		}
	}
	served = append(served, "POST /api/v1/me/household", "POST /api/v1/login", "POST /api/v1/logout", "POST /api/v1/me/choices", "POST /api/v1/me/erase", "POST /api/v1/me/password",
		"POST /api/v1/me/export", "GET /api/v1/transparency/{year}", "POST /api/v1/receipts", "GET /api/v1/offers", "GET /api/v1/admin/requests",
		"POST /api/v1/admin/requests", "POST /api/v1/admin/requests/{member}/{id}/complete", "GET /api/v1/admin/members/{member}/export",
		"GET /api/v1/admin/processing", "POST /api/v1/registry/{kind}",
		"GET /api/v1/analytics/figures", "GET /api/v1/analytics/distribution", "GET /api/v1/analytics/members",
		"POST /api/v1/me/apps/{grant}/revoke", "POST /api/v1/admin/apps", "GET /api/v1/admin/apps")
	// Every route in routes.go under /api/v1/ must be in the document too.
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"((?:GET|POST) /api/v1/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		if !contains(served, m[1]) {
			t.Errorf("routes.go serves %s, which this test does not know", m[1])
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Errorf("documented routes:\n%s\nserved routes:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}

	m := f.members[kori.LevelProduct]
	c.apiLogin(m.Email)
	member := c.bearer
	_, offersKey, _ := f.db.CreateAPIKey(context.Background(), "marketing", []string{kori.ScopeOffers})
	_, adminKey, _ := f.db.CreateAPIKey(context.Background(), "officer", []string{kori.ScopeAdmin})
	_, analyticsKey, _ := f.db.CreateAPIKey(context.Background(), "bi", []string{kori.ScopeAnalytics})
	id := receiptIDs(t, f.db, m.ID)[0]
	for path, ops := range doc.Paths {
		get, ok := ops["get"]
		if !ok {
			continue
		}
		if path == "/api/v1/me/export" || path == "/api/v1/admin/members/{member}/export" {
			if _, ok := get.Responses["200"].Content["application/zip"]; !ok {
				t.Error("the export is not documented as a ZIP")
			}
			continue // TestExport reads it
		}
		schema := get.Responses["200"].Content["application/json"].Schema
		if schema == nil {
			t.Errorf("GET %s has no 200 schema", path)
			continue
		}
		url := routePath(path, id)
		c.bearer = member
		switch path {
		case "/api/v1/offers":
			url += fmt.Sprintf("?member=%d", m.ID)
			c.bearer = offersKey
		case "/api/v1/admin/requests", "/api/v1/admin/processing", "/api/v1/admin/apps":
			c.bearer = adminKey
		case "/api/v1/analytics/figures", "/api/v1/analytics/distribution", "/api/v1/analytics/members":
			c.bearer = analyticsKey
		}
		if path == "/api/v1/me/receipts" {
			url += "?q=maito"
		}
		var body any
		c.json(url, &body)
		validate(t, "GET "+path, schema, body)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLocalesComplete: both languages have the same messages, and every
// message a template or handler asks for exists.
func TestLocalesComplete(t *testing.T) {
	load := func(lang string) map[string]string {
		b, err := os.ReadFile(filepath.Join("locales", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	fi, en := load("fi"), load("en")
	for k := range fi {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in Finnish but not in English", k)
		}
	}
	for k := range en {
		if _, ok := fi[k]; !ok {
			t.Errorf("%q is in English but not in Finnish", k)
		}
	}
	used := regexp.MustCompile(`\.T "([a-z_.0-9]+)"|T\("([a-z_.0-9]+)"`)
	prefixed := regexp.MustCompile(`T \(printf "([a-z_.]+)%s"|T\("([a-z_.]+)" \+`)
	prefixes := map[string]bool{}
	err := fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			k := m[1] + m[2]
			if _, ok := en[k]; !ok && !strings.HasSuffix(k, ".") {
				t.Errorf("%s asks for message %q, which does not exist", p, k)
			}
		}
		for _, m := range prefixed.FindAllStringSubmatch(string(b), -1) {
			prefixes[m[1]+m[2]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Messages chosen by a value: each value must have its message.
	values := map[string][]string{
		"level.": {"product", "group", "total", "none"}, "data.level.": {"product", "group", "total", "none"},
		"grain.": {"product", "group", "total"}, "notice.": {"group", "total", "none"},
		"origin.": {"fi_raw", "fi_made", "foreign", "unknown"}, "group.": {"unknown", "not_itemised"},
		"nav.": {"overview", "receipts", "receipt", "spending", "domestic", "carbon", "nutrition", "data", "login", "error",
			"access", "confirm", "goodbye", "key_login", "analyst", "benefits", "household", "admin_requests", "offers", "transparency", "privacy", "processing", "consent"},
		"app.scope.":     {"receipts", "spending", "domestic", "carbon", "nutrition", "offers", "export"},
		"app.duration.":  {"once", "90d", "until_revoked"},
		"analyst.dim.":   {"total", "group", "store", "city"},
		"peers.what.":    {"finnish_share", "co2e_per_euro", "spending", "nutri_ab_share"},
		"nutrition.":     {"protein", "fat", "saturated_fat", "carbohydrate", "fibre", "salt", "fvb"},
		"purpose.":       {"personalisation", "analytics", "member_service", "loyalty_benefit", "legal_obligation"},
		"data.explain.":  {"personalisation", "analytics", "retention"},
		"confirm.level.": {"product", "group", "total", "none"}, "confirm.erase.": {"purchases", "member"},
		"request.":            {"access", "export", "erasure", "rectification"},
		"reason.":             {"retention", "inactivity", "erasure", "downgrade"},
		"privacy.purpose.":    {"member_service", "loyalty_benefit", "personalisation", "analytics", "legal_obligation"},
		"privacy.basis.":      {"member_service", "loyalty_benefit", "personalisation", "analytics", "legal_obligation"},
		"error.":              {kori.ENOTFOUND, kori.EINVALID, kori.EUNAUTHORIZED, kori.EFORBIDDEN, kori.ECONFLICT, kori.EINTERNAL, "too_many_requests", "method_not_allowed"},
		"category.":           {"product", "group", "total", "none"},
		"consent.":            {"objects", "allows"},
		"consent.retention.":  {"on", "off"},
		"processing.measure.": {"level", "secrets", "gate", "erasure", "audit", "backups", "analytics", "benefits", "apps"},
	}
	for p := range prefixes {
		if _, ok := values[p]; !ok {
			t.Errorf("messages are chosen by prefix %q, which this test does not list", p)
		}
	}
	for p, vs := range values {
		for _, v := range vs {
			if _, ok := en[p+v]; !ok {
				t.Errorf("message %q is missing", p+v)
			}
		}
	}
}
