package kori

import "time"

// MonthRollup is the sum of a member's purchases in one product group in one
// month (chain time zone). The member's analyses read only rollups, so a page
// costs the same whatever the number of lines behind it.
type MonthRollup struct {
	Year, Month int
	Group       string
	Figures     Figures
}

// RollupGrouping says how a member's rollups are summed for a page.
type RollupGrouping int

// The groupings of RollupTotals.
const (
	TotalsByYear  RollupGrouping = iota + 1 // one row per year, all groups
	TotalsByMonth                           // one row per month, all groups
	TotalsByGroup                           // one row per year and group
)

// StoreMonth is the number and sum of a member's receipts in one store in one
// month: spending by store works at every grain down to total.
type StoreMonth struct {
	Year, Month int
	Store       string
	Receipts    int
	Amount      Money
}

// ReceiptSummary is a stored receipt without its lines.
type ReceiptSummary struct {
	ID          int64
	Kind        ReceiptKind
	Original    string // a return's sale (OriginalKey), when the till named it
	MemberID    MemberID
	Key         ReceiptKey
	Year        int
	PurchasedAt time.Time
	Total       Money
	Grain       Level
}

// ReceiptDetail is a stored receipt with what its grain kept: product lines at
// product, group sums at group, nothing more at total.
type ReceiptDetail struct {
	ReceiptSummary
	Lines  []StoredLine
	Groups []GroupSum
}

// ReceiptFilter narrows a member's receipts. Zero fields do not filter.
type ReceiptFilter struct {
	Year, Month int
	// Stores, GTINs and Groups select receipts from one of the stores or with
	// a line of one of the products or a sum in one of the groups; a search
	// fills them from the names it matched.
	Stores, GTINs, Groups []string
	Search                bool // apply Stores, GTINs and Groups even when empty
	Limit                 int
	// Offset skips that many receipts of the order (newest first), for
	// paging through all of a search's matches.
	Offset int
}

// MaxSearchTerms bounds the stores, products or groups one receipt search
// looks for; a search term that matches more is searched for the first
// ones, and the answer says so.
const MaxSearchTerms = 500

// LineMatch is a line or group sum of a receipt that a search matched, so
// that the results can say why each receipt was found.
type LineMatch struct {
	ReceiptID int64
	GTIN      string // "" for a group sum
	Group     string
}

// ProductSum is what a member bought of one product in a period.
type ProductSum struct {
	GTIN     string
	Lines    int
	Quantity float64
	Amount   Money
}

// DataHeld summarises what is stored about a member's purchases.
type DataHeld struct {
	Receipts, Lines, GroupSums, Rollups int64
	First, Last                         time.Time // first and last purchase held; zero when none
}

// LineOfReceipt is a stored product line with the id of its receipt.
type LineOfReceipt struct {
	ReceiptID int64
	StoredLine
}

// GroupSumOfReceipt is a stored group sum with the id of its receipt.
type GroupSumOfReceipt struct {
	ReceiptID int64
	GroupSum
}
