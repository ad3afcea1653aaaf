// Package chart draws the member pages' charts as inline SVG on the server,
// so that they work without JavaScript, print, and are read by screen
// readers: every chart has a title and a description, every mark its own
// title with label and value, and both axes are labelled. The pages also show
// the same numbers as a table. Colours come from classes styled by the site's
// stylesheet (series-0 … series-5), with a fill attribute as fallback, and no
// inline style attribute is ever written, so the strict Content-Security-Policy
// (style-src 'self') holds.
//
// Every chart is drawn twice, for a wide and for a narrow screen, and the
// stylesheet shows the one that fits (class "wide" or "narrow"): an SVG scales
// its text with its width, so one drawing cannot keep labels readable (at
// least 11 CSS px) both on a 1280 px desktop and on a 360 px phone. The title
// is a figcaption, which wraps like any text, and a value that is NaN is a
// gap (a month without purchases has no share), not a zero.
//
// Kori draws its own rather than use a Go charting library: the maintained
// ones (go-echarts, go-chart) either render in the browser with JavaScript or
// produce SVG without titles, roles or class hooks, and the four chart kinds
// the pages need fit in this one file.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one named row of values, one per label.
type Series struct {
	Name   string
	Values []float64
	// Colour, when set, is the series' own colour (a fixed scheme such as
	// Nutri-Score's), instead of the site's palette.
	Colour string
}

// look returns the class and fill of series j: its own colour, or the
// palette's, which the stylesheet may restyle.
func (se Series) look(j int) (class, fill string) {
	if se.Colour != "" {
		return "fixed", se.Colour
	}
	return fmt.Sprintf("series-%d", j%len(palette)), palette[j%len(palette)]
}

// Chart is what every chart kind needs.
type Chart struct {
	ID     string // unique on the page; used for aria ids
	Title  string
	Desc   string // what the chart shows, for screen readers
	Labels []string
	Series []Series
	// YLabel names the value axis, with its unit.
	YLabel string
	// Format formats a value, with its unit, for mark titles; Tick formats
	// the value axis, whose label already names the unit (Format if nil).
	Format func(float64) string
	Tick   func(float64) string
	// Stacked stacks the series of a bar chart instead of placing them side by side.
	Stacked bool
	// AxisLabels, when set, replace Labels under the plot (one per label,
	// "" for none): a long monthly series names only its years there, while
	// every mark's title keeps its full label.
	AxisLabels []string
}

var palette = []string{"#2f6f4f", "#d08a2e", "#5b7fb8", "#b04a5a", "#7a6cb0", "#8a8a8a"}

// layout is the geometry of one drawing, in the SVG's own units, which the
// stylesheet renders at about one CSS pixel each where the drawing is shown.
type layout struct {
	name                     string // the class that shows or hides it
	width, height            int
	left, right, top, bottom int
	font                     float64 // text size in units
	fewBars                  int     // at most this many single bars get value labels
}

var (
	wide   = layout{name: "wide", width: 720, height: 280, left: 64, right: 24, top: 14, bottom: 30, font: 12, fewBars: 12}
	narrow = layout{name: "narrow", width: 340, height: 240, left: 46, right: 10, top: 14, bottom: 30, font: 12, fewBars: 7}
)

func (lay layout) plotW() float64 { return float64(lay.width - lay.left - lay.right) }

// textW estimates the width of a text: system sans-serif digits and letters
// average a little over half the font size.
func (lay layout) textW(s string) float64 { return 0.6 * lay.font * float64(len([]rune(s))) }

