package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/server"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

const receipt = `{"store":"S1","till":1,"receipt":"1","purchased_at":"2025-01-10T10:00:00+02:00","card":"1001","total":"1.20",` +
	`"lines":[{"gtin":"6400000000019","quantity":1,"amount":"1.20"}]}`

// apiFixture is a fresh SQLite store with the seed catalogue, one member
// with card 1001, and keys of scopes ingest and offers.
func apiFixture(t *testing.T) (h http.Handler, ingestKey, offersKey string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kori.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, db)
	if _, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}}}, "test"); err != nil {
		t.Fatal(err)
	}
	_, ingestKey, _ = db.CreateAPIKey(ctx, "tills", []string{kori.ScopeIngest})
	_, offersKey, _ = db.CreateAPIKey(ctx, "marketing", []string{kori.ScopeOffers})
	clock := kori.FixedClock(time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	srv := &server.Server{Store: db, Ingest: ingest.NewService(db, time.UTC, clock), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	return srv.Handler(), ingestKey, offersKey
}

// TestAPIScenarios: each scenario runs alone on a fresh store, with what it
// needs sent first (before), so any one runs by itself with go test -run.
func TestAPIScenarios(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, key, contentType, body string
		before                                     string // a receipt sent first, if any
		status                                     int
		want                                       string // in the body
	}{
		{"health", "GET", "/healthz", "", "", "", "", 200, `"ok"`},
		{"no key", "POST", "/api/v1/receipts", "", "application/json", receipt, "", 401, "missing API key"},
		{"bad key", "POST", "/api/v1/receipts", "kori_abc_def", "application/json", receipt, "", 401, "invalid or revoked"},
		{"wrong scope", "POST", "/api/v1/receipts", "offers", "application/json", receipt, "", 403, "ingest"},
		{"wrong content type", "POST", "/api/v1/receipts", "ingest", "text/plain", receipt, "", 400, "application/x-ndjson"},
		{"stored", "POST", "/api/v1/receipts", "ingest", "application/json", receipt, "", 201, `"stored"`},
		{"duplicate", "POST", "/api/v1/receipts", "ingest", "application/json", receipt, receipt, 200, `"duplicate"`},
		{"rejected", "POST", "/api/v1/receipts", "ingest", "application/json", strings.Replace(receipt, `"total":"1.20"`, `"total":"9.99"`, 1), "", 422, `"field":"total"`},
		{"unknown card", "POST", "/api/v1/receipts", "ingest", "application/json", strings.Replace(receipt, `"1001"`, `"4242"`, 1), "", 200, "unknown_card"},
		{"batch", "POST", "/api/v1/receipts", "ingest", "application/x-ndjson", receipt + "\n{oops\n" + strings.Replace(receipt, `"receipt":"1"`, `"receipt":"2"`, 1) + "\n", receipt, 200, `"stored":1`},
		{"method", "GET", "/api/v1/receipts", "ingest", "", "", "", 405, ""},
		{"not found", "GET", "/nope", "", "", "", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, ingestKey, offersKey := apiFixture(t)
			key := map[string]string{"ingest": ingestKey, "offers": offersKey}[tc.key]
			if key == "" {
				key = tc.key
			}
			send := func(method, body, contentType string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(method, tc.path, strings.NewReader(body))
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			if tc.before != "" {
				if rec := send("POST", tc.before, "application/json"); rec.Code != http.StatusCreated {
					t.Fatalf("sending the receipt first: %d %s", rec.Code, rec.Body)
				}
			}
			rec := send(tc.method, tc.body, tc.contentType)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("body %s does not contain %s", rec.Body, tc.want)
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("security headers missing")
			}
			if tc.name != "batch" {
				return
			}
			// The batch answered each receipt not stored with its line number.
			var ans struct {
				Results []ingest.Result `json:"results"`
			}
			if err := json.NewDecoder(rec.Body).Decode(&ans); err != nil {
				t.Fatal(err)
			}
			if len(ans.Results) != 2 || ans.Results[0].Status != ingest.StatusDuplicate || ans.Results[1].Line != 2 || ans.Results[1].Status != ingest.StatusRejected {
				t.Errorf("batch results = %+v", ans.Results)
			}
		})
	}
}
