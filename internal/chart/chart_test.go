package chart

import (
	"encoding/xml"
	"fmt"
	"io"
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

func TestBarsAccessible(t *testing.T) {
	c := Chart{ID: "c1", Title: "Spending <by> year", Desc: "Euros per year", Labels: []string{"2024", "2025"},
		Series: []Series{{Name: "Food & drink", Values: []float64{120.5, 80}}, {Name: "Other", Values: []float64{10, 0}}},
		YLabel: "€", Format: func(v float64) string { return fmt.Sprintf("%.2f €", v) }, Stacked: true}
	out := string(Bars(c))
	titles := wellFormed(t, out)
	want := []string{"2024, Food & drink: 120.50 €", "2024, Other: 10.00 €", "2025, Food & drink: 80.00 €", "2025, Other: 0.00 €"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("mark titles = %q, want %q", titles, want)
	}
	for _, s := range []string{`role="img"`, `aria-labelledby="c1-t c1-d"`, `<title id="c1-t">Spending &lt;by&gt; year</title>`, `<desc id="c1-d">Euros per year</desc>`} {
		if !strings.Contains(out, s) {
			t.Errorf("chart lacks %s", s)
		}
	}
}

func TestBarHeightsProportional(t *testing.T) {
	out := string(Bars(Chart{ID: "c", Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{50, 100}}}}))
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
	if got := wellFormed(t, string(Line(c))); len(got) != 3 || got[1] != "2: 3" {
		t.Errorf("line titles = %q", got)
	}
	if got := wellFormed(t, string(HBars(c))); len(got) != 3 || got[2] != "3: 2" {
		t.Errorf("hbar titles = %q", got)
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
	if strings.Count(svg, `fill="#038141"`) != 2 || strings.Count(svg, `fill="#fecb02"`) != 2 || strings.Contains(svg, "series-0") {
		t.Errorf("own colours not used in bars and legend:\n%s", svg)
	}
}
