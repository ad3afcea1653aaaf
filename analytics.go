package kori

// The chain's aggregate analytics (rule 8) read members' monthly rollups and
// receipt totals summed over many members, never one member's rows. These
// are the nouns the store and the analytics engine share.

// AnalyticsDimension is what an analytics table breaks each period down by.
type AnalyticsDimension string

// Dimensions of an analytics table. Group figures come from members at level
// product or group; the total, store and city ones from every level but none
// (receipt totals are all a total-level member has).
const (
	DimTotal AnalyticsDimension = "total" // one row per period
	DimGroup AnalyticsDimension = "group" // product group
	DimStore AnalyticsDimension = "store" // store, from receipt totals
	DimCity  AnalyticsDimension = "city"  // the store's city, from receipt totals
)

// AnalyticsDimensions lists the dimensions in the order the API names them.
var AnalyticsDimensions = []AnalyticsDimension{DimTotal, DimGroup, DimStore, DimCity}

// AnalyticsSelect is what the store sums: the months From–To (yyyymm,
// inclusive), by month or by year, broken down by Dim, over members who do
// not object to analytics and whose level is one of Levels. ByPeriod and
// ByKey false sum over all periods or all keys: the margins of the table.
type AnalyticsSelect struct {
	From, To int
	ByMonth  bool
	Dim      AnalyticsDimension
	Levels   []Level
	ByPeriod bool
	ByKey    bool
	// CountsOnly asks for the distinct members of each cell alone, without
	// the figures: for the margins of a table, whose figures are the sums
	// of its cells.
	CountsOnly bool
}

// AnalyticsCell is one cell of the sums: Period is yyyymm (by month), yyyy
// (by year) or 0 (all periods); Key is the group, store or city, or "" for
// all. Members counts the distinct members who contributed; it is what the
// k-anonymity threshold is checked against.
type AnalyticsCell struct {
	Period   int
	Key      string
	Members  int64
	Receipts int64 // sales receipts, for the receipt dimensions
	Figures  Figures
}

// MemberCell is one member's sums in one cell (a period, and a group when
// the select is by group): the unit of the distributions and of clipping
// under differential privacy. It leaves the store only into the engine that
// turns many of them into quartiles or noisy sums; it carries no member
// identifier.
type MemberCell struct {
	Period  int
	Key     string
	Figures Figures
}

// MemberCount is the number of members with one level and set of objections.
type MemberCount struct {
	Level                  Level
	ObjectsAnalytics       bool
	ObjectsPersonalisation bool
	Members                int64
}

// AuditAnalyticsQuery is the audit-log kind of an analytics query: the query
// log the transparency report counts and a key's privacy budget is summed from.
const AuditAnalyticsQuery = "analytics_query"
