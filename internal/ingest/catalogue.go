package ingest

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analysis"
	"github.com/kori-project/kori/internal/refdata"
)

// table reads a CSV with a header row into maps, calling fn per row with its
// line number. Unknown columns are errors, so that typos do not pass silently.
func table(r io.Reader, known []string, fn func(line int, row map[string]string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return &LineError{Line: 1, Reason: "cannot read CSV header: " + err.Error()}
	}
	allowed := map[string]bool{}
	for _, k := range known {
		allowed[k] = true
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !allowed[header[i]] {
			return &LineError{Line: 1, Field: header[i], Reason: "unknown column; the columns are " + strings.Join(known, ",")}
		}
	}
	for {
		rec, err := cr.Read()
		line := csvLine(cr, rec, err)
		if err == io.EOF {
			return nil
		} else if err != nil {
			return &LineError{Line: line, Reason: "malformed CSV: " + err.Error()}
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(rec) {
				row[h] = strings.TrimSpace(rec[i])
			}
		}
		if err := cleanRow(line, row); err != nil {
			return err
		}
		if err := fn(line, row); err != nil {
			return err
		}
	}
}

// cleanRow refuses a registry row with a value that is not clean UTF-8
// text (kori.CheckText), naming the column: names and codes are taken as
// they are or not at all.
func cleanRow(line int, row map[string]string) *LineError {
	for k, v := range row {
		if err := kori.CheckText(k + v); err != nil {
			return &LineError{Line: line, Field: k, Reason: kori.ErrorMessage(err)}
		}
	}
	return nil
}

// jsonRows reads a JSON array of objects (or NDJSON) as string maps, so that
// both formats go through the same row parser.
func jsonRows(r io.Reader, fn func(line int, row map[string]string) error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	array := err == nil && tok == json.Delim('[')
	if !array {
		return &LineError{Line: 1, Reason: "expected a JSON array of objects"}
	}
	for n := 1; dec.More(); n++ {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return &LineError{Line: n, Reason: "malformed JSON: " + err.Error()}
		}
		row := map[string]string{}
		for k, v := range obj {
			row[k] = fmt.Sprint(v)
		}
		if err := cleanRow(n, row); err != nil {
			return err
		}
		if err := fn(n, row); err != nil {
			return err
		}
	}
	return nil
}

// ProductColumns are the columns of the product catalogue CSV. nutrients_ref
// names a row of the embedded nutrient table (Fineli) to use when the
// nutrient columns are empty; emission_group names a row of the embedded
// emission-factor table.
var ProductColumns = []string{"gtin", "name_fi", "name_en", "group", "origin", "country", "unit", "net_kg",
	"nutrients_ref", "energy_kj", "protein_g", "fat_g", "sat_fat_g", "carb_g", "sugars_g", "fibre_g", "salt_g",
	"fvb_pct", "emission_group", "nutri_category", "in_store"}

// ReadProducts reads a product catalogue as CSV (format "csv") or a JSON array
// with the same field names ("json"). The first bad row stops the read with
// an error naming its line and field: a catalogue is loaded whole or not at all.
func ReadProducts(r io.Reader, format string) ([]kori.Product, error) {
	var out []kori.Product
	var err error
	row := func(line int, row map[string]string) error {
		p, err := ProductFromRow(line, row)
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	}
	if format == "json" {
		err = jsonRows(r, row)
	} else {
		err = table(r, ProductColumns, row)
	}
	return out, err
}

