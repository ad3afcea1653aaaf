// Package ingest turns what tills and catalogue systems send into what Kori
// stores: it parses receipts (JSON, NDJSON, CSV) with errors that name the line
// and the field, validates them, and applies the member's purchase-data level
// at write time, so that data the level does not allow never reaches the store.
// The HTTP API and `kori import` share it.
package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kori-project/kori"
)

// LineError says why one receipt was rejected: the line of the input it
// started on, the field and the reason.
type LineError struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Error implements error.
func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
}

// Parsed is one receipt read from the input, or the error that stopped it
// from being read. Line is the input line it starts on.
type Parsed struct {
	Line    int
	Receipt kori.Receipt
	Err     *LineError
}

// Limits on what one receipt may hold; beyond them input is surely wrong.
const (
	MaxLineBytes = 1 << 20 // one NDJSON line
	MaxLines     = 2000    // product lines per receipt
	maxQuantity  = 100000
	maxCents     = 10_000_000_00 // ten million euros
)

// wireReceipt is the JSON shape of a receipt as tills send it.
type wireReceipt struct {
	Kind        *string    `json:"kind"`
	Store       *string    `json:"store"`
	Till        *int       `json:"till"`
	Receipt     *string    `json:"receipt"`
	PurchasedAt *string    `json:"purchased_at"`
	BusinessDay *string    `json:"business_day"`
	Card        *string    `json:"card"`
	Total       *wireMoney `json:"total"`
	Lines       []wireLine `json:"lines"`
	Original    *wireKey   `json:"original"`
}

type wireLine struct {
	Kind     *string    `json:"kind"`
	GTIN     *string    `json:"gtin"`
	Quantity *float64   `json:"quantity"`
	Amount   *wireMoney `json:"amount"`
	Discount *wireMoney `json:"discount"`
}

// wireKey names a receipt sent before: the sale a return gives back.
type wireKey struct {
	Store       *string `json:"store"`
	Till        *int    `json:"till"`
	Receipt     *string `json:"receipt"`
	BusinessDay *string `json:"business_day"`
}

// wireMoney accepts euros as a JSON number or string with at most two decimals.
type wireMoney struct{ cents kori.Money }

func (m *wireMoney) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	c, err := ParseMoney(s)
	if err != nil {
		return err
	}
	m.cents = c
	return nil
}

// ParseMoney parses euros such as "12", "12.5", "-0.30" or "12,50" into cents,
// exactly: a third decimal is an error rather than a rounding.
func ParseMoney(s string) (kori.Money, error) {
	s = strings.TrimSpace(strings.Replace(s, ",", ".", 1))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") || len(whole) > 12 {
		return 0, fmt.Errorf("%q is not euros with at most two decimals", s)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not euros with at most two decimals", s)
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	c := w*100 + f
	if neg {
		c = -c
	}
	return kori.Money(c), nil
}

// ParseJSON parses one receipt from JSON. Unknown fields are errors, so that a
// misspelt field is reported instead of silently ignored.
func ParseJSON(data []byte, line int) Parsed {
	if r, ok := parseFast(data); ok {
		return Parsed{Line: line, Receipt: r}
	}
	return parseJSONStd(data, line)
}

// parseJSONStd is the general parser: slower, and the one that explains errors.
func parseJSONStd(data []byte, line int) Parsed {
	var w wireReceipt
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		le := jsonError(err, line)
		if strings.HasPrefix(le.Field, "lines.") {
			le.Field = lineField(data, le.Field)
		}
		return Parsed{Line: line, Err: le}
	}
	if dec.More() {
		return Parsed{Line: line, Err: &LineError{Line: line, Reason: "more than one JSON value; send a batch as NDJSON, one receipt per line"}}
	}
	r, lerr := w.receipt(line)
	return Parsed{Line: line, Receipt: r, Err: lerr}
}

