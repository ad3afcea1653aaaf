// Package report builds the yearly transparency report from the system's
// own records only — consent history, deletion evidence, the access log and
// the audit log — so that what Kori says it did is what its records show.
package report

import (
	"context"
	"sort"
	"time"

	"github.com/kori-project/kori"
)

// Store is what the report reads.
type Store interface {
	LevelsAt(ctx context.Context, t time.Time) (map[kori.Level]int, error)
	ObjectionsAt(ctx context.Context, t time.Time) (map[kori.Purpose]int, error)
	ConsentChanges(ctx context.Context, from, to time.Time) (map[string]int, error)
	PurchasesOfYear(ctx context.Context, y int) (receipts, lines int64, err error)
	Deletions(ctx context.Context, since time.Time) ([]kori.Deletion, error)
	ReadsByPurpose(ctx context.Context, from, to time.Time) (map[kori.Purpose]int, error)
	AuditEvents(ctx context.Context, kinds []string, from, to time.Time) ([]kori.AuditEvent, error)
	BenefitsPaid(ctx context.Context, year int) (n int64, sum kori.Money, err error)
	HouseholdCounts(ctx context.Context) (households, sharing int64, err error)
	HouseholdViews(ctx context.Context, from, to time.Time) (int64, error)
	AppCounts(ctx context.Context, from, to time.Time) (apps, grants, revocations int64, err error)
	AppReadsByScope(ctx context.Context, from, to time.Time) (map[string]int64, error)
}

// Transparency is the yearly report. Counts of members are at the end of
// the year (or now, for the year in progress).
type Transparency struct {
	Year     int       `json:"year"`
	AsOf     time.Time `json:"as_of"`
	Complete bool      `json:"complete"` // false while the year is in progress

	Members         int                  `json:"members"`
	MembersByLevel  map[kori.Level]int   `json:"members_by_level"`
	RestrictedShare float64              `json:"restricted_share"` // below product level
	Objections      map[kori.Purpose]int `json:"objections"`
	ConsentChanges  map[string]int       `json:"consent_changes"` // "kind=new value"

	ReceiptsStored int64                                `json:"receipts_stored"` // of purchase year Year, now
	LinesStored    int64                                `json:"lines_stored"`
	Deleted        map[kori.DeletionReason]DeletedCount `json:"deleted"`

	Requests []RequestStat        `json:"requests"`
	Reads    map[kori.Purpose]int `json:"reads_by_purpose"`
	Offers   int                  `json:"offers_made"`
	// Voids counts receipts a till cancelled after sending them: removed
	// as if never sent, and not a deletion by rule.
	Voids      int            `json:"receipts_voided"`
	Analytics  AnalyticsStats `json:"analytics"`
	Benefits   BenefitStats   `json:"benefits"`
	Households HouseholdStats `json:"households"`
	Apps       AppStats       `json:"apps"`
	Rules      Rules          `json:"rules"`
}

// AppStats accounts for the apps members authorise: the apps registered
// by the end of the year, the grants members made and revoked in it (a
// revocation by erasure counts as the erasure), and the apps' reads by
// scope.
type AppStats struct {
	Apps         int64            `json:"apps"`
	Grants       int64            `json:"grants"`
	Revocations  int64            `json:"revocations"`
	ReadsByScope map[string]int64 `json:"reads_by_scope"`
}

// HouseholdStats counts the households of two or more adults and the
// members who share with theirs (now, or at the end of a past year as
// counted then: these are current counts), and the views of members'
// purchases by their household in the year.
type HouseholdStats struct {
	Households int64 `json:"households"`
	Sharing    int64 `json:"sharing_members"`
	Views      int64 `json:"views"`
}

// BenefitStats counts the loyalty benefits paid for the months of the year.
type BenefitStats struct {
	Paid   int64      `json:"paid"`
	Amount kori.Money `json:"amount_cents"`
}

// AnalyticsStats counts the chain's analytics queries of the year from the
// query log: how many, by how many keys, the figures suppressed, and the
// differential-privacy ε spent.
type AnalyticsStats struct {
	Queries    int     `json:"queries"`
	Keys       int     `json:"keys"`
	Suppressed int     `json:"figures_suppressed"`
	Epsilon    float64 `json:"epsilon_spent"`
}

// DeletedCount is what deletions of one reason removed in the year.
type DeletedCount struct {
	Events   int   `json:"events"`
	Receipts int64 `json:"receipts"`
	Lines    int64 `json:"lines"`
	Members  int64 `json:"members"`
}

// RequestStat summarises the data subject requests of one kind.
type RequestStat struct {
	Kind         kori.RequestKind `json:"kind"`
	Received     int              `json:"received"`
	Completed    int              `json:"completed"`
	MedianHours  float64          `json:"median_hours"`
	MaxHours     float64          `json:"max_hours"`
	PastDeadline int              `json:"past_deadline"`
}

// Rules are the rules in force, from the same constants the code enforces.
type Rules struct {
	RetentionYears  int `json:"retention_years"`
	InactiveMonths  int `json:"inactive_months"`
	NoticeMonths    int `json:"notice_months"`
	DeadlineMonths  int `json:"request_deadline_months"`
	LevelsAvailable int `json:"levels_available"`
	// BenefitYears is how long after its year a paid benefit is kept.
	BenefitYears int `json:"benefit_record_years"`
}

// CurrentRules returns the rules in force.
func CurrentRules() Rules {
	return Rules{RetentionYears: kori.RetentionYears, InactiveMonths: kori.InactiveMonths, NoticeMonths: kori.NoticeMonths,
		DeadlineMonths: kori.RequestDeadline, LevelsAvailable: len(kori.Levels), BenefitYears: kori.BenefitKeepYears}
}

