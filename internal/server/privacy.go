package server

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/privacy"
)

// The member's privacy controls: choices (level, objections, retention)
// with consent receipts, erasure, export and the access log. Each is a form
// on the My data page and a call in the API.

func (s *Server) actor(r *http.Request) kori.Actor {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return kori.Actor{Channel: "api", Name: "member"}
	}
	return privacy.Self
}

// choiceRequest is the body of POST /api/v1/me/choices.
type choiceRequest struct {
	Kind string `json:"kind"` // level, objection:personalisation, objection:analytics, extended_retention
	To   string `json:"to"`
	// Confirm must be true to lower the level, which deletes stored detail.
	Confirm bool `json:"confirm"`
}

// choiceResponse is what a change did.
type choiceResponse struct {
	Consent consentView   `json:"consent"`
	Deleted *deletionView `json:"deleted"`
}

type consentView struct {
	Seq     int       `json:"seq"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Channel string    `json:"channel"`
	Receipt string    `json:"receipt"` // URL of the consent receipt
}

type deletionView struct {
	Reason string           `json:"reason"`
	Scope  string           `json:"scope"`
	Rows   map[string]int64 `json:"rows"`
}

func toConsentView(c kori.Consent) consentView {
	return consentView{Seq: c.Seq, At: c.At.UTC(), Kind: string(c.Kind), From: c.From, To: c.To, Channel: c.Channel,
		Receipt: fmt.Sprintf("/api/v1/me/consents/%d", c.Seq)}
}

func toDeletionView(d *kori.Deletion) *deletionView {
	if d == nil {
		return nil
	}
	return &deletionView{Reason: string(d.Reason), Scope: d.Scope, Rows: d.Rows}
}

// lowers reports whether a choice lowers the member's level.
func lowers(m *kori.Member, c kori.Choice) bool {
	return c.Kind == kori.ConsentLevel && kori.Level(c.To) != m.Level && m.Level.Allows(kori.Level(c.To))
}

func (s *Server) applyChoice(r *http.Request, c kori.Choice) (choiceResponse, error) {
	sess := memberOf(r.Context())
	cat, err := s.Ingest.Catalogue(r.Context())
	if err != nil {
		return choiceResponse{}, err
	}
	rec, del, err := s.Store.ChangeChoice(r.Context(), sess.member.ID, c, s.actor(r), cat)
	if err != nil {
		return choiceResponse{}, err
	}
	return choiceResponse{Consent: toConsentView(rec), Deleted: toDeletionView(del)}, nil
}

func (s *Server) postAPIChoice(w http.ResponseWriter, r *http.Request) error {
	var in choiceRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c := kori.Choice{Kind: kori.ConsentKind(in.Kind), To: in.To}
	if err := c.Validate(); err != nil {
		return err
	}
	if lowers(memberOf(r.Context()).member, c) && !in.Confirm {
		return kori.Errorf(kori.EINVALID, "lowering the level to %s rewrites your stored purchases to that level and cannot be undone; send \"confirm\": true", c.To)
	}
	out, err := s.applyChoice(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// postChoice is the form on the My data page. Lowering the level first
// shows what will happen and asks again.
func (s *Server) postChoice(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	c := kori.Choice{Kind: kori.ConsentKind(r.PostFormValue("kind")), To: r.PostFormValue("to")}
	if err := c.Validate(); err != nil {
		return err
	}
	m := memberOf(r.Context()).member
	if lowers(m, c) && r.PostFormValue("confirm") != "yes" {
		held, err := s.Store.HeldData(r.Context(), m.ID)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "confirm", pageData{V: confirmView{Action: "/me/choices", Kind: string(c.Kind), To: c.To,
			What: "confirm.level." + c.To, Held: held}})
	}
	if _, err := s.applyChoice(r, c); err != nil && kori.ErrorCode(err) != kori.ECONFLICT {
		return err
	}
	http.Redirect(w, r, "/me/data?saved=1", http.StatusSeeOther)
	return nil
}

// confirmView is the page that asks again before something that deletes.
type confirmView struct {
	Action, Kind, To, Scope string
	What                    string // message id of the explanation
	Held                    kori.DataHeld
}

// --- Consent records and receipts ----------------------------------------------

func (s *Server) getAPIConsents(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r.URL.Query(), nil); err != nil {
		return err
	}
	cs, err := s.Store.Consents(r.Context(), memberOf(r.Context()).member.ID)
	if err != nil {
		return err
	}
	out := []consentView{}
	for _, c := range cs {
		out = append(out, toConsentView(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ConsentReceipt is a consent record in the shape of the Kantara Consent
// Receipt 1.1 (the basis of ISO/IEC TS 27560): who the controller is, what
// was chosen, for which purposes and data, when and how.
type ConsentReceipt struct {
	Version          string         `json:"version"`
	Jurisdiction     string         `json:"jurisdiction"`
	ConsentTimestamp int64          `json:"consentTimestamp"`
	CollectionMethod string         `json:"collectionMethod"`
	ConsentReceiptID string         `json:"consentReceiptID"`
	Language         string         `json:"language"`
	PIIPrincipalID   string         `json:"piiPrincipalId"`
	PIIControllers   []controller   `json:"piiControllers"`
	PolicyURL        string         `json:"policyUrl"`
	Services         []receiptSvc   `json:"services"`
	Sensitive        bool           `json:"sensitive"`
	SPICat           []string       `json:"spiCat"`
	Change           consentView    `json:"change"`
	State            map[string]any `json:"state"`
}

type controller struct {
	PIIController string `json:"piiController"`
	Contact       string `json:"contact"`
	Email         string `json:"email"`
	Address       string `json:"address"`
}

// Controller is the chain as data controller, as the privacy notice,
// the record of processing and every consent receipt name it (GDPR
// Article 13): who they are, where, how to reach their data protection
// officer, and where a member may complain.
type Controller struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	DPOEmail  string `json:"dpo_email"`
	Authority string `json:"supervisory_authority"`
}

// DefaultAuthority is the Finnish supervisory authority, where a member of
// a Finnish chain may lodge a complaint. Pages name it in the reader's
// language (Locale.Authority).
const DefaultAuthority = "Tietosuojavaltuutetun toimisto (Office of the Data Protection Ombudsman), tietosuoja.fi"

// Authority names the controller's supervisory authority in the reader's
// language when it is the default one; a configured name is shown as given.
func (l *Locale) Authority(c Controller) string {
	if c.Authority == "" || c.Authority == DefaultAuthority {
		return l.T("privacy.default_authority")
	}
	return c.Authority
}

// Missing lists the settings an operator has not given.
func (c Controller) Missing() []string {
	var out []string
	for _, f := range []struct{ name, v string }{{"KORI_CONTROLLER_NAME", c.Name}, {"KORI_CONTROLLER_ADDRESS", c.Address}, {"KORI_DPO_EMAIL", c.DPOEmail}} {
		if f.v == "" {
			out = append(out, f.name)
		}
	}
	return out
}

// receiptController is the controller as a Kantara consent receipt names it.
func (c Controller) receiptController() controller {
	return controller{PIIController: c.Name, Contact: "data protection officer", Email: c.DPOEmail, Address: c.Address}
}

type receiptSvc struct {
	Service  string           `json:"service"`
	Purposes []receiptPurpose `json:"purposes"`
}

type receiptPurpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"`
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
}

