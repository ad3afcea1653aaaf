package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/kori-project/kori/internal/pgtest"
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
