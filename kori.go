// Package kori holds the domain of the Kori purchase-data platform: members and
// their cards, stores, products, receipts, purchase-data levels, purposes and the
// analysis figures derived from a purchase. It depends only on the standard
// library; every adapter (store, ingest, HTTP, CLI) depends on it, never the
// other way round, so the rules of the product can be read in one place.
package kori

import (
	"fmt"
	"time"
)

// Level is a member's purchase-data level (K-Plussa's "tarkastelutaso"). It
// decides at write time what of a purchase may be stored at all.
type Level string

// The four levels, from the most detailed to nothing.
const (
	LevelProduct Level = "product" // receipts with their product lines (the default)
	LevelGroup   Level = "group"   // receipts with sums per product group only
	LevelTotal   Level = "total"   // receipt totals only: time, store, sum
	LevelNone    Level = "none"    // no purchase data at all
)

// Levels lists every level from the most to the least detailed.
var Levels = []Level{LevelProduct, LevelGroup, LevelTotal, LevelNone}

// rank orders levels by how much they allow; a higher rank allows more.
func (l Level) rank() int {
	switch l {
	case LevelProduct:
		return 3
	case LevelGroup:
		return 2
	case LevelTotal:
		return 1
	default:
		return 0
	}
}

// Validate reports whether l is one of the four levels.
func (l Level) Validate() error {
	switch l {
	case LevelProduct, LevelGroup, LevelTotal, LevelNone:
		return nil
	}
	return Errorf(EINVALID, "level %q is not one of product, group, total, none", string(l))
}

// Allows reports whether data kept at grain g may be stored under level l.
func (l Level) Allows(g Level) bool { return l.rank() >= g.rank() }

// Lower returns the more restrictive of two levels. Ingest stores a purchase at
// the lower of the level in force at purchase time and the level in force now,
// so that a receipt arriving late never brings back a grain the member has
// since given up.
func Lower(a, b Level) Level {
	if a.rank() <= b.rank() {
		return a
	}
	return b
}

// ParseLevel parses a level name.
func ParseLevel(s string) (Level, error) {
	l := Level(s)
	return l, l.Validate()
}

// Purpose is why a reader reads a member's data. Every read names one.
type Purpose string

// The purposes. Members may object to Personalisation and Analytics; the others
// are always allowed on what is stored.
const (
	PurposeMemberService   Purpose = "member_service"
	PurposeLoyaltyBenefit  Purpose = "loyalty_benefit"
	PurposePersonalisation Purpose = "personalisation"
	PurposeAnalytics       Purpose = "analytics"
	PurposeLegalObligation Purpose = "legal_obligation"
)

// Objectable reports whether a member may object to the purpose.
func (p Purpose) Objectable() bool {
	return p == PurposePersonalisation || p == PurposeAnalytics
}

// Origin is a product's origin class, as Finnish retailers show it.
type Origin string

// The origin classes. Unknown is shown as such, never guessed.
const (
	OriginFiRaw   Origin = "fi_raw"  // made in Finland from Finnish raw materials
	OriginFiMade  Origin = "fi_made" // made in Finland, raw materials may be imported
	OriginForeign Origin = "foreign"
	OriginUnknown Origin = "unknown"
)

// Validate reports whether o is a known origin class.
func (o Origin) Validate() error {
	switch o {
	case OriginFiRaw, OriginFiMade, OriginForeign, OriginUnknown:
		return nil
	}
	return Errorf(EINVALID, "origin %q is not one of fi_raw, fi_made, foreign, unknown", string(o))
}

// MemberID is Kori's internal member identifier. It is never a card number, so
// that a lost card can be closed without touching the member's history.
type MemberID int64

// Member is a loyalty-programme member and the choices that govern their data.
type Member struct {
	ID MemberID
	// Ref is the chain's own customer number, used to link imports; optional.
	Ref   string
	Level Level
	// LevelSince is when the current level took effect.
	LevelSince time.Time
	// ObjectsPersonalisation and ObjectsAnalytics record the member's objections.
	ObjectsPersonalisation bool
	ObjectsAnalytics       bool
	// ExtendedRetention keeps purchases past the normal rule until turned off.
	ExtendedRetention bool
	// LastCardUse is the last time any of the member's cards was used; it is
	// kept even at level none, because inactivity deletion depends on it.
	LastCardUse time.Time
	CreatedAt   time.Time
	// Email and Locale are used by the member's web login; optional.
	Email  string
	Locale string
}

