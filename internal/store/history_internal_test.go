package store

import (
	"math"
	"testing"

	"github.com/kori-project/kori"
)

// TestYearSpans checks that a search's spans of years cover every year
// once, newest first, and split the years retention keeps evenly.
func TestYearSpans(t *testing.T) {
	for n := 1; n <= 5; n++ {
		spans := yearSpans(2026, n)
		if len(spans) != n {
			t.Fatalf("%d readers: %d spans %v", n, len(spans), spans)
		}
		if spans[0][1] != math.MaxInt32 || spans[n-1][0] != math.MinInt32 {
			t.Errorf("%d readers: %v is not open at both ends", n, spans)
		}
		for i := 1; i < n; i++ {
			if spans[i][1] != spans[i-1][0]-1 {
				t.Errorf("%d readers: %v leaves a gap or an overlap between spans %d and %d", n, spans, i-1, i)
			}
		}
		kept := map[int]int{} // span of each year retention keeps
		for y := 2026 - kori.RetentionYears + 1; y <= 2026; y++ {
			for i, s := range spans {
				if s[0] <= y && y <= s[1] {
					kept[i]++
				}
			}
		}
		for i := range spans {
			if want := kori.RetentionYears / n; kept[i] < want || kept[i] > want+1 {
				t.Errorf("%d readers: span %d holds %d of the kept years, want %d or %d", n, i, kept[i], want, want+1)
			}
		}
	}
}