// lineField turns "lines.quantity" of a type error into "lines[3].quantity"
// by decoding the lines one by one to find the first that fails.
func lineField(data []byte, field string) string {
	var raw struct {
		Lines []json.RawMessage `json:"lines"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return field
	}
	for i, l := range raw.Lines {
		var w wireLine
		if json.Unmarshal(l, &w) != nil {
			return fmt.Sprintf("lines[%d].%s", i, strings.TrimPrefix(field, "lines."))
		}
	}
	return field
}

func jsonError(err error, line int) *LineError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		want := te.Type.String()
		switch te.Type.Kind() {
		case reflect.Int:
			want = "whole number (int)"
		case reflect.Float64:
			want = "number"
		case reflect.String:
			want = "string"
		}
		return &LineError{Line: line, Field: te.Field, Reason: fmt.Sprintf("must be a %s, not a JSON %s", want, te.Value)}
	case errors.As(err, &se):
		return &LineError{Line: line, Reason: "malformed JSON: " + se.Error()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &LineError{Line: line, Reason: "malformed JSON: unexpected end of input"}
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &LineError{Line: line, Field: strings.Trim(f, `"`), Reason: "unknown field; the fields are store, till, receipt, purchased_at, card, total, lines"}
	}
	// Errors from wireMoney name no field; say what is wrong.
	return &LineError{Line: line, Reason: strings.TrimPrefix(msg, "json: ")}
}

func (w *wireReceipt) receipt(line int) (kori.Receipt, *LineError) {
	bad := func(field, format string, args ...any) (kori.Receipt, *LineError) {
		return kori.Receipt{}, &LineError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	kind := kori.KindSale
	if w.Kind != nil {
		kind = kori.ReceiptKind(*w.Kind)
	}
	switch kind {
	case kori.KindSale, kori.KindReturn, kori.KindVoid:
	default:
		return bad("kind", "%q is not sale, return or void", string(kind))
	}
	switch {
	case w.Store == nil || *w.Store == "":
		return bad("store", "missing; give the store id")
	case w.Till == nil:
		return bad("till", "missing; give the till number")
	case w.Receipt == nil || *w.Receipt == "":
		return bad("receipt", "missing; give the receipt number")
	case w.Card == nil || *w.Card == "":
		return bad("card", "missing; only loyalty-card purchases are accepted")
	case kind != kori.KindVoid && w.PurchasedAt == nil:
		return bad("purchased_at", "missing; give the time as RFC 3339, e.g. 2025-03-01T17:45:00+02:00")
	case kind == kori.KindVoid && w.PurchasedAt == nil && w.BusinessDay == nil:
		return bad("business_day", "missing; a void names the receipt it cancels by store, till, receipt and business_day (or its purchased_at)")
	case kind != kori.KindVoid && w.Total == nil:
		return bad("total", "missing; give the receipt total in euros")
	case kind == kori.KindVoid && (len(w.Lines) > 0 || w.Total != nil):
		return bad("lines", "a void carries no lines or total: it only names the receipt it cancels")
	case kind != kori.KindReturn && w.Original != nil:
		return bad("original", "only a return names an original sale")
	}
	r := kori.Receipt{
		Kind:  kind,
		Key:   kori.ReceiptKey{Store: *w.Store, Till: *w.Till, Number: *w.Receipt},
		Card:  *w.Card,
		Lines: make([]kori.Line, 0, len(w.Lines)),
	}
	if w.Total != nil {
		r.Total = w.Total.cents
	}
	if w.PurchasedAt != nil {
		t, ok := parseTime(*w.PurchasedAt)
		if !ok {
			return bad("purchased_at", "%q is not an RFC 3339 time with zone, e.g. 2025-03-01T17:45:00+02:00", *w.PurchasedAt)
		}
		r.PurchasedAt = t
	}
	if w.BusinessDay != nil {
		day, ok := parseDay(*w.BusinessDay)
		if !ok {
			return bad("business_day", "%q is not a date such as 2025-03-01", *w.BusinessDay)
		}
		r.Key.BusinessDay = day
	}
	if o := w.Original; o != nil {
		switch {
		case o.Store == nil || *o.Store == "":
			return bad("original.store", "missing")
		case o.Till == nil:
			return bad("original.till", "missing")
		case o.Receipt == nil || *o.Receipt == "":
			return bad("original.receipt", "missing")
		case o.BusinessDay == nil:
			return bad("original.business_day", "missing; give the sale's date, e.g. 2025-03-01")
		}
		day, ok := parseDay(*o.BusinessDay)
		if !ok {
			return bad("original.business_day", "%q is not a date such as 2025-03-01", *o.BusinessDay)
		}
		r.Original = &kori.ReceiptKey{Store: *o.Store, Till: *o.Till, Number: *o.Receipt, BusinessDay: day}
	}
	for i, l := range w.Lines {
		field := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		kl := kori.Line{Kind: kori.LineProduct}
		if l.Kind != nil {
			kl.Kind = kori.LineKind(*l.Kind)
			if !kl.Kind.Valid() || kl.Kind == "" {
				return bad(field("kind"), "%q is not one of product, deposit, deposit_refund, coupon, bag, rounding", *l.Kind)
			}
		}
		switch {
		case l.GTIN == nil && kl.Kind == kori.LineProduct:
			return bad(field("gtin"), "missing; a product line needs its GTIN")
		case l.Quantity == nil:
			return bad(field("quantity"), "missing")
		case l.Amount == nil:
			return bad(field("amount"), "missing; give the net amount paid in euros")
		}
		if l.GTIN != nil {
			kl.GTIN = *l.GTIN
		}
		kl.Quantity, kl.Amount = *l.Quantity, l.Amount.cents
		if l.Discount != nil {
			kl.Discount = l.Discount.cents
		}
		r.Lines = append(r.Lines, kl)
	}
	return r, nil
}

// parseDay parses a business day, 2025-03-01, into yyyymmdd.
func parseDay(s string) (int, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, false
	}
	return kori.BusinessDay(t, time.UTC), true
}

