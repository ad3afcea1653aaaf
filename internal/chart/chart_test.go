package chart

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
)

// wellFormed parses the SVG and returns the titles of its marks.
func wellFormed(t *testing.T, svg string) (titles []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			for _, a := range e.Attr {
				if a.Name.Local == "style" {
					t.Errorf("style attribute on <%s> breaks the CSP", e.Name.Local)
				}
			}
			stack = append(stack, e.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) >= 2 && stack[len(stack)-1] == "title" && stack[len(stack)-2] != "svg" {
				titles = append(titles, string(e))
			}
		}
	}
	return titles
}

// drawings splits a chart into its caption and its wide and narrow drawings.
func drawings(t *testing.T, out string) (caption, wideSVG, narrowSVG string) {
	t.Helper()
	i, j := strings.Index(out, `<svg `), strings.LastIndex(out, `<svg `)
	if i < 0 || i == j || !strings.Contains(out[i:j], `class="chart wide`) || !strings.Contains(out[j:], `class="chart narrow`) {
		t.Fatalf("want a wide and a narrow drawing:\n%s", out)
	}
	return out[:i], out[i:j], out[j:]
}

func TestBarsAccessible(t *testing.T) {
	c := Chart{ID: "c1", Title: "Spending <by> year", Desc: "Euros per year", Labels: []string{"2024", "2025"},
		Series: []Series{{Name: "Food & drink", Values: []float64{120.5, 80}}, {Name: "Other", Values: []float64{10, 0}}},
		YLabel: "€", Format: func(v float64) string { return fmt.Sprintf("%.2f €", v) }, Stacked: true}
	caption, wideSVG, narrowSVG := drawings(t, string(Bars(c)))
	if caption != `<figcaption id="c1-t">Spending &lt;by&gt; year</figcaption>` {
		t.Errorf("caption = %s", caption)
	}
	want := []string{"2024, Food & drink: 120.50 €", "2024, Other: 10.00 €", "2025, Food & drink: 80.00 €", "2025, Other: 0.00 €"}
	for name, out := range map[string]string{"wide": wideSVG, "narrow": narrowSVG} {
		titles := wellFormed(t, out)
		if strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Errorf("%s: mark titles = %q, want %q", name, titles, want)
		}
		for _, s := range []string{`role="img"`, `aria-labelledby="c1-t c1-` + name + `-d"`, `<desc id="c1-` + name + `-d">Euros per year</desc>`} {
			if !strings.Contains(out, s) {
				t.Errorf("%s drawing lacks %s", name, s)
			}
		}
	}
}

func TestBarHeightsProportional(t *testing.T) {
	_, out, _ := drawings(t, string(Bars(Chart{ID: "c", Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{50, 100}}}})))
	var h []float64
	for _, part := range strings.Split(out, "<rect ")[1:] {
		var x, y, w, hh float64
		if _, err := fmt.Sscanf(part, `x="%f" y="%f" width="%f" height="%f"`, &x, &y, &w, &hh); err != nil {
			t.Fatal(err, part)
		}
		h = append(h, hh)
	}
	if len(h) != 2 || h[1] < 1.99*h[0] || h[1] > 2.01*h[0] {
		t.Errorf("bar heights %v are not proportional to 50 and 100", h)
	}
}

func TestLineAndHBars(t *testing.T) {
	c := Chart{ID: "l", Title: "t", Labels: []string{"1", "2", "3"}, Series: []Series{{Name: "kg", Values: []float64{1, 3, 2}}}}
	for _, out := range []string{string(Line(c)), string(HBars(c))} {
		_, wideSVG, narrowSVG := drawings(t, out)
		for _, d := range []string{wideSVG, narrowSVG} {
			if got := wellFormed(t, d); len(got) != 3 || got[1] != "2: 3" || got[2] != "3: 2" {
				t.Errorf("mark titles = %q", got)
			}
		}
	}
	// An empty chart still draws an axis instead of dividing by zero.
	empty := string(Bars(Chart{ID: "e", Labels: []string{"x"}, Series: []Series{{Values: []float64{0}}}}))
	if strings.Contains(empty, "NaN") || strings.Contains(empty, "Inf") {
		t.Errorf("empty chart has NaN or Inf: %s", empty)
	}
}

func TestAxisLabels(t *testing.T) {
	out := string(Line(Chart{ID: "h", Labels: []string{"Jan 2015", "Feb 2015", "Jan 2016"}, AxisLabels: []string{"2015", "", "2016"},
		Series: []Series{{Values: []float64{1, 2, 3}}}}))
	_, out, _ = drawings(t, out)
	titles := wellFormed(t, out)
	if len(titles) != 3 || titles[1] != "Feb 2015: 2" {
		t.Errorf("titles = %q, want the full labels", titles)
	}
	if !strings.Contains(out, ">2016</text>") || strings.Contains(out, ">Feb 2015</text>") {
		t.Errorf("axis should show only the years")
	}
}

// TestSeriesColour: a series with its own colour (Nutri-Score's official
// five) is drawn in it, in bars and legend alike, not in the palette.
func TestSeriesColour(t *testing.T) {
	svg := string(Bars(Chart{ID: "n", Title: "Nutri-Score", Labels: []string{"2025"}, Stacked: true,
		Series: []Series{{Name: "A", Values: []float64{60}, Colour: "#038141"}, {Name: "C", Values: []float64{40}, Colour: "#fecb02"}}}))
	_, svg, _ = drawings(t, svg)
	if strings.Count(svg, `fill="#038141"`) != 2 || strings.Count(svg, `fill="#fecb02"`) != 2 || strings.Contains(svg, "series-0") {
		t.Errorf("own colours not used in bars and legend:\n%s", svg)
	}
}

