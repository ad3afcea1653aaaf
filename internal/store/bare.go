package store

import (
	"context"
	"database/sql"
)

// BareLineInsert inserts n product-line rows into receipt_lines with nothing
// else done, perTx rows per transaction, for the ingest benchmark's baseline.
// row(i) returns the i-th row's values in column order.
func BareLineInsert(ctx context.Context, db *DB, n, perTx int, multi bool, row func(i int) []any) error {
	cols := []string{"member_id", "receipt_id", "line_no", "year", "gtin", "group_code", "known", "quantity", "amount_cents", "discount_cents"}
	for start := 0; start < n; start += perTx {
		end := min(start+perTx, n)
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			if multi {
				b := db.newBulkInsert(tx, "receipt_lines", cols, "")
				defer b.close()
				for i := start; i < end; i++ {
					if err := b.add(ctx, row(i)...); err != nil {
						return err
					}
				}
				return b.flush(ctx)
			}
			stmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO receipt_lines (member_id, receipt_id, line_no, year, gtin, group_code, known, quantity, amount_cents, discount_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i := start; i < end; i++ {
				if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
