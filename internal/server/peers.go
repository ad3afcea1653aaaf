package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
	"golang.org/x/sync/singleflight"
)

// A member may compare their own figure with the members who allow
// analytics: the median and middle half of the members' values for the same
// year, from the same k-anonymous distributions the analysts get. A member
// who objects still sees the comparison but is not part of it. The chain's
// distribution is the same for every member, so it is computed once and
// kept for peersTTL; each computation is an analytics query in the log.

const peersTTL = 6 * time.Hour

// peerView is the member's value beside the chain's distribution.
type peerView struct {
	Year       int     `json:"year"`
	Measure    string  `json:"measure"`
	You        float64 `json:"you"`
	Suppressed bool    `json:"suppressed,omitempty"` // fewer than k members have a value
	Members    int64   `json:"members,omitempty"`
	P25        float64 `json:"p25,omitempty"`
	Median     float64 `json:"median,omitempty"`
	P75        float64 `json:"p75,omitempty"`
	K          int64   `json:"k"`
}

type peerEntry struct {
	row analytics.QuartileRow
	k   int64
	at  time.Time
}

// peerCache keeps the chain's distributions by measure and year. Members
// who miss it at the same moment wait for one computation (flight) instead
// of each running the chain-wide query: after a start, 16 members at once
// had made the first page take 0.9 s.
type peerCache struct {
	mu     sync.Mutex
	m      map[string]peerEntry
	flight singleflight.Group
}

// peers returns the chain's distribution of a measure in a year beside the
// member's own value.
func (s *Server) peers(ctx context.Context, measure string, year int, you float64) (*peerView, error) {
	now := s.Clock.Now()
	key := fmt.Sprintf("%s/%d", measure, year)
	cached := func() (peerEntry, bool) {
		s.peerCache.mu.Lock()
		defer s.peerCache.mu.Unlock()
		e, ok := s.peerCache.m[key]
		return e, ok && now.Sub(e.at) <= peersTTL && !now.Before(e.at)
	}
	e, ok := cached()
	if !ok {
		// Not cancelled with the first member's request: the others wait
		// for the same answer.
		v, err, _ := s.peerCache.flight.Do(key, func() (any, error) {
			if e, ok := cached(); ok {
				return e, nil // a flight that ended just now stored it
			}
			q := analytics.Query{Kind: analytics.KindDistribution, Measure: measure, By: "year",
				From: fmt.Sprintf("%04d-01", year), To: fmt.Sprintf("%04d-12", year)}
			a, err := s.analyst.Engine.Ask(context.WithoutCancel(ctx), q, analytics.Analyst{Actor: kori.Actor{Channel: "system", Name: "member comparison"}, KeyID: "comparison"})
			if err != nil {
				return nil, err
			}
			e := peerEntry{row: analytics.QuartileRow{Suppressed: true}, k: a.K, at: now}
			if len(a.Quartiles) == 1 {
				e.row = a.Quartiles[0]
			}
			s.peerCache.mu.Lock()
			if s.peerCache.m == nil {
				s.peerCache.m = map[string]peerEntry{}
			}
			s.peerCache.m[key] = e
			s.peerCache.mu.Unlock()
			return e, nil
		})
		if err != nil {
			return nil, err
		}
		e = v.(peerEntry)
	}
	return &peerView{Year: year, Measure: measure, You: you, Suppressed: e.row.Suppressed, Members: e.row.Members,
		P25: e.row.P25, Median: e.row.Median, P75: e.row.P75, K: e.k}, nil
}
