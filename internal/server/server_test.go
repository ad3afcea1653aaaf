package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
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

func TestAPIScenarios(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "kori.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.Seed(t, db)
	if _, err := db.ImportMembers(ctx, []kori.Enrolment{{Ref: "A", Cards: []kori.Card{{Number: "1001", Status: kori.CardActive}}}}, "test"); err != nil {
		t.Fatal(err)
	}
	_, ingestKey, _ := db.CreateAPIKey(ctx, "tills", []string{kori.ScopeIngest})
	_, offersKey, _ := db.CreateAPIKey(ctx, "marketing", []string{kori.ScopeOffers})
	clock := kori.FixedClock(time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	srv := &server.Server{Store: db, Ingest: ingest.NewService(db, time.UTC, clock), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	h := srv.Handler()

	for _, tc := range []struct {
		name, method, path, key, contentType, body string
		status                                     int
		want                                       string // in the body
	}{
		{"health", "GET", "/healthz", "", "", "", 200, `"ok"`},
		{"no key", "POST", "/api/v1/receipts", "", "application/json", receipt, 401, "missing API key"},
		{"bad key", "POST", "/api/v1/receipts", "kori_abc_def", "application/json", receipt, 401, "invalid or revoked"},
		{"wrong scope", "POST", "/api/v1/receipts", offersKey, "application/json", receipt, 403, "ingest"},
		{"wrong content type", "POST", "/api/v1/receipts", ingestKey, "text/plain", receipt, 400, "application/x-ndjson"},
		{"stored", "POST", "/api/v1/receipts", ingestKey, "application/json", receipt, 201, `"stored"`},
		{"duplicate", "POST", "/api/v1/receipts", ingestKey, "application/json", receipt, 200, `"duplicate"`},
		{"rejected", "POST", "/api/v1/receipts", ingestKey, "application/json", strings.Replace(receipt, `"total":"1.20"`, `"total":"9.99"`, 1), 422, `"field": "total"`},
		{"unknown card", "POST", "/api/v1/receipts", ingestKey, "application/json", strings.Replace(receipt, `"1001"`, `"4242"`, 1), 200, "unknown_card"},
		{"batch", "POST", "/api/v1/receipts", ingestKey, "application/x-ndjson", receipt + "\n{oops\n" + strings.Replace(receipt, `"receipt":"1"`, `"receipt":"2"`, 1) + "\n", 200, `"stored": 1`},
		{"method", "GET", "/api/v1/receipts", ingestKey, "", "", 405, ""},
		{"not found", "GET", "/nope", "", "", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.key != "" {
				req.Header.Set("Authorization", "Bearer "+tc.key)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("body %s does not contain %s", rec.Body, tc.want)
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("security headers missing")
			}
		})
	}
	// The batch answered each line with its number.
	req := httptest.NewRequest("POST", "/api/v1/receipts", strings.NewReader(receipt+"\n{oops\n"))
	req.Header.Set("Authorization", "Bearer "+ingestKey)
	req.Header.Set("Content-Type", "application/x-ndjson")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var ans struct {
		Results []ingest.Result `json:"results"`
	}
	if err := json.NewDecoder(rec.Body).Decode(&ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) != 2 || ans.Results[0].Status != ingest.StatusDuplicate || ans.Results[1].Line != 2 || ans.Results[1].Status != ingest.StatusRejected {
		t.Errorf("batch results = %+v", ans.Results)
	}
}
