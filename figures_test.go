package kori

import (
	"fmt"
	"testing"
)

// TestGroupSums: sums keep the groups in first-seen order and add each
// group's figures, whether there are a few groups (looked through) or
// many (indexed), across the change from one to the other.
func TestGroupSums(t *testing.T) {
	for _, groups := range []int{1, 15, 16, 17, 40} {
		t.Run(fmt.Sprint(groups), func(t *testing.T) {
			var s GroupSums
			for round := 1; round <= 3; round++ {
				for g := range groups {
					s.Add(fmt.Sprint("g", g), Figures{Lines: 1, Amount: Money(g), CO2eGrams: float64(round)})
				}
			}
			if len(s.Sums) != groups {
				t.Fatalf("%d sums, want %d", len(s.Sums), groups)
			}
			for g, sum := range s.Sums {
				want := Figures{Lines: 3, Amount: Money(3 * g), CO2eGrams: 6}
				if sum.Group != fmt.Sprint("g", g) || sum.Figures != want {
					t.Errorf("sum %d = %s %+v, want g%d %+v", g, sum.Group, sum.Figures, g, want)
				}
			}
		})
	}
}

// TestGroupFiguresIn: summing into a reused GroupSums gives each receipt
// its own sums, as GroupFigures does, whatever the receipt before held.
func TestGroupFiguresIn(t *testing.T) {
	line := func(group string, amount Money) StoredLine {
		return StoredLine{Group: group, Figures: Figures{Lines: 1, Amount: amount}}
	}
	receipts := []StoredReceipt{
		{Grain: LevelProduct, Lines: []StoredLine{line("dairy", 100), line("bread", 50), line("dairy", 20)}},
		{Grain: LevelProduct, Lines: []StoredLine{line("meat", 300)}},
		{Grain: LevelTotal, Total: 700},
		{Grain: LevelProduct, Lines: []StoredLine{line("bread", 10), line("bread", 5)}},
	}
	var s GroupSums
	for i := range receipts {
		got, want := receipts[i].GroupFiguresIn(&s), receipts[i].GroupFigures()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("receipt %d: %v, want %v", i, got, want)
		}
	}
}
