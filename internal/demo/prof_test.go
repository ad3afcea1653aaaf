package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/store"
)

func TestProfDemo(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Migrate(ctx)
	until := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	svc := ingest.NewService(db, time.UTC, kori.FixedClock(until))
	s, _, err := Generate(ctx, db, svc, Options{Members: 20, Seed: 1, Until: until}, nil)
	t.Log(s, err)
}