// Validate checks the member's invariants.
func (m *Member) Validate() error {
	if err := m.Level.Validate(); err != nil {
		return err
	}
	return nil
}

// CardStatus tells whether a card may still be used.
type CardStatus string

// Card statuses: a lost or replaced card is closed; purchases made with it
// after it was closed are refused.
const (
	CardActive CardStatus = "active"
	CardClosed CardStatus = "closed"
)

// Card is a loyalty card. A member may have several.
type Card struct {
	Number   string
	MemberID MemberID
	Status   CardStatus
	ClosedAt time.Time
}

// Validate checks the card's invariants.
func (c *Card) Validate() error {
	if c.Number == "" {
		return Errorf(EINVALID, "card number is empty")
	}
	if c.Status != CardActive && c.Status != CardClosed {
		return Errorf(EINVALID, "card status %q is not active or closed", string(c.Status))
	}
	return nil
}

// Store is a shop of the chain.
type Store struct {
	ID   string
	Name string
	City string
}

// Validate checks the store's invariants.
func (s *Store) Validate() error {
	if s.ID == "" {
		return Errorf(EINVALID, "store id is empty")
	}
	if s.Name == "" {
		return Errorf(EINVALID, "store %s: name is empty", s.ID)
	}
	return nil
}

// ProductGroup is a product group of the chain's catalogue. Group-level members
// keep sums per group, so the group is the finest grain they share with us.
type ProductGroup struct {
	Code   string
	NameFi string
	NameEn string
	// Food marks groups counted in the domestic-share and nutrition analyses.
	Food bool
}

// UnknownGroup is the group of lines whose product is not in the catalogue.
const UnknownGroup = "unknown"

// Unit is how a product is sold.
type Unit string

// Units: by piece (net weight per piece known) or by weight (quantity is kg).
const (
	UnitPiece Unit = "pcs"
	UnitKg    Unit = "kg"
)

// Nutrients are per 100 g of product.
type Nutrients struct {
	EnergyKJ float64
	Protein  float64
	Fat      float64
	SatFat   float64
	Carb     float64
	Sugars   float64
	Fibre    float64
	Salt     float64
}

// Product is a catalogue item identified by its GTIN.
type Product struct {
	GTIN    string
	NameFi  string
	NameEn  string
	Group   string
	Origin  Origin
	Country string // ISO 3166-1 alpha-2 where known
	Unit    Unit
	// NetKg is the net weight (or volume taken as kg) of one piece; for UnitKg it is 1.
	NetKg float64
	// Nutrients per 100 g; HasNutrients is false when not known.
	Nutrients    Nutrients
	HasNutrients bool
	// FVBPct is the share (0–100) of fruit, vegetables and berries.
	FVBPct float64
	// EmissionGroup names the row of the emission-factor table used, and
	// KgCO2ePerKg is its factor (0 when unknown).
	EmissionGroup string
	KgCO2ePerKg   float64
	// NutriGrade is the Nutri-Score grade A–E computed from the nutrients, or "".
	NutriGrade string
	// NutrientSource names where the nutrient values come from.
	NutrientSource string
}

// Validate checks the product's invariants.
func (p *Product) Validate() error {
	if !ValidGTIN(p.GTIN) {
		return Errorf(EINVALID, "gtin %q is not 8, 12, 13 or 14 digits", p.GTIN)
	}
	if p.NameFi == "" && p.NameEn == "" {
		return Errorf(EINVALID, "product %s: name is empty", p.GTIN)
	}
	if p.Group == "" {
		return Errorf(EINVALID, "product %s: group is empty", p.GTIN)
	}
	if err := p.Origin.Validate(); err != nil {
		return err
	}
	if p.Unit != UnitPiece && p.Unit != UnitKg {
		return Errorf(EINVALID, "product %s: unit %q is not pcs or kg", p.GTIN, string(p.Unit))
	}
	if p.NetKg < 0 || p.KgCO2ePerKg < 0 || p.FVBPct < 0 || p.FVBPct > 100 {
		return Errorf(EINVALID, "product %s: net_kg, co2e factor and fvb_pct must not be negative (fvb_pct at most 100)", p.GTIN)
	}
	return nil
}