// ProductFromRow builds a product from one catalogue row (ProductColumns as
// keys), resolving nutrients_ref and emission_group in the reference data.
func ProductFromRow(line int, row map[string]string) (kori.Product, error) {
	bad := func(field, format string, args ...any) (kori.Product, error) {
		return kori.Product{}, &LineError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	foods, err := refdata.Foods()
	if err != nil {
		return kori.Product{}, err
	}
	factors, err := refdata.EmissionFactors()
	if err != nil {
		return kori.Product{}, err
	}
	num := func(field string) (float64, bool, error) {
		s := strings.Replace(row[field], ",", ".", 1)
		if s == "" {
			return 0, false, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 {
			return 0, false, fmt.Errorf("%q is not a number of zero or more", row[field])
		}
		return v, true, nil
	}
	p := kori.Product{
		GTIN: row["gtin"], NameFi: row["name_fi"], NameEn: row["name_en"], Group: row["group"],
		Origin: kori.Origin(strings.ToLower(row["origin"])), Country: strings.ToUpper(row["country"]),
		Unit: kori.Unit(strings.ToLower(row["unit"])), EmissionGroup: row["emission_group"], InStore: row["in_store"],
	}
	if p.Origin == "" {
		p.Origin = kori.OriginUnknown
	}
	if p.Unit == "" {
		p.Unit = kori.UnitPiece
	}
	if p.NetKg, _, err = num("net_kg"); err != nil {
		return bad("net_kg", "%v", err)
	}
	if p.Unit == kori.UnitKg {
		p.NetKg = 1
	}
	if p.FVBPct, _, err = num("fvb_pct"); err != nil {
		return bad("fvb_pct", "%v", err)
	}
	if ref := row["nutrients_ref"]; ref != "" {
		f, ok := foods[ref]
		if !ok {
			return bad("nutrients_ref", "%q is not a food of the nutrient table (refdata/nutrients_per_100g.csv)", ref)
		}
		p.Nutrients, p.HasNutrients, p.NutrientSource = f.Nutrients, true, f.Source+" "+f.SourceID
		if row["fvb_pct"] == "" && f.FVB() {
			p.FVBPct = 100
		}
	}
	n := &p.Nutrients
	given := 0
	for _, c := range []struct {
		field string
		v     *float64
	}{{"energy_kj", &n.EnergyKJ}, {"protein_g", &n.Protein}, {"fat_g", &n.Fat}, {"sat_fat_g", &n.SatFat},
		{"carb_g", &n.Carb}, {"sugars_g", &n.Sugars}, {"fibre_g", &n.Fibre}, {"salt_g", &n.Salt}} {
		v, ok, err := num(c.field)
		if err != nil {
			return bad(c.field, "%v", err)
		}
		if ok {
			*c.v = v
			given++
		}
	}
	if given > 0 {
		if given < 8 && row["nutrients_ref"] == "" {
			return bad("energy_kj", "give all eight nutrient columns, or none and a nutrients_ref")
		}
		p.HasNutrients = true
		if row["nutrients_ref"] == "" {
			p.NutrientSource = "product label"
		}
	}
	if p.EmissionGroup != "" {
		f, ok := factors[p.EmissionGroup]
		if !ok {
			return bad("emission_group", "%q is not a row of the emission-factor table (refdata/ghg_emission_factors.csv)", p.EmissionGroup)
		}
		p.KgCO2ePerKg = f.KgCO2ePerKg
	}
	if c := row["nutri_category"]; c != "" {
		if !p.HasNutrients {
			return bad("nutri_category", "given without nutrients; Nutri-Score needs them")
		}
		grade, err := NutriGrade(&p, analysis.NutriCategory(c), false)
		if err != nil {
			return bad("nutri_category", "%v", err)
		}
		p.NutriGrade = grade
	}
	if err := p.Validate(); err != nil {
		return bad("", "%s", kori.ErrorMessage(err))
	}
	return p, nil
}

// NutriGrade computes a product's Nutri-Score grade from its nutrients in the
// given category (the grade is never guessed: without a category, none).
func NutriGrade(p *kori.Product, c analysis.NutriCategory, sweeteners bool) (string, error) {
	switch c {
	case analysis.NutriGeneral, analysis.NutriCheese, analysis.NutriFats, analysis.NutriBeverage, analysis.NutriWater:
	default:
		return "", fmt.Errorf("%q is not one of general, cheese, fats_oils_nuts_seeds, beverage, water", string(c))
	}
	n := p.Nutrients
	_, grade := analysis.NutriScore(analysis.NutriInput{Category: c, EnergyKJ: n.EnergyKJ, Sugars: n.Sugars, SatFat: n.SatFat,
		Fat: n.Fat, Salt: n.Salt, Fibre: n.Fibre, Protein: n.Protein, FVLPct: p.FVBPct, Sweeteners: sweeteners,
		RedMeatProduct: p.Group == "meat"})
	return grade, nil
}

// ReadStores reads stores as CSV with columns store_id,name,city.
func ReadStores(r io.Reader) ([]kori.Store, error) {
	var out []kori.Store
	err := table(r, []string{"store_id", "name", "city"}, func(line int, row map[string]string) error {
		s := kori.Store{ID: row["store_id"], Name: row["name"], City: row["city"]}
		if err := s.Validate(); err != nil {
			return &LineError{Line: line, Reason: kori.ErrorMessage(err)}
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// ReadGroups reads product groups as CSV with columns code,name_fi,name_en,food.
func ReadGroups(r io.Reader) ([]kori.ProductGroup, error) {
	var out []kori.ProductGroup
	err := table(r, []string{"code", "name_fi", "name_en", "food"}, func(line int, row map[string]string) error {
		food, err := strconv.ParseBool(row["food"])
		if err != nil && row["food"] != "" {
			return &LineError{Line: line, Field: "food", Reason: "must be true or false"}
		}
		if row["code"] == "" {
			return &LineError{Line: line, Field: "code", Reason: "missing"}
		}
		out = append(out, kori.ProductGroup{Code: row["code"], NameFi: row["name_fi"], NameEn: row["name_en"], Food: food || row["food"] == ""})
		return nil
	})
	return out, err
}

// MemberRow is one row of the member registry: a card of a member.
type MemberRow struct {
	Ref   string
	Card  kori.Card
	Level kori.Level
	Email string
}

// Enrolments groups registry rows by member: one enrolment per customer
// number, with all its cards, in the order first seen.
func Enrolments(rows []MemberRow) []kori.Enrolment {
	byRef := map[string]int{}
	var es []kori.Enrolment
	for _, r := range rows {
		i, ok := byRef[r.Ref]
		if !ok {
			i = len(es)
			byRef[r.Ref] = i
			es = append(es, kori.Enrolment{Ref: r.Ref, Level: r.Level, Email: r.Email})
		}
		es[i].Cards = append(es[i].Cards, r.Card)
	}
	return es
}

// ReadMembers reads the card ↔ member registry as CSV with columns
// member_ref,card,card_status,closed_at,level,email: one row per card.
func ReadMembers(r io.Reader) ([]MemberRow, error) {
	var out []MemberRow
	err := table(r, []string{"member_ref", "card", "card_status", "closed_at", "level", "email"}, func(line int, row map[string]string) error {
		m := MemberRow{Ref: row["member_ref"], Email: row["email"], Level: kori.Level(row["level"]),
			Card: kori.Card{Number: row["card"], Status: kori.CardStatus(row["card_status"])}}
		if m.Ref == "" {
			return &LineError{Line: line, Field: "member_ref", Reason: "missing"}
		}
		if m.Card.Status == "" {
			m.Card.Status = kori.CardActive
		}
		if err := m.Card.Validate(); err != nil {
			return &LineError{Line: line, Field: "card", Reason: kori.ErrorMessage(err)}
		}
		if s := row["closed_at"]; s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return &LineError{Line: line, Field: "closed_at", Reason: "not an RFC 3339 time"}
			}
			m.Card.ClosedAt = t
		}
		if m.Level != "" {
			if err := m.Level.Validate(); err != nil {
				return &LineError{Line: line, Field: "level", Reason: kori.ErrorMessage(err)}
			}
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// CampaignColumns are the columns of a campaign file: a campaign is on one
// product (gtin) or one product group (group); valid_from and valid_to are
// dates in the chain's zone, both days included.
var CampaignColumns = []string{"campaign_id", "name_fi", "name_en", "gtin", "group", "discount_pct", "valid_from", "valid_to"}

// ReadCampaigns reads campaigns as CSV (format "csv") or JSON with the same
// field names; dates are read in zone.
func ReadCampaigns(r io.Reader, format string, zone *time.Location) ([]kori.Campaign, error) {
	var out []kori.Campaign
	row := func(line int, row map[string]string) error {
		c := kori.Campaign{ID: row["campaign_id"], NameFi: row["name_fi"], NameEn: row["name_en"], GTIN: row["gtin"], Group: row["group"]}
		pct, err := strconv.ParseFloat(row["discount_pct"], 64)
		if err != nil {
			return &LineError{Line: line, Field: "discount_pct", Reason: "not a number (e.g. 20 for 20 %)"}
		}
		c.DiscountPct = pct
		for _, f := range []struct {
			name string
			t    *time.Time
			next bool
		}{{"valid_from", &c.ValidFrom, false}, {"valid_to", &c.ValidTo, true}} {
			d, err := time.ParseInLocation("2006-01-02", row[f.name], zone)
			if err != nil {
				return &LineError{Line: line, Field: f.name, Reason: "not a date (2026-12-01)"}
			}
			if f.next {
				d = d.AddDate(0, 0, 1) // the last day is included
			}
			*f.t = d
		}
		if err := c.Validate(); err != nil {
			return &LineError{Line: line, Reason: kori.ErrorMessage(err)}
		}
		out = append(out, c)
		return nil
	}
	var err error
	if format == "json" || format == "ndjson" {
		err = jsonRows(r, row)
	} else {
		err = table(r, CampaignColumns, row)
	}
	return out, err
}

// csvLine returns the input line a record (or its parse error) is on;
// FieldPos panics on a record it did not return, so errors use their own line.
func csvLine(cr *csv.Reader, rec []string, err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine
	}
	if len(rec) == 0 {
		return 0
	}
	line, _ := cr.FieldPos(0)
	return line
}
