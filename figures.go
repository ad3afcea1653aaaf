package kori

// Figures are the additive measures Kori keeps about purchases: money, weight,
// domestic origin, carbon and nutrients. They are computed once per line at
// write time from the catalogue, then only ever summed — into a group-level
// receipt's group sums and into the member's monthly rollups — so that the
// member's analyses work at level group (where products are never stored) and
// member pages never scan raw lines.
type Figures struct {
	Lines          int64   // number of product lines
	Amount         Money   // net euros paid
	Quantity       float64 // pieces and kg as sold
	NetGrams       float64 // net weight
	Food           Money   // euros in food groups
	FiRaw          Money   // food euros, made in Finland of Finnish raw materials
	FiMade         Money   // food euros, made in Finland
	Foreign        Money   // food euros, foreign
	UnknownOrigin  Money   // food euros of unknown origin (never guessed)
	UnknownProduct Money   // euros of lines whose GTIN is not in the catalogue
	CO2eGrams      float64 // grams CO2e
	CO2eCovered    Money   // euros of lines with a known emission factor
	EnergyKJ       float64
	ProteinG       float64
	FatG           float64
	SatFatG        float64
	CarbG          float64
	SugarsG        float64
	FibreG         float64
	SaltG          float64
	FVBGrams       float64 // fruit, vegetables and berries
	NutriCovered   Money   // euros of lines with known nutrients
	NutriA         Money   // euros by Nutri-Score grade
	NutriB         Money
	NutriC         Money
	NutriD         Money
	NutriE         Money
}

// FigureColumns names the figures in a fixed order; stores use them as column
// names, and Values and Pointers follow the same order.
var FigureColumns = []string{
	"lines", "amount_cents", "quantity", "net_g", "food_cents", "fi_raw_cents",
	"fi_made_cents", "foreign_cents", "unknown_origin_cents", "unknown_product_cents",
	"co2e_g", "co2e_covered_cents", "energy_kj", "protein_g", "fat_g", "sat_fat_g",
	"carb_g", "sugars_g", "fibre_g", "salt_g", "fvb_g", "nutri_covered_cents",
	"nutri_a_cents", "nutri_b_cents", "nutri_c_cents", "nutri_d_cents", "nutri_e_cents",
}

// Values returns the figures in FigureColumns order.
func (f *Figures) Values() []any {
	return []any{
		f.Lines, int64(f.Amount), f.Quantity, f.NetGrams, int64(f.Food), int64(f.FiRaw),
		int64(f.FiMade), int64(f.Foreign), int64(f.UnknownOrigin), int64(f.UnknownProduct),
		f.CO2eGrams, int64(f.CO2eCovered), f.EnergyKJ, f.ProteinG, f.FatG, f.SatFatG,
		f.CarbG, f.SugarsG, f.FibreG, f.SaltG, f.FVBGrams, int64(f.NutriCovered),
		int64(f.NutriA), int64(f.NutriB), int64(f.NutriC), int64(f.NutriD), int64(f.NutriE),
	}
}

// Pointers returns pointers to the figures in FigureColumns order, for scanning.
func (f *Figures) Pointers() []any {
	return []any{
		&f.Lines, (*int64)(&f.Amount), &f.Quantity, &f.NetGrams, (*int64)(&f.Food), (*int64)(&f.FiRaw),
		(*int64)(&f.FiMade), (*int64)(&f.Foreign), (*int64)(&f.UnknownOrigin), (*int64)(&f.UnknownProduct),
		&f.CO2eGrams, (*int64)(&f.CO2eCovered), &f.EnergyKJ, &f.ProteinG, &f.FatG, &f.SatFatG,
		&f.CarbG, &f.SugarsG, &f.FibreG, &f.SaltG, &f.FVBGrams, (*int64)(&f.NutriCovered),
		(*int64)(&f.NutriA), (*int64)(&f.NutriB), (*int64)(&f.NutriC), (*int64)(&f.NutriD), (*int64)(&f.NutriE),
	}
}

// Add adds g to f.
func (f *Figures) Add(g Figures) {
	f.Lines += g.Lines
	f.Amount += g.Amount
	f.Quantity += g.Quantity
	f.NetGrams += g.NetGrams
	f.Food += g.Food
	f.FiRaw += g.FiRaw
	f.FiMade += g.FiMade
	f.Foreign += g.Foreign
	f.UnknownOrigin += g.UnknownOrigin
	f.UnknownProduct += g.UnknownProduct
	f.CO2eGrams += g.CO2eGrams
	f.CO2eCovered += g.CO2eCovered
	f.EnergyKJ += g.EnergyKJ
	f.ProteinG += g.ProteinG
	f.FatG += g.FatG
	f.SatFatG += g.SatFatG
	f.CarbG += g.CarbG
	f.SugarsG += g.SugarsG
	f.FibreG += g.FibreG
	f.SaltG += g.SaltG
	f.FVBGrams += g.FVBGrams
	f.NutriCovered += g.NutriCovered
	f.NutriA += g.NutriA
	f.NutriB += g.NutriB
	f.NutriC += g.NutriC
	f.NutriD += g.NutriD
	f.NutriE += g.NutriE
}

// LineFigures computes the figures of one line. p is nil when the GTIN is not
// in the catalogue: then only the money is known, flagged as unknown product.
// food tells whether the product's group counts as food.
//
// A line that is not a product (a deposit, refund, coupon, bag or rounding)
// is money only: it counts in spending, under its own group, and in no food
// analysis, and it is not a product line.
func LineFigures(l Line, p *Product, food bool) Figures {
	if l.Kind != "" && l.Kind != LineProduct {
		return Figures{Amount: l.Amount, Quantity: l.Quantity}
	}
	f := Figures{Lines: 1, Amount: l.Amount, Quantity: l.Quantity}
	if p == nil {
		f.UnknownProduct = l.Amount
		return f
	}
	netKg := l.Quantity * p.NetKg
	if p.Unit == UnitKg {
		netKg = l.Quantity
	}
	f.NetGrams = netKg * 1000
	if food {
		f.Food = l.Amount
		switch p.Origin {
		case OriginFiRaw:
			f.FiRaw = l.Amount
		case OriginFiMade:
			f.FiMade = l.Amount
		case OriginForeign:
			f.Foreign = l.Amount
		default:
			f.UnknownOrigin = l.Amount
		}
	}
	if p.KgCO2ePerKg > 0 && netKg > 0 {
		f.CO2eGrams = netKg * p.KgCO2ePerKg * 1000
		f.CO2eCovered = l.Amount
	}
	if p.HasNutrients && netKg > 0 {
		hg := netKg * 10 // nutrients are per 100 g
		n := p.Nutrients
		f.EnergyKJ = n.EnergyKJ * hg
		f.ProteinG = n.Protein * hg
		f.FatG = n.Fat * hg
		f.SatFatG = n.SatFat * hg
		f.CarbG = n.Carb * hg
		f.SugarsG = n.Sugars * hg
		f.FibreG = n.Fibre * hg
		f.SaltG = n.Salt * hg
		f.FVBGrams = f.NetGrams * p.FVBPct / 100
		f.NutriCovered = l.Amount
	}
	switch p.NutriGrade {
	case "A":
		f.NutriA = l.Amount
	case "B":
		f.NutriB = l.Amount
	case "C":
		f.NutriC = l.Amount
	case "D":
		f.NutriD = l.Amount
	case "E":
		f.NutriE = l.Amount
	}
	return f
}
