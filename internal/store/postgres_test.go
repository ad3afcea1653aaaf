package store_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestPostgresContract(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

// TestGenericPlans: on PostgreSQL every pooled connection plans a prepared
// statement once (generic plans pruned at run time); Citus, which refuses
// some generic distributed plans, keeps its default.
func TestGenericPlans(t *testing.T) {
	for _, c := range []struct {
		name string
		open storetest.Opener
		want string
	}{{"postgres", storetest.OpenPostgres, "force_generic_plan"}, {"citus", storetest.OpenCitus, "auto"}} {
		t.Run(c.name, func(t *testing.T) {
			db := c.open(t)
			for name, pool := range db.Pools() {
				var mode string
				if err := pool.QueryRowContext(context.Background(), `SHOW plan_cache_mode`).Scan(&mode); err != nil {
					t.Fatal(err)
				}
				if mode != c.want {
					t.Errorf("%s pool: plan_cache_mode = %s, want %s", name, mode, c.want)
				}
			}
		})
	}
}

// TestRetentionStagingMatchesTables: retention moves kept rows aside with
// INSERT … SELECT *, so each staging table must have its table's columns in
// the same order (a migration that adds a column to one adds it to both),
// and on Citus be co-located with it, so that the rows move within shards.
func TestRetentionStagingMatchesTables(t *testing.T) {
	for _, c := range []struct {
		name  string
		open  storetest.Opener
		citus bool
	}{{"postgres", storetest.OpenPostgres, false}, {"citus", storetest.OpenCitus, true}} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			var pool *sql.DB
			for _, p := range c.open(t).Pools() {
				pool = p // the catalogue is the same over any
			}
			columns := func(table string) string {
				var cols string
				err := pool.QueryRowContext(ctx, `SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position)
					FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table).Scan(&cols)
				if err != nil {
					t.Fatal(err)
				}
				return cols
			}
			for _, table := range store.Partitioned {
				staging := store.RetentionStaging(table)
				if got, want := columns(staging), columns(table); got != want || want == "" {
					t.Errorf("%s columns:\n %s\nwant those of %s:\n %s", staging, got, table, want)
				}
				if !c.citus {
					continue
				}
				var colocated bool
				err := pool.QueryRowContext(ctx, `SELECT a.colocationid = b.colocationid FROM pg_dist_partition a, pg_dist_partition b
					WHERE a.logicalrelid = $1::regclass AND b.logicalrelid = $2::regclass`, staging, table).Scan(&colocated)
				if err != nil {
					t.Fatalf("%s: %v", staging, err)
				}
				if !colocated {
					t.Errorf("%s is not co-located with %s", staging, table)
				}
			}
		})
	}
}