// dataCategories names what each level stores.
var dataCategories = map[kori.Level][]string{
	kori.LevelProduct: {"receipts (time, store, total)", "product lines (product, quantity, price)", "monthly summaries"},
	kori.LevelGroup:   {"receipts (time, store, total)", "sums per product group", "monthly summaries"},
	kori.LevelTotal:   {"receipts (time, store, total)", "monthly totals"},
	kori.LevelNone:    {"time of last card use"},
}

func (s *Server) consentReceipt(r *http.Request, seq int) (ConsentReceipt, error) {
	m := memberOf(r.Context()).member
	cs, err := s.Store.Consents(r.Context(), m.ID)
	if err != nil {
		return ConsentReceipt{}, err
	}
	for _, c := range cs {
		if c.Seq != seq {
			continue
		}
		level := m.Level
		termination := fmt.Sprintf("purchases are deleted on 1 January %d years after their year, or when the member lowers the level, asks for erasure, or leaves the card unused for %d months", kori.RetentionYears, kori.InactiveMonths)
		purposes := []receiptPurpose{{Purpose: "Showing the member their own purchases and analyses", PurposeCategory: []string{string(kori.PurposeMemberService)},
			ConsentType: "EXPLICIT", PIICategory: dataCategories[level], PrimaryPurpose: true, Termination: termination}}
		if m.Allows(kori.PurposePersonalisation) == nil {
			purposes = append(purposes, receiptPurpose{Purpose: "Personalised offers", PurposeCategory: []string{string(kori.PurposePersonalisation)},
				ConsentType: "OPT-OUT", PIICategory: dataCategories[level], Termination: "until the member objects"})
		}
		if m.Allows(kori.PurposeAnalytics) == nil {
			purposes = append(purposes, receiptPurpose{Purpose: "The chain's aggregate analytics", PurposeCategory: []string{string(kori.PurposeAnalytics)},
				ConsentType: "OPT-OUT", PIICategory: dataCategories[level], Termination: "until the member objects"})
		}
		if app, ok := strings.CutPrefix(string(c.Kind), "app:"); ok {
			// A grant to an app: a disclosure to a third party, at the
			// member's direction, until it is revoked or ends.
			grant := c.To
			if c.To == "revoked" {
				grant = c.From
			}
			purposes = append(purposes, receiptPurpose{Purpose: "Disclosure to the app " + app + " the member authorised: " + grant,
				PurposeCategory: []string{"app:" + app}, ConsentType: "EXPLICIT", PIICategory: dataCategories[level], ThirdPartyDisclosure: true,
				Termination: "when the member revokes it on My data, at the end of the duration chosen, or at erasure"})
		}
		return ConsentReceipt{
			Version: "KI-CR-v1.1.0", Jurisdiction: "FI", ConsentTimestamp: c.At.Unix(), CollectionMethod: c.Channel + " (" + c.Actor + ")",
			ConsentReceiptID: fmt.Sprintf("kori-%d-%d", m.ID, c.Seq), Language: s.locales.pick(r).Lang, PIIPrincipalID: strconv.FormatInt(int64(m.ID), 10),
			PIIControllers: []controller{s.Controller.receiptController()}, PolicyURL: "/privacy",
			Services: []receiptSvc{{Service: "Kori purchase data", Purposes: purposes}},
			SPICat:   []string{},
			Change:   toConsentView(c),
			State: map[string]any{"level": m.Level, "objects_personalisation": m.ObjectsPersonalisation,
				"objects_analytics": m.ObjectsAnalytics, "extended_retention": m.ExtendedRetention},
		}, nil
	}
	return ConsentReceipt{}, kori.Errorf(kori.ENOTFOUND, "consent record not found")
}

