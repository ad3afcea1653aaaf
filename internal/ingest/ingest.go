package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kori-project/kori"
)

// Store is what ingest needs of the database.
type Store interface {
	Catalogue(ctx context.Context) (*kori.Catalogue, error)
	CatalogueVersion(ctx context.Context) (int64, error)
	CardHolders(ctx context.Context, cards []string) (map[string]kori.CardHolder, error)
	LevelAt(ctx context.Context, id kori.MemberID, t time.Time) (kori.Level, error)
	WriteReceipts(ctx context.Context, rs []kori.StoredReceipt) ([]kori.WriteOutcome, error)
}

// Status is what happened to one receipt.
type Status string

// Statuses of an ingested receipt.
const (
	StatusStored    Status = "stored"     // stored at the member's level
	StatusDuplicate Status = "duplicate"  // already stored; nothing changed
	StatusNotStored Status = "not_stored" // accepted but nothing kept: see Reason
	StatusRejected  Status = "rejected"   // invalid: see Error
	StatusVoided    Status = "voided"     // a void removed the receipt it names
)

// Reasons a valid receipt is not stored.
const (
	ReasonUnknownCard = "unknown_card" // not a loyalty card we know: we keep only loyalty purchases
	ReasonLevelNone   = "level_none"   // the member forbade collection; only the card use is kept
	// ReasonNotHeld answers a void whose receipt is not held: never sent,
	// voided already, kept at level none, or deleted since.
	ReasonNotHeld = "not_held"
)

// Result is the answer for one receipt.
type Result struct {
	Line    int        `json:"line"`
	Store   string     `json:"store,omitempty"`
	Till    int        `json:"till,omitempty"`
	Receipt string     `json:"receipt,omitempty"`
	Status  Status     `json:"status"`
	Grain   kori.Level `json:"grain,omitempty"`
	Reason  string     `json:"reason,omitempty"`
	Error   *LineError `json:"error,omitempty"`
}

// Summary counts results by status.
type Summary struct {
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
	NotStored  int `json:"not_stored"`
	Rejected   int `json:"rejected"`
	Voided     int `json:"voided,omitempty"`
	Lines      int `json:"lines"` // lines of stored receipts, as sent
}

// Add counts one result; lines is the number of product lines it had.
func (s *Summary) Add(r Result, lines int) {
	switch r.Status {
	case StatusStored:
		s.Stored++
		s.Lines += lines
	case StatusVoided:
		s.Voided++
	case StatusDuplicate:
		s.Duplicates++
	case StatusNotStored:
		s.NotStored++
	case StatusRejected:
		s.Rejected++
	}
}

// Service ingests receipts. It caches the catalogue and reloads it when the
// store says it changed. Safe for concurrent use.
type Service struct {
	Store Store
	Zone  *time.Location
	Clock kori.Clock
	// Committers is how many batches Stream writes at once (default 1).
	// More help a server database (PostgreSQL, Citus) use its cores; a
	// batch holding a void or a return waits for every earlier batch, so
	// the sale it names is there first.
	Committers int

	mu  sync.Mutex
	cat *kori.Catalogue
}

// NewService returns a service over the store in the chain's zone.
func NewService(s Store, zone *time.Location, clock kori.Clock) *Service {
	return &Service{Store: s, Zone: zone, Clock: clock}
}