// fit shortens a text to about w units, with an ellipsis.
func (lay layout) fit(s string, w float64) string {
	r := []rune(s)
	n := int(w / (0.6 * lay.font))
	if len(r) <= n || n < 2 {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (c Chart) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return fmt.Sprintf("%.4g", v)
}

func (c Chart) tick(v float64) string {
	if c.Tick != nil {
		return c.Tick(v)
	}
	return c.format(v)
}

// maxValue is the largest value (stacked: the largest stack), at least a
// small positive number so that an all-zero chart still has an axis.
func (c Chart) maxValue() float64 {
	max := 0.0
	for i := range c.Labels {
		sum := 0.0
		for _, s := range c.Series {
			v := orZero(at(s.Values, i))
			if c.Stacked {
				sum += v
			} else {
				sum = math.Max(sum, v)
			}
		}
		max = math.Max(max, sum)
	}
	if max <= 0 {
		return 1
	}
	return max
}

// at is the i-th value; missing and NaN values are NaN, which every drawing
// leaves out (a gap), and maxValue's comparisons ignore.
func at(vs []float64, i int) float64 {
	if i < len(vs) {
		return vs[i]
	}
	return math.NaN()
}

// orZero is a value for stacking: a gap adds nothing to the stack.
func orZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(v, 0)
}

// niceTicks returns about n round tick values from 0 to at least max.
func niceTicks(max float64, n int) []float64 {
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := 0.0; v < max+step*0.999; v += step {
		out = append(out, v)
	}
	return out
}

type svg struct {
	b strings.Builder
}

// f writes format with args as fmt.Fprintf would. It writes the verbs the
// drawings use (%s, %d, %g, %.1f) itself and hands the rest of format to
// fmt at the first it does not know: fmt's general machinery was a third of
// a page's drawing time.
func (s *svg) f(format string, args ...any) {
	for i, next := 0, 0; i < len(format); i++ {
		if format[i] != '%' {
			s.b.WriteByte(format[i])
			continue
		}
		n := 0
		if next < len(args) {
			n = s.verb(format[i+1:], args[next])
		}
		if n == 0 {
			fmt.Fprintf(&s.b, format[i:], args[next:]...)
			return
		}
		i += n
		next++
	}
}

// verb writes arg for the verb format starts with and returns the verb's
// length, or 0 for a verb or argument it leaves to fmt.
func (s *svg) verb(format string, arg any) int {
	var num [32]byte
	switch a := arg.(type) {
	case string:
		if strings.HasPrefix(format, "s") {
			s.b.WriteString(a)
			return 1
		}
	case int:
		if strings.HasPrefix(format, "d") {
			s.b.Write(strconv.AppendInt(num[:0], int64(a), 10))
			return 1
		}
	case float64:
		if strings.HasPrefix(format, "g") {
			s.b.Write(strconv.AppendFloat(num[:0], a, 'g', -1, 64))
			return 1
		}
		if strings.HasPrefix(format, ".1f") {
			s.b.Write(strconv.AppendFloat(num[:0], a, 'f', 1, 64))
			return 3
		}
	}
	return 0
}

func esc(s string) string { return html.EscapeString(s) }

// figure writes the caption and both drawings. The drawings are labelled by
// the caption and described by their own desc; only the shown one reaches the
// accessibility tree, because the other is display: none.
func (c Chart) figure(draw func(s *svg, lay layout)) template.HTML {
	var s svg
	s.f(`<figcaption id="%s-t">%s</figcaption>`, c.ID, esc(c.Title))
	for _, lay := range []layout{wide, narrow} {
		draw(&s, lay)
	}
	return template.HTML(s.b.String()) // #nosec: every text is escaped
}

// svgOpen writes the svg element of one drawing and its description.
func (c Chart) svgOpen(s *svg, lay layout, height int, extra string) {
	id := c.ID + "-" + lay.name
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart %s%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" font-size="%g">`,
		lay.name, extra, lay.width, height, c.ID, id, lay.font)
	s.f(`<desc id="%s-d">%s</desc>`, id, esc(c.Desc))
}

// legendLines lays the series names out in rows that fit the width; it
// returns each name's position and the rows used.
func (c Chart) legendLines(lay layout) (xs []float64, rows []int, n int) {
	if len(c.Series) < 2 {
		return nil, nil, 0
	}
	x, row := float64(lay.left), 0
	for _, se := range c.Series {
		w := 18 + lay.textW(se.Name) + 10
		if x+w > float64(lay.width) && x > float64(lay.left) {
			x, row = float64(lay.left), row+1
		}
		xs, rows = append(xs, x), append(rows, row)
		x += w
	}
	return xs, rows, row + 1
}

