package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kori-project/kori"
)

// offerRow is one offer as the member and the marketing systems see it,
// with its reason in plain words.
type offerRow struct {
	CampaignID  string    `json:"campaign_id"`
	Name        string    `json:"name"`
	DiscountPct float64   `json:"discount_pct"`
	ValidTo     time.Time `json:"valid_to"` // last day included
	GTIN        string    `json:"gtin,omitempty"`
	Group       string    `json:"group,omitempty"`
	Times       int       `json:"times"`
	Months      int       `json:"months"`
	LastBought  time.Time `json:"last_bought"`
	Reason      string    `json:"reason"`
	ReasonFi    string    `json:"reason_fi"`
	ReasonEn    string    `json:"reason_en"`
}

type offersView struct {
	// Allowed is false when the member's level or objection rules offers
	// out; Why then names the cause (a message id for the page).
	Allowed bool       `json:"allowed"`
	Why     string     `json:"why,omitempty"`
	Offers  []offerRow `json:"offers"`
}

func (s *Server) offerRows(r *http.Request, id kori.MemberID, l *Locale) ([]offerRow, error) {
	os, err := s.Store.OffersOf(r.Context(), id)
	if err != nil {
		return nil, err
	}
	cs, err := s.Store.Campaigns(r.Context(), time.Time{})
	if err != nil {
		return nil, err
	}
	byID := map[string]kori.Campaign{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	out := []offerRow{}
	for _, o := range os {
		c, ok := byID[o.CampaignID]
		if !ok {
			continue
		}
		row := offerRow{CampaignID: c.ID, Name: l.Name(c.NameFi, c.NameEn), DiscountPct: c.DiscountPct, ValidTo: c.ValidTo.AddDate(0, 0, -1).In(s.Zone),
			GTIN: c.GTIN, Group: c.Group, Times: o.Times, Months: o.Months, LastBought: o.LastBought.In(s.Zone)}
		msg := "offers.reason.product"
		if c.Group != "" {
			msg = "offers.reason.group"
		}
		for _, lang := range []string{"fi", "en"} {
			loc := s.locales[lang]
			text := loc.T(msg, "Times", o.Times, "Months", o.Months, "Date", loc.Date(row.LastBought))
			if lang == "fi" {
				row.ReasonFi = text
			} else {
				row.ReasonEn = text
			}
		}
		row.Reason = row.ReasonFi
		if l.Lang == "en" {
			row.Reason = row.ReasonEn
		}
		out = append(out, row)
	}
	return out, nil
}

// myOffers is the member's "My offers" page.
func (s *Server) myOffers(r *http.Request, d *memberData) (any, error) {
	v := offersView{Allowed: true, Offers: []offerRow{}}
	if err := d.m.Allows(kori.PurposePersonalisation); err != nil {
		v.Allowed, v.Why = false, "offers.why_level"
		if d.m.ObjectsPersonalisation {
			v.Why = "offers.why_objection"
		}
		return v, nil
	}
	rows, err := s.offerRows(r, d.m.ID, d.loc)
	if err != nil {
		return nil, err
	}
	v.Offers = rows
	return v, nil
}

// marketingOffers is the answer to the marketing systems.
type marketingOffers struct {
	MemberID int64      `json:"member_id"`
	Offers   []offerRow `json:"offers"`
}

// getMarketingOffers gives a marketing system a member's offers, with an API
// key of scope offers. The read is for personalisation: it goes through the
// gate and into the member's access log. A member who may not get offers
// gets none, and nothing is read or logged.
func (s *Server) getMarketingOffers(w http.ResponseWriter, r *http.Request) error {
	key, err := s.requireScope(r, kori.ScopeOffers)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("member"), 10, 64)
	if err != nil {
		return kori.Errorf(kori.EINVALID, "member must be Kori's member number: GET /api/v1/offers?member=123")
	}
	m, err := s.Store.Member(r.Context(), kori.MemberID(id))
	if err != nil {
		return err
	}
	out := marketingOffers{MemberID: id, Offers: []offerRow{}}
	if err := s.gate.Read(r.Context(), m, kori.Actor{Channel: "api", Name: key.Name}, kori.PurposePersonalisation, "offers"); err != nil {
		if kori.ErrorCode(err) == kori.EFORBIDDEN {
			writeJSON(w, http.StatusOK, out)
			return nil
		}
		return err
	}
	if out.Offers, err = s.offerRows(r, m.ID, s.locales.pick(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
