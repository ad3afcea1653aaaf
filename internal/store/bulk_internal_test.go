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

// TestWriteFigures: the typed row writer gives a figure set's values in
// the order of kori.FigureColumns, as Values does, each field its own.
func TestWriteFigures(t *testing.T) {
	var f kori.Figures
	v := reflect.ValueOf(&f).Elem()
	for i := range v.NumField() {
		switch fv := v.Field(i); fv.Kind() {
		case reflect.Int64:
			fv.SetInt(int64(i + 1))
		case reflect.Float64:
			fv.SetFloat(float64(i) + 0.5)
		}
	}
	var got boxed
	writeFigures(&got, &f)
	if want := f.Values(); !reflect.DeepEqual([]any(got), want) {
		t.Errorf("writeFigures = %v\nValues       = %v", got, want)
	}
	if len(got) != len(kori.FigureColumns) {
		t.Errorf("%d values for %d columns", len(got), len(kori.FigureColumns))
	}
}

// TestCopyRowTyped: a row written typed encodes as the same row through
// add, and a row of the wrong number of values is refused and leaves no
// trace in the stream.
func TestCopyRowTyped(t *testing.T) {
	typed, boxedRows := newCopyRows(4), newCopyRows(4)
	typed.begin()
	typed.int(7)
	typed.text("maito")
	typed.float(1.5)
	typed.boolean(true)
	if err := typed.end(); err != nil {
		t.Fatal(err)
	}
	if err := boxedRows.add([]any{int64(7), "maito", 1.5, true}); err != nil {
		t.Fatal(err)
	}
	before := len(typed.buf)
	typed.begin()
	typed.int(8)
	if err := typed.end(); err == nil || !strings.Contains(err.Error(), "1 values for 4 columns") {
		t.Errorf("a short row: err = %v", err)
	}
	if len(typed.buf) != before || typed.rows != 1 {
		t.Errorf("the refused row left %d bytes and %d rows", len(typed.buf)-before, typed.rows)
	}
	if got, want := typed.data(), boxedRows.data(); !reflect.DeepEqual(got, want) {
		t.Errorf("typed =\n% x\nadd   =\n% x", got, want)
	}
}
