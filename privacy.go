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
