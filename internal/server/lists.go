package server

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// A page's long lists (a table row or an option repeated a hundred times)
// are written here in Go, and the template places them whole, as it places
// the charts. html/template spends about a microsecond on every action, a
// method call ({{$l.Eur .Amount}}) twice that: the receipts page's list of
// 130 months cost 0.6 ms to render, and the domestic page's foreign products
// as much, where the same markup written here costs a twentieth. Short and
// one-off parts stay in the templates. Every text written here is escaped.

// markup writes HTML.
type markup struct{ strings.Builder }

// text writes s escaped.
func (m *markup) text(s string) { template.HTMLEscape(&m.Builder, []byte(s)) }

// cell writes one table cell: <tag class="class">text</tag>, with the
// row-header scope on a th.
func (m *markup) cell(tag, class, text string) {
	m.WriteString("<" + tag)
	if tag == "th" {
		m.WriteString(` scope="row"`)
	}
	if class != "" {
		m.WriteString(` class="` + class + `"`)
	}
	m.WriteString(">")
	m.text(text)
	m.WriteString("</" + tag + ">")
}

// html is what was written, for a template to place.
func (m *markup) html() template.HTML { return template.HTML(m.String()) }

// receiptsLists writes the receipts page's month choice and its receipts'
// rows.
func receiptsLists(x any, l *Locale) map[string]template.HTML {
	v := x.(receiptsView)
	var months markup
	for _, mo := range v.Months {
		months.WriteString(`<option value="` + monthParam(mo.Year, mo.Month) + `"`)
		if mo.Year == v.Year && mo.Month == v.Month && v.Query == "" {
			months.WriteString(" selected")
		}
		months.WriteString(">")
		months.text(l.Month(mo.Year, mo.Month) + " (" + strconv.Itoa(mo.Receipts) + ")")
		months.WriteString("</option>")
	}
	var rows markup
	for _, r := range v.Receipts {
		rows.WriteString(`<tr><td><a href="/me/receipts/` + strconv.FormatInt(r.ID, 10) + `">`)
		rows.text(l.DateTime(r.PurchasedAt))
		rows.WriteString("</a>")
		if r.Kind == "return" {
			rows.WriteString(` <span class="tag">`)
			rows.text(l.T("receipt.return"))
			rows.WriteString("</span>")
		}
		rows.WriteString("</td>")
		var detail string
		if v.Query != "" {
			detail = strings.Join(r.Matched, ", ")
		} else {
			detail = l.T("grain." + string(r.Grain))
		}
		rows.cells([]any{plain(r.StoreName), l.Eur(r.Total), plain(detail)})
	}
	return map[string]template.HTML{"months": months.html(), "receipts": rows.html()}
}

// domesticLists writes the domestic page's tables, and its foreign products
// as a collapsed table for each product group.
func domesticLists(x any, l *Locale) map[string]template.HTML {
	v := x.(domesticView)
	var years, months, groups markup
	shares := func(m *markup, head string, r domesticRow) {
		m.row(head, l.Pct(r.FiRawShare), l.Pct(r.FinnishShare), l.Pct(r.ForeignShare), l.Eur(r.Food), l.Eur(r.Unknown))
	}
	for _, y := range v.ByYear {
		shares(&years, strconv.Itoa(y.Year), y)
	}
	for _, mo := range v.ByMonth {
		shares(&months, l.MonthName(mo.Month), mo)
	}
	for _, g := range v.ByGroup {
		groups.row(g.Name, l.Pct(g.FiRawShare), l.Pct(g.FinnishShare), l.Pct(g.ForeignShare), l.Pct(g.UnknownShare))
	}
	var m markup
	for _, g := range v.ForeignByGroup() {
		m.WriteString(`<details class="group"><summary>`)
		m.text(g.Name + ": " + l.T("domestic.foreign_group", "N", len(g.Products), "Amount", l.Eur(g.Amount)))
		m.WriteString(`</summary>` + "\n" + `<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">`)
		m.text(l.T("col.product"))
		m.WriteString(`</th><th scope="col">`)
		m.text(l.T("col.country"))
		m.WriteString(`</th><th scope="col" class="num">`)
		m.text(l.T("col.times"))
		m.WriteString(`</th><th scope="col" class="num">`)
		m.text(l.T("col.euros"))
		m.WriteString("</th></tr></thead>\n<tbody>")
		for _, p := range g.Products {
			m.row(p.Name, plain(orDash(p.CountryName, p.CountryName != "")), strconv.Itoa(p.Lines), l.Eur(p.Amount))
		}
		m.WriteString("</tbody></table></div>\n</details>")
	}
	return map[string]template.HTML{"years": years.html(), "months": months.html(), "groups": groups.html(), "foreign": m.html()}
}

// monthParam writes a month as ?month= takes it: 2025-03.
func monthParam(year, month int) string {
	if month < 10 {
		return strconv.Itoa(year) + "-0" + strconv.Itoa(month)
	}
	return strconv.Itoa(year) + "-" + strconv.Itoa(month)
}

// plain is a row's cell of text that is not a number (a country, a source).
type plain string

