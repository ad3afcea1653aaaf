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
	b := binary.BigEndian.AppendUint16(c.buf, uint16(len(values)))
	for i, v := range values {
		switch v := v.(type) {
		case int64:
			b = appendInt8(b, v)
		case int:
			b = appendInt8(b, int64(v))
		case kori.MemberID:
			b = appendInt8(b, int64(v))
		case float64:
			b = binary.BigEndian.AppendUint32(b, 8)
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		case string:
			if len(v) > math.MaxInt32 {
				return fmt.Errorf("column %d: text of %d bytes", i+1, len(v))
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		case bool:
			var x byte
			if v {
				x = 1
			}
			b = append(binary.BigEndian.AppendUint32(b, 1), x)
		default:
			return fmt.Errorf("column %d: no binary COPY encoding for %T", i+1, v)
		}
	}
	c.buf = b
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
