// Package kori holds the domain of the Kori purchase-data platform: members and
// their cards, stores, products, receipts, purchase-data levels, purposes and the
// analysis figures derived from a purchase. It depends only on the standard
// library; every adapter (store, ingest, HTTP, CLI) depends on it, never the
// other way round, so the rules of the product can be read in one place.
package kori

import (
	"fmt"
	"time"
	"unicode/utf8"
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
	// DataVersion changes whenever anything the member's analyses read
	// changes (their own writes, or retention's for everyone), so that
	// figures cached under it are never stale.
	DataVersion int64
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
	// InStore is the item reference of the chain's in-store numbers for
	// this product ("23-00042": prefix and item reference), or "": a till
	// line with such a number is this product (see InStoreKey).
	InStore string
}

// InStoreKey reads a GS1 restricted-circulation number (13 digits, prefix
// 02 or 20–29) in the layout Kori supports: PP IIIII VVVVV C — prefix,
// five-digit item reference, five-digit embedded value (the price in
// cents, or for products sold by weight the weight in grams) and the
// EAN-13 check digit. It returns the key a catalogue item declares as
// InStore and the embedded value.
func InStoreKey(gtin string) (key string, value int, ok bool) {
	if len(gtin) != 13 || !ValidGTIN(gtin) {
		return "", 0, false
	}
	if p := gtin[:2]; p != "02" && (p < "20" || p > "29") {
		return "", 0, false
	}
	for _, c := range gtin[7:12] {
		value = value*10 + int(c-'0')
	}
	return gtin[:2] + "-" + gtin[2:7], value, true
}

// Validate checks the product's invariants.
func (p *Product) Validate() error {
	if err := CheckGTIN(p.GTIN); err != nil {
		return Errorf(EINVALID, "gtin %s", ErrorMessage(err))
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
	if s := p.InStore; s != "" {
		if len(s) != 8 || s[2] != '-' || !ValidGTIN(s[:2]+s[3:]+"000000") || s[:2] != "02" && (s[:2] < "20" || s[:2] > "29") {
			return Errorf(EINVALID, "product %s: in_store %q is not a prefix 02 or 20–29, a dash and a five-digit item reference, e.g. 23-00042", p.GTIN, p.InStore)
		}
	}
	if p.NetKg < 0 || p.KgCO2ePerKg < 0 || p.FVBPct < 0 || p.FVBPct > 100 {
		return Errorf(EINVALID, "product %s: net_kg, co2e factor and fvb_pct must not be negative (fvb_pct at most 100)", p.GTIN)
	}
	return nil
}

// SameFigures reports whether two versions of a product give every line the
// same analysis figures: a change of group, origin, country, unit, weight,
// nutrients, fruit-and-vegetable share, emission factor or Nutri-Score is a
// correction that the rollups of product-level purchases must follow.
func SameFigures(a, b *Product) bool {
	return a.Group == b.Group && a.Origin == b.Origin && a.Country == b.Country && a.Unit == b.Unit && a.NetKg == b.NetKg &&
		a.HasNutrients == b.HasNutrients && a.Nutrients == b.Nutrients && a.FVBPct == b.FVBPct &&
		a.EmissionGroup == b.EmissionGroup && a.KgCO2ePerKg == b.KgCO2ePerKg && a.NutriGrade == b.NutriGrade
}

// ValidGTIN reports whether s looks like a GTIN (8, 12, 13 or 14 digits).
// CheckGTIN also checks its check digit.
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

// GTINCheckDigit is the check digit a GTIN's other digits call for (GS1
// modulo 10: weights 3 and 1 from the right).
func GTINCheckDigit(body string) byte {
	sum := 0
	for i := 0; i < len(body); i++ {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// CheckGTIN says what is wrong with a GTIN, if anything: its length and
// digits, or its check digit (naming the one expected). In-store numbers
// (GS1 prefixes 02 and 20–29) carry a check digit too.
func CheckGTIN(s string) error {
	if !ValidGTIN(s) {
		return Errorf(EINVALID, "%q is not 8, 12, 13 or 14 digits", s)
	}
	if want := GTINCheckDigit(s[:len(s)-1]); s[len(s)-1] != want {
		return Errorf(EINVALID, "%q has check digit %c; its other digits call for %c", s, s[len(s)-1], want)
	}
	return nil
}

// CheckText says why a text from outside (an identifier, a name) cannot be
// taken, if it cannot: invalid UTF-8, control characters (NUL included),
// bidirectional overrides and zero-width characters are refused, never
// rewritten, because two different identifiers must never become one.
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "is not valid UTF-8")
	}
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return Errorf(EINVALID, "holds U+FFFD, the mark of text that was not valid UTF-8, at byte %d", i)
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return Errorf(EINVALID, "holds the control character U+%04X at byte %d", r, i)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x061c || r == 0x200e || r == 0x200f:
			return Errorf(EINVALID, "holds the bidirectional control U+%04X at byte %d", r, i)
		case r >= 0x200b && r <= 0x200d || r == 0x2060 || r == 0xfeff || r == 0x00ad:
			return Errorf(EINVALID, "holds the invisible character U+%04X at byte %d", r, i)
		}
	}
	return nil
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

