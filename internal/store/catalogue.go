package store

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/kori-project/kori"
)

// bumpCatalogue increments the catalogue version so that long-running
// ingesters reload what they cached.
func (db *DB) bumpCatalogue(ctx context.Context, tx *sql.Tx) error {
	var v int64
	err := tx.QueryRowContext(ctx, db.q(`SELECT value FROM meta WHERE key = 'catalogue_version'`)).Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO meta (key, value) VALUES ('catalogue_version', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), strconv.FormatInt(v+1, 10))
	return err
}

// CatalogueVersion returns a number that changes whenever products, groups or
// stores change.
func (db *DB) CatalogueVersion(ctx context.Context) (int64, error) {
	var s string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'catalogue_version'`).Scan(&s)
	if err == sql.ErrNoRows {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// UpsertStores inserts or updates stores.
func (db *DB) UpsertStores(ctx context.Context, stores []kori.Store) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO stores (store_id, name, city) VALUES (?, ?, ?)
			ON CONFLICT (store_id) DO UPDATE SET name = excluded.name, city = excluded.city`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, s := range stores {
			if err := s.Validate(); err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, s.ID, s.Name, s.City); err != nil {
				return err
			}
		}
		return db.bumpCatalogue(ctx, tx)
	})
}

// UpsertGroups inserts or updates product groups.
func (db *DB) UpsertGroups(ctx context.Context, groups []kori.ProductGroup) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO product_groups (code, name_fi, name_en, food) VALUES (?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name_fi = excluded.name_fi, name_en = excluded.name_en, food = excluded.food`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, g := range groups {
			if g.Code == "" {
				return kori.Errorf(kori.EINVALID, "product group code is empty")
			}
			if _, err := stmt.ExecContext(ctx, g.Code, g.NameFi, g.NameEn, g.Food); err != nil {
				return err
			}
		}
		return db.bumpCatalogue(ctx, tx)
	})
}

const productColumns = `gtin, name_fi, name_en, group_code, origin, country, unit, net_kg, has_nutrients,
	energy_kj, protein_g, fat_g, sat_fat_g, carb_g, sugars_g, fibre_g, salt_g, fvb_pct,
	emission_group, kg_co2e_per_kg, nutri_grade, nutrient_source, in_store`

// UpsertProducts inserts or updates products. Every product's group must exist.
//
// A product whose analysis figures change (kori.SameFigures) marks the
// rollups for recomputation (RecomputePending, Recompute): the analyses of
// purchases held at product level follow the corrected catalogue.
func (db *DB) UpsertProducts(ctx context.Context, products []kori.Product) error {
	before, err := db.Catalogue(ctx)
	if err != nil {
		return err
	}
	corrected := false
	for i := range products {
		if old := before.Products[products[i].GTIN]; old != nil && !kori.SameFigures(old, &products[i]) {
			corrected = true
		}
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if corrected {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('recompute_from', '0')
				ON CONFLICT (key) DO UPDATE SET value = '0'`); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO products (`+productColumns+`) VALUES (`+placeholders(23)+`)
			ON CONFLICT (gtin) DO UPDATE SET name_fi = excluded.name_fi, name_en = excluded.name_en,
			group_code = excluded.group_code, origin = excluded.origin, country = excluded.country,
			unit = excluded.unit, net_kg = excluded.net_kg, has_nutrients = excluded.has_nutrients,
			energy_kj = excluded.energy_kj, protein_g = excluded.protein_g, fat_g = excluded.fat_g,
			sat_fat_g = excluded.sat_fat_g, carb_g = excluded.carb_g, sugars_g = excluded.sugars_g,
			fibre_g = excluded.fibre_g, salt_g = excluded.salt_g, fvb_pct = excluded.fvb_pct,
			emission_group = excluded.emission_group, kg_co2e_per_kg = excluded.kg_co2e_per_kg,
			nutri_grade = excluded.nutri_grade, nutrient_source = excluded.nutrient_source, in_store = excluded.in_store`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		groups := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT code FROM product_groups`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			groups[c] = true
		}
		rows.Close()
		for i := range products {
			p := &products[i]
			if err := p.Validate(); err != nil {
				return err
			}
			if !groups[p.Group] {
				return kori.Errorf(kori.EINVALID, "product %s: group %q does not exist; import groups first", p.GTIN, p.Group)
			}
			n := p.Nutrients
			if _, err := stmt.ExecContext(ctx, p.GTIN, p.NameFi, p.NameEn, p.Group, string(p.Origin), p.Country,
				string(p.Unit), p.NetKg, p.HasNutrients, n.EnergyKJ, n.Protein, n.Fat, n.SatFat, n.Carb,
				n.Sugars, n.Fibre, n.Salt, p.FVBPct, p.EmissionGroup, p.KgCO2ePerKg, p.NutriGrade, p.NutrientSource, p.InStore); err != nil {
				return err
			}
		}
		return db.bumpCatalogue(ctx, tx)
	})
}

// Catalogue loads all products, groups and stores.
func (db *DB) Catalogue(ctx context.Context) (*kori.Catalogue, error) {
	c := &kori.Catalogue{Products: map[string]*kori.Product{}, Groups: map[string]*kori.ProductGroup{}, Stores: map[string]*kori.Store{},
		InStore: map[string]*kori.Product{}}
	for _, g := range kori.LineGroups {
		c.Groups[g.Code] = &g
	}
	var err error
	if c.Version, err = db.CatalogueVersion(ctx); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT code, name_fi, name_en, food FROM product_groups`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		g := &kori.ProductGroup{}
		if err := rows.Scan(&g.Code, &g.NameFi, &g.NameEn, &g.Food); err != nil {
			rows.Close()
			return nil, err
		}
		c.Groups[g.Code] = g
	}
	rows.Close()
	if rows, err = db.read.QueryContext(ctx, `SELECT store_id, name, city FROM stores`); err != nil {
		return nil, err
	}
	for rows.Next() {
		s := &kori.Store{}
		if err := rows.Scan(&s.ID, &s.Name, &s.City); err != nil {
			rows.Close()
			return nil, err
		}
		c.Stores[s.ID] = s
	}
	rows.Close()
	if rows, err = db.read.QueryContext(ctx, `SELECT `+productColumns+` FROM products`); err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p := &kori.Product{}
		n := &p.Nutrients
		var origin, unit string
		if err := rows.Scan(&p.GTIN, &p.NameFi, &p.NameEn, &p.Group, &origin, &p.Country, &unit, &p.NetKg,
			&p.HasNutrients, &n.EnergyKJ, &n.Protein, &n.Fat, &n.SatFat, &n.Carb, &n.Sugars, &n.Fibre, &n.Salt,
			&p.FVBPct, &p.EmissionGroup, &p.KgCO2ePerKg, &p.NutriGrade, &p.NutrientSource, &p.InStore); err != nil {
			return nil, err
		}
		p.Origin, p.Unit = kori.Origin(origin), kori.Unit(unit)
		c.Products[p.GTIN] = p
		if p.InStore != "" {
			c.InStore[p.InStore] = p
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c.Schemes, err = db.schemes(ctx)
	return c, err
}