// Validate checks a parsed receipt on its own (no catalogue, no members):
// text, ranges, signs, sums and dates as of now. The error names the field.
//
// Text fields are refused, never rewritten, when they are not clean UTF-8
// (kori.CheckText). GTINs must carry the right check digit. On a sale, a
// line may be negative where its kind allows it (a deposit refund, a
// coupon, rounding, a product line correcting another); on a return every
// line gives something back (quantity and amount not above zero), except
// rounding. A void names a receipt and carries nothing else.
func Validate(r *kori.Receipt, line int, now time.Time) *LineError {
	bad := func(field, format string, args ...any) *LineError {
		return &LineError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	texts := []struct{ field, value string }{{"store", r.Key.Store}, {"receipt", r.Key.Number}, {"card", r.Card}}
	if o := r.Original; o != nil {
		texts = append(texts, struct{ field, value string }{"original.store", o.Store}, struct{ field, value string }{"original.receipt", o.Number})
	}
	for i, l := range r.Lines {
		texts = append(texts, struct{ field, value string }{fmt.Sprintf("lines[%d].gtin", i), l.GTIN})
	}
	for _, t := range texts {
		if err := kori.CheckText(t.value); err != nil {
			return bad(t.field, "%s; send the identifier exactly as the till has it, in UTF-8", kori.ErrorMessage(err))
		}
	}
	switch {
	case len(r.Key.Store) > 64:
		return bad("store", "longer than 64 characters")
	case r.Key.Till < 0 || r.Key.Till > 1_000_000:
		return bad("till", "%d is not a till number (0 to 1000000)", r.Key.Till)
	case len(r.Key.Number) > 64:
		return bad("receipt", "longer than 64 characters")
	case len(r.Card) > 64:
		return bad("card", "longer than 64 characters")
	}
	if r.Kind == kori.KindVoid {
		if !r.PurchasedAt.IsZero() && r.PurchasedAt.After(now.Add(24*time.Hour)) {
			return bad("purchased_at", "%s is in the future; check the till clock", r.PurchasedAt.Format(time.RFC3339))
		}
		return nil
	}
	switch {
	case r.PurchasedAt.Year() < 2000:
		return bad("purchased_at", "%s is before the year 2000; check the till clock", r.PurchasedAt.Format(time.RFC3339))
	case r.PurchasedAt.After(now.Add(24 * time.Hour)):
		return bad("purchased_at", "%s is in the future; check the till clock", r.PurchasedAt.Format(time.RFC3339))
	case len(r.Lines) == 0:
		return bad("lines", "a receipt needs at least one line")
	case len(r.Lines) > MaxLines:
		return bad("lines", "%d lines; at most %d per receipt", len(r.Lines), MaxLines)
	case r.Total < -maxCents || r.Total > maxCents:
		return bad("total", "%s is out of range", r.Total)
	}
	ret := r.Kind == kori.KindReturn
	var sum kori.Money
	for i, l := range r.Lines {
		field := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		kind := l.Kind
		if kind == "" {
			kind = kori.LineProduct
		}
		if kind == kori.LineProduct || l.GTIN != "" {
			if err := kori.CheckGTIN(l.GTIN); err != nil {
				return bad(field("gtin"), "%s", kori.ErrorMessage(err))
			}
		}
		switch {
		case math.IsNaN(l.Quantity) || math.IsInf(l.Quantity, 0) || l.Quantity == 0:
			return bad(field("quantity"), "%v must be a number other than 0", l.Quantity)
		case math.Abs(l.Quantity) > maxQuantity:
			return bad(field("quantity"), "%v is out of range", l.Quantity)
		case l.Amount < -maxCents || l.Amount > maxCents:
			return bad(field("amount"), "%s is out of range", l.Amount)
		case l.Discount < 0 || l.Discount > maxCents:
			return bad(field("discount"), "%s must not be negative", l.Discount)
		case ret && kind != kori.LineRounding && (l.Quantity > 0 || l.Amount > 0):
			return bad(field("quantity"), "a return gives back: quantity and amount must be negative (got %v and %s)", l.Quantity, l.Amount)
		case !ret && l.Amount < 0 && !kind.MayBeNegative():
			return bad(field("amount"), "%s: a %s line on a sale cannot be negative", l.Amount, kind)
		case !ret && l.Quantity < 0 && l.Amount > 0:
			return bad(field("quantity"), "%v with a positive amount; a correction has a negative quantity and amount", l.Quantity)
		case !ret && !kind.MayBeNegative() && l.Quantity < 0:
			return bad(field("quantity"), "%v must be positive for a %s line", l.Quantity, kind)
		}
		sum += l.Amount
	}
	if sum != r.Total {
		return bad("total", "%s does not equal the sum of the line amounts, %s", r.Total, sum)
	}
	return nil
}

// Reader reads receipts one at a time from a stream, with bounded memory.
type Reader interface {
	// Next returns the next receipt, or io.EOF after the last one. A receipt
	// that cannot be read comes back with Err set and reading goes on.
	Next() (Parsed, error)
}

// NewNDJSONReader reads one JSON receipt per line; blank lines are skipped.
func NewNDJSONReader(r io.Reader) Reader {
	return &ndjsonReader{br: bufio.NewReaderSize(r, 64<<10)}
}

type ndjsonReader struct {
	br   *bufio.Reader
	line int
}

func (n *ndjsonReader) Next() (Parsed, error) {
	for {
		data, tooLong, err := n.readLine()
		if err != nil && len(data) == 0 && !tooLong {
			return Parsed{}, err
		}
		n.line++
		if tooLong {
			return Parsed{Line: n.line, Err: &LineError{Line: n.line, Reason: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}}, nil
		}
		if len(bytes.TrimSpace(data)) == 0 {
			if err != nil {
				return Parsed{}, err
			}
			continue
		}
		return ParseJSON(data, n.line), nil
	}
}

// readLine reads up to the next newline; a line over MaxLineBytes is skipped
// to its end and reported.
func (n *ndjsonReader) readLine() ([]byte, bool, error) {
	var buf []byte
	for {
		chunk, err := n.br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = n.br.ReadSlice('\n')
			}
			return nil, true, nil
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return buf, false, err
	}
}