// ReceiptKind says what a till's document is.
type ReceiptKind string

// Receipt kinds: a sale (the default); a return, with negative lines for
// what was given back, counted in the month it happened; a void, which
// cancels a receipt sent before (named by its key).
const (
	KindSale   ReceiptKind = "sale"
	KindReturn ReceiptKind = "return"
	KindVoid   ReceiptKind = "void"
)

// Receipt is a loyalty-card purchase as the till sends it.
type Receipt struct {
	Kind        ReceiptKind // "" is a sale
	Key         ReceiptKey
	Card        string
	PurchasedAt time.Time
	Total       Money
	Lines       []Line
	// Original names the sale a return gives back, when the till knows it.
	Original *ReceiptKey
}

// LineKind says what a receipt line is. Only product lines count in the
// food analyses; the others are money: spending shows them as their own rows.
type LineKind string

// Line kinds. Deposits (pantti) and carrier bags are not food; a deposit
// refund (pullopalautus), a coupon and cash rounding may be negative.
const (
	LineProduct       LineKind = "product"
	LineDeposit       LineKind = "deposit"
	LineDepositRefund LineKind = "deposit_refund"
	LineCoupon        LineKind = "coupon"
	LineBag           LineKind = "bag"
	LineRounding      LineKind = "rounding"
)

// LineKinds lists every line kind.
var LineKinds = []LineKind{LineProduct, LineDeposit, LineDepositRefund, LineCoupon, LineBag, LineRounding}

