package main

import (
	"context"
	"fmt"

	"github.com/kori-project/kori/internal/store"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("migrate", "migrate [flags]", "Creates the database or upgrades its schema to this kori's version. Safe to run again.\n"+
		"With --citus (PostgreSQL with the citus extension) it then distributes the member tables by member_id,\n"+
		"co-located, and makes the small shared tables reference tables; run it again after each upgrade.")
	e.flags(fs)
	citus := fs.Bool("citus", false, "distribute the tables on Citus after migrating")
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
	if *citus {
		tables, err := db.Distribute(ctx)
		for _, t := range tables {
			state := "now"
			if t.Already {
				state = "already"
			}
			fmt.Fprintf(e.stdout, "citus: %s %s %s\n", t.Table, state, t.Kind)
		}
		return err
	}
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
	return e.withJournal(db)
}
