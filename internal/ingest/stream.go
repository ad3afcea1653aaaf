package ingest

import (
	"context"
	"io"
)

// DefaultBatch is how many receipts go into one transaction: large enough to
// amortise the commit, small enough that a crash loses little work (a re-run
// skips what was committed).
const DefaultBatch = 500

// Stream reads every receipt from r and ingests them in batches of size
// receipts, each batch in its own transaction. After each batch it calls
// report with the batch and its results. Memory is bounded by one batch.
func (s *Service) Stream(ctx context.Context, r Reader, size int, report func([]Parsed, []Result)) (Summary, error) {
	if size <= 0 {
		size = DefaultBatch
	}
	var sum Summary
	batch := make([]Parsed, 0, size)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		results, err := s.Ingest(ctx, batch)
		if err != nil {
			return err
		}
		for i, res := range results {
			sum.Add(res, len(batch[i].Receipt.Lines))
		}
		if report != nil {
			report(batch, results)
		}
		batch = batch[:0]
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		p, err := r.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return sum, err
		}
		batch = append(batch, p)
		if len(batch) == size {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	return sum, flush()
}
