package ingest

import (
	"encoding/json"
	"io"
	"math"

	"github.com/kori-project/kori"
)

// schemeFile is the benefit scheme as the chain writes it:
//
//	{"valid_from": "2026-01", "counts": "all", "stores": [],
//	 "tiers": [{"from_eur": 100, "rate_pct": 1}, {"from_eur": 600, "rate_pct": 3}, {"from_eur": 1000, "rate_pct": 5}]}
type schemeFile struct {
	ValidFrom string   `json:"valid_from"`
	Counts    string   `json:"counts"`
	Stores    []string `json:"stores"`
	Tiers     []struct {
		FromEUR *float64 `json:"from_eur"`
		RatePct *float64 `json:"rate_pct"`
	} `json:"tiers"`
}

// ReadScheme reads a benefit scheme from JSON; errors name the field.
func ReadScheme(r io.Reader) (kori.BenefitScheme, error) {
	var f schemeFile
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return kori.BenefitScheme{}, kori.Errorf(kori.EINVALID, "scheme: %v (expected {\"valid_from\": \"2026-01\", \"counts\": \"all\", \"tiers\": [{\"from_eur\": 100, \"rate_pct\": 1}]})", err)
	}
	from, err := kori.ParseMonth("valid_from", f.ValidFrom)
	if err != nil {
		return kori.BenefitScheme{}, err
	}
	s := kori.BenefitScheme{ValidFrom: from, Stores: f.Stores}
	switch f.Counts {
	case "all", "":
	case "food":
		s.FoodOnly = true
	default:
		return s, kori.Errorf(kori.EINVALID, "counts must be all or food, not %q", f.Counts)
	}
	for i, tier := range f.Tiers {
		if tier.FromEUR == nil || tier.RatePct == nil {
			return s, kori.Errorf(kori.EINVALID, "tiers[%d]: give from_eur and rate_pct", i)
		}
		s.Tiers = append(s.Tiers, kori.BenefitTier{FromCents: kori.Money(math.Round(*tier.FromEUR * 100)), RateBP: int64(math.Round(*tier.RatePct * 100))})
	}
	return s, s.Validate()
}
