package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"

	"github.com/kori-project/kori"
)

//go:embed locales/*.json
var localeFiles embed.FS

// languages Kori speaks, the first being the default.
var languages = []language.Tag{language.Finnish, language.English}

var langMatcher = language.NewMatcher(languages)

// Locale formats text and numbers in one language. Templates call its
// methods ({{.L.T "nav.overview"}}, {{.L.Eur .Amount}}), so one parsed template
// serves both languages.
type Locale struct {
	Lang      string // "fi" or "en"
	localizer *i18n.Localizer
	// num holds the language's number symbols, read once from its
	// message printer, so that Num formats without a catalogue lookup per
	// number: a page formats hundreds.
	num numberSymbols
	// zone is the chain's time zone, in which DateTime shows every time.
	zone *time.Location
	// plain keeps each message asked for without arguments, as go-i18n
	// gave it: a page asks for a hundred, and go-i18n matches the language
	// and executes the message's template on every call. Only messages
	// that exist are kept, so it holds at most the locale file's.
	plain sync.Map // message id → string
}

// locales holds one Locale per language.
type locales map[string]*Locale

func loadLocales(zone *time.Location) (locales, error) {
	bundle := i18n.NewBundle(language.English)
	out := locales{}
	for _, tag := range languages {
		base, _ := tag.Base()
		name := base.String()
		if _, err := bundle.LoadMessageFileFS(localeFiles, "locales/"+name+".json"); err != nil {
			return nil, fmt.Errorf("locale %s: %w", name, err)
		}
		num, err := symbolsOf(message.NewPrinter(tag))
		if err != nil {
			return nil, fmt.Errorf("locale %s: %w", name, err)
		}
		out[name] = &Locale{Lang: name, localizer: i18n.NewLocalizer(bundle, name), num: num, zone: zone}
	}
	return out, nil
}

// pick chooses the language: the ?lang= switch, then the cookie the switch
// set, then the browser's Accept-Language, then Finnish.
func (ls locales) pick(r *http.Request) *Locale {
	if l, ok := ls[r.URL.Query().Get("lang")]; ok {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := ls[c.Value]; ok {
			return l
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		i = 0
	}
	base, _ := languages[i].Base()
	return ls[base.String()]
}

// T translates a message id; args are name/value pairs for its template
// ({{.L.T "receipts.count" "N" 3}}). A missing message shows its id, so
// a gap is visible rather than silent (and a test finds it).
func (l *Locale) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.plain.Load(id); ok {
			return s.(string)
		}
	}
	var data map[string]any
	if len(args) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	s, err := l.localizer.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	if len(args) == 0 {
		l.plain.Store(id, s)
	}
	return s
}

// Num formats a number with the given decimals in the language's style:
// what the language's message printer writes for "%.*f", byte for byte
// (TestNumMatchesPrinter), at a tenth of the cost.
func (l *Locale) Num(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	var buf [48]byte
	digits := strconv.AppendFloat(buf[:0], math.Abs(v), 'f', max(decimals, 0), 64)
	whole := len(digits)
	if i := bytes.IndexByte(digits, '.'); i >= 0 {
		whole = i
	}
	var b strings.Builder
	b.Grow(len(digits) + whole/3*len(l.num.group) + len(l.num.minus) + len(l.num.decimal))
	if v < 0 {
		b.WriteString(l.num.minus)
	}
	for i := 0; i < whole; i++ {
		if i > 0 && (whole-i)%3 == 0 {
			b.WriteString(l.num.group)
		}
		b.WriteByte(digits[i])
	}
	if whole < len(digits) {
		b.WriteString(l.num.decimal)
		b.Write(digits[whole+1:])
	}
	return b.String()
}

// numberSymbols are a language's minus sign and group and decimal
// separators.
type numberSymbols struct{ minus, group, decimal string }

// symbolsOf reads the symbols from how p writes -1234.5.
func symbolsOf(p *message.Printer) (numberSymbols, error) {
	s := p.Sprintf("%.1f", -1234.5)
	one, two, four, five := strings.Index(s, "1"), strings.Index(s, "2"), strings.Index(s, "4"), strings.Index(s, "5")
	if one < 0 || !(one < two && four == two+2 && four < five) {
		return numberSymbols{}, fmt.Errorf("cannot read number symbols from %q", s)
	}
	return numberSymbols{minus: s[:one], group: s[one+1 : two], decimal: s[four+1 : five]}, nil
}

// Eur formats cents as euros.
func (l *Locale) Eur(m kori.Money) string {
	v := float64(m) / 100
	if l.Lang == "fi" {
		return l.Num(v, 2) + "\u00a0€"
	}
	return "€" + l.Num(v, 2)
}

// Pct formats a share (0.123) as a percentage with one decimal.
func (l *Locale) Pct(share float64) string {
	return l.Num(share*100, 1) + "\u00a0%"
}

