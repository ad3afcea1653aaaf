package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

// TestCitusContract runs the contract suite on a Citus coordinator named by
// KORI_TEST_CITUS_URL (a database with the citus extension created and
// workers added). Each test starts from an empty schema, migrates and
// distributes.
func TestCitusContract(t *testing.T) {
	url := os.Getenv("KORI_TEST_CITUS_URL")
	if url == "" {
		t.Skip("Citus contract suite skipped: set KORI_TEST_CITUS_URL=postgres://user@coordinator/db (a database with CREATE EXTENSION citus and workers added) to run it")
	}
	storetest.Run(t, func(t *testing.T) *store.DB {
		ctx := context.Background()
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.ResetSchemaForTests(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Distribute(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	})
}

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
