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
		months.WriteString(`<option value="` + strconv.Itoa(mo.Year) + "-" + twoDigits(mo.Month) + `"`)
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
		rows.cell("td", "", r.StoreName)
		rows.cell("td", "num", l.Eur(r.Total))
		if v.Query != "" {
			rows.cell("td", "", strings.Join(r.Matched, ", "))
		} else {
			rows.cell("td", "", l.T("grain."+string(r.Grain)))
		}
		rows.WriteString("</tr>")
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
			country := p.CountryName
			if country == "" {
				country = "–"
			}
			m.WriteString("<tr>")
			m.cell("th", "", p.Name)
			m.cell("td", "", country)
			m.cell("td", "num", strconv.Itoa(p.Lines))
			m.cell("td", "num", l.Eur(p.Amount))
			m.WriteString("</tr>")
		}
		m.WriteString("</tbody></table></div>\n</details>")
	}
	return map[string]template.HTML{"years": years.html(), "months": months.html(), "groups": groups.html(), "foreign": m.html()}
}

// twoDigits writes a month as two digits.
func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// row writes a table row: its heading, then a number cell for each of
// cells, a string (escaped here) or template.HTML (written as it is).
func (m *markup) row(head string, cells ...any) {
	m.WriteString("<tr>")
	m.cell("th", "", head)
	for _, c := range cells {
		if h, ok := c.(template.HTML); ok {
			m.WriteString(`<td class="num">` + string(h) + "</td>")
		} else {
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
		months.WriteString(`<tr><th scope="row"><a href="/me/receipts?month=` + strconv.Itoa(mo.Year) + "-" + twoDigits(mo.Month) + `">`)
		months.text(l.MonthName(mo.Month))
		months.WriteString("</a></th>")
		months.cell("td", "num", l.Eur(mo.Amount))
		months.cell("td", "num", strconv.Itoa(mo.Receipts))
		months.WriteString("</tr>")
	}
	for _, g := range v.ByGroup {
		groups.WriteString(`<tr><th scope="row"><a href="/me/receipts?q=` + queryValue(g.Name) + `">`)
		groups.text(g.Name)
		groups.WriteString("</a></th>")
		groups.cell("td", "num", l.Eur(g.Amount))
		groups.cell("td", "num", l.Pct(g.Share))
		groups.WriteString(`<td class="num">` + string(l.Change(g.Change)) + "</td></tr>")
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
		products.WriteString("<tr>")
		products.cell("th", "", p.Name)
		products.cell("td", "num", l.Num(p.Kg, 1))
		products.cell("td", "num", l.Pct(p.Share))
		products.cell("td", "", p.SourceName)
		products.WriteString("</tr>")
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
