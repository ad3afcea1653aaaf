// Package benefits computes the members' monthly loyalty benefits from
// their receipts' eligible sums under the chain's scheme (rule 9), freezes
// them as payouts, and tells a member where they stand this month. It reads
// totals only, for the loyalty_benefit purpose, so members at product,
// group and total earn alike and members at none earn nothing.
package benefits

import (
	"context"
	"time"

	"github.com/kori-project/kori"
)

// Store is what the benefits need of the database.
type Store interface {
	Catalogue(ctx context.Context) (*kori.Catalogue, error)
	EligibleSums(ctx context.Context, month int, fn func(kori.MemberID, kori.Money) error) error
	EligibleSum(ctx context.Context, id kori.MemberID, month int) (kori.Money, error)
	PayBenefits(ctx context.Context, month int, bs []kori.PaidBenefit) (int, error)
	BenefitsOf(ctx context.Context, id kori.MemberID) ([]kori.PaidBenefit, error)
	Audit(ctx context.Context, kind string, who kori.Actor, member kori.MemberID, detail map[string]any) error
}

// Summary is what a run did.
type Summary struct {
	Month   int        // yyyymm
	Members int        // members with purchases in the month
	Earned  int        // of them, members whose sum reached a tier
	Paid    int        // benefits recorded by this run (0 when run again)
	Sum     kori.Money // the month's benefits
}

// monthOf is the month (yyyymm) of t in zone.
func monthOf(t time.Time, zone *time.Location) int {
	l := t.In(zone)
	return l.Year()*100 + int(l.Month())
}

// Run computes and freezes every member's benefit of a month that is over
// at now. It may run again: members already paid for the month are left as
// they are. progress, if not nil, is told the members done.
func Run(ctx context.Context, s Store, month int, now time.Time, zone *time.Location, progress func(done int)) (Summary, error) {
	sum := Summary{Month: month}
	if month >= monthOf(now, zone) {
		return sum, kori.Errorf(kori.EINVALID, "%s is not over yet: benefits are computed for a whole month, on the first night of the next", kori.MonthLabel(month))
	}
	cat, err := s.Catalogue(ctx)
	if err != nil {
		return sum, err
	}
	scheme := cat.SchemeFor(month)
	if scheme == nil {
		return sum, kori.Errorf(kori.EINVALID, "no benefit scheme is in force in %s: load one with `kori import scheme FILE`", kori.MonthLabel(month))
	}
	var pay []kori.PaidBenefit
	err = s.EligibleSums(ctx, month, func(id kori.MemberID, purchases kori.Money) error {
		sum.Members++
		if rate, amount := scheme.Benefit(purchases); amount > 0 {
			pay = append(pay, kori.PaidBenefit{MemberID: id, Month: month, Purchases: purchases, RateBP: rate, Amount: amount})
			sum.Earned++
			sum.Sum += amount
		}
		if progress != nil && sum.Members%1000 == 0 {
			progress(sum.Members)
		}
		return nil
	})
	if err != nil {
		return sum, err
	}
	if sum.Paid, err = s.PayBenefits(ctx, month, pay); err != nil {
		return sum, err
	}
	if progress != nil {
		progress(sum.Members)
	}
	err = s.Audit(ctx, "benefits_run", kori.Actor{Channel: "job", Name: "benefits"}, 0, map[string]any{
		"month": month, "members": sum.Earned, "recorded": sum.Paid, "sum_cents": int64(sum.Sum)})
	return sum, err
}

// View is a member's benefits page: this month so far against the scheme,
// and the months paid.
type View struct {
	Level  kori.Level `json:"level"`
	Month  string     `json:"month"` // this month, yyyy-mm
	Scheme *kori.BenefitScheme
	// SoFar is this month's eligible purchases; Rate the tier reached (in
	// basis points, 0 below the first); ToNext what is missing to the next
	// tier (0 at the top) and NextRate its rate; Projected the benefit of
	// SoFar at Rate.
	SoFar     kori.Money         `json:"so_far_cents"`
	Rate      int64              `json:"rate_bp"`
	ToNext    kori.Money         `json:"to_next_cents"`
	NextRate  int64              `json:"next_rate_bp"`
	Projected kori.Money         `json:"projected_cents"`
	Paid      []kori.PaidBenefit `json:"paid"`
	PaidTotal kori.Money         `json:"paid_total_cents"`
}

// For builds a member's view at now. A member at level none keeps no
// totals and earns nothing; the view says so by its level.
func For(ctx context.Context, s Store, m *kori.Member, now time.Time, zone *time.Location) (*View, error) {
	month := monthOf(now, zone)
	v := &View{Level: m.Level, Month: kori.MonthLabel(month), Paid: []kori.PaidBenefit{}}
	cat, err := s.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	v.Scheme = cat.SchemeFor(month)
	paid, err := s.BenefitsOf(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range paid {
		v.Paid = append(v.Paid, p)
		v.PaidTotal += p.Amount
	}
	if m.Level == kori.LevelNone || v.Scheme == nil {
		return v, nil
	}
	if v.SoFar, err = s.EligibleSum(ctx, m.ID, month); err != nil {
		return nil, err
	}
	i, next := v.Scheme.Tier(v.SoFar)
	v.Rate, v.Projected = v.Scheme.Benefit(v.SoFar)
	if i+1 < len(v.Scheme.Tiers) {
		v.ToNext, v.NextRate = next-max(v.SoFar, 0), v.Scheme.Tiers[i+1].RateBP
	}
	return v, nil
}
