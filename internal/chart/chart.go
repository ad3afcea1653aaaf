// Package chart draws the member pages' charts as inline SVG on the server,
// so that they work without JavaScript, print, and are read by screen
// readers: every chart has a title and a description, every mark its own
// title with label and value, and both axes are labelled. The pages also show
// the same numbers as a table. Colours come from classes styled by the site's
// stylesheet (series-0 … series-5), with a fill attribute as fallback, and no
// inline style attribute is ever written, so the strict Content-Security-Policy
// (style-src 'self') holds.
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

const (
	width        = 720
	height       = 300
	left, right  = 64, 28
	top, bottom  = 36, 48
	plotW, plotH = width - left - right, height - top - bottom
)

func (c Chart) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return fmt.Sprintf("%.4g", v)
}

// maxValue is the largest value (stacked: the largest stack), at least a
// small positive number so that an all-zero chart still has an axis.
func (c Chart) maxValue() float64 {
	max := 0.0
	for i := range c.Labels {
		sum := 0.0
		for _, s := range c.Series {
			v := at(s.Values, i)
			if c.Stacked {
				sum += math.Max(v, 0)
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

func at(vs []float64, i int) float64 {
	if i < len(vs) {
		return vs[i]
	}
	return 0
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

func (s *svg) f(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func esc(s string) string { return html.EscapeString(s) }

// open writes the svg element, its title, description and the value axis;
// it returns the y of a value.
func (c Chart) open(s *svg) (scale func(float64) float64) {
	max := c.maxValue()
	ticks := niceTicks(max, 4)
	topTick := ticks[len(ticks)-1]
	scale = func(v float64) float64 { return float64(height-bottom) - v/topTick*plotH }
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d">`,
		width, height, c.ID, c.ID)
	s.f(`<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, c.ID, esc(c.Title), c.ID, esc(c.Desc))
	s.f(`<text class="heading" x="%d" y="16" font-size="14" font-weight="600" fill="#1d2521" aria-hidden="true">%s</text>`, left, esc(c.Title))
	s.f(`<g class="axis" aria-hidden="true" font-size="11" fill="#444">`)
	for _, t := range ticks {
		y := scale(t)
		s.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, left, width-right, y, y)
		tick := c.format(t)
		if c.Tick != nil {
			tick = c.Tick(t)
		}
		s.f(`<text x="%d" y="%.1f" text-anchor="end">%s</text>`, left-6, y+4, esc(tick))
	}
	s.f(`<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>`,
		top/2+height/2, top/2+height/2, esc(c.YLabel))
	s.f(`</g>`)
	return scale
}

// xLabels writes the category labels under the plot.
func (c Chart) xLabels(s *svg, x func(i int) float64) {
	s.f(`<g class="axis" aria-hidden="true" font-size="11" fill="#444" text-anchor="middle">`)
	labels := c.Labels
	if c.AxisLabels != nil {
		labels = c.AxisLabels
	}
	for i, l := range labels {
		if l != "" {
			s.f(`<text x="%.1f" y="%d">%s</text>`, x(i), height-bottom+16, esc(l))
		}
	}
	s.f(`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#888"/>`, left, width-right, height-bottom, height-bottom)
	s.f(`</g>`)
}

// legend writes the series names when there is more than one.
func (c Chart) legend(s *svg) {
	if len(c.Series) < 2 {
		return
	}
	s.f(`<g class="legend" font-size="11" fill="#222">`)
	x := left
	for i, se := range c.Series {
		class, fill := se.look(i)
		s.f(`<rect x="%d" y="%d" width="10" height="10" class="%s" fill="%s"/>`, x, height-18, class, fill)
		s.f(`<text x="%d" y="%d">%s</text>`, x+14, height-9, esc(se.Name))
		x += 24 + 7*len([]rune(se.Name))
	}
	s.f(`</g>`)
}

// Bars draws vertical bars, one group (or stack) per label.
func Bars(c Chart) template.HTML {
	var s svg
	y := c.open(&s)
	slot := float64(plotW) / float64(max(len(c.Labels), 1))
	n := len(c.Series)
	barW := slot * 0.7
	if !c.Stacked && n > 0 {
		barW /= float64(n)
	}
	x := func(i int) float64 { return float64(left) + slot*(float64(i)+0.5) }
	for i, label := range c.Labels {
		base := 0.0
		for j, se := range c.Series {
			v := math.Max(at(se.Values, i), 0)
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
				x0, y0, math.Max(barW-1, 1), y1-y0, class, fill, esc(name), esc(c.format(at(se.Values, i))))
		}
	}
	c.xLabels(&s, x)
	c.legend(&s)
	s.f(`</svg>`)
	return template.HTML(s.b.String()) // #nosec: every text is escaped above
}

// Line draws each series as a line with a point per label: for long monthly
// series where bars would be too thin to read.
func Line(c Chart) template.HTML {
	var s svg
	y := c.open(&s)
	step := float64(plotW) / float64(max(len(c.Labels)-1, 1))
	x := func(i int) float64 { return float64(left) + step*float64(i) }
	for j, se := range c.Series {
		var pts []string
		for i := range c.Labels {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(at(se.Values, i))))
		}
		class, colour := se.look(j)
		s.f(`<polyline class="line %s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`, class, colour, strings.Join(pts, " "))
		for i, label := range c.Labels {
			name := label
			if len(c.Series) > 1 {
				name = label + ", " + se.Name
			}
			s.f(`<circle cx="%.1f" cy="%.1f" r="%s" class="%s" fill="%s"><title>%s: %s</title></circle>`,
				x(i), y(at(se.Values, i)), radius(len(c.Labels)), class, colour, esc(name), esc(c.format(at(se.Values, i))))
		}
	}
	c.xLabels(&s, x)
	c.legend(&s)
	s.f(`</svg>`)
	return template.HTML(s.b.String())
}

// radius keeps the points of a long series from merging into a band.
func radius(points int) string {
	if points > 40 {
		return "1.5"
	}
	return "3"
}

// HBars draws one horizontal bar per label, for rankings (groups, stores,
// products) whose names are too long to sit under a bar.
func HBars(c Chart) template.HTML {
	const rowH, labelW = 22, 220
	h := top + rowH*len(c.Labels) + 8
	max := c.maxValue()
	var s svg
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" class="chart hbars" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d">`,
		width, h, c.ID, c.ID)
	s.f(`<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, c.ID, esc(c.Title), c.ID, esc(c.Desc))
	s.f(`<text x="%d" y="16" font-size="11" fill="#444" aria-hidden="true">%s</text>`, labelW, esc(c.YLabel))
	var vs []float64
	if len(c.Series) > 0 {
		vs = c.Series[0].Values
	}
	for i, label := range c.Labels {
		v := at(vs, i)
		y := top + rowH*i
		w := math.Max(v, 0) / max * float64(width-labelW-90)
		s.f(`<text x="%d" y="%d" font-size="12" text-anchor="end" fill="#222" aria-hidden="true">%s</text>`, labelW-6, y+14, esc(label))
		s.f(`<rect x="%d" y="%d" width="%.1f" height="%d" class="series-0" fill="%s"><title>%s: %s</title></rect>`,
			labelW, y+2, math.Max(w, 1), rowH-6, palette[0], esc(label), esc(c.format(v)))
		s.f(`<text x="%.1f" y="%d" font-size="11" fill="#444" aria-hidden="true">%s</text>`, float64(labelW)+w+4, y+14, esc(c.format(v)))
	}
	s.f(`</svg>`)
	return template.HTML(s.b.String())
}
