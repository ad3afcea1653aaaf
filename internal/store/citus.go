package store

import (
	"context"
	"fmt"

	"github.com/kori-project/kori"
)

// Citus layout. Every table of a member's data is distributed by member_id
// and co-located with members, so that one member's reads and writes stay on
// one shard and a member's rows join without moving. member_keys is
// distributed by its own key (a card number finds its member on one shard).
// The small shared tables are reference tables, copied to every node.
var (
	citusColocated = []string{"members", "cards", "consents", "sessions", "access_log", "outbox", "dsr_requests", "offers",
		"receipts", "receipt_lines", "receipt_groups", "month_rollups", "month_totals", "member_benefits", "household_members", "household_invites",
		"app_grants", "app_tokens",
		"retention_keep_receipts", "retention_keep_receipt_lines", "retention_keep_receipt_groups", "retention_keep_month_rollups", "retention_keep_month_totals"}
	citusReference = []string{"stores", "product_groups", "products", "campaigns", "api_keys", "meta", "id_sequences",
		"deletions", "audit_log", "benefit_schemes", "apps"}
	// citusByKey are distributed by their own key, not co-located with
	// members: the paid benefits, which outlive the membership, and the
	// authorizations in flight, whose member is not yet known.
	citusByKey = map[string]string{"benefit_payouts": "payout_ref", "oauth_requests": "request_id"}
)

// CitusTable is what Distribute did with one table.
type CitusTable struct {
	Table, Kind string // "distributed by member_id", "reference", …
	Already     bool
}

// Distribute makes a migrated PostgreSQL database with the citus extension
// a distributed one: member tables by member_id, co-located; small tables as
// reference tables. Tables already distributed are left as they are, so it
// is safe to run again (after a migration adds a table).
func (db *DB) Distribute(ctx context.Context) ([]CitusTable, error) {
	if db.d.name() != "postgres" {
		return nil, kori.Errorf(kori.EINVALID, "--citus needs a PostgreSQL database with the citus extension, not %s", db.d.name())
	}
	var ok int
	if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_extension WHERE extname = 'citus'`).Scan(&ok); err != nil {
		return nil, err
	}
	if ok == 0 {
		return nil, kori.Errorf(kori.EINVALID, "the citus extension is not installed in this database: run CREATE EXTENSION citus; as a superuser first")
	}
	var out []CitusTable
	do := func(table, kind, query string, args ...any) error {
		var n int
		if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_dist_partition WHERE logicalrelid = $1::regclass`, table).Scan(&n); err != nil {
			return err
		}
		t := CitusTable{Table: table, Kind: kind, Already: n > 0}
		if !t.Already {
			if _, err := db.write.ExecContext(ctx, query, args...); err != nil {
				return fmt.Errorf("distribute %s: %w", table, err)
			}
		}
		out = append(out, t)
		return nil
	}
	for _, t := range citusReference {
		if err := do(t, "reference", `SELECT create_reference_table($1)`, t); err != nil {
			return out, err
		}
	}
	for i, t := range citusColocated {
		with := "members"
		if i == 0 {
			with = "none"
		}
		if err := do(t, "distributed by member_id", `SELECT create_distributed_table($1, 'member_id', colocate_with => $2)`, t, with); err != nil {
			return out, err
		}
	}
	if err := do("member_keys", "distributed by lookup", `SELECT create_distributed_table('member_keys', 'lookup')`); err != nil {
		return out, err
	}
	for t, col := range citusByKey {
		if err := do(t, "distributed by "+col, `SELECT create_distributed_table($1, $2)`, t, col); err != nil {
			return out, err
		}
	}
	return out, nil
}
