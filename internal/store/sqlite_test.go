package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kori-project/kori/internal/store"
	"github.com/kori-project/kori/internal/storetest"
)

func TestSQLiteContract(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }

func TestCheckSchemaRefusesOldSchema(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kori.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.CheckSchema(context.Background())
	if err == nil {
		t.Fatal("CheckSchema on an empty database: no error, want one that says to run kori migrate")
	}
	if got := err.Error(); !contains(got, "kori migrate") {
		t.Errorf("error %q does not tell to run kori migrate", got)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
