package server

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analysis"
	"github.com/kori-project/kori/internal/chart"
)

// The household pages (rule 10): the adults of the member's household, who
// shares, and the combined spending, domestic share, carbon and nutrition of
// those who share, each at their own level, with a filter per member. Every
// view of another member's purchases goes into that member's access log.
// Nothing is cached: a member who stops sharing, lowers their level, erases
// their purchases or leaves is out of the very next request.

// householdWhat is what a household view is logged as in the sharer's
// access log; the access page names it in the reader's language.
const householdWhat = "household"

type householdView struct {
	Household *kori.Household `json:"household"`
	Years     []int           `json:"years"`
	Year      int             `json:"year"`
	// Filter is the member whose purchases alone are shown; 0 for all who share.
	Filter  kori.MemberID     `json:"filter,omitempty"`
	Rows    []householdRow    `json:"members"`
	Total   householdFigures  `json:"combined"`
	ByYear  []householdByYear `json:"by_year"`
	Sharing int               `json:"sharing"`
}

// householdRow is one adult with their figures of the year, when they share.
type householdRow struct {
	kori.HouseholdMember
	Figures *householdFigures `json:"figures,omitempty"`
}

// householdFigures are the analyses of a set of purchases.
type householdFigures struct {
	Amount   kori.Money `json:"amount_cents"`
	Finnish  float64    `json:"finnish_share"`
	HasFood  bool       `json:"has_food"`
	CO2eKg   float64    `json:"co2e_kg"`
	NutriAB  float64    `json:"nutri_ab_share"`
	HasNutri bool       `json:"has_nutri"`
}

type householdByYear struct {
	Year    int          `json:"year"`
	Amounts []kori.Money `json:"amount_cents"` // in the order of Rows' sharers
}

func figuresOf(f kori.Figures) householdFigures {
	d, ns := analysis.DomesticOf(f), analysis.NutriScoresOf(f)
	return householdFigures{Amount: f.Amount, Finnish: d.FinnishShare, HasFood: d.Known() > 0, CO2eKg: f.CO2eGrams / 1000,
		NutriAB: ns.A + ns.B, HasNutri: f.NutriA+f.NutriB+f.NutriC+f.NutriD+f.NutriE > 0}
}

