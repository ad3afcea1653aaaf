package kori

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Loyalty benefits (rule 9): a bonus on the month's purchases that grows
// with the sum, computed from receipt totals, so that members at product,
// group and total earn it alike. What counts of a receipt is decided when
// the receipt is stored, under the scheme in force, and kept beside its
// total as the receipt's eligible sum: the one figure the benefit needs.

// BenefitTier is one step of a scheme: from FromCents of eligible purchases
// in a month the whole month earns RateBP (basis points: 100 = 1 %).
type BenefitTier struct {
	FromCents Money `json:"from_cents"`
	RateBP    int64 `json:"rate_bp"`
}

// BenefitScheme is the chain's benefit scheme: its tiers, what counts and
// the stores that take part, in force from the month ValidFrom (yyyymm).
type BenefitScheme struct {
	ValidFrom int           `json:"valid_from"`
	FoodOnly  bool          `json:"food_only"`
	Stores    []string      `json:"stores,omitempty"` // none: every store
	Tiers     []BenefitTier `json:"tiers"`
}

// Validate checks the scheme: tiers rising in sum and rate, rates within
// 0–100 %, a valid first month.
func (s *BenefitScheme) Validate() error {
	if s.ValidFrom < 100001 || s.ValidFrom%100 < 1 || s.ValidFrom%100 > 12 {
		return Errorf(EINVALID, "valid_from must be a month as yyyy-mm, not %d", s.ValidFrom)
	}
	if len(s.Tiers) == 0 {
		return Errorf(EINVALID, "tiers: give at least one tier (from_eur and rate_pct)")
	}
	for i, t := range s.Tiers {
		if t.FromCents < 0 || t.RateBP < 0 || t.RateBP > 10000 {
			return Errorf(EINVALID, "tier %d: from must be at least 0 € and the rate 0–100 %%", i+1)
		}
		if i > 0 && (t.FromCents <= s.Tiers[i-1].FromCents || t.RateBP <= s.Tiers[i-1].RateBP) {
			return Errorf(EINVALID, "tier %d: each tier must start at a higher sum with a higher rate than the one before", i+1)
		}
	}
	for _, st := range s.Stores {
		if strings.TrimSpace(st) == "" {
			return Errorf(EINVALID, "stores: an empty store id")
		}
	}
	return nil
}

// Takes reports whether purchases in the store count.
func (s *BenefitScheme) Takes(store string) bool {
	if len(s.Stores) == 0 {
		return true
	}
	for _, st := range s.Stores {
		if st == store {
			return true
		}
	}
	return false
}

// Tier returns the tier a month's eligible sum reaches (its index, -1 for
// none) and the next tier's start (0 when there is none above).
func (s *BenefitScheme) Tier(sum Money) (int, Money) {
	i := sort.Search(len(s.Tiers), func(i int) bool { return s.Tiers[i].FromCents > sum }) - 1
	next := Money(0)
	if i+1 < len(s.Tiers) {
		next = s.Tiers[i+1].FromCents
	}
	return i, next
}

// Benefit computes the month's bonus of an eligible sum: its rate and
// amount (rounded half up to the cent). Below the first tier, or with a
// negative sum (more returned than bought), it is nothing.
func (s *BenefitScheme) Benefit(sum Money) (rateBP int64, amount Money) {
	i, _ := s.Tier(sum)
	if i < 0 || sum <= 0 {
		return 0, 0
	}
	rateBP = s.Tiers[i].RateBP
	return rateBP, Money(math.Floor(float64(sum)*float64(rateBP)/10000 + 0.5))
}

// Eligible is what of a receipt counts for benefits under the scheme:
// nothing in a store that does not take part; otherwise every line but
// deposits and their refunds, or with FoodOnly the product lines of food
// groups only. A return counts negatively. With no scheme, everything but
// deposits counts, so that a scheme started later finds the months before.
func Eligible(r *Receipt, s *BenefitScheme, cat *Catalogue) Money {
	if s != nil && !s.Takes(r.Key.Store) {
		return 0
	}
	if len(r.Lines) == 0 {
		return r.Total
	}
	var sum Money
	for _, l := range r.Lines {
		switch {
		case l.Kind == LineDeposit || l.Kind == LineDepositRefund:
		case s != nil && s.FoodOnly:
			if l.Kind != "" && l.Kind != LineProduct {
				continue
			}
			if p := cat.Product(l.GTIN); p != nil && cat.IsFood(p.Group) {
				sum += l.Amount
			}
		default:
			sum += l.Amount
		}
	}
	return sum
}

// PaidBenefit is a month's benefit as paid: the accounting record kept for
// six years after its year (Finnish Accounting Act), which holds only the
// month, the purchase sum, the rate, the amount and the payout reference.
// MemberID is the member's while they are a member, and 0 after the
// membership is erased.
type PaidBenefit struct {
	PayoutRef string   `json:"payout_ref"`
	Month     int      `json:"month"` // yyyymm
	Purchases Money    `json:"purchases_cents"`
	RateBP    int64    `json:"rate_bp"`
	Amount    Money    `json:"amount_cents"`
	MemberID  MemberID `json:"-"`
}

// BenefitKeepYears is how long after its year a paid benefit is kept.
const BenefitKeepYears = 6

// MonthLabel writes yyyymm as yyyy-mm.
func MonthLabel(m int) string { return fmt.Sprintf("%04d-%02d", m/100, m%100) }

// ParseMonth reads a month given as yyyy-mm (a flag, a query parameter, a
// file's field) as yyyymm; the error names the field.
func ParseMonth(field, s string) (int, error) {
	y, m, ok := strings.Cut(s, "-")
	year, err1 := strconv.Atoi(y)
	month, err2 := strconv.Atoi(m)
	if !ok || len(y) != 4 || len(m) != 2 || err1 != nil || err2 != nil || month < 1 || month > 12 || year < 1000 {
		return 0, Errorf(EINVALID, "%s must be a month as yyyy-mm (e.g. 2025-01), not %q", field, s)
	}
	return year*100 + month, nil
}

// PreviousMonth is the month (yyyymm) before the one t is in, in zone: the
// last whole month.
func PreviousMonth(t time.Time, zone *time.Location) int {
	l := t.In(zone)
	p := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone).AddDate(0, -1, 0)
	return p.Year()*100 + int(p.Month())
}
