package server

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
)

// Body limits: one receipt, and one NDJSON batch.
const (
	maxReceiptBody = 1 << 20
	maxBatchBody   = 256 << 20
)

// receiptBody documents the receipt a till sends, for the OpenAPI
// document; ingest parses it with its own fast parser.
type receiptBody struct {
	Store       string     `json:"store"`
	Till        int        `json:"till"`
	Receipt     string     `json:"receipt"`
	PurchasedAt string     `json:"purchased_at"` // RFC 3339
	Card        string     `json:"card"`
	Total       string     `json:"total"` // euros, at most two decimals
	Lines       []lineBody `json:"lines"`
}

type lineBody struct {
	GTIN     string  `json:"gtin"`
	Quantity float64 `json:"quantity"`
	Amount   string  `json:"amount"`
	Discount string  `json:"discount,omitempty"`
}

// batchAnswer is the answer to an NDJSON batch: counts, and one result per
// receipt with its line number.
type batchAnswer struct {
	ingest.Summary
	Results []ingest.Result `json:"results"`
}

// postReceipts ingests one receipt (application/json) or a batch
// (application/x-ndjson, one receipt per line). A batch is written in
// transactions of ingest.DefaultBatch receipts: each bad line is reported and
// every good one stored, and a client that retries after a failure gets the
// already-stored receipts back as duplicates.
func (s *Server) postReceipts(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireScope(r, kori.ScopeIngest); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json", "":
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReceiptBody))
		if err != nil {
			return kori.Errorf(kori.EINVALID, "body: larger than %d bytes; send batches as application/x-ndjson", maxReceiptBody)
		}
		results, err := s.Ingest.Ingest(r.Context(), []ingest.Parsed{ingest.ParseJSON(body, 1)})
		if err != nil {
			return err
		}
		res := results[0]
		status := http.StatusOK
		switch res.Status {
		case ingest.StatusStored:
			status = http.StatusCreated
		case ingest.StatusRejected:
			status = http.StatusUnprocessableEntity
		}
		writeJSON(w, status, res)
		return nil
	case "application/x-ndjson", "application/ndjson":
		var ans batchAnswer
		reader := ingest.NewNDJSONReader(http.MaxBytesReader(w, r.Body, maxBatchBody))
		sum, err := s.Ingest.Stream(r.Context(), reader, ingest.DefaultBatch, func(_ []ingest.Parsed, results []ingest.Result) {
			ans.Results = append(ans.Results, results...)
		})
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return kori.Errorf(kori.EINVALID, "body: larger than %d bytes; split the batch (the receipts before the limit were stored: %d)", maxBatchBody, sum.Stored)
		} else if err != nil {
			return err
		}
		ans.Summary = sum
		writeJSON(w, http.StatusOK, ans)
		return nil
	}
	return kori.Errorf(kori.EINVALID, "Content-Type %q: send application/json for one receipt or application/x-ndjson for a batch", mt)
}
