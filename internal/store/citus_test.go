package store_test

import (
	"context"
	"testing"

	"github.com/kori-project/kori/internal/storetest"
)

// TestCitusContract runs the contract suite on a Citus cluster (a
// coordinator and two workers, each test on a fresh database).
func TestCitusContract(t *testing.T) { storetest.Run(t, storetest.OpenCitus) }

// TestDistributeRefusesWithoutCitus: on plain PostgreSQL and on SQLite,
// migrate --citus says what is missing.
func TestDistributeRefusesWithoutCitus(t *testing.T) {
	for _, open := range []storetest.Opener{storetest.OpenSQLite, storetest.OpenPostgres} {
		db := open(t)
		if _, err := db.Distribute(context.Background()); err == nil {
			t.Errorf("%s: Distribute without citus succeeded", db.Dialect())
		}
	}
}