// CSVColumns are the columns of the receipt CSV format: one row per line of
// a receipt, rows of one receipt next to each other. discount, kind (sale or
// return; default sale) and line_kind (product, deposit, deposit_refund,
// coupon, bag, rounding; default product) may be left out.
var CSVColumns = []string{"store", "till", "receipt", "purchased_at", "card", "total", "gtin", "quantity", "amount", "discount", "kind", "line_kind"}

// optionalCSV are the columns a header may leave out.
var optionalCSV = map[string]bool{"discount": true, "kind": true, "line_kind": true}

// NewCSVReader reads receipts from CSV with a header row naming CSVColumns (in
// any order). Consecutive rows with the same store, till, receipt, time, card
// and total form one receipt. Each row is one physical line (fields may be
// quoted but hold no line breaks), so a malformed row — a stray quote, say —
// is reported with its own line number and costs only its own receipt: the
// rows after it are read as usual.
func NewCSVReader(r io.Reader) Reader {
	return &csvReader{br: bufio.NewReaderSize(r, 64<<10)}
}

type csvReader struct {
	br      *bufio.Reader
	line    int
	col     map[string]int
	pending []string   // first row of the next receipt
	pendAt  int        // its line
	pendErr *LineError // set when that row is malformed (pending is then its lenient reading, or nil)
	headErr *LineError
	done    bool
}

