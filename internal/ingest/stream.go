package ingest

import (
	"context"
	"io"
	"sync"

	"github.com/kori-project/kori"
)

// DefaultBatch is how many receipts go into one transaction: large enough to
// amortise the commit, small enough that a crash loses little work (a re-run
// skips what was committed).
const DefaultBatch = 500

// Stream reads every receipt from r and ingests them in batches of size
// receipts, each batch in its own transaction. After each batch it calls
// report with the batch and its results (one call at a time; with more than
// one committer not always in the file's order). Parsing and validating the
// next batch runs while the previous one is written, so a bulk import uses a
// second core, and s.Committers batches are written at once; memory stays
// bounded by a few batches.
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
	var (
		sum  Summary
		mu   sync.Mutex // sum, report, done, next and fail
		cond = sync.NewCond(&mu)
		done = map[int]bool{} // batches committed beyond next
		next int              // every batch before next is committed
		fail error
	)
	commit := func(seq int, p *prepared) {
		if p.ordered() {
			// A void or return waits for the sales before it.
			mu.Lock()
			for next < seq && fail == nil {
				cond.Wait()
			}
			mu.Unlock()
		}
		results, err := s.commit(ctx, p)
		mu.Lock()
		defer mu.Unlock()
		defer cond.Broadcast()
		if err != nil {
			if fail == nil {
				fail = err
				cancel()
			}
			return
		}
		for i, res := range results {
			sum.Add(res, len(p.batch[i].Receipt.Lines))
		}
		if report != nil {
			report(p.batch, results)
		}
		for done[seq] = true; done[next]; next++ {
			delete(done, next)
		}
	}
	workers := max(1, s.Committers)
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	seq := 0
	for it := range ready {
		mu.Lock()
		failed := fail != nil
		if it.err != nil && fail == nil {
			fail = it.err
		}
		mu.Unlock()
		if failed || it.err != nil {
			break
		}
		slots <- struct{}{}
		wg.Add(1)
		go func(seq int, p *prepared) {
			defer func() { <-slots; wg.Done() }()
			commit(seq, p)
		}(seq, it.p)
		seq++
		if workers == 1 {
			wg.Wait() // one committer: strictly in order, as before
		}
	}
	wg.Wait()
	if fail != nil {
		return sum, fail
	}
	return sum, ctx.Err()
}

// ordered tells whether a batch names receipts of earlier batches (a void
// or a return), so that it must be written after them.
func (p *prepared) ordered() bool {
	for _, w := range p.writes {
		if w.Kind != kori.KindSale || w.Original != "" {
			return true
		}
	}
	return false
}
