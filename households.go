package kori

// Households (rule 10): adult members who shop for one home and may each
// share their purchases with it. A household never sees anything of a
// member who does not share, and never more than that member's level
// keeps: it reads the sharer's stored data as it is at the moment.

// HouseholdMember is one adult of a household.
type HouseholdMember struct {
	MemberID MemberID `json:"member_id"`
	Email    string   `json:"email"`
	Level    Level    `json:"level"`
	Shares   bool     `json:"shares"`
	You      bool     `json:"you"`
}

// HouseholdInvite is an invitation waiting for the invitee's answer.
type HouseholdInvite struct {
	HouseholdID int64  `json:"household_id"`
	From        string `json:"from"` // the inviter's e-mail
}

// Household is what a member sees of their household: its adults, and the
// invitations waiting for them.
type Household struct {
	ID      int64             `json:"id"` // 0 when the member is in none
	Members []HouseholdMember `json:"members"`
	Invites []HouseholdInvite `json:"invites"`
}

// Sharing returns the members who share, the member themself included
// when they do.
func (h *Household) Sharing() []HouseholdMember {
	var out []HouseholdMember
	for _, m := range h.Members {
		if m.Shares {
			out = append(out, m)
		}
	}
	return out
}
