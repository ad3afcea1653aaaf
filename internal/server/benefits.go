package server

import (
	"net/http"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/benefits"
)

// The member's loyalty benefits: this month so far against the scheme's
// tiers, what is missing to the next, and the months paid.

// benefitsView is the benefits page.
type benefitsView struct {
	Level kori.Level `json:"level"`
	Month string     `json:"month"` // this month, yyyy-mm
	// Scheme is false without a scheme in force this month.
	Scheme   bool `json:"scheme"`
	FoodOnly bool `json:"food_only"`
	// SoFar is this month's eligible purchases; Rate the tier reached (0
	// below the first); ToNext what is missing to the next tier (0 at the
	// top) and NextRate its rate; Projected the bonus of SoFar at Rate.
	SoFar     kori.Money `json:"so_far_cents"`
	Rate      int64      `json:"rate_bp"`
	ToNext    kori.Money `json:"to_next_cents"`
	NextRate  int64      `json:"next_rate_bp"`
	Projected kori.Money `json:"projected_cents"`
	PaidTotal kori.Money `json:"paid_total_cents"`
	// Tiers is the scheme in force, for the page's table; empty without one.
	Tiers []benefitTier `json:"tiers"`
	// Months are the months paid, newest first.
	Months []benefitMonth `json:"months"`
}

type benefitTier struct {
	From    kori.Money `json:"from_cents"`
	RateBP  int64      `json:"rate_bp"`
	Reached bool       `json:"reached"`
}

type benefitMonth struct {
	Month     string     `json:"month"`
	Purchases kori.Money `json:"purchases_cents"`
	RateBP    int64      `json:"rate_bp"`
	Amount    kori.Money `json:"amount_cents"`
	PayoutRef string     `json:"payout_ref"`
}

func (s *Server) myBenefits(r *http.Request, d *memberData) (any, error) {
	b, err := benefits.For(r.Context(), s.Store, d.m, d.now, s.Zone)
	if err != nil {
		return nil, err
	}
	v := benefitsView{Level: b.Level, Month: b.Month, Scheme: b.Scheme != nil, SoFar: b.SoFar, Rate: b.Rate, ToNext: b.ToNext,
		NextRate: b.NextRate, Projected: b.Projected, PaidTotal: b.PaidTotal, Tiers: []benefitTier{}, Months: []benefitMonth{}}
	if b.Scheme != nil {
		v.FoodOnly = b.Scheme.FoodOnly
		for _, t := range b.Scheme.Tiers {
			v.Tiers = append(v.Tiers, benefitTier{From: t.FromCents, RateBP: t.RateBP, Reached: b.Rate >= t.RateBP && b.Rate > 0})
		}
	}
	for _, p := range b.Paid {
		v.Months = append(v.Months, benefitMonth{Month: kori.MonthLabel(p.Month), Purchases: p.Purchases, RateBP: p.RateBP, Amount: p.Amount, PayoutRef: p.PayoutRef})
	}
	return v, nil
}
