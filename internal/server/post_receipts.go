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

// maxBatchResults bounds the results a batch answer lists, so that the
// server's memory does not grow with what a client sends.
const maxBatchResults = 1000

// batchAnswer is the answer to an NDJSON batch: counts of every outcome,
// and the results of the receipts that were not stored (rejected, duplicate
// or not stored, with their line numbers), the first maxBatchResults of
// them; Omitted counts those left out. Stored receipts are counted only:
// a client that needs their lines has them in its own file.
type batchAnswer struct {
	ingest.Summary
	Results []ingest.Result `json:"results"`
	Omitted int             `json:"omitted,omitempty"`
}

// add keeps a result for the answer within the bound.
func (a *batchAnswer) add(r ingest.Result) {
	switch {
	case r.Status == ingest.StatusStored:
	case len(a.Results) < maxBatchResults:
		a.Results = append(a.Results, r)
	default:
		a.Omitted++
	}
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
		if errors.Is(err, errBodyTooSlow) {
			return kori.Errorf(kori.EINVALID, "body: %v", err)
		} else if err != nil {
			return kori.Errorf(kori.EINVALID, "body: larger than %d bytes; send batches as application/x-ndjson", maxReceiptBody)
		}
		parsed := ingest.ParseJSON(body, 1)
		results, err := s.Ingest.Ingest(r.Context(), []ingest.Parsed{parsed})
		if err != nil {
			return err
		}
		res := results[0]
		var one ingest.Summary
		one.Add(res, len(parsed.Receipt.Lines))
		s.Metrics.Ingested(one.Stored, one.Duplicates, one.NotStored, one.Rejected, one.Lines)
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
		ans := batchAnswer{Results: []ingest.Result{}}
		reader := ingest.NewNDJSONReader(http.MaxBytesReader(w, r.Body, maxBatchBody))
		sum, err := s.Ingest.Stream(r.Context(), reader, ingest.DefaultBatch, func(_ []ingest.Parsed, results []ingest.Result) {
			for _, res := range results {
				ans.add(res)
			}
		})
		s.Metrics.Ingested(sum.Stored, sum.Duplicates, sum.NotStored, sum.Rejected, sum.Lines)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return kori.Errorf(kori.EINVALID, "body: larger than %d bytes; split the batch (the receipts before the limit were stored: %d)", maxBatchBody, sum.Stored)
		} else if errors.Is(err, errBodyTooSlow) {
			return kori.Errorf(kori.EINVALID, "body: %v (the receipts before it were stored: %d; send the rest again)", err, sum.Stored)
		} else if err != nil {
			return err
		}
		ans.Summary = sum
		s.extendWrite(w)
		writeJSON(w, http.StatusOK, ans)
		return nil
	}
	return kori.Errorf(kori.EINVALID, "Content-Type %q: send application/json for one receipt or application/x-ndjson for a batch", mt)
}
