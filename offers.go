package kori

import (
	"strings"
	"time"
)

// Campaign is a discount the chain runs on one product or one product group.
type Campaign struct {
	ID          string
	NameFi      string
	NameEn      string
	GTIN        string // the product, or
	Group       string // the product group
	DiscountPct float64
	ValidFrom   time.Time
	ValidTo     time.Time
}

// Validate checks the campaign's invariants.
func (c *Campaign) Validate() error {
	switch {
	case strings.TrimSpace(c.ID) == "":
		return Errorf(EINVALID, "campaign id is empty")
	case c.NameFi == "" && c.NameEn == "":
		return Errorf(EINVALID, "campaign %s: name is empty", c.ID)
	case (c.GTIN == "") == (c.Group == ""):
		return Errorf(EINVALID, "campaign %s: give either gtin or group, not both or neither", c.ID)
	case c.GTIN != "" && !ValidGTIN(c.GTIN):
		return Errorf(EINVALID, "campaign %s: gtin %q is not 8, 12, 13 or 14 digits", c.ID, c.GTIN)
	case c.DiscountPct <= 0 || c.DiscountPct > 100:
		return Errorf(EINVALID, "campaign %s: discount_pct %v must be above 0 and at most 100", c.ID, c.DiscountPct)
	case !c.ValidTo.After(c.ValidFrom):
		return Errorf(EINVALID, "campaign %s: valid_to must be after valid_from", c.ID)
	}
	return nil
}

// ActiveAt reports whether the campaign runs at t.
func (c *Campaign) ActiveAt(t time.Time) bool { return !t.Before(c.ValidFrom) && t.Before(c.ValidTo) }

// PurchaseDay is a day a member bought a product (GTIN, at product level) or
// something in a group: what offers are computed from.
type PurchaseDay struct {
	GTIN  string // "" for group-level purchases
	Group string
	Day   time.Time // midnight in the chain's zone
}

// Offer is a campaign offered to a member because they buy its product or
// group regularly and are due to buy again. Times and Months make the
// reason the member reads ("you bought this 9 times in the last 6 months").
type Offer struct {
	MemberID   MemberID
	CampaignID string
	Score      float64
	Times      int
	Months     int
	LastBought time.Time
	CreatedAt  time.Time
}
