package server

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/chart"
	"github.com/kori-project/kori/internal/report"
)

// The public pages: the yearly transparency report and the privacy notice.
// Both are built from what the code enforces — the report from the system's
// records, the notice from the same constants the rules run on — so neither
// can drift from the behaviour.

func (s *Server) transparency(r *http.Request) (*report.Transparency, error) {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return nil, kori.Errorf(kori.ENOTFOUND, "no such report")
	}
	return report.Build(r.Context(), s.Store, year, s.Zone, s.Clock.Now())
}

func (s *Server) getTransparency(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.transparency(r)
	if err != nil {
		return err
	}
	l := s.locales.pick(r)
	charts := map[string]template.HTML{}
	var levels []string
	var counts []float64
	for _, lv := range kori.Levels {
		levels, counts = append(levels, l.Level(lv)), append(counts, float64(rep.MembersByLevel[lv]))
	}
	charts["levels"] = chart.HBars(chart.Chart{ID: "tr-levels", Title: l.T("transparency.chart.levels"), Desc: l.T("chart.ranking_desc"),
		Labels: levels, Series: []chart.Series{{Values: counts}}, YLabel: l.T("transparency.members"), Format: func(v float64) string { return l.Num(v, 0) }})
	var reasons []string
	var deleted []float64
	for _, reason := range []kori.DeletionReason{kori.ReasonRetention, kori.ReasonInactivity, kori.ReasonErasure, kori.ReasonDowngrade} {
		reasons, deleted = append(reasons, l.T("reason."+string(reason))), append(deleted, float64(rep.Deleted[reason].Receipts+rep.Deleted[reason].Lines))
	}
	charts["deleted"] = chart.HBars(chart.Chart{ID: "tr-deleted", Title: l.T("transparency.chart.deleted"), Desc: l.T("chart.ranking_desc"),
		Labels: reasons, Series: []chart.Series{{Values: deleted}}, YLabel: l.T("transparency.rows"), Format: func(v float64) string { return l.Num(v, 0) }})
	var purposes []string
	var reads []float64
	for _, p := range []kori.Purpose{kori.PurposeMemberService, kori.PurposeLoyaltyBenefit, kori.PurposePersonalisation, kori.PurposeAnalytics, kori.PurposeLegalObligation} {
		purposes, reads = append(purposes, l.T("purpose."+string(p))), append(reads, float64(rep.Reads[p]))
	}
	charts["reads"] = chart.HBars(chart.Chart{ID: "tr-reads", Title: l.T("transparency.chart.reads"), Desc: l.T("chart.ranking_desc"),
		Labels: purposes, Series: []chart.Series{{Values: reads}}, YLabel: l.T("transparency.reads"), Format: func(v float64) string { return l.Num(v, 0) }})
	return s.render(w, r, http.StatusOK, "transparency", pageData{L: l, V: rep, Charts: charts})
}

func (s *Server) getAPITransparency(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.transparency(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// getLatestTransparency sends to the last complete year's report.
func (s *Server) getLatestTransparency(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, fmt.Sprintf("/transparency/%d", s.Clock.Now().In(s.Zone).Year()-1), http.StatusSeeOther)
	return nil
}

// noticeView is the privacy notice's content, from the rules in force.
type noticeView struct {
	Controller Controller
	Rules      report.Rules
	Levels     []kori.Level
	Purposes   []noticePurpose
	Categories map[kori.Level][]string
	Apps       []appView
}

type noticePurpose struct {
	Purpose    kori.Purpose
	Objectable bool
	Basis      string // the legal basis, as the record of processing states it
}

func (s *Server) getPrivacyNotice(w http.ResponseWriter, r *http.Request) error {
	v := noticeView{Controller: s.Controller, Rules: report.CurrentRules(), Levels: kori.Levels, Categories: dataCategories}
	for _, p := range []kori.Purpose{kori.PurposeMemberService, kori.PurposeLoyaltyBenefit, kori.PurposePersonalisation, kori.PurposeAnalytics, kori.PurposeLegalObligation} {
		v.Purposes = append(v.Purposes, noticePurpose{Purpose: p, Objectable: p.Objectable(), Basis: string(p)})
	}
	var err error
	if v.Apps, err = s.appViews(r); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "privacy", pageData{V: v})
}