const legendRowH = 18

// axes writes the svg element, the value axis with its label, and returns
// the y of a value and the drawing's height (grown by the legend rows).
func (c Chart) axes(s *svg, lay layout) (y func(float64) float64, height int) {
	_, _, rows := c.legendLines(lay)
	height = lay.height
	if rows > 0 {
		height += rows*legendRowH + 4
	}
	c.svgOpen(s, lay, height, "")
	ticks := niceTicks(c.maxValue(), 4)
	topTick := ticks[len(ticks)-1]
	base := float64(lay.height - lay.bottom)
	plotH := base - float64(lay.top)
	y = func(v float64) float64 { return base - v/topTick*plotH }
	s.f(`<g class="axis" aria-hidden="true" fill="#3d4541">`)
	for _, t := range ticks {
		s.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, lay.left, lay.width-lay.right, y(t), y(t))
		s.f(`<text x="%d" y="%.1f" text-anchor="end">%s</text>`, lay.left-5, y(t)+4, esc(c.tick(t)))
	}
	mid := int(base+float64(lay.top)) / 2
	s.f(`<text x="%g" y="%d" transform="rotate(-90 %g %d)" text-anchor="middle">%s</text>`, lay.font, mid, lay.font, mid, esc(c.YLabel))
	s.f(`</g>`)
	return y, height
}

// xLabels writes the category labels under the plot, leaving out those that
// would overlap the one before (a narrow drawing names every other year).
func (c Chart) xLabels(s *svg, lay layout, x func(i int) float64) {
	base := lay.height - lay.bottom
	s.f(`<g class="axis" aria-hidden="true" fill="#3d4541" text-anchor="middle">`)
	labels := c.Labels
	if c.AxisLabels != nil {
		labels = c.AxisLabels
	}
	end := math.Inf(-1)
	for i, l := range labels {
		if l == "" {
			continue
		}
		w := lay.textW(l)
		cx := math.Min(math.Max(x(i), w/2), float64(lay.width)-w/2)
		if cx-w/2 < end+6 {
			continue
		}
		end = cx + w/2
		s.f(`<text x="%.1f" y="%d">%s</text>`, cx, base+int(lay.font)+6, esc(l))
	}
	s.f(`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#888"/>`, lay.left, lay.width-lay.right, base, base)
	s.f(`</g>`)
}

// legend writes the series names when there is more than one.
func (c Chart) legend(s *svg, lay layout) {
	xs, rows, _ := c.legendLines(lay)
	if xs == nil {
		return
	}
	s.f(`<g class="legend" fill="#222">`)
	for i, se := range c.Series {
		class, fill := se.look(i)
		y := lay.height + 8 + rows[i]*legendRowH
		s.f(`<rect x="%.1f" y="%d" width="12" height="12" class="%s" fill="%s"/>`, xs[i], y-10, class, fill)
		s.f(`<text x="%.1f" y="%d">%s</text>`, xs[i]+18, y, esc(se.Name))
	}
	s.f(`</g>`)
}

// Bars draws vertical bars, one group (or stack) per label. A single series
// of few bars carries its values above the bars.
func Bars(c Chart) template.HTML { return c.figure(c.bars) }

