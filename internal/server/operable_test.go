package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/storetest"
)

// TestMetricsAndReadiness: /metrics counts requests by route pattern for
// scrapers on this machine or with a metrics key; /readyz checks the database.
func TestMetricsAndReadiness(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	c.login(f.members[kori.LevelProduct].Email)
	c.get("/me/receipts")
	if rec := c.get("/readyz"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ready") {
		t.Errorf("/readyz: %d %s", rec.Code, rec.Body)
	}
	if rec := c.get("/metrics"); rec.Code != http.StatusUnauthorized {
		t.Errorf("/metrics from another machine without a key: %d", rec.Code)
	}
	_, key, _ := f.db.CreateAPIKey(context.Background(), "prometheus", []string{kori.ScopeMetrics})
	scraper := f.client(t)
	scraper.bearer = key
	body := scraper.get("/metrics").Body.String()
	local := f.client(t)
	local.ip = "127.0.0.1"
	if rec := local.get("/metrics"); rec.Code != http.StatusOK {
		t.Errorf("/metrics from loopback: %d", rec.Code)
	}
	for _, want := range []string{`kori_http_requests_total{method="GET",route="GET /me/receipts",status="200"} 1`,
		`kori_http_request_duration_seconds_bucket{route="GET /me/receipts"`, "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestLogsHoldNoPersonalData: a session of logins, ingest, searches and
// errors logs JSON lines with a request id each, and none of them holds an
// e-mail, card number, password, session token, API key or search word.
func TestLogsHoldNoPersonalData(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	var buf bytes.Buffer
	f.srv.Log = slog.New(slog.NewJSONHandler(&buf, nil))
	m := f.members[kori.LevelProduct]
	cards, _ := f.db.CardsOf(context.Background(), m.ID)
	_, ingestKey, _ := f.db.CreateAPIKey(context.Background(), "tills", []string{kori.ScopeIngest})

	c := f.client(t)
	c.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"wrong secret"}`, m.Email)), nil)
	c.apiLogin(m.Email)
	c.get("/api/v1/me/receipts?q=ruisleipä")
	c.get(fmt.Sprintf("/api/v1/me/receipts/%d", 999999))
	till := f.client(t)
	till.bearer = ingestKey
	till.do("POST", "/api/v1/receipts", strings.NewReader(fmt.Sprintf(`{"store":"S1","till":1,"receipt":"X","purchased_at":"2026-11-14T10:00:00+02:00","card":%q,"total":"1.00","lines":[]}`, cards[0].Number)), nil)

	logs := buf.String()
	if strings.Count(logs, "\n") < 5 {
		t.Fatalf("only %d log lines", strings.Count(logs, "\n"))
	}
	for _, secret := range []string{m.Email, cards[0].Number, "wrong secret", "kori-demo", c.bearer, ingestKey, "ruisleip", "999999"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if id, _ := entry["request_id"].(string); len(id) < 8 {
			t.Errorf("log line without a request id: %s", line)
		}
	}
}

// TestHSTS: answers carry Strict-Transport-Security only when the server
// is told a TLS proxy fronts it and the proxy says the request came over TLS.
func TestHSTS(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	if h := c.do("GET", "/privacy", nil, http.Header{"X-Forwarded-Proto": {"https"}}).Header().Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS without a trusted proxy: %q", h)
	}
	f.srv.BehindTLSProxy = true
	if h := c.do("GET", "/privacy", nil, http.Header{"X-Forwarded-Proto": {"https"}}).Header().Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("HSTS behind a TLS proxy: %q", h)
	}
}
