package kori

import "time"

// CardHolder is what ingest needs to know about a card: whose it is, whether
// it may still be used, and the holder's level now.
type CardHolder struct {
	Card       string
	MemberID   MemberID
	Status     CardStatus
	ClosedAt   time.Time
	Level      Level
	LevelSince time.Time
}

// Catalogue is the whole product catalogue with its groups and stores, small
// enough (tens of thousands of rows) to hold in memory while ingesting.
// Version changes whenever any of it changes.
type Catalogue struct {
	Version  int64
	Products map[string]*Product
	Groups   map[string]*ProductGroup
	Stores   map[string]*Store
	// InStore maps an in-store number's key (InStoreKey) to its product.
	InStore map[string]*Product
	// Schemes are the loyalty benefit schemes by the month they start,
	// oldest first.
	Schemes []BenefitScheme
}

// SchemeFor is the benefit scheme in force in month (yyyymm), or nil
// before the first.
func (c *Catalogue) SchemeFor(month int) *BenefitScheme {
	if c == nil {
		return nil
	}
	var out *BenefitScheme
	for i := range c.Schemes {
		if c.Schemes[i].ValidFrom <= month {
			out = &c.Schemes[i]
		}
	}
	return out
}

// Product finds the product of a till's GTIN: a catalogue GTIN, or an
// in-store number whose item reference a product declares; nil if neither.
func (c *Catalogue) Product(gtin string) *Product {
	if p := c.Products[gtin]; p != nil {
		return p
	}
	if key, _, ok := InStoreKey(gtin); ok {
		return c.InStore[key]
	}
	return nil
}

// IsFood reports whether a group counts as food; unknown groups do not.
func (c *Catalogue) IsFood(group string) bool {
	g, ok := c.Groups[group]
	return ok && g.Food
}

// WriteOutcome is what happened to one receipt handed to the store.
type WriteOutcome int

// Outcomes of a receipt write.
const (
	Stored    WriteOutcome = iota + 1 // stored at the receipt's grain
	Duplicate                         // already stored earlier; nothing changed
	CardUse                           // level none: only the card use was recorded
	Voided                            // a void removed the receipt it names
	NotHeld                           // a void named a receipt that is not held
)

// APIKey is a key a retailer's system uses; only a hash of its secret is kept.
type APIKey struct {
	ID         string
	Name       string
	Scopes     []string
	CreatedAt  time.Time
	RevokedAt  time.Time
	LastUsedAt time.Time
	// DPEpsilon and DPBudget hold an analytics key to differential privacy:
	// the ε each answer spends and the most it may spend in a month.
	DPEpsilon, DPBudget float64
}

// HasScope reports whether the key carries the scope.
func (k *APIKey) HasScope(scope string) bool {
	for _, s := range k.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// API key scopes: each names what a system may do.
const (
	ScopeIngest    = "ingest"    // send receipts
	ScopeCatalogue = "catalogue" // import products, groups and stores
	ScopeMembers   = "members"   // maintain the card ↔ member registry
	ScopeOffers    = "offers"    // read offers for consenting members
	ScopeAdmin     = "admin"     // privacy-officer and operator functions
	ScopeMetrics   = "metrics"   // scrape /metrics (counts and timings only, no member data)
	ScopeAnalytics = "analytics" // aggregate figures over consenting members, never a member's rows
)

// Scopes lists every API key scope.
var Scopes = []string{ScopeIngest, ScopeCatalogue, ScopeMembers, ScopeOffers, ScopeAdmin, ScopeMetrics, ScopeAnalytics}