func (c Chart) bars(s *svg, lay layout) {
	y, _ := c.axes(s, lay)
	slot := lay.plotW() / float64(max(len(c.Labels), 1))
	n := len(c.Series)
	barW := slot * 0.7
	if !c.Stacked && n > 0 {
		barW /= float64(n)
	}
	x := func(i int) float64 { return float64(lay.left) + slot*(float64(i)+0.5) }
	valueLabels := n == 1 && len(c.Labels) <= lay.fewBars
	for i, label := range c.Labels {
		base := 0.0
		for j, se := range c.Series {
			raw := at(se.Values, i)
			if math.IsNaN(raw) {
				continue
			}
			v := orZero(raw)
			x0 := x(i) - slot*0.35
			y0, y1 := y(base+v), y(base)
			if c.Stacked {
				base += v
			} else {
				x0 += barW * float64(j)
			}
			name := label
			if n > 1 {
				name = label + ", " + se.Name
			}
			class, fill := se.look(j)
			s.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="%s" fill="%s"><title>%s: %s</title></rect>`,
				x0, y0, math.Max(barW-1, 1), y1-y0, class, fill, esc(name), esc(c.format(raw)))
			if valueLabels && lay.textW(c.tick(raw)) <= slot {
				s.f(`<text class="value" x="%.1f" y="%.1f" text-anchor="middle" fill="#222" aria-hidden="true">%s</text>`, x(i), y0-4, esc(c.tick(raw)))
			}
		}
	}
	c.xLabels(s, lay, x)
	c.legend(s, lay)
	s.f(`</svg>`)
}

// Line draws each series as a line with a point per label: for long monthly
// series where bars would be too thin to read. A NaN value breaks the line.
// Several long series share one mark per label, a column whose title gives
// every series' value there, instead of a point each: the drawing stays a
// fraction of the size (a nutrition history of four series over eleven
// years was 55 kB a drawing) and one hover reads all the lines.
func Line(c Chart) template.HTML { return c.figure(c.line) }

func (c Chart) line(s *svg, lay layout) {
	y, _ := c.axes(s, lay)
	step := lay.plotW() / float64(max(len(c.Labels)-1, 1))
	x := func(i int) float64 { return float64(lay.left) + step*float64(i) }
	columns := len(c.Series) > 1 && len(c.Labels) > densePoints
	for j, se := range c.Series {
		class, colour := se.look(j)
		var run []string
		flush := func() {
			if len(run) > 1 {
				s.f(`<polyline class="line %s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`, class, colour, strings.Join(run, " "))
			}
			run = run[:0]
		}
		for i := range c.Labels {
			v := at(se.Values, i)
			if math.IsNaN(v) {
				flush()
				continue
			}
			run = append(run, strconv.FormatFloat(x(i), 'f', 1, 64)+","+strconv.FormatFloat(y(v), 'f', 1, 64))
		}
		flush()
		if columns {
			continue
		}
		for i, label := range c.Labels {
			v := at(se.Values, i)
			if math.IsNaN(v) {
				continue
			}
			name := label
			if len(c.Series) > 1 {
				name = label + ", " + se.Name
			}
			s.f(`<circle cx="%.1f" cy="%.1f" r="%s" class="%s" fill="%s"><title>%s: %s</title></circle>`,
				x(i), y(v), radius(len(c.Labels)), class, colour, esc(name), esc(c.format(v)))
		}
	}
	if columns {
		top, base := float64(lay.top), float64(lay.height-lay.bottom)
		for i, label := range c.Labels {
			var values []string
			for _, se := range c.Series {
				if v := at(se.Values, i); !math.IsNaN(v) {
					values = append(values, se.Name+": "+c.format(v))
				}
			}
			if len(values) == 0 {
				continue
			}
			s.f(`<rect class="column" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="transparent"><title>%s: %s</title></rect>`,
				x(i)-step/2, top, step, base-top, esc(label), esc(strings.Join(values, "; ")))
		}
	}
	c.xLabels(s, lay, x)
	c.legend(s, lay)
	s.f(`</svg>`)
}

// densePoints is where a series counts as long: its points are drawn
// smaller, and several such series share a mark per label.
const densePoints = 40

// radius keeps the points of a long series from merging into a band.
func radius(points int) string {
	if points > densePoints {
		return "1.5"
	}
	return "3"
}

// HBars draws one horizontal bar per label, for rankings (groups, stores,
// products) whose names are too long to sit under a bar. Wide, the name
// stands left of its bar; narrow, above it, so that both have the width.
func HBars(c Chart) template.HTML { return c.figure(c.hbars) }