// TestGaps: a NaN value is a gap, neither a mark nor a point at zero, and it
// breaks the line into the runs on either side.
func TestGaps(t *testing.T) {
	c := Chart{ID: "g", Labels: []string{"1", "2", "3", "4", "5"}, Series: []Series{{Name: "%", Values: []float64{10, 20, math.NaN(), 30, 40}}}}
	_, line, _ := drawings(t, string(Line(c)))
	if got := wellFormed(t, line); strings.Join(got, "|") != "1: 10|2: 20|4: 30|5: 40" {
		t.Errorf("line marks = %q, want none for the gap", got)
	}
	if n := strings.Count(line, "<polyline"); n != 2 {
		t.Errorf("%d line runs, want 2 either side of the gap", n)
	}
	_, bars, _ := drawings(t, string(Bars(c)))
	if got := wellFormed(t, bars); len(got) != 4 || strings.Contains(bars, "NaN") {
		t.Errorf("bar marks = %q", got)
	}
}

// TestNarrowLabelsDoNotOverlap: eleven years fit the wide drawing, and the
// narrow one names every other year rather than overprint them; few bars
// carry their values.
func TestNarrowLabelsDoNotOverlap(t *testing.T) {
	var labels []string
	var values []float64
	for y := 2016; y <= 2026; y++ {
		labels, values = append(labels, fmt.Sprint(y)), append(values, float64(y-2000))
	}
	_, wideSVG, narrowSVG := drawings(t, string(Bars(Chart{ID: "y", Labels: labels, Series: []Series{{Values: values}}})))
	year := regexp.MustCompile(`>20\d\d</text>`)
	count := func(svg string) int { return len(year.FindAllString(svg, -1)) }
	if n := count(wideSVG); n != 11 {
		t.Errorf("wide drawing names %d years, want 11", n)
	}
	if n := count(narrowSVG); n < 5 || n > 6 {
		t.Errorf("narrow drawing names %d years, want every other (5–6)", n)
	}
	if !strings.Contains(wideSVG, `class="value"`) || strings.Contains(narrowSVG, `class="value"`) {
		t.Errorf("value labels: wide should have them for 11 bars, narrow not")
	}
}

// TestLongSeriesShareColumns: several long series get one mark per label
// naming every series' value there, not a point each; a gap in one series
// leaves it out of that label's title.
func TestLongSeriesShareColumns(t *testing.T) {
	var labels []string
	protein, fat := []float64{}, []float64{}
	for i := range densePoints + 10 {
		labels = append(labels, fmt.Sprint("m", i))
		protein, fat = append(protein, float64(10+i%5)), append(fat, float64(30+i%7))
	}
	fat[3] = math.NaN()
	c := Chart{ID: "h", Labels: labels, Series: []Series{{Name: "Protein", Values: protein}, {Name: "Fat", Values: fat}}}
	_, wideSVG, narrowSVG := drawings(t, string(Line(c)))
	for name, d := range map[string]string{"wide": wideSVG, "narrow": narrowSVG} {
		titles := wellFormed(t, d)
		if len(titles) != len(labels) || titles[0] != "m0: Protein: 10; Fat: 30" || titles[3] != "m3: Protein: 13" {
			t.Errorf("%s: %d titles, first %q, fourth %q; want one per label with every series", name, len(titles), titles[0], titles[3])
		}
		if strings.Contains(d, "<circle") || strings.Count(d, "<polyline") != 3 {
			t.Errorf("%s: want the lines (fat broken by its gap) and no points", name)
		}
	}
}

// TestWriteMatchesFmt checks that the drawings' own formatter writes what
// fmt would, for the verbs it knows and for those it hands to fmt.
func TestWriteMatchesFmt(t *testing.T) {
	floats := []float64{0, math.Copysign(0, -1), 0.05, 0.15, -0.25, 1.45, 12.3456, -3.95, 1e6, 1e21, 123456789.987, math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, c := range []struct {
		format string
		args   []any
	}{
		{`<rect x="%.1f" y="%.1f" class="%s">%d</rect>`, []any{1.25, -7.0, "series-0", 42}},
		{`viewBox="0 0 %d %d" font-size="%g"`, []any{720, 302, 12.0}},
		{`%s%s %d%% done`, []any{"a", "<b>", -3}},
		{`%5.2f and %x`, []any{3.14159, 255}}, // verbs it hands to fmt
		{`%d is not %s`, []any{"text", 1}},    // mismatched types, as fmt writes them
		{`%s and %s`, []any{"one"}},           // a missing argument
		{`%g %v`, []any{1.0 / 3, struct{}{}}}, // %v is fmt's
		{`no verbs at all`, nil},
	} {
		var s svg
		s.f(c.format, c.args...)
		if want := fmt.Sprintf(c.format, c.args...); s.b.String() != want {
			t.Errorf("f(%q, %v) = %q, want %q", c.format, c.args, s.b.String(), want)
		}
	}
	for _, v := range floats {
		for _, format := range []string{"%.1f", "%g", "[%.1f,%g]"} {
			var s svg
			args := []any{v, v}[:strings.Count(format, "%")]
			s.f(format, args...)
			if want := fmt.Sprintf(format, args...); s.b.String() != want {
				t.Errorf("f(%q, %v) = %q, want %q", format, v, s.b.String(), want)
			}
		}
	}
}
