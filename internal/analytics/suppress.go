package analytics

import "sort"

// A table of cells with margins is protected in two steps. Primary
// suppression hides every entry drawn from fewer than k distinct members.
// Complementary suppression then looks at each additive line of the table
// (a period's cells with the period's total, a key's cells with the key's
// total, the totals with the grand total): a line with exactly one hidden
// entry would give it away by subtraction, so one more entry of that line is
// hidden, the one with the fewest members (a cell before a total), and the
// lines are checked again until every line hides none or at least two.

// entry is a value of the table that may be hidden.
type entry struct {
	members int64
	margin  bool
	hidden  bool
}

// suppress hides the entries below k and their complements; lines lists the
// additive lines as indices into entries. It returns the number hidden.
func suppress(entries []*entry, lines [][]int, k int64) int {
	for _, e := range entries {
		if e.members < k {
			e.hidden = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, line := range lines {
			hidden, candidates := 0, []*entry{}
			for _, i := range line {
				if entries[i].hidden {
					hidden++
				} else {
					candidates = append(candidates, entries[i])
				}
			}
			if hidden != 1 || len(candidates) == 0 {
				continue
			}
			sort.SliceStable(candidates, func(a, b int) bool {
				if candidates[a].margin != candidates[b].margin {
					return !candidates[a].margin
				}
				return candidates[a].members < candidates[b].members
			})
			candidates[0].hidden = true
			changed = true
		}
	}
	n := 0
	for _, e := range entries {
		if e.hidden {
			n++
		}
	}
	return n
}
