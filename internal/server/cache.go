package server

import (
	"container/list"
	"sync"

	"github.com/kori-project/kori"
)

// sumsCache keeps the sums a member's pages read from the database (monthly
// and group rollups, stores, products, the year to date), so that the pages
// a member opens one after another read each once: summing a member's
// eleven years of rollups is most of a page's cost.
//
// Entries are keyed by the member's data version, which the store changes
// in the same transaction as anything those sums read (a receipt, a void,
// a lowered level, an erasure, a recompute, retention), so that a cached
// figure is never one the database no longer holds; versions left behind
// age out. The cache is bounded by an estimate of its bytes and drops the
// least recently used entries first. It lives in memory only.
type sumsCache struct {
	mu    sync.Mutex
	limit int64
	size  int64
	order *list.List // front: most recently used
	items map[sumsKey]*list.Element
}

// sumsKey names one read of one member's data at one data version.
type sumsKey struct {
	member  kori.MemberID
	version int64
	what    string // the read and its arguments
}

type sumsEntry struct {
	key   sumsKey
	value any
	size  int64
}

func newSumsCache(limit int64) *sumsCache {
	if limit <= 0 {
		return nil // off: every read goes to the database
	}
	return &sumsCache{limit: limit, order: list.New(), items: map[sumsKey]*list.Element{}}
}

// cachedSums returns the value cached under key, or loads it and caches it
// at size bytes (an estimate). Two requests missing at once both load;
// either answer is right.
func cachedSums[T any](c *sumsCache, key sumsKey, size func(T) int64, load func() (T, error)) (T, error) {
	if c == nil {
		return load()
	}
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		v := e.Value.(*sumsEntry).value.(T)
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	n := size(v) + 200 // the entry, its key and the map's share
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok || n > c.limit/8 {
		return v, nil
	}
	c.items[key] = c.order.PushFront(&sumsEntry{key: key, value: v, size: n})
	c.size += n
	for c.size > c.limit {
		e := c.order.Back()
		c.order.Remove(e)
		old := e.Value.(*sumsEntry)
		delete(c.items, old.key)
		c.size -= old.size
	}
	return v, nil
}

// Sizes of the cached rows, roughly, in bytes.
const (
	rollupBytes  = 300 // kori.MonthRollup: 27 figures and the keys
	storeBytes   = 64
	productBytes = 80
)
