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
	Store       *string    `json:"store"`
	Till        *int       `json:"till"`
	Receipt     *string    `json:"receipt"`
	PurchasedAt *string    `json:"purchased_at"`
	Card        *string    `json:"card"`
	Total       *wireMoney `json:"total"`
	Lines       []wireLine `json:"lines"`
}

type wireLine struct {
	GTIN     *string    `json:"gtin"`
	Quantity *float64   `json:"quantity"`
	Amount   *wireMoney `json:"amount"`
	Discount *wireMoney `json:"discount"`
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
		return Parsed{Line: line, Err: jsonError(err, line)}
	}
	if dec.More() {
		return Parsed{Line: line, Err: &LineError{Line: line, Reason: "more than one JSON value; send a batch as NDJSON, one receipt per line"}}
	}
	r, lerr := w.receipt(line)
	return Parsed{Line: line, Receipt: r, Err: lerr}
}

func jsonError(err error, line int) *LineError {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return &LineError{Line: line, Field: te.Field, Reason: fmt.Sprintf("must be a %s, not a JSON %s", te.Type, te.Value)}
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
	switch {
	case w.Store == nil || *w.Store == "":
		return bad("store", "missing; give the store id")
	case w.Till == nil:
		return bad("till", "missing; give the till number")
	case w.Receipt == nil || *w.Receipt == "":
		return bad("receipt", "missing; give the receipt number")
	case w.PurchasedAt == nil:
		return bad("purchased_at", "missing; give the time as RFC 3339, e.g. 2025-03-01T17:45:00+02:00")
	case w.Card == nil || *w.Card == "":
		return bad("card", "missing; only loyalty-card purchases are accepted")
	case w.Total == nil:
		return bad("total", "missing; give the receipt total in euros")
	}
	t, ok := parseTime(*w.PurchasedAt)
	if !ok {
		return bad("purchased_at", "%q is not an RFC 3339 time with zone, e.g. 2025-03-01T17:45:00+02:00", *w.PurchasedAt)
	}
	r := kori.Receipt{
		Key:         kori.ReceiptKey{Store: *w.Store, Till: *w.Till, Number: *w.Receipt},
		Card:        *w.Card,
		PurchasedAt: t,
		Total:       w.Total.cents,
		Lines:       make([]kori.Line, 0, len(w.Lines)),
	}
	for i, l := range w.Lines {
		field := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		switch {
		case l.GTIN == nil:
			return bad(field("gtin"), "missing")
		case l.Quantity == nil:
			return bad(field("quantity"), "missing")
		case l.Amount == nil:
			return bad(field("amount"), "missing; give the net amount paid in euros")
		}
		kl := kori.Line{GTIN: *l.GTIN, Quantity: *l.Quantity, Amount: l.Amount.cents}
		if l.Discount != nil {
			kl.Discount = l.Discount.cents
		}
		r.Lines = append(r.Lines, kl)
	}
	return r, nil
}

// Validate checks a parsed receipt on its own (no catalogue, no members):
// ranges, sums and dates as of now. The error names the field.
func Validate(r *kori.Receipt, line int, now time.Time) *LineError {
	bad := func(field, format string, args ...any) *LineError {
		return &LineError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
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
	case r.PurchasedAt.Year() < 2000:
		return bad("purchased_at", "%s is before the year 2000; check the till clock", r.PurchasedAt.Format(time.RFC3339))
	case r.PurchasedAt.After(now.Add(24 * time.Hour)):
		return bad("purchased_at", "%s is in the future; check the till clock", r.PurchasedAt.Format(time.RFC3339))
	case len(r.Lines) == 0:
		return bad("lines", "a receipt needs at least one line")
	case len(r.Lines) > MaxLines:
		return bad("lines", "%d lines; at most %d per receipt", len(r.Lines), MaxLines)
	case r.Total < 0 || r.Total > maxCents:
		return bad("total", "%s is out of range", r.Total)
	}
	var sum kori.Money
	for i, l := range r.Lines {
		field := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		switch {
		case !kori.ValidGTIN(l.GTIN):
			return bad(field("gtin"), "%q is not 8, 12, 13 or 14 digits", l.GTIN)
		case math.IsNaN(l.Quantity) || l.Quantity <= 0:
			return bad(field("quantity"), "%v must be positive; send returns as their own document, not as negative lines", l.Quantity)
		case l.Quantity > maxQuantity:
			return bad(field("quantity"), "%v is out of range", l.Quantity)
		case l.Amount < 0 || l.Amount > maxCents:
			return bad(field("amount"), "%s must not be negative", l.Amount)
		case l.Discount < 0 || l.Discount > maxCents:
			return bad(field("discount"), "%s must not be negative", l.Discount)
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

// CSVColumns are the columns of the receipt CSV format: one row per product
// line, rows of one receipt next to each other.
var CSVColumns = []string{"store", "till", "receipt", "purchased_at", "card", "total", "gtin", "quantity", "amount", "discount"}

// NewCSVReader reads receipts from CSV with a header row naming CSVColumns (in
// any order; discount may be left out). Consecutive rows with the same store,
// till, receipt, time, card and total form one receipt.
func NewCSVReader(r io.Reader) Reader {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	return &csvReader{cr: cr}
}

type csvReader struct {
	cr      *csv.Reader
	col     map[string]int
	pending []string // first row of the next receipt
	pendAt  int
	headErr *LineError
	done    bool
}

func (c *csvReader) header() error {
	rec, err := c.cr.Read()
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
		if _, ok := c.col[want]; !ok && want != "discount" {
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

func (c *csvReader) readRow() ([]string, int, error) {
	rec, err := c.cr.Read()
	return rec, csvLine(c.cr, rec, err), err
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
	first, at := c.pending, c.pendAt
	c.pending = nil
	for first == nil {
		rec, line, err := c.readRow()
		if err == io.EOF {
			return Parsed{}, io.EOF
		} else if err != nil {
			return Parsed{Line: line, Err: &LineError{Line: line, Reason: "malformed CSV: " + err.Error()}}, nil
		}
		first, at = rec, line
	}
	key := c.receiptKey(first)
	rows := [][]string{first}
	lines := []int{at}
	for {
		rec, line, err := c.readRow()
		if err == io.EOF {
			break
		} else if err != nil {
			// Report the receipt so far; the malformed row is lost with its receipt.
			return Parsed{Line: at, Err: &LineError{Line: line, Reason: "malformed CSV: " + err.Error()}}, nil
		}
		if c.receiptKey(rec) != key {
			c.pending, c.pendAt = rec, line
			break
		}
		rows = append(rows, rec)
		lines = append(lines, line)
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
		Key:         kori.ReceiptKey{Store: c.get(first, "store"), Till: till, Number: c.get(first, "receipt")},
		Card:        c.get(first, "card"),
		PurchasedAt: t,
		Total:       total,
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
		r.Lines = append(r.Lines, kori.Line{GTIN: c.get(row, "gtin"), Quantity: q, Amount: amount, Discount: discount})
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
