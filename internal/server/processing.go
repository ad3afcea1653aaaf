package server

import (
	"net/http"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/report"
)

// The record of processing activities (GDPR article 30) for the privacy
// officer, generated from what the code enforces and from the API keys that
// exist: the purposes, the data kept at each level, who receives data, how
// long it is kept and how it is protected. It cannot fall out of date.

type processingView struct {
	Controller Controller              `json:"controller"`
	Purposes   []processingPurpose     `json:"purposes"`
	Subjects   string                  `json:"data_subjects"`
	Categories map[kori.Level][]string `json:"data_categories_by_level"`
	Recipients []processingRecipient   `json:"recipients"`
	// Apps are the third-party apps members may authorise, each reading
	// only the scopes a member grants it.
	Apps      []appView    `json:"apps_members_may_authorise"`
	Transfers string       `json:"transfers_outside_eea"`
	Rules     report.Rules `json:"retention"`
	Measures  []string     `json:"security_measures"`
	// MeasureIDs name the measures' messages, for the page in the reader's
	// language (the JSON keeps English).
	MeasureIDs []string `json:"-"`
}

type processingPurpose struct {
	Purpose    kori.Purpose `json:"purpose"`
	Basis      string       `json:"legal_basis"`
	Objectable bool         `json:"member_may_object"`
}

type processingRecipient struct {
	System string   `json:"system"` // the API key's name
	Scopes []string `json:"scopes"`
	Active bool     `json:"active"`
}

// legalBasis names the GDPR article 6 basis of each purpose.
var legalBasis = map[kori.Purpose]string{
	kori.PurposeMemberService:   "contract (6(1)(b)): the loyalty membership",
	kori.PurposeLoyaltyBenefit:  "contract (6(1)(b)): the loyalty membership",
	kori.PurposePersonalisation: "legitimate interest (6(1)(f)), with the right to object",
	kori.PurposeAnalytics:       "legitimate interest (6(1)(f)), with the right to object",
	kori.PurposeLegalObligation: "legal obligation (6(1)(c))",
}

func (s *Server) processing(r *http.Request) (processingView, error) {
	v := processingView{Controller: s.Controller, Subjects: "loyalty-programme members and their cards",
		Categories: dataCategories, Rules: report.CurrentRules(), Transfers: "none by Kori",
		Recipients: []processingRecipient{},
		Measures: []string{
			"purchase data stored only at the member's level, enforced at write time",
			"member passwords hashed with argon2id; session and API key secrets stored as SHA-256 hashes",
			"every read by anyone but the member passes a purpose gate and is logged for the member",
			"erasure and retention delete every table and derived row; SQLite secure_delete and WAL checkpoint",
			"hash-chained audit log of consent changes, deletions, exports and admin actions (kori audit verify)",
			"backups restored only with every later deletion re-applied",
			"analytics only as sums over members who allow it, at their level's grain; no figure from fewer than k (10) members, with complementary suppression; optional differential privacy with a budget per key; every query in the audit log",
			"paid benefits kept as accounting records (month, purchase sum, rate, amount, payout reference) for 6 years after their year; after erasure without any member identifier",
			"apps read only the scopes a member granted, at the member's level, for the duration chosen; OAuth 2.0 code flow with PKCE only, 10-minute access tokens, rotating refresh tokens stored as hashes; every read in the member's access log; revocation and erasure end access at the next request",
		},
		MeasureIDs: []string{"level", "secrets", "gate", "erasure", "audit", "backups", "analytics", "benefits", "apps"}}
	for _, p := range []kori.Purpose{kori.PurposeMemberService, kori.PurposeLoyaltyBenefit, kori.PurposePersonalisation, kori.PurposeAnalytics, kori.PurposeLegalObligation} {
		v.Purposes = append(v.Purposes, processingPurpose{Purpose: p, Basis: legalBasis[p], Objectable: p.Objectable()})
	}
	keys, err := s.Store.APIKeys(r.Context())
	if err != nil {
		return v, err
	}
	for _, k := range keys {
		v.Recipients = append(v.Recipients, processingRecipient{System: k.Name, Scopes: k.Scopes, Active: k.RevokedAt.IsZero()})
	}
	v.Apps, err = s.appViews(r)
	return v, err
}

func (s *Server) getAdminProcessing(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	v, err := s.processing(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "processing", pageData{V: v})
}

func (s *Server) getAPIAdminProcessing(w http.ResponseWriter, r *http.Request, k *kori.APIKey) error {
	v, err := s.processing(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