func (c Chart) hbars(s *svg, lay layout) {
	rowH, labelW, nameDY, barDY := 24, 220, 16, 4
	if lay.name == narrow.name {
		rowH, labelW, nameDY, barDY = 36, 0, 13, 17
	}
	const valueRoom = 84
	h := 24 + rowH*len(c.Labels) + 4
	mx := c.maxValue()
	c.svgOpen(s, lay, h, " hbars")
	s.f(`<text x="%d" y="14" fill="#3d4541" aria-hidden="true">%s</text>`, labelW, esc(c.YLabel))
	var vs []float64
	if len(c.Series) > 0 {
		vs = c.Series[0].Values
	}
	for i, label := range c.Labels {
		v := at(vs, i)
		y := 24 + rowH*i
		if labelW > 0 {
			s.f(`<text x="%d" y="%d" text-anchor="end" fill="#222" aria-hidden="true">%s</text>`, labelW-6, y+nameDY, esc(lay.fit(label, float64(labelW-6))))
		} else {
			s.f(`<text x="0" y="%d" fill="#222" aria-hidden="true">%s</text>`, y+nameDY, esc(lay.fit(label, float64(lay.width))))
		}
		if math.IsNaN(v) {
			continue
		}
		w := orZero(v) / mx * float64(lay.width-labelW-valueRoom)
		s.f(`<rect x="%d" y="%d" width="%.1f" height="%d" class="series-0" fill="%s"><title>%s: %s</title></rect>`,
			labelW, y+barDY, math.Max(w, 1), 16, palette[0], esc(label), esc(c.format(v)))
		s.f(`<text x="%.1f" y="%d" fill="#3d4541" aria-hidden="true">%s</text>`, float64(labelW)+w+4, y+barDY+13, esc(c.format(v)))
	}
	s.f(`</svg>`)
}

// Spread shows where one value stands among many members' values: the
// middle half (Low to High) as a band, the Median as a line and You as a
// marker, on an axis from 0 to Max. One drawing serves both widths: it is
// short and scales down.
type Spread struct {
	ID, Title, Desc string
	Low, Median     float64
	High, You, Max  float64
	// YouLabel and MedianLabel name the marker and the line, with their
	// values formatted.
	YouLabel, MedianLabel string
}

// SpreadBar draws a Spread.
func SpreadBar(c Spread) template.HTML {
	const w, h, left, right = 320.0, 76.0, 8.0, 8.0
	if c.Max <= 0 || math.IsNaN(c.Max) {
		c.Max = 1
	}
	x := func(v float64) float64 { return left + (w-left-right)*math.Max(0, math.Min(v, c.Max))/c.Max }
	anchor := func(px float64) string {
		switch {
		case px < w*0.2:
			return "start"
		case px > w*0.8:
			return "end"
		}
		return "middle"
	}
	var s svg
	s.f(`<figcaption id="%s-t">%s</figcaption>`, c.ID, esc(c.Title))
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart spread" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-t %s-d" font-size="12">`, w, h, c.ID, c.ID)
	s.f(`<desc id="%s-d">%s</desc>`, c.ID, esc(c.Desc))
	s.f(`<rect class="track" x="%g" y="30" width="%g" height="14" rx="3" fill="#e4e8e4"/>`, left, w-left-right)
	s.f(`<rect class="series-0" x="%.1f" y="30" width="%.1f" height="14" fill="%s" opacity="0.45"/>`, x(c.Low), math.Max(1, x(c.High)-x(c.Low)), palette[0])
	s.f(`<rect class="series-0" x="%.1f" y="26" width="2" height="22" fill="%s"/>`, x(c.Median)-1, palette[0])
	s.f(`<text x="%.1f" y="66" text-anchor="%s">%s</text>`, x(c.Median), anchor(x(c.Median)), esc(c.MedianLabel))
	s.f(`<circle class="series-1" cx="%.1f" cy="37" r="7" fill="%s" stroke="#fff" stroke-width="2"/>`, x(c.You), palette[1])
	s.f(`<text x="%.1f" y="18" text-anchor="%s" font-weight="bold">%s</text>`, x(c.You), anchor(x(c.You)), esc(c.YouLabel))
	s.f(`</svg>`)
	return template.HTML(s.b.String()) // #nosec: every text is escaped
}
