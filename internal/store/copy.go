package store

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/kori-project/kori"
)

// copyRows holds rows encoded in PostgreSQL's binary COPY format, ready to
// stream: each row is encoded as it is added, so a batch's hundreds of
// thousands of lines cost no row slices and no per-value encoder lookups.
// Integers go as bigint, which every integer column Kori loads this way is.
type copyRows struct {
	buf  []byte
	cols int
	rows int
	// start and fields are where the row being written begins in buf and
	// how many values it has so far.
	start, fields int
}

// copySignature opens every binary COPY stream: the signature, no flags and
// no header extension.
var copySignature = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

func newCopyRows(cols int) *copyRows {
	return &copyRows{cols: cols, buf: append(make([]byte, 0, 64<<10), copySignature...)}
}

// add encodes one row; its values must match the columns in number and be
// integers, floats, strings or booleans.
func (c *copyRows) add(values []any) error {
	if len(values) != c.cols {
		return fmt.Errorf("%d values for %d columns", len(values), c.cols)
	}
	c.begin()
	for i, v := range values {
		switch v := v.(type) {
		case int64:
			c.int(v)
		case int:
			c.int(int64(v))
		case kori.MemberID:
			c.int(int64(v))
		case float64:
			c.float(v)
		case string:
			c.text(v)
		case bool:
			c.boolean(v)
		default:
			c.buf = c.buf[:c.start]
			return fmt.Errorf("column %d: no binary COPY encoding for %T", i+1, v)
		}
	}
	return c.end()
}

// begin starts a row, whose values follow typed (see row) and end closes.
func (c *copyRows) begin() {
	c.start, c.fields = len(c.buf), 0
	c.buf = binary.BigEndian.AppendUint16(c.buf, uint16(c.cols))
}

func (c *copyRows) int(v int64) {
	c.buf, c.fields = appendInt8(c.buf, v), c.fields+1
}

func (c *copyRows) float(v float64) {
	c.buf, c.fields = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(c.buf, 8), math.Float64bits(v)), c.fields+1
}

// text writes a string; one too long for the format (2 GiB) is refused by end.
func (c *copyRows) text(v string) {
	if len(v) > math.MaxInt32 {
		c.fields = -1 << 30
		return
	}
	c.buf, c.fields = append(binary.BigEndian.AppendUint32(c.buf, uint32(len(v))), v...), c.fields+1
}

func (c *copyRows) boolean(v bool) {
	var x byte
	if v {
		x = 1
	}
	c.buf, c.fields = append(binary.BigEndian.AppendUint32(c.buf, 1), x), c.fields+1
}

// end closes the row begun; a row of the wrong number of values, or with
// a text too long, is taken back and refused.
func (c *copyRows) end() error {
	if c.fields != c.cols {
		c.buf = c.buf[:c.start]
		if c.fields < 0 {
			return fmt.Errorf("a text longer than 2 GiB")
		}
		return fmt.Errorf("%d values for %d columns", c.fields, c.cols)
	}
	c.rows++
	return nil
}

func appendInt8(b []byte, v int64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// data returns the whole stream, trailer included, and empties c for the
// next rows; the slice is valid until the next add.
func (c *copyRows) data() []byte {
	out := binary.BigEndian.AppendUint16(c.buf, 0xffff) // -1: no more rows
	c.buf, c.rows = c.buf[:len(copySignature)], 0
	return out
}