// row writes a table row: its heading, then a cell for each of cells, a
// number (a string, escaped here), a plain text, or template.HTML (written
// as it is).
func (m *markup) row(head string, cells ...any) {
	m.WriteString("<tr>")
	m.cell("th", "", head)
	m.cells(cells)
}

// linkedRow is row with its heading a link to href.
func (m *markup) linkedRow(href, head string, cells ...any) {
	m.WriteString(`<tr><th scope="row"><a href="` + href + `">`)
	m.text(head)
	m.WriteString("</a></th>")
	m.cells(cells)
}

// cells writes a row's cells after its heading, and ends the row.
func (m *markup) cells(cells []any) {
	for _, c := range cells {
		switch c := c.(type) {
		case template.HTML:
			m.WriteString(`<td class="num">` + string(c) + "</td>")
		case plain:
			m.cell("td", "", string(c))
		default:
			m.cell("td", "num", c.(string))
		}
	}
	m.WriteString("</tr>")
}

// orDash is v, or "–" where has says there is nothing to show.
func orDash(v string, has bool) string {
	if !has {
		return "–"
	}
	return v
}

// queryValue escapes s for a URL's query, a space as %20 (the receipts
// page's search reads either).
func queryValue(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// overviewLists writes the overview's table of the years.
func overviewLists(x any, l *Locale) map[string]template.HTML {
	v := x.(overviewView)
	var trend markup
	for _, y := range v.Trend {
		trend.row(strconv.Itoa(y.Year), l.Eur(y.Amount), strconv.Itoa(y.Receipts), orDash(l.Pct(y.FinnishShare), y.HasOrigin),
			orDash(l.Num(y.KgCO2e, 0), y.HasCarbon), orDash(l.Pct(y.NutriABShare), y.HasNutri))
	}
	return map[string]template.HTML{"trend": trend.html()}
}

// spendingLists writes the spending page's tables: by year, by month (each
// month a link to its receipts), by group (each a search) and by store.
func spendingLists(x any, l *Locale) map[string]template.HTML {
	v := x.(spendingView)
	var years, months, groups, stores markup
	for _, y := range v.ByYear {
		years.row(strconv.Itoa(y.Year), l.Eur(y.Amount), strconv.Itoa(y.Receipts), l.Change(y.Change))
	}
	for _, mo := range v.ByMonth {
		months.linkedRow("/me/receipts?month="+monthParam(mo.Year, mo.Month), l.MonthName(mo.Month), l.Eur(mo.Amount), strconv.Itoa(mo.Receipts))
	}
	for _, g := range v.ByGroup {
		groups.linkedRow("/me/receipts?q="+queryValue(g.Name), g.Name, l.Eur(g.Amount), l.Pct(g.Share), l.Change(g.Change))
	}
	for _, s := range v.ByStore {
		stores.row(s.Name, strconv.Itoa(s.Receipts), l.Eur(s.Amount), l.Pct(s.Share))
	}
	return map[string]template.HTML{"years": years.html(), "months": months.html(), "groups": groups.html(), "stores": stores.html()}
}

// carbonLists writes the carbon page's tables: by year, month and group, and
// the products with the most emissions.
func carbonLists(x any, l *Locale) map[string]template.HTML {
	v := x.(carbonView)
	var years, months, groups, products markup
	for _, y := range v.ByYear {
		years.row(strconv.Itoa(y.Year), l.Num(y.Kg, 1), l.Num(y.KgPerEuro, 2), l.Pct(y.CoveredShare), l.Change(y.Change))
	}
	for _, mo := range v.ByMonth {
		months.row(l.MonthName(mo.Month), l.Num(mo.Kg, 1), l.Num(mo.KgPerEuro, 2))
	}
	for _, g := range v.ByGroup {
		groups.row(g.Name, l.Num(g.Kg, 1), l.Pct(g.Share), l.Num(g.KgPerEuro, 2))
	}
	for _, p := range v.TopProducts {
		products.row(p.Name, l.Num(p.Kg, 1), l.Pct(p.Share), plain(p.SourceName))
	}
	return map[string]template.HTML{"years": years.html(), "months": months.html(), "groups": groups.html(), "products": products.html()}
}

// nutritionLists writes the nutrition page's tables: energy shares and
// densities by year and by month, and Nutri-Score grades by year.
func nutritionLists(x any, l *Locale) map[string]template.HTML {
	v := x.(nutritionView)
	var years, months, scores markup
	energy := func(m *markup, head string, r nutritionRow) {
		m.row(head, l.Num(r.ProteinE, 1), l.Num(r.FatE, 1), l.Num(r.SatFatE, 1), l.Num(r.CarbE, 1),
			l.Num(r.FibrePerMJ, 2), l.Num(r.SaltPerMJ, 2), l.Num(r.FVBPerMJ, 0))
	}
	for _, y := range v.ByYear {
		energy(&years, strconv.Itoa(y.Year), y)
		s := y.NutriScore
		scores.row(strconv.Itoa(y.Year), l.Pct(s.A), l.Pct(s.B), l.Pct(s.C), l.Pct(s.D), l.Pct(s.E), l.Pct(s.GradedShare))
	}
	for _, mo := range v.ByMonth {
		energy(&months, l.MonthName(mo.Month), mo)
	}
	return map[string]template.HTML{"years": years.html(), "months": months.html(), "scores": scores.html()}
}