// ValidGTIN reports whether s looks like a GTIN (8, 12, 13 or 14 digits). The
// check digit is not enforced: in-store codes for weighed goods do not carry one.
func ValidGTIN(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Money is an amount in euro cents. Integer cents keep sums exact.
type Money int64

// String formats m as euros with two decimals.
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(m)/100, int64(m)%100)
}

// ReceiptKey identifies a receipt across retries: the same till never reuses a
// receipt number within one business day.
type ReceiptKey struct {
	Store       string
	Till        int
	Number      string
	BusinessDay int // yyyymmdd in the chain's time zone
}

// Receipt is a loyalty-card purchase as the till sends it.
type Receipt struct {
	Key         ReceiptKey
	Card        string
	PurchasedAt time.Time
	Total       Money
	Lines       []Line
}

// Line is one product line of a receipt.
type Line struct {
	GTIN     string
	Quantity float64 // pieces, or kg for products sold by weight
	Amount   Money   // net amount paid, after discount
	Discount Money   // discount given, informational
}

// Year returns the calendar year of t in the chain's zone; retention and
// partitioning are by this year, not the UTC one.
func Year(t time.Time, zone *time.Location) int { return t.In(zone).Year() }

// BusinessDay returns t's date in the chain's zone as yyyymmdd.
func BusinessDay(t time.Time, zone *time.Location) int {
	y, m, d := t.In(zone).Date()
	return y*10000 + int(m)*100 + d
}

// NotItemised is the group code under which rollups keep the money of receipts
// stored at level total, where nothing is known of what was bought.
const NotItemised = "not_itemised"

// StoredReceipt is what of a receipt may be stored under the member's level:
// the grain decides which of Lines (product) and Groups (group) is filled; at
// total neither is, and at none nothing is stored but the card use.
type StoredReceipt struct {
	MemberID    MemberID
	Card        string
	Key         ReceiptKey
	Year        int
	Month       int // 1–12 in the chain's zone, for the monthly rollups
	PurchasedAt time.Time
	Total       Money
	Grain       Level
	Lines       []StoredLine
	Groups      []GroupSum
}

// StoredLine is a product line with its figures; Known is false for a GTIN
// missing from the catalogue.
type StoredLine struct {
	Line
	Group   string
	Known   bool
	Figures Figures
}

// GroupSum is the sum of a receipt's lines in one product group: what a
// group-level member keeps instead of the lines.
type GroupSum struct {
	Group   string
	Figures Figures
}

// GroupFigures returns the receipt's figures per group, whatever its grain; this is
// what goes into the monthly rollups.
func (r *StoredReceipt) GroupFigures() []GroupSum {
	switch r.Grain {
	case LevelGroup:
		return r.Groups
	case LevelTotal:
		return []GroupSum{{Group: NotItemised, Figures: Figures{Amount: r.Total}}}
	case LevelProduct:
		return SumByGroup(r.Lines)
	}
	return nil
}

// SumByGroup collapses lines into one sum per group, in first-seen order.
func SumByGroup(lines []StoredLine) []GroupSum {
	var out []GroupSum
	idx := map[string]int{}
	for _, l := range lines {
		i, ok := idx[l.Group]
		if !ok {
			i = len(out)
			idx[l.Group] = i
			out = append(out, GroupSum{Group: l.Group})
		}
		out[i].Figures.Add(l.Figures)
	}
	return out
}

// Enrolment is a member joining the programme, as the chain's registry sends
// it: its own customer number, cards, and initial choices.
type Enrolment struct {
	Ref   string
	Level Level // "" means product, the default
	Email string
	Cards []Card
	// JoinedAt backdates the member's creation and first consent record, for
	// registries (and demo data) older than the Kori installation.
	JoinedAt               time.Time
	ObjectsPersonalisation bool
	ObjectsAnalytics       bool
}
