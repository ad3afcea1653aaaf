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
// report with the batch and its results. Parsing and validating the next
// batch runs while the previous one is written, so a bulk import uses a
// second core; memory stays bounded by a few batches.
func (s *Service) Stream(ctx context.Context, r Reader, size int, report func([]Parsed, []Result)) (Summary, error) {
	if size <= 0 {
		size = DefaultBatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		p   *prepared
		err error
	}
	ready := make(chan item, 2)
	go func() {
		defer close(ready)
		send := func(it item) bool {
			select {
			case ready <- it:
				return it.err == nil
			case <-ctx.Done():
				return false
			}
		}
		for {
			batch := make([]Parsed, 0, size)
			var readErr error
			for len(batch) < size {
				if readErr = ctx.Err(); readErr != nil {
					break
				}
				p, err := r.Next()
				if err == io.EOF {
					break
				} else if err != nil {
					readErr = err
					break
				}
				batch = append(batch, p)
			}
			if len(batch) > 0 {
				p, err := s.prepare(ctx, batch)
				if !send(item{p: p, err: err}) {
					return
				}
			}
			if readErr != nil {
				send(item{err: readErr})
				return
			}
			if len(batch) < size {
				return
			}
		}
	}()
	var sum Summary
	for it := range ready {
		if it.err != nil {
			return sum, it.err
		}
		results, err := s.commit(ctx, it.p)
		if err != nil {
			return sum, err
		}
		for i, res := range results {
			sum.Add(res, len(it.p.batch[i].Receipt.Lines))
		}
		if report != nil {
			report(it.p.batch, results)
		}
	}
	return sum, ctx.Err()
}