// Catalogue returns the catalogue, reloaded only when its version changed;
// the member pages use it to name products, groups and stores.
func (s *Service) Catalogue(ctx context.Context) (*kori.Catalogue, error) {
	v, err := s.Store.CatalogueVersion(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cat == nil || s.cat.Version != v {
		c, err := s.Store.Catalogue(ctx)
		if err != nil {
			return nil, err
		}
		s.cat = c
	}
	return s.cat, nil
}

// Ingest validates and stores a batch in one transaction and returns one
// result per receipt in order. An error is returned only when the batch could
// not be written at all; then nothing of it was stored.
func (s *Service) Ingest(ctx context.Context, batch []Parsed) ([]Result, error) {
	p, err := s.prepare(ctx, batch)
	if err != nil {
		return nil, err
	}
	return s.commit(ctx, p)
}

// prepared is a batch validated and reduced to what may be stored, ready to
// be written. Preparing reads only, so the next batch can be prepared while
// the previous one is being written.
type prepared struct {
	batch   []Parsed
	results []Result
	writes  []kori.StoredReceipt
	idx     []int // batch index of each write
}

func (s *Service) prepare(ctx context.Context, batch []Parsed) (*prepared, error) {
	cat, err := s.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	oldest := kori.OldestKeptYear(now, s.Zone)
	results := make([]Result, len(batch))
	var cards []string
	seen := map[string]bool{}
	for i := range batch {
		p := &batch[i]
		results[i] = Result{Line: p.Line, Store: p.Receipt.Key.Store, Till: p.Receipt.Key.Till, Receipt: p.Receipt.Key.Number}
		if p.Err == nil {
			p.Err = Validate(&p.Receipt, p.Line, now)
		}
		if p.Err == nil && p.Receipt.Kind != kori.KindVoid && kori.Year(p.Receipt.PurchasedAt, s.Zone) < oldest {
			// Retention would delete it tonight; it is not stored at all.
			p.Err = &LineError{Line: p.Line, Field: "purchased_at", Reason: fmt.Sprintf("%s is past retention: purchases from before %d are not kept",
				p.Receipt.PurchasedAt.Format(time.RFC3339), oldest)}
		}
		if p.Err == nil {
			if _, ok := cat.Stores[p.Receipt.Key.Store]; !ok {
				p.Err = &LineError{Line: p.Line, Field: "store", Reason: fmt.Sprintf("store %q is not known; import stores first (kori import stores)", p.Receipt.Key.Store)}
			}
		}
		if p.Err != nil {
			results[i].Status, results[i].Error = StatusRejected, p.Err
			continue
		}
		if !seen[p.Receipt.Card] {
			seen[p.Receipt.Card] = true
			cards = append(cards, p.Receipt.Card)
		}
	}
	holders, err := s.Store.CardHolders(ctx, cards)
	if err != nil {
		return nil, err
	}
	var writes []kori.StoredReceipt
	var idx []int
	for i := range batch {
		p := &batch[i]
		if results[i].Status != "" {
			continue
		}
		h, ok := holders[p.Receipt.Card]
		if !ok {
			results[i].Status, results[i].Reason = StatusNotStored, ReasonUnknownCard
			continue
		}
		if p.Receipt.Kind == kori.KindVoid {
			key := p.Receipt.Key
			if key.BusinessDay == 0 {
				key.BusinessDay = kori.BusinessDay(p.Receipt.PurchasedAt, s.Zone)
			}
			writes = append(writes, kori.StoredReceipt{Kind: kori.KindVoid, MemberID: h.MemberID, Key: key, Year: key.BusinessDay / 10000})
			idx = append(idx, i)
			continue
		}
		if h.Status == kori.CardClosed && !p.Receipt.PurchasedAt.Before(h.ClosedAt) {
			results[i].Status = StatusRejected
			results[i].Error = &LineError{Line: p.Line, Field: "card", Reason: "card was closed on " + h.ClosedAt.In(s.Zone).Format("2006-01-02") + "; the member has a new card"}
			continue
		}
		level := h.Level
		if p.Receipt.PurchasedAt.Before(h.LevelSince) {
			then, err := s.Store.LevelAt(ctx, h.MemberID, p.Receipt.PurchasedAt)
			if err != nil {
				return nil, err
			}
			level = kori.Lower(then, h.Level)
		}
		writes = append(writes, Reduce(&p.Receipt, h.MemberID, level, cat, s.Zone))
		idx = append(idx, i)
	}
	return &prepared{batch: batch, results: results, writes: writes, idx: idx}, nil
}

// commit writes a prepared batch in one transaction.
func (s *Service) commit(ctx context.Context, p *prepared) ([]Result, error) {
	results, writes := p.results, p.writes
	if len(writes) > 0 {
		outcomes, err := s.Store.WriteReceipts(ctx, writes)
		if err != nil {
			return nil, err
		}
		for j, o := range outcomes {
			r := &results[p.idx[j]]
			switch o {
			case kori.Stored:
				r.Status, r.Grain = StatusStored, writes[j].Grain
			case kori.Duplicate:
				r.Status = StatusDuplicate
			case kori.CardUse:
				r.Status, r.Reason = StatusNotStored, ReasonLevelNone
			case kori.Voided:
				r.Status = StatusVoided
			case kori.NotHeld:
				r.Status, r.Reason = StatusNotStored, ReasonNotHeld
			}
		}
	}
	return results, nil
}

// Reduce keeps of a receipt exactly what the level allows. At product the
// lines stay, with their figures; at group only one sum per product group
// (figures computed here, from the catalogue, so no product identity is
// kept); at total only the total; at none nothing but the card use.
func Reduce(r *kori.Receipt, member kori.MemberID, level kori.Level, cat *kori.Catalogue, zone *time.Location) kori.StoredReceipt {
	local := r.PurchasedAt.In(zone)
	key := r.Key
	key.BusinessDay = kori.BusinessDay(r.PurchasedAt, zone)
	out := kori.StoredReceipt{
		Kind:        r.Kind,
		MemberID:    member,
		Card:        r.Card,
		Key:         key,
		Year:        local.Year(),
		Month:       int(local.Month()),
		PurchasedAt: r.PurchasedAt,
		Total:       r.Total,
		Grain:       level,
	}
	out.Eligible = kori.Eligible(r, cat.SchemeFor(out.Year*100+out.Month), cat)
	if out.Kind == "" {
		out.Kind = kori.KindSale
	}
	if r.Original != nil {
		out.Original = kori.OriginalKey(*r.Original)
	}
	if level != kori.LevelProduct && level != kori.LevelGroup {
		return out
	}
	lines := make([]kori.StoredLine, len(r.Lines))
	for i, l := range r.Lines {
		if g := l.Kind.Group(); g != "" {
			lines[i] = kori.StoredLine{Line: l, Group: g, Figures: kori.LineFigures(l, nil, false)}
			continue
		}
		// An in-store number (price or weight inside) is stored as the
		// catalogue item it stands for.
		p := cat.Product(l.GTIN)
		sl := kori.StoredLine{Line: l, Group: kori.UnknownGroup}
		if p != nil {
			sl.Group, sl.Known, sl.GTIN = p.Group, true, p.GTIN
		}
		sl.Figures = kori.LineFigures(l, p, p != nil && cat.IsFood(p.Group))
		lines[i] = sl
	}
	if level == kori.LevelGroup {
		out.Groups = kori.SumByGroup(lines)
		return out
	}
	out.Lines = lines
	return out
}
