package kori

import "time"

// PrivacyEventKind names a change that a restored backup must repeat.
type PrivacyEventKind string

// The privacy events. A choice is a consent change (level, objection,
// extended retention: a lowered level also rewrites history); an erasure
// deletes a member's purchases or membership (by request or inactivity);
// a retention deletes the purchases of every year before OldestKept of the
// members without extended retention at that moment.
const (
	EventChoice    PrivacyEventKind = "choice"
	EventErasure   PrivacyEventKind = "erasure"
	EventRetention PrivacyEventKind = "retention"
	// EventRevokeGrant ends an app's access: a restored backup must not
	// let the app back in.
	EventRevokeGrant PrivacyEventKind = "revoke_grant"
)

// PrivacyEvent is one entry of the privacy journal: what changed, for whom
// (a bare member number; never a name, e-mail or card), when and by whom.
// Replaying the events after a backup's point, in order, brings the
// restored database to the state the lost one had.
type PrivacyEvent struct {
	Seq        int64            `json:"seq"`
	At         time.Time        `json:"at"`
	Kind       PrivacyEventKind `json:"kind"`
	Member     MemberID         `json:"member,omitempty"`
	Choice     *Choice          `json:"choice,omitempty"`
	Scope      string           `json:"scope,omitempty"`  // erasure: purchases or member
	Reason     DeletionReason   `json:"reason,omitempty"` // erasure
	OldestKept int              `json:"oldest_kept,omitempty"`
	Grant      string           `json:"grant,omitempty"` // revoke_grant: the grant's id
	Actor      Actor            `json:"actor"`
}

// Journal keeps privacy events outside the database they protect, in the
// order their changes commit. Begin appends the event before the change
// commits and holds the journal until Done, so that no other event can
// come between; Done(false) marks the event as not having happened. An
// event whose Done never came (a crash) is replayed: repeating a deletion
// the member asked for is safe, missing one is not.
type Journal interface {
	Begin(e PrivacyEvent) (JournalCommit, error)
}

// JournalCommit ends one event's append.
type JournalCommit interface {
	Done(committed bool) error
}