// Build makes the report of year in the chain's zone as of now.
func Build(ctx context.Context, s Store, year int, zone *time.Location, now time.Time) (*Transparency, error) {
	from, to := time.Date(year, 1, 1, 0, 0, 0, 0, zone), time.Date(year+1, 1, 1, 0, 0, 0, 0, zone)
	if from.After(now) {
		return nil, kori.Errorf(kori.ENOTFOUND, "no report for %d yet", year)
	}
	r := &Transparency{Year: year, AsOf: now, Complete: !now.Before(to), Rules: CurrentRules(),
		Deleted: map[kori.DeletionReason]DeletedCount{}, Requests: []RequestStat{}}
	end := to
	if now.Before(end) {
		end = now
	}
	var err error
	if r.MembersByLevel, err = s.LevelsAt(ctx, end); err != nil {
		return nil, err
	}
	for l, n := range r.MembersByLevel {
		r.Members += n
		if l != kori.LevelProduct {
			r.RestrictedShare += float64(n)
		}
	}
	if r.Members > 0 {
		r.RestrictedShare /= float64(r.Members)
	}
	if r.Objections, err = s.ObjectionsAt(ctx, end); err != nil {
		return nil, err
	}
	if r.ConsentChanges, err = s.ConsentChanges(ctx, from, to); err != nil {
		return nil, err
	}
	if r.ReceiptsStored, r.LinesStored, err = s.PurchasesOfYear(ctx, year); err != nil {
		return nil, err
	}
	ds, err := s.Deletions(ctx, from)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if !d.At.Before(to) {
			continue
		}
		c := r.Deleted[d.Reason]
		c.Events++
		c.Receipts += d.Rows["receipts"]
		c.Lines += d.Rows["receipt_lines"]
		c.Members += d.Rows["members"]
		r.Deleted[d.Reason] = c
	}
	if r.Reads, err = s.ReadsByPurpose(ctx, from, to); err != nil {
		return nil, err
	}
	if r.Benefits.Paid, r.Benefits.Amount, err = s.BenefitsPaid(ctx, year); err != nil {
		return nil, err
	}
	if r.Households.Households, r.Households.Sharing, err = s.HouseholdCounts(ctx); err != nil {
		return nil, err
	}
	if r.Households.Views, err = s.HouseholdViews(ctx, from, to); err != nil {
		return nil, err
	}
	if r.Apps.Apps, r.Apps.Grants, r.Apps.Revocations, err = s.AppCounts(ctx, from, to); err != nil {
		return nil, err
	}
	if r.Apps.ReadsByScope, err = s.AppReadsByScope(ctx, from, to); err != nil {
		return nil, err
	}
	events, err := s.AuditEvents(ctx, []string{"dsr_created", "dsr_completed", "offers_run", "void", kori.AuditAnalyticsQuery}, from, to)
	if err != nil {
		return nil, err
	}
	r.Requests = requestStats(events, now)
	keys := map[string]bool{}
	for _, e := range events {
		switch e.Kind {
		case "offers_run":
			r.Offers += int(number(e.Detail["offers"]))
		case "void":
			r.Voids++
		case kori.AuditAnalyticsQuery:
			r.Analytics.Queries++
			r.Analytics.Suppressed += int(number(e.Detail["suppressed"]))
			r.Analytics.Epsilon += number(e.Detail["epsilon"])
			if k, _ := e.Detail["key"].(string); !keys[k] {
				keys[k] = true
				r.Analytics.Keys++
			}
		}
	}
	return r, nil
}

func number(v any) float64 {
	f, _ := v.(float64)
	return f
}

// requestStats pairs the creation and completion of requests in the audit
// log: the request rows themselves may have gone with an erased member.
func requestStats(events []kori.AuditEvent, now time.Time) []RequestStat {
	type req struct {
		kind     kori.RequestKind
		due      time.Time
		done     bool
		duration float64 // hours
		late     bool
	}
	reqs := map[int64]*req{}
	var order []int64
	for _, e := range events {
		id := int64(number(e.Detail["request"]))
		kind, _ := e.Detail["kind"].(string)
		switch e.Kind {
		case "dsr_created":
			reqs[id] = &req{kind: kori.RequestKind(kind), due: time.Unix(int64(number(e.Detail["due"])), 0)}
			order = append(order, id)
		case "dsr_completed":
			r, ok := reqs[id]
			if !ok {
				continue // created the year before
			}
			r.done = true
			r.duration = number(e.Detail["seconds"]) / 3600
			r.late = e.At.After(r.due)
		}
	}
	byKind := map[kori.RequestKind]*RequestStat{}
	durations := map[kori.RequestKind][]float64{}
	for _, id := range order {
		r := reqs[id]
		st := byKind[r.kind]
		if st == nil {
			st = &RequestStat{Kind: r.kind}
			byKind[r.kind] = st
		}
		st.Received++
		if r.done {
			st.Completed++
			durations[r.kind] = append(durations[r.kind], r.duration)
		}
		if r.late || !r.done && now.After(r.due) {
			st.PastDeadline++
		}
	}
	out := []RequestStat{}
	for k, st := range byKind {
		ds := durations[k]
		sort.Float64s(ds)
		if n := len(ds); n > 0 {
			st.MaxHours = ds[n-1]
			st.MedianHours = ds[n/2]
			if n%2 == 0 {
				st.MedianHours = (ds[n/2-1] + ds[n/2]) / 2
			}
		}
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}
