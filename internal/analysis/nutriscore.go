// Package analysis holds the pure computations behind the member's analyses:
// figures in, numbers out, with no storage and no clock, so that every number
// a member sees can be checked by hand in a test.
package analysis

// NutriCategory is a Nutri-Score product category; each has its own
// thresholds and grade bands.
type NutriCategory string

// The Nutri-Score 2023 categories.
const (
	NutriGeneral  NutriCategory = "general"
	NutriCheese   NutriCategory = "cheese"
	NutriFats     NutriCategory = "fats_oils_nuts_seeds"
	NutriBeverage NutriCategory = "beverage"
	NutriWater    NutriCategory = "water"
)

// NutriInput is what Nutri-Score needs of a product, per 100 g (or 100 ml).
type NutriInput struct {
	Category       NutriCategory
	EnergyKJ       float64
	Sugars         float64
	SatFat         float64
	Fat            float64
	Salt           float64
	Fibre          float64
	Protein        float64
	FVLPct         float64 // fruit, vegetables and legumes, %
	Sweeteners     bool    // non-nutritive sweeteners (beverages)
	RedMeatProduct bool
}

// Thresholds of the updated algorithm (foods 2022, beverages 2023), as in
// refdata/nutriscore_2023_spec.json: a component scores one point for every
// threshold its value exceeds.
var (
	energyGeneral     = []float64{335, 670, 1005, 1340, 1675, 2010, 2345, 2680, 3015, 3350}
	energyBeverage    = []float64{30, 90, 150, 210, 240, 270, 300, 330, 360, 390}
	energySaturates   = []float64{120, 240, 360, 480, 600, 720, 840, 960, 1080, 1200}
	sugarsGeneral     = []float64{3.4, 6.8, 10, 14, 17, 20, 24, 27, 31, 34, 37, 41, 44, 48, 51}
	sugarsBeverage    = []float64{0.5, 2, 3.5, 5, 6, 7, 8, 9, 10, 11}
	satFat            = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	satFatRatio       = []float64{10, 16, 22, 28, 34, 40, 46, 52, 58, 64}
	salt              = []float64{0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.2, 3.4, 3.6, 3.8, 4.0}
	proteinGeneral    = []float64{2.4, 4.8, 7.2, 9.6, 12, 14, 17}
	proteinBeverage   = []float64{1.2, 1.5, 1.8, 2.1, 2.4, 2.7, 3.0}
	fibre             = []float64{3.0, 4.1, 5.2, 6.3, 7.4}
	fvlThresholds     = []float64{40, 60, 80}
	fvlPointsFood     = []int{1, 2, 5}
	fvlPointsDrink    = []int{2, 4, 6}
	redMeatProteinCap = 2
)

// above counts the thresholds v is strictly greater than.
func above(v float64, ts []float64) int {
	n := 0
	for _, t := range ts {
		if v > t {
			n++
		}
	}
	return n
}

// atLeast counts the thresholds v is greater than or equal to.
func atLeast(v float64, ts []float64) int {
	n := 0
	for _, t := range ts {
		if v >= t {
			n++
		}
	}
	return n
}

func fvlPoints(pct float64, points []int) int {
	p := 0
	for i, t := range fvlThresholds {
		if pct > t {
			p = points[i]
		}
	}
	return p
}

// NutriScore returns the score and the grade A–E of a product.
func NutriScore(in NutriInput) (score int, grade string) {
	if in.Category == NutriWater {
		return 0, "A"
	}
	var neg, fib, fvl, prot int
	switch in.Category {
	case NutriBeverage:
		neg = above(in.EnergyKJ, energyBeverage) + above(in.Sugars, sugarsBeverage) + above(in.SatFat, satFat) + above(in.Salt, salt)
		if in.Sweeteners {
			neg += 4
		}
		prot = above(in.Protein, proteinBeverage)
		fvl = fvlPoints(in.FVLPct, fvlPointsDrink)
	case NutriFats:
		ratio := 0.0
		if in.Fat > 0 {
			ratio = 100 * in.SatFat / in.Fat
		}
		neg = above(in.SatFat*37, energySaturates) + above(in.Sugars, sugarsGeneral) + atLeast(ratio, satFatRatio) + above(in.Salt, salt)
		prot = above(in.Protein, proteinGeneral)
		fvl = fvlPoints(in.FVLPct, fvlPointsFood)
	default:
		neg = above(in.EnergyKJ, energyGeneral) + above(in.Sugars, sugarsGeneral) + above(in.SatFat, satFat) + above(in.Salt, salt)
		prot = above(in.Protein, proteinGeneral)
		fvl = fvlPoints(in.FVLPct, fvlPointsFood)
	}
	fib = above(in.Fibre, fibre)
	if in.RedMeatProduct && prot > redMeatProteinCap {
		prot = redMeatProteinCap
	}
	counted := true
	switch in.Category {
	case NutriGeneral, "":
		counted = neg < 11
	case NutriFats:
		counted = neg < 7
	}
	pos := fib + fvl
	if counted {
		pos += prot
	}
	score = neg - pos
	return score, nutriGrade(in.Category, score)
}

func nutriGrade(c NutriCategory, s int) string {
	switch c {
	case NutriBeverage:
		switch {
		case s <= 2:
			return "B"
		case s <= 6:
			return "C"
		case s <= 9:
			return "D"
		}
		return "E"
	case NutriFats:
		switch {
		case s <= -6:
			return "A"
		case s <= 2:
			return "B"
		}
	default:
		switch {
		case s <= 0:
			return "A"
		case s <= 2:
			return "B"
		}
	}
	switch {
	case s <= 10:
		return "C"
	case s <= 18:
		return "D"
	}
	return "E"
}

// NutriColours are the five official Nutri-Score colours, A to E, used
// wherever a grade is shown (badges and charts alike).
var NutriColours = [5]string{"#038141", "#85bb2f", "#fecb02", "#ee8100", "#e63e11"}