// Change formats a relative change with its sign and an arrow that shows
// the direction at a glance (hidden from screen readers, which read the
// sign), or "–" when there is nothing to compare with.
func (l *Locale) Change(c *float64) template.HTML {
	if c == nil {
		return "–"
	}
	return l.trend(*c, "%")
}

// trend formats d×100 with its sign, unit and a direction arrow.
func (l *Locale) trend(d float64, unit string) template.HTML {
	if math.Round(math.Abs(d)*1000) == 0 {
		// Under a twentieth of a unit shows as 0,0: no arrow, no sign.
		return template.HTML(template.HTMLEscapeString("±" + l.Num(0, 1) + "\u00a0" + unit))
	}
	sign, arrow, class := "+", "▲", "up"
	if d < 0 {
		sign, arrow, class = "−", "▼", "down"
	}
	return template.HTML(`<span class="trend ` + class + `" aria-hidden="true">` + arrow + "</span>\u00a0" +
		template.HTMLEscapeString(sign+l.Num(math.Abs(d)*100, 1)+"\u00a0"+unit))
}

// Points formats a change of a share in percentage points, with the arrow.
func (l *Locale) Points(d float64) template.HTML {
	return l.trend(d, l.T("unit.points"))
}

// Date formats a time as a date (chain time zone already applied).
func (l *Locale) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	if l.Lang == "fi" {
		return t.Format("2.1.2006")
	}
	return t.Format("2 Jan 2006")
}

// DateTime formats a time with hours and minutes, in the chain's zone
// whatever zone the time came in (a consent is stored in UTC).
func (l *Locale) DateTime(t time.Time) string {
	if l.zone != nil {
		t = t.In(l.zone)
	}
	if l.Lang == "fi" {
		return t.Format("2.1.2006 klo 15.04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// Month names a month of a year, short.
func (l *Locale) Month(year, month int) string {
	return l.T(fmt.Sprintf("month.%d", month)) + " " + fmt.Sprint(year)
}

// MonthName names a month without the year.
func (l *Locale) MonthName(month int) string { return l.T(fmt.Sprintf("month.%d", month)) }

// MonthShort is a month's short name, for chart axes ("tammi", "Jan").
func (l *Locale) MonthShort(month int) string { return l.T(fmt.Sprintf("month_short.%d", month)) }

// Name picks the Finnish or English name, falling back to the other.
// Country names an ISO 3166-1 alpha-2 country in the reader's language
// (CLDR names from golang.org/x/text), or returns the code when it is not
// a known region.
func (l *Locale) Country(code string) string {
	region, err := language.ParseRegion(code)
	if err != nil || code == "" {
		return code
	}
	if name := display.Regions(language.Make(l.Lang)).Name(region); name != "" {
		return name
	}
	return code
}

func (l *Locale) Name(fi, en string) string {
	if l.Lang == "en" && en != "" || fi == "" {
		return en
	}
	if l.Lang != "fi" || !strings.Contains(fi, ".") {
		return fi
	}
	return finnishDecimals.ReplaceAllString(fi, "$1,$2")
}

// finnishDecimals finds a decimal point in a quantity ("1.5 l", "0.33 l",
// "4.5%") that a till sent in a Finnish product name; Finnish writes a comma.
var finnishDecimals = regexp.MustCompile(`(\d)\.(\d+\s?(?:kg|g|l|dl|cl|ml|%|€))`)

// Level names a purchase-data level.
func (l *Locale) Level(v kori.Level) string { return l.T("level." + string(v)) }

// Consent tells a change of the member's choices in words, for the consent
// history: "Level of sharing: Product level → Product-group level".
func (l *Locale) Consent(kind, from, to string) string {
	switch kori.ConsentKind(kind) {
	case kori.ConsentLevel:
		if from == "" {
			return l.T("consent.level_set", "To", l.Level(kori.Level(to)))
		}
		return l.T("consent.level", "From", l.Level(kori.Level(from)), "To", l.Level(kori.Level(to)))
	case kori.ConsentPersonalisation, kori.ConsentAnalytics:
		purpose := l.T("purpose." + strings.TrimPrefix(kind, "objection:"))
		return l.T("consent."+to, "Purpose", purpose)
	case kori.ConsentRetention:
		return l.T("consent.retention." + to)
	}
	if strings.HasPrefix(kind, "app:") {
		if to == "revoked" {
			return l.T("consent.app_revoked", "Grant", from)
		}
		return l.T("consent.app_granted", "Grant", to)
	}
	return kind + ": " + to
}

// Other is the other language, for the switch.
func (l *Locale) Other() string {
	if l.Lang == "fi" {
		return "en"
	}
	return "fi"
}

// Upper is strings.ToUpper for templates.
func (l *Locale) Upper(s string) string { return strings.ToUpper(s) }
