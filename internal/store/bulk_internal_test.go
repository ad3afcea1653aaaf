package store

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kori-project/kori"
)

// TestUnnestInsert checks that each column becomes one typed array, and
// that a value of another type in a column is refused with its row.
func TestUnnestInsert(t *testing.T) {
	rows := [][]any{
		{kori.MemberID(7), 2026, "bread", 1.5, true},
		{int64(8), int64(2025), "milk", 2.0, false},
	}
	q, args, err := unnestInsert("t", []string{"member_id", "year", "group_code", "net_g", "known"}, rows, "ON CONFLICT DO NOTHING")
	if err != nil {
		t.Fatal(err)
	}
	want := []any{[]int64{7, 8}, []int64{2026, 2025}, []string{"bread", "milk"}, []float64{1.5, 2}, []bool{true, false}}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args = %#v, want %#v", args, want)
	}
	if !strings.Contains(q, "unnest($1::bigint[], $2::bigint[], $3::text[], $4::double precision[], $5::boolean[]) ON CONFLICT DO NOTHING") {
		t.Errorf("query = %s", q)
	}
	rows[1][3] = "heavy"
	if _, _, err := unnestInsert("t", []string{"member_id", "year", "group_code", "net_g", "known"}, rows, ""); err == nil || !strings.Contains(err.Error(), "t.net_g: row 2") {
		t.Errorf("a string among floats: err = %v", err)
	}
}

// TestCopyRows checks the binary COPY stream against the format's layout:
// the signature, each row's field count and length-prefixed big-endian
// values, the trailer; and that a row that does not fit is refused.
func TestCopyRows(t *testing.T) {
	c := newCopyRows(5)
	for _, row := range [][]any{
		{kori.MemberID(7), 2026, "maito", 1.5, true},
		{int64(-8), int64(2025), "", 0.0, false},
	} {
		if err := c.add(row); err != nil {
			t.Fatal(err)
		}
	}
	var want []byte
	want = append(want, "PGCOPY\n\xff\r\n\x00"...)
	want = append(want, 0, 0, 0, 0, 0, 0, 0, 0)
	field := func(b ...byte) {
		want = append(want, 0, 0, 0, byte(len(b)))
		want = append(want, b...)
	}
	want = append(want, 0, 5)
	field(0, 0, 0, 0, 0, 0, 0, 7)
	field(0, 0, 0, 0, 0, 0, 0x07, 0xea)
	field('m', 'a', 'i', 't', 'o')
	field(0x3f, 0xf8, 0, 0, 0, 0, 0, 0)
	field(1)
	want = append(want, 0, 5)
	field(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf8)
	field(0, 0, 0, 0, 0, 0, 0x07, 0xe9)
	field()
	field(0, 0, 0, 0, 0, 0, 0, 0)
	field(0)
	want = append(want, 0xff, 0xff)
	if got := c.data(); !reflect.DeepEqual(got, want) {
		t.Errorf("stream =\n% x\nwant\n% x", got, want)
	}
	if c.rows != 0 || len(c.data()) != len(copySignature)+2 {
		t.Errorf("after data, %d rows remain", c.rows)
	}
	if err := c.add([]any{1, 2, 3}); err == nil {
		t.Error("3 values for 5 columns were accepted")
	}
	if err := c.add([]any{1, 2, "x", []byte("y"), true}); err == nil || !strings.Contains(err.Error(), "column 4") {
		t.Errorf("a []byte value: err = %v", err)
	}
}
