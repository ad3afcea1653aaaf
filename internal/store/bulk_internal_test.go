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
