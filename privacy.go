package kori

import "time"

// The rules of "The rules" in the brief that code enforces on its own: how
// long purchases are kept and when an unused membership ends. They are
// constants here so that the privacy notice, the retention job and the
// member pages read the same values.
const (
	// RetentionYears: purchases of year Y are deleted on 1 January of
	// Y+RetentionYears in the chain's zone, unless the member chose
	// extended retention.
	RetentionYears = 11
	// InactiveMonths: a member whose cards have not been used for this many
	// months is deleted with all their data.
	InactiveMonths = 24
	// NoticeMonths: how long before the inactivity deletion the member is
	// told (a record in the outbox a mail system reads).
	NoticeMonths = 1
)

// OldestKeptYear returns the first purchase year still kept on the day of t
// in zone: every earlier year is past retention.
func OldestKeptYear(t time.Time, zone *time.Location) int {
	return t.In(zone).Year() - RetentionYears + 1
}

// DeletionDay returns the day purchases of year are deleted.
func DeletionDay(year int, zone *time.Location) time.Time {
	return time.Date(year+RetentionYears, 1, 1, 0, 0, 0, 0, zone)
}

// InactiveSince returns the last card use before which a member counts as
// inactive on the day of t: InactiveMonths calendar months earlier.
func InactiveSince(t time.Time, zone *time.Location) time.Time {
	return t.In(zone).AddDate(0, -InactiveMonths, 0)
}

// ConsentKind names what a consent record changes.
type ConsentKind string

// The member's choices. An objection is "objects" or "allows"; extended
// retention "on" or "off"; a level is one of the levels.
const (
	ConsentLevel           ConsentKind = "level"
	ConsentPersonalisation ConsentKind = "objection:personalisation"
	ConsentAnalytics       ConsentKind = "objection:analytics"
	ConsentRetention       ConsentKind = "extended_retention"
)

// Validate reports whether k is a known kind.
func (k ConsentKind) Validate() error {
	switch k {
	case ConsentLevel, ConsentPersonalisation, ConsentAnalytics, ConsentRetention:
		return nil
	}
	return Errorf(EINVALID, "choice %q is not one of level, objection:personalisation, objection:analytics, extended_retention", string(k))
}

// Consent is one append-only record of a member's choice.
type Consent struct {
	MemberID MemberID
	Seq      int
	At       time.Time
	Kind     ConsentKind
	From, To string
	// Channel is where the change was made (web, api, import, service desk)
	// and Actor who made it (the member, or a staff member's id).
	Channel, Actor string
}

// Choice is a change a member asks for.
type Choice struct {
	Kind ConsentKind
	To   string
}

// Validate checks the value against the kind.
func (c Choice) Validate() error {
	if err := c.Kind.Validate(); err != nil {
		return err
	}
	switch c.Kind {
	case ConsentLevel:
		return Level(c.To).Validate()
	case ConsentRetention:
		if c.To != "on" && c.To != "off" {
			return Errorf(EINVALID, "extended_retention must be on or off, not %q", c.To)
		}
	default:
		if c.To != "objects" && c.To != "allows" {
			return Errorf(EINVALID, "%s must be objects or allows, not %q", c.Kind, c.To)
		}
	}
	return nil
}

// DeletionReason says why data was deleted; the transparency report counts
// deletions by it.
type DeletionReason string

// The reasons data leaves Kori.
const (
	ReasonRetention  DeletionReason = "retention"
	ReasonInactivity DeletionReason = "inactivity"
	ReasonErasure    DeletionReason = "erasure"   // the member asked
	ReasonDowngrade  DeletionReason = "downgrade" // the member lowered their level
)

// Deletion is the evidence of one deletion: what kinds of data and how many
// rows, when and why. It holds no personal data, so it outlives what it
// describes; MemberID is Kori's internal number, which no longer leads to a
// person once the member is gone, and is 0 for deletions of a whole year.
type Deletion struct {
	ID       int64
	At       time.Time
	Reason   DeletionReason
	MemberID MemberID
	// Scope is "purchases", "member" (everything) or "year:2015".
	Scope string
	// Rows counts the rows deleted per table.
	Rows map[string]int64
}

// Actor is who did something, for consent records, the audit log and the
// access log.
type Actor struct {
	Channel string // web, api, cli, job
	Name    string // "member", a staff member's id, or the job's name
}

// String is "channel:name".
func (a Actor) String() string { return a.Channel + ":" + a.Name }

// InactivityOutcome is what one run of the inactivity rule did.
type InactivityOutcome struct {
	Notified []MemberID // told a month before deletion
	Erased   []Deletion
}

// Access is one read of a member's data by someone other than the member.
type Access struct {
	At      time.Time
	Actor   string
	Purpose Purpose
	What    string
}

// RequestKind is the kind of a data subject request (GDPR articles 15–17, 20).
type RequestKind string

// The data subject requests the privacy officer tracks.
const (
	RequestAccess        RequestKind = "access"
	RequestExport        RequestKind = "export"
	RequestErasure       RequestKind = "erasure"
	RequestRectification RequestKind = "rectification"
)

// Validate reports whether k is a known kind.
func (k RequestKind) Validate() error {
	switch k {
	case RequestAccess, RequestExport, RequestErasure, RequestRectification:
		return nil
	}
	return Errorf(EINVALID, "request kind %q is not one of access, export, erasure, rectification", string(k))
}

// RequestDeadline is how long a data subject request may take (GDPR 12(3)).
const RequestDeadline = 1 // month

// Request is a data subject request and its deadline.
type Request struct {
	ID       int64
	MemberID MemberID
	Kind     RequestKind
	Status   string // open, done
	// Outcome says how a done request ended when it was not answered as
	// asked: "erasure" when the member erased their membership first.
	Outcome     string
	CreatedAt   time.Time
	DueAt       time.Time
	CompletedAt time.Time
}

// Overdue reports whether the request is past its deadline at now.
func (r Request) Overdue(now time.Time) bool {
	if r.CompletedAt.IsZero() {
		return now.After(r.DueAt)
	}
	return r.CompletedAt.After(r.DueAt)
}

// Allows reports, as nil, whether the member's level and objections allow a
// read for the purpose; otherwise the error says why. Member service, loyalty
// benefits and legal obligations read what is stored; personalisation needs
// product or group level and no objection; analytics needs some purchase data
// and no objection.
func (m *Member) Allows(p Purpose) error {
	switch p {
	case PurposeMemberService, PurposeLoyaltyBenefit, PurposeLegalObligation:
		return nil
	case PurposePersonalisation:
		if m.ObjectsPersonalisation {
			return Errorf(EFORBIDDEN, "the member objects to personalisation")
		}
		if m.Level != LevelProduct && m.Level != LevelGroup {
			return Errorf(EFORBIDDEN, "personalisation needs level product or group; the member's level is %s", m.Level)
		}
		return nil
	case PurposeAnalytics:
		if m.ObjectsAnalytics {
			return Errorf(EFORBIDDEN, "the member objects to analytics")
		}
		if m.Level == LevelNone {
			return Errorf(EFORBIDDEN, "the member's level is none")
		}
		return nil
	}
	return Errorf(EINVALID, "purpose %q is not one of member_service, loyalty_benefit, personalisation, analytics, legal_obligation", string(p))
}

// AuditEvent is an entry of the audit log as reports read it.
type AuditEvent struct {
	At     time.Time
	Kind   string
	Detail map[string]any
}