func (s *Server) household(r *http.Request, d *memberData) (any, error) {
	ctx := r.Context()
	h, err := s.Store.HouseholdOf(ctx, d.m.ID)
	if err != nil {
		return nil, err
	}
	v := householdView{Household: h, Years: []int{}, Rows: []householdRow{}, ByYear: []householdByYear{}}
	if f := r.URL.Query().Get("who"); f != "" {
		id, err := strconv.ParseInt(f, 10, 64)
		ok := false
		for _, m := range h.Sharing() {
			ok = ok || err == nil && m.MemberID == kori.MemberID(id)
		}
		if !ok {
			return nil, kori.Errorf(kori.EINVALID, "who must be the number of a member of your household who shares")
		}
		v.Filter = kori.MemberID(id)
	}
	byYear := map[int][]kori.Money{}
	years := map[int]bool{}
	perMember := map[kori.MemberID]map[int]kori.Figures{}
	for _, m := range h.Sharing() {
		if v.Filter != 0 && m.MemberID != v.Filter {
			continue
		}
		// Read as the member keeps it now: their level, their sharing.
		rows, err := s.Store.RollupTotals(ctx, m.MemberID, kori.TotalsByYear)
		if err != nil {
			return nil, err
		}
		if !m.You {
			if err := s.Store.LogAccess(ctx, m.MemberID, kori.Actor{Channel: "household", Name: d.m.Email}, kori.PurposeMemberService, householdWhat); err != nil {
				return nil, err
			}
		}
		perMember[m.MemberID] = map[int]kori.Figures{}
		for _, y := range rows {
			perMember[m.MemberID][y.Year] = y.Figures
			years[y.Year] = true
		}
		v.Sharing++
	}
	for y := range years {
		v.Years = append(v.Years, y)
	}
	slices.Sort(v.Years)
	v.Year = d.now.Year()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && years[y] {
		v.Year = y
	} else if len(v.Years) > 0 && !years[v.Year] {
		v.Year = v.Years[len(v.Years)-1]
	}
	var total kori.Figures
	for _, m := range h.Members {
		row := householdRow{HouseholdMember: m}
		if f, ok := perMember[m.MemberID]; ok {
			fig := figuresOf(f[v.Year])
			row.Figures = &fig
			total.Add(f[v.Year])
			for _, y := range v.Years {
				byYear[y] = append(byYear[y], f[y].Amount)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	for _, y := range v.Years {
		v.ByYear = append(v.ByYear, householdByYear{Year: y, Amounts: byYear[y]})
	}
	v.Total = figuresOf(total)
	return v, nil
}

// householdCharts draws the sharers' spending by year, stacked by member.
func householdCharts(x any, l *Locale) map[string]template.HTML {
	v := x.(householdView)
	if len(v.ByYear) == 0 {
		return map[string]template.HTML{}
	}
	var series []chart.Series
	for _, row := range v.Rows {
		if row.Figures == nil {
			continue
		}
		series = append(series, chart.Series{Name: row.Email, Values: make([]float64, len(v.ByYear))})
	}
	for i, y := range v.ByYear {
		for j, a := range y.Amounts {
			series[j].Values[i] = float64(a) / 100
		}
	}
	return map[string]template.HTML{
		"years": chart.Bars(chart.Chart{ID: "hh-years", Title: l.T("household.chart.years"), Desc: l.T("chart.by_year_desc"),
			Labels: yearLabels(len(v.ByYear), func(i int) int { return v.ByYear[i].Year }), Series: series, Stacked: true,
			YLabel: "€", Format: l.eurFormat, Tick: l.tick}),
	}
}

// householdAction is a change to the member's household, from the page's
// forms or the API.
type householdAction struct {
	Action    string `json:"action"` // invite, accept, decline, share, unshare, leave
	Email     string `json:"email,omitempty"`
	Household int64  `json:"household,omitempty"`
}

// doHousehold applies an action for the signed-in member.
func (s *Server) doHousehold(r *http.Request, a householdAction) (string, error) {
	ctx := r.Context()
	id := memberOf(ctx).member.ID
	switch a.Action {
	case "invite":
		if a.Email == "" {
			return "", kori.Errorf(kori.EINVALID, "email: give the e-mail address of the member to invite")
		}
		_, err := s.Store.InviteToHousehold(ctx, id, a.Email)
		return "household.invited", err
	case "accept", "decline":
		return "household." + a.Action + "ed", s.Store.AnswerInvite(ctx, id, a.Household, a.Action == "accept")
	case "share", "unshare":
		return "household." + a.Action + "d", s.Store.SetSharing(ctx, id, a.Action == "share")
	case "leave":
		return "household.left", s.Store.LeaveHousehold(ctx, id)
	}
	return "", kori.Errorf(kori.EINVALID, "action must be invite, accept, decline, share, unshare or leave, not %q", a.Action)
}

func (s *Server) postHousehold(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	hh, _ := strconv.ParseInt(r.PostFormValue("household"), 10, 64)
	done, err := s.doHousehold(r, householdAction{Action: r.PostFormValue("action"), Email: r.PostFormValue("email"), Household: hh})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/me/household?done="+done, http.StatusSeeOther)
	return nil
}

func (s *Server) postAPIHousehold(w http.ResponseWriter, r *http.Request) error {
	var a householdAction
	if err := decodeJSON(w, r, &a); err != nil {
		return err
	}
	done, err := s.doHousehold(r, a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, householdDoneView{Done: done})
	return nil
}

// householdDoneView names what an action did (a message id).
type householdDoneView struct {
	Done string `json:"done"`
}

// householdDone are the notes the page shows after an action.
var householdDone = map[string]bool{"household.invited": true, "household.accepted": true, "household.declined": true,
	"household.shared": true, "household.unshared": true, "household.left": true}
