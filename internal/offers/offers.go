// Package offers computes personalised offers from a member's own purchase
// history: the chain's running campaigns on products and groups the member
// buys regularly and is due to buy again. Each member is computed from their
// own rows only, so the work grows linearly with members and splits by
// member across workers or Citus shards.
package offers

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/kori-project/kori"
)

// The rules, in one place.
const (
	// WindowMonths is how far back "regularly" looks.
	WindowMonths = 6
	// MinTimes is how many separate days in the window make a habit.
	MinTimes = 3
	// HistoryMonths is how far back the usual interval is learnt.
	HistoryMonths = 12
	// DueAt is the share of the usual interval after which the next purchase is due.
	DueAt = 0.75
	// PerMember caps the offers of one member.
	PerMember = 10
)

// ForMember returns the offers for one member as of now, best first: each
// running campaign whose product (or group) the member bought on at least
// MinTimes days in the last WindowMonths, and whose usual interval has
// mostly passed since the last purchase. days is the member's purchase
// history of the last HistoryMonths.
func ForMember(id kori.MemberID, days []kori.PurchaseDay, campaigns []kori.Campaign, now time.Time) []kori.Offer {
	window, history := now.AddDate(0, -WindowMonths, 0), now.AddDate(0, -HistoryMonths, 0)
	var out []kori.Offer
	for _, c := range campaigns {
		if !c.ActiveAt(now) {
			continue
		}
		seen := map[time.Time]bool{}
		var ds []time.Time
		for _, d := range days {
			match := c.GTIN != "" && d.GTIN == c.GTIN || c.Group != "" && d.Group == c.Group
			if match && !d.Day.Before(history) && !d.Day.After(now) && !seen[d.Day] {
				seen[d.Day] = true
				ds = append(ds, d.Day)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
		times := 0
		for _, d := range ds {
			if !d.Before(window) {
				times++
			}
		}
		if times < MinTimes || len(ds) < 2 {
			continue
		}
		usual := ds[len(ds)-1].Sub(ds[0]).Hours() / 24 / float64(len(ds)-1)
		since := now.Sub(ds[len(ds)-1]).Hours() / 24
		if usual <= 0 || since < DueAt*usual {
			continue
		}
		out = append(out, kori.Offer{MemberID: id, CampaignID: c.ID, Score: float64(times) * min(2, since/usual),
			Times: times, Months: WindowMonths, LastBought: ds[len(ds)-1], CreatedAt: now})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > PerMember {
		out = out[:PerMember]
	}
	return out
}

// Store is what a run needs of the database.
type Store interface {
	Campaigns(ctx context.Context, t time.Time) ([]kori.Campaign, error)
	MembersForOffers(ctx context.Context) ([]kori.MemberID, error)
	PurchaseDays(ctx context.Context, id kori.MemberID, sinceDay int, zone *time.Location) ([]kori.PurchaseDay, error)
	ReplaceOffers(ctx context.Context, offers map[kori.MemberID][]kori.Offer) error
	DeleteOffersOfOthers(ctx context.Context) (int64, error)
	Audit(ctx context.Context, kind string, who kori.Actor, member kori.MemberID, detail map[string]any) error
}

// Summary is what a run did.
type Summary struct {
	Campaigns, Members, WithOffers, Offers int
	Removed                                int64
}

// batch is how many members' offers are written per transaction.
const batch = 500

// Run computes every consenting member's offers as of now and replaces
// their old ones; members who may not get offers lose any they had.
// progress, if not nil, is told how many members are done. It runs on one
// worker; RunParallel on several.
func Run(ctx context.Context, s Store, now time.Time, zone *time.Location, progress func(done, total int)) (Summary, error) {
	return RunParallel(ctx, s, now, zone, 1, progress)
}

// RunParallel is Run with workers computing members at once, each
// member's offers from their own rows and written in transactions of
// batch members: members are independent, so the run scales with workers
// (and with shards on Citus, where each member's reads and writes stay on
// one shard). progress is told the members done of the total.
func RunParallel(ctx context.Context, s Store, now time.Time, zone *time.Location, workers int, progress func(done, total int)) (Summary, error) {
	var sum Summary
	removed, err := s.DeleteOffersOfOthers(ctx)
	if err != nil {
		return sum, err
	}
	sum.Removed = removed
	campaigns, err := s.Campaigns(ctx, now)
	if err != nil {
		return sum, err
	}
	sum.Campaigns = len(campaigns)
	ids, err := s.MembersForOffers(ctx)
	if err != nil {
		return sum, err
	}
	sum.Members = len(ids)
	since := kori.BusinessDay(now.AddDate(0, -HistoryMonths, 0), zone)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []kori.MemberID)
	// Chunks small enough that every worker gets several, at most batch.
	size := max(20, min(batch, len(ids)/(4*max(1, workers))+1))
	go func() {
		defer close(chunks)
		for from := 0; from < len(ids); from += size {
			select {
			case chunks <- ids[from:min(from+size, len(ids))]:
			case <-ctx.Done():
				return
			}
		}
	}()
	var mu sync.Mutex
	var firstErr error
	done := 0
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks {
				pending := make(map[kori.MemberID][]kori.Offer, len(chunk))
				with, made := 0, 0
				var err error
				for _, id := range chunk {
					var offers []kori.Offer
					if len(campaigns) > 0 {
						var days []kori.PurchaseDay
						if days, err = s.PurchaseDays(ctx, id, since, zone); err != nil {
							break
						}
						offers = ForMember(id, days, campaigns, now)
					}
					pending[id] = offers
					if len(offers) > 0 {
						with++
						made += len(offers)
					}
				}
				if err == nil {
					err = s.ReplaceOffers(ctx, pending)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				sum.WithOffers += with
				sum.Offers += made
				done += len(chunk)
				if progress != nil && err == nil {
					progress(done, len(ids))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return sum, firstErr
	}
	err = s.Audit(ctx, "offers_run", kori.Actor{Channel: "job", Name: "offers"}, 0, map[string]any{
		"campaigns": sum.Campaigns, "members": sum.Members, "offers": sum.Offers, "removed": sum.Removed})
	return sum, err
}