// Valid reports whether k is a known kind ("" is product).
func (k LineKind) Valid() bool {
	if k == "" {
		return true
	}
	for _, x := range LineKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Group is the product group a line of this kind is summed under: the
// catalogue's for product lines (""), and one of its own for each other
// kind ("line:deposit"), so that group sums, rollups and spending keep
// them apart from food.
func (k LineKind) Group() string {
	if k == "" || k == LineProduct {
		return ""
	}
	return LineGroupPrefix + string(k)
}

// LineGroupPrefix starts the group codes of lines that are not products.
const LineGroupPrefix = "line:"

// LineGroups are the groups of the lines that are not products, as the
// catalogue shows them: never food.
var LineGroups = []ProductGroup{
	{Code: LineDeposit.Group(), NameFi: "Panttimaksut", NameEn: "Deposits"},
	{Code: LineDepositRefund.Group(), NameFi: "Pullopalautukset", NameEn: "Deposit refunds"},
	{Code: LineCoupon.Group(), NameFi: "Kupongit ja alennukset", NameEn: "Coupons"},
	{Code: LineBag.Group(), NameFi: "Kassit", NameEn: "Carrier bags"},
	{Code: LineRounding.Group(), NameFi: "Käteisen pyöristys", NameEn: "Cash rounding"},
}

// MayBeNegative reports whether a line of this kind may have a negative
// amount on a sale: refunds, coupons, rounding, and product lines that
// correct an earlier line.
func (k LineKind) MayBeNegative() bool {
	return k != LineDeposit && k != LineBag
}

// Line is one line of a receipt.
type Line struct {
	Kind     LineKind // "" is a product line
	GTIN     string   // required for product lines
	Quantity float64  // pieces, or kg for products sold by weight; negative on returns and corrections
	Amount   Money    // net amount paid, after discount
	Discount Money    // discount given, informational
}

// Year returns the calendar year of t in the chain's zone; retention and
// partitioning are by this year, not the UTC one.
func Year(t time.Time, zone *time.Location) int { return t.In(zone).Year() }

// BusinessDay returns t's date in the chain's zone as yyyymmdd.
func BusinessDay(t time.Time, zone *time.Location) int {
	y, m, d := t.In(zone).Date()
	return y*10000 + int(m)*100 + d
}

// OriginalKey writes a receipt key as a return stores the sale it gives
// back: store/till/business day/number.
func OriginalKey(k ReceiptKey) string {
	return fmt.Sprintf("%s/%d/%d/%s", k.Store, k.Till, k.BusinessDay, k.Number)
}

// NotItemised is the group code under which rollups keep the money of receipts
// stored at level total, where nothing is known of what was bought.
const NotItemised = "not_itemised"

// StoredReceipt is what of a receipt may be stored under the member's level:
// the grain decides which of Lines (product) and Groups (group) is filled; at
// total neither is, and at none nothing is stored but the card use.
type StoredReceipt struct {
	Kind        ReceiptKind // sale, return, or void (which stores nothing: it removes Key)
	Original    string      // a return's sale, as OriginalKey writes it
	MemberID    MemberID
	Card        string
	Key         ReceiptKey
	Year        int
	Month       int // 1–12 in the chain's zone, for the monthly rollups
	PurchasedAt time.Time
	Total       Money
	// Eligible is what of the receipt counts for loyalty benefits, under
	// the scheme in force for its month (see Eligible); kept at every
	// level but none, like the total.
	Eligible Money
	Grain    Level
	Lines    []StoredLine
	Groups   []GroupSum
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
	return r.GroupFiguresIn(nil)
}

// GroupFiguresIn is GroupFigures summing a product-level receipt's lines in
// s, emptied first, when s is not nil: a batch writer reuses one s for all
// its receipts instead of allocating each receipt's sums (an import's
// hundred thousand receipts allocated 190 MB so).
func (r *StoredReceipt) GroupFiguresIn(s *GroupSums) []GroupSum {
	switch r.Grain {
	case LevelGroup:
		return r.Groups
	case LevelTotal:
		return []GroupSum{{Group: NotItemised, Figures: Figures{Amount: r.Total}}}
	case LevelProduct:
		if s == nil {
			return SumByGroup(r.Lines)
		}
		s.Reset()
		for _, l := range r.Lines {
			s.Add(l.Group, l.Figures)
		}
		return s.Sums
	}
	return nil
}

// SumByGroup collapses lines into one sum per group, in first-seen order.
func SumByGroup(lines []StoredLine) []GroupSum {
	// A receipt's lines fall in a handful of groups: room for eight at
	// once, where growing the slice from one was a third of the cost.
	s := GroupSums{Sums: make([]GroupSum, 0, min(len(lines), 8))}
	for _, l := range lines {
		s.Add(l.Group, l.Figures)
	}
	return s.Sums
}

// GroupSums adds figures up per group, keeping the groups in the order they
// were first added, so that sums built from the same rows in the same order
// are the same to the last bit (the figures are floating-point). The zero
// value is empty and ready.
type GroupSums struct {
	Sums []GroupSum
	idx  map[string]int
}

// Add adds f to group's sum.
func (s *GroupSums) Add(group string, f Figures) {
	i := s.find(group)
	if i < 0 {
		i = len(s.Sums)
		s.Sums = append(s.Sums, GroupSum{Group: group})
		if s.idx != nil {
			s.idx[group] = i
		}
	}
	s.Sums[i].Figures.Add(f)
}

// Reset empties s for reuse, keeping its room.
func (s *GroupSums) Reset() {
	s.Sums = s.Sums[:0]
	s.idx = nil
}

// find returns group's place in Sums, or -1. While there are few groups it
// looks through them: a receipt has a handful, and building a map for each
// made an import's group sums twice as costly (measured). Beyond that it
// keeps an index.
func (s *GroupSums) find(group string) int {
	if s.idx == nil {
		if len(s.Sums) < 16 {
			for i := range s.Sums {
				if s.Sums[i].Group == group {
					return i
				}
			}
			return -1
		}
		s.idx = make(map[string]int, 2*len(s.Sums))
		for i, g := range s.Sums {
			s.idx[g.Group] = i
		}
	}
	if i, ok := s.idx[group]; ok {
		return i
	}
	return -1
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