func (s *Server) getConsentReceipt(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r.URL.Query(), nil); err != nil {
		return err
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil {
		return kori.Errorf(kori.ENOTFOUND, "consent record not found")
	}
	rec, err := s.consentReceipt(r, seq)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="consent-receipt-%d.json"`, seq))
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// --- Erasure ---------------------------------------------------------------------

// eraseRequest is the body of POST /api/v1/me/erase.
type eraseRequest struct {
	Scope   string `json:"scope"` // purchases or member
	Confirm bool   `json:"confirm"`
}

func (s *Server) erase(r *http.Request, scope string) (*kori.Deletion, error) {
	m := memberOf(r.Context()).member
	req, err := s.Store.CreateRequest(r.Context(), m.ID, kori.RequestErasure, s.actor(r))
	if err != nil {
		return nil, err
	}
	if scope == "purchases" {
		defer s.Store.CompleteRequest(r.Context(), m.ID, req.ID, s.actor(r))
	}
	// Erasing the membership removes the request with everything else; the
	// audit log keeps that it was made and done.
	return s.Store.EraseMember(r.Context(), m.ID, scope, kori.ReasonErasure, s.actor(r))
}

func (s *Server) postAPIErase(w http.ResponseWriter, r *http.Request) error {
	var in eraseRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Scope != "purchases" && in.Scope != "member" {
		return kori.Errorf(kori.EINVALID, "scope must be purchases (your purchase data) or member (everything, ending your membership)")
	}
	if !in.Confirm {
		return kori.Errorf(kori.EINVALID, "erasure cannot be undone; send \"confirm\": true")
	}
	d, err := s.erase(r, in.Scope)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toDeletionView(d))
	return nil
}

func (s *Server) postErase(w http.ResponseWriter, r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	scope := r.PostFormValue("scope")
	if scope != "purchases" && scope != "member" {
		return kori.Errorf(kori.EINVALID, "choose what to erase")
	}
	if r.PostFormValue("confirm") != "yes" {
		held, err := s.Store.HeldData(r.Context(), memberOf(r.Context()).member.ID)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "confirm", pageData{V: confirmView{Action: "/me/erase", Scope: scope, What: "confirm.erase." + scope, Held: held}})
	}
	if _, err := s.erase(r, scope); err != nil {
		return err
	}
	if scope == "member" {
		setCookie(w, r, sessionCookie, "", -1, true)
		return s.render(w, r.WithContext(r.Context()), http.StatusOK, "goodbye", pageData{})
	}
	http.Redirect(w, r, "/me/data?erased=1", http.StatusSeeOther)
	return nil
}

// --- Export ----------------------------------------------------------------------

// exportFile marks the ZIP answer of the export in the OpenAPI document.
type exportFile struct{}

// getExport streams everything Kori holds about the member as a ZIP: JSON
// for the member, their choices and who read their data, CSV for purchases,
// and a README that explains every file and field.
// postExport answers the member's own export request at once: the request
// is recorded (the transparency report counts them) and completed. It is a
// POST, with the form's CSRF token, because it writes.
func (s *Server) postExport(w http.ResponseWriter, r *http.Request) error {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		if err := checkCSRF(r); err != nil {
			return err
		}
	}
	m := memberOf(r.Context()).member
	req, err := s.Store.CreateRequest(r.Context(), m.ID, kori.RequestExport, s.actor(r))
	if err != nil {
		return err
	}
	if err := s.writeExport(w, r, m, s.actor(r), kori.PurposeMemberService); err != nil {
		return err
	}
	return s.Store.CompleteRequest(r.Context(), m.ID, req.ID, s.actor(r))
}

// writeExport writes the export of m's data, read by who for purpose
// through the gate (so a staff member's export shows in the member's access log).
func (s *Server) writeExport(w http.ResponseWriter, r *http.Request, m *kori.Member, who kori.Actor, purpose kori.Purpose) error {
	ctx := r.Context()
	if err := s.gate.Read(ctx, m, who, purpose, "export of all data"); err != nil {
		return err
	}
	cat, err := s.Ingest.Catalogue(ctx)
	if err != nil {
		return err
	}
	l := s.locales.pick(r)
	receipts, err := s.Store.ReceiptsByMember(ctx, m.ID, kori.ReceiptFilter{})
	if err != nil {
		return err
	}
	lines, err := s.Store.LinesByMember(ctx, m.ID)
	if err != nil {
		return err
	}
	groups, err := s.Store.GroupSumsOfReceipts(ctx, m.ID)
	if err != nil {
		return err
	}
	rollups, err := s.Store.RollupsByMember(ctx, m.ID)
	if err != nil {
		return err
	}
	consents, err := s.Store.Consents(ctx, m.ID)
	if err != nil {
		return err
	}
	access, err := s.Store.AccessLog(ctx, m.ID)
	if err != nil {
		return err
	}
	cards, err := s.Store.CardsOf(ctx, m.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kori-export-%s.zip"`, s.Clock.Now().In(s.Zone).Format("2006-01-02")))
	z := zip.NewWriter(w)
	file := func(name string) (io.Writer, error) {
		return z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: s.Clock.Now()})
	}
	writeJSONFile := func(name string, v any) error {
		f, err := file(name)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	writeCSV := func(name string, header []string, rows func(*csv.Writer) error) error {
		f, err := file(name)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(f)
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := rows(cw); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
	readme, err := file("README.txt")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(readme, exportReadme); err != nil {
		return err
	}
	cardNumbers := []map[string]any{}
	for _, c := range cards {
		cardNumbers = append(cardNumbers, map[string]any{"number": c.Number, "status": c.Status})
	}
	if err := writeJSONFile("member.json", map[string]any{
		"member_id": m.ID, "customer_number": m.Ref, "email": m.Email, "level": m.Level, "level_since": m.LevelSince.UTC(),
		"objects_personalisation": m.ObjectsPersonalisation, "objects_analytics": m.ObjectsAnalytics,
		"extended_retention": m.ExtendedRetention, "member_since": m.CreatedAt.UTC(), "last_card_use": m.LastCardUse.UTC(),
		"cards": cardNumbers, "exported_at": s.Clock.Now().UTC(),
	}); err != nil {
		return err
	}
	cv := []consentView{}
	for _, c := range consents {
		cv = append(cv, toConsentView(c))
	}
	if err := writeJSONFile("consents.json", cv); err != nil {
		return err
	}
	if access == nil {
		access = []kori.Access{}
	}
	if err := writeJSONFile("access_log.json", access); err != nil {
		return err
	}
	paid, err := s.Store.BenefitsOf(r.Context(), m.ID)
	if err != nil {
		return err
	}
	if paid == nil {
		paid = []kori.PaidBenefit{}
	}
	if err := writeJSONFile("benefits.json", paid); err != nil {
		return err
	}
	grants, err := s.grantViews(ctx, m.ID)
	if err != nil {
		return err
	}
	if err := writeJSONFile("apps.json", grants); err != nil {
		return err
	}
	if err := writeCSV("receipts.csv", []string{"receipt_id", "purchased_at", "store_id", "store", "till", "receipt_number", "total_eur", "detail_kept"},
		func(cw *csv.Writer) error {
			for _, x := range receipts {
				store := x.Key.Store
				if st, ok := cat.Stores[store]; ok {
					store = st.Name
				}
				if err := cw.Write([]string{strconv.FormatInt(x.ID, 10), x.PurchasedAt.In(s.Zone).Format(time.RFC3339), x.Key.Store, store,
					strconv.Itoa(x.Key.Till), x.Key.Number, x.Total.String(), string(x.Grain)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return err
	}
	if err := writeCSV("lines.csv", []string{"receipt_id", "gtin", "product", "group", "quantity", "amount_eur", "discount_eur"},
		func(cw *csv.Writer) error {
			for _, x := range lines {
				name := ""
				if p, ok := cat.Products[x.GTIN]; ok {
					name = l.Name(p.NameFi, p.NameEn)
				}
				if err := cw.Write([]string{strconv.FormatInt(x.ReceiptID, 10), x.GTIN, name, x.Group,
					strconv.FormatFloat(x.Quantity, 'f', -1, 64), x.Amount.String(), x.Discount.String()}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return err
	}
	if err := writeCSV("group_sums.csv", []string{"receipt_id", "group", "lines", "amount_eur"}, func(cw *csv.Writer) error {
		for _, g := range groups {
			if err := cw.Write([]string{strconv.FormatInt(g.ReceiptID, 10), g.Group, strconv.FormatInt(g.Figures.Lines, 10), g.Figures.Amount.String()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := writeCSV("monthly_summaries.csv", append([]string{"year", "month", "group"}, kori.FigureColumns...), func(cw *csv.Writer) error {
		for _, x := range rollups {
			row := []string{strconv.Itoa(x.Year), strconv.Itoa(x.Month), x.Group}
			for _, v := range x.Figures.Values() {
				row = append(row, fmt.Sprint(v))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return z.Close()
}

const exportReadme = `Kori: everything stored about you
==================================

This archive holds all the data Kori keeps about you, as of the time in
member.json ("exported_at"). Times are RFC 3339; money is in euros with two
decimals; "amount" is what you paid after discounts.

member.json        Your membership: Kori's member number, the chain's customer
                   number, e-mail, cards, your purchase-data level and since
                   when, your objections (personalisation, analytics), whether
                   you chose extended retention, and the last time a card was used.
consents.json      Every change of your choices, oldest first: what changed
                   (kind), from and to, when and through which channel.
                   Each has a consent receipt at /api/v1/me/consents/SEQ.
access_log.json    Every read of your data by anyone other than you: when,
                   who, for which purpose and what.
benefits.json      Your loyalty benefits paid: month (yyyymm), purchase sum,
                   rate (basis points: 100 = 1 %), amount and payout reference.
apps.json          The apps you have allowed to read your data: the app, the
                   scopes, the duration, when you allowed it, when it last
                   read, and whether you revoked it.
receipts.csv       One row per receipt: id, time, store, till, receipt number,
                   total, and the detail kept (product, group or total, by
                   your level when it was stored).
lines.csv          Product lines of receipts kept at product level: receipt
                   id, GTIN (barcode), product name, product group, quantity
                   (pieces, or kg for goods sold by weight), amount, discount.
group_sums.csv     For receipts kept at group level: the sum per product group.
monthly_summaries.csv
                   The monthly sums per product group behind your analyses:
                   lines, amount_cents, quantity, net_g (grams), food_cents,
                   fi_raw_cents / fi_made_cents / foreign_cents /
                   unknown_origin_cents (origin of food), unknown_product_cents,
                   co2e_g (grams CO2 equivalent) and co2e_covered_cents,
                   energy_kj and nutrients in grams, fvb_g (fruit, vegetables,
                   berries), nutri_covered_cents and nutri_a..e_cents (euros by
                   Nutri-Score grade).

Purchases are deleted on 1 January eleven years after their year unless you
chose extended retention. You can lower your level, object, erase your data or
end your membership on the My data page.

Kori: kaikki sinusta tallennettu
================================

Tämä arkisto sisältää kaikki tiedot, jotka Korissa on sinusta. Tiedostot on
kuvattu yllä englanniksi: member.json (jäsenyys ja valinnat), consents.json
(valintojen historia), access_log.json (kuka on lukenut tietojasi ja miksi),
benefits.json (maksetut kanta-asiakasedut), apps.json (sovellukset, joille
olet antanut luvan lukea tietojasi),
receipts.csv (kuitit), lines.csv (tuoterivit), group_sums.csv
(tuoteryhmäsummat) ja monthly_summaries.csv (analyysien kuukausisummat).
`

// --- Who used my data -------------------------------------------------------------

type accessView struct {
	Entries []accessRow `json:"entries"`
}

type accessRow struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Purpose string    `json:"purpose"`
	What    string    `json:"what"`
	// App is the app's name when an app the member authorised read (What
	// is then the scope).
	App string `json:"app,omitempty"`
}

func (s *Server) accessLog(r *http.Request, d *memberData) (any, error) {
	log, err := s.Store.AccessLog(r.Context(), d.m.ID)
	if err != nil {
		return nil, err
	}
	v := accessView{Entries: []accessRow{}}
	for _, a := range log {
		app, _ := strings.CutPrefix(a.Actor, "app:")
		if app == a.Actor {
			app = ""
		}
		v.Entries = append(v.Entries, accessRow{At: a.At.In(s.Zone), Actor: a.Actor, Purpose: string(a.Purpose), What: a.What, App: app})
	}
	return v, nil
}

// decodeJSON reads a small JSON body: only application/json, one value
// with nothing after it, no unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return kori.Errorf(kori.EINVALID, "Content-Type %q: send the body as application/json", mt)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8192))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return kori.Errorf(kori.EINVALID, "the body is not the JSON this call takes: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return kori.Errorf(kori.EINVALID, "the body holds more than one JSON value; send exactly one")
	}
	return nil
}
