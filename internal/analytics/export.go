package analytics

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// Every answer flattens to one table, which is written as CSV or as
// Parquet for the chain's BI tools: text columns first, then numbers; a
// suppressed row has its numbers empty (null in Parquet) and suppressed
// true.

// Table is an answer as columns and rows; a nil value is empty.
type Table struct {
	Text    []string // names of the text columns
	Numbers []string // names of the number columns
	Rows    []TableRow
}

// TableRow is one row of a Table.
type TableRow struct {
	Text       []string
	Suppressed bool
	Numbers    []*float64
}

func num(v float64) *float64 { return &v }

// Table flattens the answer.
func (a *Answer) Table() Table {
	switch {
	case a.Query.Kind == KindMembers:
		t := Table{Text: []string{"level", "objects"}, Numbers: []string{"members", "share"}}
		for _, r := range a.Members {
			tr := TableRow{Text: []string{string(r.Level), string(r.Objects)}, Suppressed: r.Suppressed, Numbers: make([]*float64, 2)}
			if !r.Suppressed {
				tr.Numbers = []*float64{num(float64(r.Members)), num(r.Share)}
			}
			t.Rows = append(t.Rows, tr)
		}
		return t
	case a.Query.Kind == KindDistribution:
		t := Table{Text: []string{"period"}, Numbers: []string{"members", "p25", "median", "p75"}}
		for _, r := range a.Quartiles {
			tr := TableRow{Text: []string{r.Period}, Suppressed: r.Suppressed, Numbers: make([]*float64, 4)}
			if !r.Suppressed {
				tr.Numbers = []*float64{num(float64(r.Members)), num(r.P25), num(r.Median), num(r.P75)}
			}
			t.Rows = append(t.Rows, tr)
		}
		return t
	case a.DP != nil:
		t := Table{Text: []string{"period", "key"}, Numbers: []string{"members", "sales_eur"}}
		for _, r := range a.Noisy {
			tr := TableRow{Text: []string{r.Period, r.Key}, Suppressed: r.Suppressed, Numbers: make([]*float64, 2)}
			if !r.Suppressed {
				tr.Numbers = []*float64{num(r.Members), num(r.SalesEUR)}
			}
			t.Rows = append(t.Rows, tr)
		}
		return t
	}
	t := Table{Text: []string{"period", "key"}, Numbers: []string{"members", "sales_eur"}}
	dim := a.Query.Dim
	if hasReceipts(dim) {
		t.Numbers = append(t.Numbers, "receipts", "basket_eur")
	}
	if hasContents(dim) {
		t.Numbers = append(t.Numbers, "food_eur", "fi_raw_share", "finnish_share", "foreign_share", "unknown_origin_share",
			"co2e_kg", "co2e_kg_per_eur", "energy_mj", "protein_e_pct", "fat_e_pct", "saturated_fat_e_pct", "carbohydrate_e_pct",
			"nutri_a_share", "nutri_b_share", "nutri_c_share", "nutri_d_share", "nutri_e_share")
	}
	for _, r := range a.Rows {
		tr := TableRow{Text: []string{r.Period, r.Key}, Suppressed: r.Suppressed, Numbers: make([]*float64, len(t.Numbers))}
		if v := r.Values; v != nil {
			tr.Numbers = []*float64{num(float64(v.Members)), num(v.SalesEUR)}
			if hasReceipts(dim) {
				tr.Numbers = append(tr.Numbers, num(float64(*v.Receipts)), v.BasketEUR)
			}
			if c := v.Contents; c != nil {
				tr.Numbers = append(tr.Numbers, num(c.FoodEUR), num(c.FiRawShare), num(c.FinnishShare), num(c.ForeignShare),
					num(c.UnknownOriginShare), num(c.CO2eKg), num(c.CO2eKgPerEUR), num(c.EnergyMJ), num(c.ProteinE), num(c.FatE),
					num(c.SatFatE), num(c.CarbE), num(c.NutriA), num(c.NutriB), num(c.NutriC), num(c.NutriD), num(c.NutriE))
			}
		}
		t.Rows = append(t.Rows, tr)
	}
	return t
}

// WriteCSV writes the table with a header line.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := append(append(append([]string{}, t.Text...), "suppressed"), t.Numbers...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range t.Rows {
		rec := append(append([]string{}, r.Text...), strconv.FormatBool(r.Suppressed))
		for _, n := range r.Numbers {
			if n == nil {
				rec = append(rec, "")
			} else {
				rec = append(rec, strconv.FormatFloat(*n, 'f', -1, 64))
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Schema is the table's Parquet schema: text columns as strings, the
// suppressed flag, numbers as optional doubles.
func (t Table) Schema() *parquet.Schema {
	g := parquet.Group{"suppressed": parquet.Leaf(parquet.BooleanType)}
	for _, c := range t.Text {
		g[c] = parquet.String()
	}
	for _, c := range t.Numbers {
		g[c] = parquet.Optional(parquet.Leaf(parquet.DoubleType))
	}
	return parquet.NewSchema("kori_analytics", g)
}

// WriteParquet writes the table as one Parquet file.
func (t Table) WriteParquet(w io.Writer) error {
	pw := parquet.NewGenericWriter[map[string]any](w, t.Schema())
	rows := make([]map[string]any, len(t.Rows))
	for i, r := range t.Rows {
		m := map[string]any{"suppressed": r.Suppressed}
		for j, c := range t.Text {
			m[c] = r.Text[j]
		}
		for j, c := range t.Numbers {
			if r.Numbers[j] == nil {
				m[c] = nil
			} else {
				m[c] = *r.Numbers[j]
			}
		}
		rows[i] = m
	}
	if _, err := pw.Write(rows); err != nil {
		return err
	}
	return pw.Close()
}
