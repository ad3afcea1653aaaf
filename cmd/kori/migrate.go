package main

import (
	"context"
	"fmt"

	"github.com/kori-project/kori/internal/store"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("migrate", "migrate [flags]", "Creates the database or upgrades its schema to this kori's version. Safe to run again.")
	e.flags(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, e.cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	v, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		fmt.Fprintln(e.stdout, "applied", m)
	}
	fmt.Fprintf(e.stdout, "schema at version %d (%s)\n", v, db.Dialect())
	return nil
}

// openMigrated opens the database and applies any pending migrations; for
// commands such as demo that set up a fresh installation.
func openMigrated(ctx context.Context, e *env) (*store.DB, error) {
	db, err := store.Open(ctx, e.cfg.Database)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
