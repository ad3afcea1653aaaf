package store_test

import (
	"os"
	"testing"

	"github.com/kori-project/kori/internal/pgtest"
	"github.com/kori-project/kori/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestPostgresContract(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }
