package ingest

import (
	"strconv"
	"unicode/utf8"

	"github.com/kori-project/kori"
)

// parseFast parses a receipt in the exact shape tills send — every field
// present, no escapes, no nulls, no unknown fields — several times faster
// than encoding/json. Anything else makes it give up (ok false), and the
// caller falls back to encoding/json, which also writes the error messages.
// A differential fuzz test holds the two to the same results.
func parseFast(data []byte) (r kori.Receipt, ok bool) {
	p := fastParser{b: data}
	var have [6]bool
	if !p.byte('{') {
		return r, false
	}
	for first := true; ; first = false {
		p.ws()
		if p.peek() == '}' && first {
			return r, false
		}
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return r, false
		}
		p.ws()
		switch key {
		case "store":
			r.Key.Store, ok = p.str()
			have[0] = true
		case "till":
			var n []byte
			if n, ok = p.num(); ok {
				var v int64
				v, err := strconv.ParseInt(string(n), 10, strconv.IntSize)
				ok = err == nil
				r.Key.Till = int(v)
			}
			have[1] = true
		case "receipt":
			r.Key.Number, ok = p.str()
			have[2] = true
		case "purchased_at":
			var s string
			if s, ok = p.str(); ok {
				r.PurchasedAt, ok = parseTime(s)
			}
			have[3] = true
		case "card":
			r.Card, ok = p.str()
			have[4] = true
		case "total":
			r.Total, ok = p.money()
			have[5] = true
		case "lines":
			r.Lines, ok = p.lines()
		default:
			return r, false
		}
		if !ok {
			return r, false
		}
		p.ws()
		switch p.next() {
		case ',':
			continue
		case '}':
			p.ws()
			if p.i != len(p.b) {
				return r, false
			}
			for _, h := range have {
				if !h {
					return r, false
				}
			}
			if r.Key.Store == "" || r.Key.Number == "" || r.Card == "" || r.Lines == nil {
				return r, false
			}
			r.Kind = kori.KindSale
			return r, true
		default:
			return r, false
		}
	}
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *fastParser) next() byte {
	if p.i < len(p.b) {
		p.i++
		return p.b[p.i-1]
	}
	return 0
}

// byte skips white space and consumes c.
func (p *fastParser) byte(c byte) bool {
	p.ws()
	return p.next() == c
}

// str reads a string without escapes or control characters, valid UTF-8.
func (p *fastParser) str() (string, bool) {
	if p.next() != '"' {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// num reads a JSON number by the grammar -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?.
func (p *fastParser) num() ([]byte, bool) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return nil, false
	}
	if p.peek() == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, false
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	return p.b[start:p.i], true
}

func (p *fastParser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// money reads euros given as a string or a number.
func (p *fastParser) money() (kori.Money, bool) {
	var raw string
	if p.peek() == '"' {
		s, ok := p.str()
		if !ok {
			return 0, false
		}
		raw = s
	} else {
		n, ok := p.num()
		if !ok {
			return 0, false
		}
		raw = string(n)
	}
	m, err := ParseMoney(raw)
	return m, err == nil
}

func (p *fastParser) lines() ([]kori.Line, bool) {
	if p.next() != '[' {
		return nil, false
	}
	out := make([]kori.Line, 0, 16)
	p.ws()
	if p.peek() == ']' {
		p.i++
		return out, true
	}
	for {
		l, ok := p.line()
		if !ok {
			return nil, false
		}
		out = append(out, l)
		p.ws()
		switch p.next() {
		case ',':
			p.ws()
		case ']':
			return out, true
		default:
			return nil, false
		}
	}
}

func (p *fastParser) line() (kori.Line, bool) {
	var l kori.Line
	var have [3]bool
	if p.next() != '{' {
		return l, false
	}
	for {
		p.ws()
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return l, false
		}
		p.ws()
		switch key {
		case "kind":
			var k string
			k, ok = p.str()
			l.Kind = kori.LineKind(k)
			ok = ok && l.Kind != "" && l.Kind.Valid()
		case "gtin":
			l.GTIN, ok = p.str()
			have[0] = true
		case "quantity":
			var n []byte
			if n, ok = p.num(); ok {
				var err error
				l.Quantity, err = strconv.ParseFloat(string(n), 64)
				ok = err == nil
			}
			have[1] = true
		case "amount":
			l.Amount, ok = p.money()
			have[2] = true
		case "discount":
			l.Discount, ok = p.money()
		default:
			return l, false
		}
		if !ok {
			return l, false
		}
		p.ws()
		switch p.next() {
		case ',':
		case '}':
			if l.Kind == "" {
				l.Kind = kori.LineProduct
			}
			return l, (have[0] || l.Kind != kori.LineProduct) && have[1] && have[2]
		default:
			return l, false
		}
	}
}