func (c *csvReader) header() error {
	rec, _, err := c.readRow()
	if err != nil {
		if err == io.EOF {
			return err
		}
		c.headErr = &LineError{Line: 1, Reason: "cannot read CSV header: " + err.Error()}
		return nil
	}
	c.col = map[string]int{}
	for i, h := range rec {
		c.col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, want := range CSVColumns {
		if _, ok := c.col[want]; !ok && !optionalCSV[want] {
			c.headErr = &LineError{Line: 1, Field: want, Reason: "column missing from the header; the columns are " + strings.Join(CSVColumns, ",")}
			return nil
		}
	}
	return nil
}

func (c *csvReader) get(rec []string, name string) string {
	i, ok := c.col[name]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// errCSVRow is a row that is not valid CSV, with the reason.
type errCSVRow struct{ reason string }

func (e errCSVRow) Error() string { return e.reason }

// readRow reads the next non-blank physical line as one CSV record and
// returns its line number; a malformed line is an errCSVRow, returned with
// a lenient reading of the line (nil if even that fails) so that its
// receipt can be told, and reading goes on after it.
func (c *csvReader) readRow() ([]string, int, error) {
	for {
		text, err := c.br.ReadString('\n')
		if text == "" && err != nil {
			return nil, c.line, err
		}
		c.line++
		if len(text) > MaxLineBytes {
			return nil, c.line, errCSVRow{fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		cr := csv.NewReader(strings.NewReader(text))
		cr.FieldsPerRecord = -1
		rec, perr := cr.Read()
		if perr == nil {
			if _, more := cr.Read(); more != io.EOF {
				perr = errors.New("a quoted field runs past the end of the line")
			}
		}
		if perr != nil {
			var pe *csv.ParseError
			if errors.As(perr, &pe) {
				perr = pe.Err
			}
			lenient := csv.NewReader(strings.NewReader(text))
			lenient.FieldsPerRecord, lenient.LazyQuotes = -1, true
			rec, _ := lenient.Read()
			return rec, c.line, errCSVRow{"malformed CSV: " + perr.Error() + " (a field with a quote must be quoted whole, quotes doubled)"}
		}
		return rec, c.line, nil
	}
}

func (c *csvReader) Next() (Parsed, error) {
	if c.col == nil && c.headErr == nil {
		if err := c.header(); err != nil {
			return Parsed{}, err
		}
	}
	if c.headErr != nil {
		if c.done {
			return Parsed{}, io.EOF
		}
		c.done = true
		return Parsed{Line: 1, Err: c.headErr}, nil
	}
	first, at, broken := c.pending, c.pendAt, c.pendErr
	c.pending, c.pendErr = nil, nil
	if first == nil && broken != nil {
		return Parsed{Line: at, Err: broken}, nil
	}
	for first == nil {
		rec, line, err := c.readRow()
		var bad errCSVRow
		if errors.As(err, &bad) {
			broken = &LineError{Line: line, Reason: bad.reason}
			if rec == nil {
				return Parsed{Line: line, Err: broken}, nil
			}
		} else if err != nil {
			return Parsed{}, err
		}
		first, at = rec, line
	}
	key := c.receiptKey(first)
	rows := [][]string{first}
	lines := []int{at}
	for {
		rec, line, err := c.readRow()
		var bad errCSVRow
		if errors.As(err, &bad) {
			if rec != nil && c.receiptKey(rec) == key {
				// This receipt cannot be whole without the row: it is
				// rejected once, and its other rows are read past.
				if broken == nil {
					broken = &LineError{Line: line, Reason: bad.reason}
				}
				continue
			}
			// The malformed row starts the next receipt.
			c.pending, c.pendAt, c.pendErr = rec, line, &LineError{Line: line, Reason: bad.reason}
			break
		} else if err == io.EOF {
			break
		} else if err != nil {
			return Parsed{}, err
		}
		if c.receiptKey(rec) != key {
			c.pending, c.pendAt = rec, line
			break
		}
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	if broken != nil {
		broken.Reason += fmt.Sprintf("; the receipt on lines %d–%d is not stored, the rows after it are read", at, lines[len(lines)-1])
		return Parsed{Line: at, Err: broken}, nil
	}
	return c.build(rows, lines), nil
}

func (c *csvReader) receiptKey(rec []string) string {
	return strings.Join([]string{c.get(rec, "store"), c.get(rec, "till"), c.get(rec, "receipt"),
		c.get(rec, "purchased_at"), c.get(rec, "card"), c.get(rec, "total")}, "\x00")
}

func (c *csvReader) build(rows [][]string, lines []int) Parsed {
	at := lines[0]
	bad := func(line int, field, format string, args ...any) Parsed {
		return Parsed{Line: at, Err: &LineError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}}
	}
	first := rows[0]
	for _, f := range []string{"store", "till", "receipt", "purchased_at", "card", "total"} {
		if c.get(first, f) == "" {
			return bad(at, f, "missing")
		}
	}
	till, err := strconv.Atoi(c.get(first, "till"))
	if err != nil {
		return bad(at, "till", "%q is not a whole number", c.get(first, "till"))
	}
	t, err := time.Parse(time.RFC3339, c.get(first, "purchased_at"))
	if err != nil {
		return bad(at, "purchased_at", "%q is not an RFC 3339 time with zone, e.g. 2025-03-01T17:45:00+02:00", c.get(first, "purchased_at"))
	}
	total, err := ParseMoney(c.get(first, "total"))
	if err != nil {
		return bad(at, "total", "%v", err)
	}
	r := kori.Receipt{
		Kind:        kori.KindSale,
		Key:         kori.ReceiptKey{Store: c.get(first, "store"), Till: till, Number: c.get(first, "receipt")},
		Card:        c.get(first, "card"),
		PurchasedAt: t,
		Total:       total,
	}
	switch k := kori.ReceiptKind(c.get(first, "kind")); k {
	case "", kori.KindSale:
	case kori.KindReturn:
		r.Kind = k
	default:
		return bad(at, "kind", "%q is not sale or return (send voids as JSON)", string(k))
	}
	for i, row := range rows {
		q, err := strconv.ParseFloat(strings.Replace(c.get(row, "quantity"), ",", ".", 1), 64)
		if err != nil {
			return bad(lines[i], "quantity", "%q is not a number", c.get(row, "quantity"))
		}
		amount, err := ParseMoney(c.get(row, "amount"))
		if err != nil {
			return bad(lines[i], "amount", "%v", err)
		}
		var discount kori.Money
		if s := c.get(row, "discount"); s != "" {
			if discount, err = ParseMoney(s); err != nil {
				return bad(lines[i], "discount", "%v", err)
			}
		}
		kind := kori.LineKind(c.get(row, "line_kind"))
		if kind == "" {
			kind = kori.LineProduct
		} else if !kind.Valid() {
			return bad(lines[i], "line_kind", "%q is not one of product, deposit, deposit_refund, coupon, bag, rounding", string(kind))
		}
		if kind == kori.LineProduct && c.get(row, "gtin") == "" {
			return bad(lines[i], "gtin", "missing; a product line needs its GTIN")
		}
		r.Lines = append(r.Lines, kori.Line{Kind: kind, GTIN: c.get(row, "gtin"), Quantity: q, Amount: amount, Discount: discount})
	}
	return Parsed{Line: at, Receipt: r}
}

// AppendJSON appends r in the wire format ParseJSON reads, without a newline.
// Demo exports, tests and benchmarks use it to produce till-shaped input.
func AppendJSON(b []byte, r *kori.Receipt) []byte {
	b = append(b, `{"store":`...)
	b = strconv.AppendQuote(b, r.Key.Store)
	b = append(b, `,"till":`...)
	b = strconv.AppendInt(b, int64(r.Key.Till), 10)
	b = append(b, `,"receipt":`...)
	b = strconv.AppendQuote(b, r.Key.Number)
	b = append(b, `,"purchased_at":"`...)
	b = r.PurchasedAt.AppendFormat(b, time.RFC3339)
	b = append(b, `","card":`...)
	b = strconv.AppendQuote(b, r.Card)
	b = append(b, `,"total":"`...)
	b = append(b, r.Total.String()...)
	b = append(b, `","lines":[`...)
	for i, l := range r.Lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"gtin":`...)
		b = strconv.AppendQuote(b, l.GTIN)
		b = append(b, `,"quantity":`...)
		b = strconv.AppendFloat(b, l.Quantity, 'f', -1, 64)
		b = append(b, `,"amount":"`...)
		b = append(b, l.Amount.String()...)
		b = append(b, `","discount":"`...)
		b = append(b, l.Discount.String()...)
		b = append(b, `"}`...)
	}
	return append(b, "]}"...)
}

// AppendCSV appends r as rows of the receipt CSV format (CSVColumns order).
func AppendCSV(b []byte, r *kori.Receipt) []byte {
	head := fmt.Sprintf("%s,%d,%s,%s,%s,%s,", csvField(r.Key.Store), r.Key.Till, csvField(r.Key.Number),
		r.PurchasedAt.Format(time.RFC3339), csvField(r.Card), r.Total)
	for _, l := range r.Lines {
		b = append(b, head...)
		b = append(b, l.GTIN...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, l.Quantity, 'f', -1, 64)
		b = append(b, ',')
		b = append(b, l.Amount.String()...)
		b = append(b, ',')
		b = append(b, l.Discount.String()...)
		b = append(b, '\n')
	}
	return b
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// parseTime parses an RFC 3339 time with its zone.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}
