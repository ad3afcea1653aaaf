// Package refdata embeds the reference data behind the member analyses —
// emission factors, nutrient composition, the Nutri-Score algorithm and the
// nutrition recommendations — with their sources, so that every figure Kori
// shows can name where it comes from. data/README.md holds the attribution
// that must travel with the data.
package refdata

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/kori-project/kori"
)

//go:embed data
var files embed.FS

// File returns an embedded reference file by name, e.g. "nutriscore_2023_spec.json".
func File(name string) ([]byte, error) { return files.ReadFile("data/" + name) }

// EmissionFactor is one row of ghg_emission_factors.csv.
type EmissionFactor struct {
	Group       string
	KgCO2ePerKg float64
	Source      string
	// NameFi is the group's Finnish display name (emission_group_names_fi.csv,
	// Kori's own translation); Group stays the source's own name, which the
	// sources note and the JSON keep.
	NameFi string
}

// Food is one row of nutrients_per_100g.csv.
type Food struct {
	Name      string
	Nutrients kori.Nutrients
	Source    string // e.g. "Fineli, THL, release 20" or "USDA SR28"
	SourceID  string
	// UseClass is Fineli's FUCLASS code, e.g. FRUFRESH, VEGFRESH, BERFRESH.
	UseClass string
}

// FVB reports whether the food counts as fruit, vegetables or berries, by its
// Fineli food-use class: fresh and canned vegetables, fruit, berries and
// mushrooms. Juices and potatoes do not count, as in the recommendations.
func (f Food) FVB() bool {
	switch f.UseClass {
	case "VEGFRESH", "VEGCANN", "FRUFRESH", "BERFRESH", "MUSHRDI":
		return true
	}
	return false
}

var (
	loadOnce  sync.Once
	factors   map[string]EmissionFactor
	foods     map[string]Food
	loadError error
)

func load() {
	factors, loadError = readFactors()
	if loadError == nil {
		foods, loadError = readFoods()
	}
}

// EmissionFactors returns the emission factors by product-group name.
func EmissionFactors() (map[string]EmissionFactor, error) {
	loadOnce.Do(load)
	return factors, loadError
}

// Foods returns the nutrient rows by food name.
func Foods() (map[string]Food, error) {
	loadOnce.Do(load)
	return foods, loadError
}

func readCSV(name string, fn func(row map[string]string) error) error {
	f, err := files.Open("data/" + name)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		if err := fn(row); err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
}

func readFactors() (map[string]EmissionFactor, error) {
	m := map[string]EmissionFactor{}
	err := readCSV("ghg_emission_factors.csv", func(row map[string]string) error {
		v, err := strconv.ParseFloat(row["kg_co2e_per_kg"], 64)
		if err != nil {
			return fmt.Errorf("kg_co2e_per_kg: %w", err)
		}
		src := "Poore & Nemecek (2018) via Our World in Data, CC BY 4.0"
		if strings.Contains(row["source"], "AGRIBALYSE") {
			src = "AGRIBALYSE 3 (ADEME/INRAE), Licence Ouverte 2.0"
		}
		m[row["product_group"]] = EmissionFactor{Group: row["product_group"], KgCO2ePerKg: v, Source: src}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("emission_group_names_fi.csv", func(row map[string]string) error {
		f, ok := m[row["product_group"]]
		if !ok {
			return fmt.Errorf("product_group %q is not in ghg_emission_factors.csv", row["product_group"])
		}
		f.NameFi = row["name_fi"]
		m[f.Group] = f
		return nil
	})
	for group, f := range m {
		if err == nil && f.NameFi == "" {
			err = fmt.Errorf("emission_group_names_fi.csv: no Finnish name for %q", group)
		}
	}
	return m, err
}

func readFoods() (map[string]Food, error) {
	m := map[string]Food{}
	num := func(row map[string]string, k string) (float64, error) {
		s := row[k]
		if s == "" {
			return 0, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", k, err)
		}
		return v, nil
	}
	err := readCSV("nutrients_per_100g.csv", func(row map[string]string) error {
		var n kori.Nutrients
		var err error
		for _, p := range []struct {
			k string
			v *float64
		}{{"energy_kj", &n.EnergyKJ}, {"protein_g", &n.Protein}, {"fat_g", &n.Fat}, {"sat_fat_g", &n.SatFat},
			{"carb_g", &n.Carb}, {"sugars_g", &n.Sugars}, {"fibre_g", &n.Fibre}, {"salt_g", &n.Salt}} {
			if *p.v, err = num(row, p.k); err != nil {
				return err
			}
		}
		src := row["source"]
		if src == "Fineli" {
			src = "Fineli, THL, release 20 (CC BY 4.0)"
		} else if strings.HasPrefix(src, "USDA") {
			src = "USDA SR28 (public domain)"
		}
		m[row["food"]] = Food{Name: row["food"], Nutrients: n, Source: src, SourceID: row["source_id"], UseClass: row["food_use_class"]}
		return nil
	})
	return m, err
}
