package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/store"
)

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("backup", "backup FILE",
		"Writes a consistent copy of the SQLite database to FILE while Kori keeps running. Restore it with\n"+
			"`kori restore FILE`, which re-applies every deletion made after the copy was taken.")
	e.flags(fs)
	asOf := fs.String("as-of", "", "record the backup as taken at this time (YYYY-MM-DD or RFC 3339; default now)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	clock, err := e.parseAsOf(*asOf)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("backup needs the file to write, e.g. `kori backup /backups/kori-2026-11-30.db`")
	}
	if _, err := os.Stat(fs.Arg(0)); err == nil {
		return usageError(fmt.Sprintf("%s exists; choose a new file name", fs.Arg(0)))
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Clock = clock
	taken, err := db.Backup(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup of %s written to %s, taken at %s\n", e.cfg.Database, fs.Arg(0), taken.In(e.cfg.zone).Format("2006-01-02 15:04:05 MST"))
	return nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("restore", "restore FILE",
		"Replaces the database with the backup FILE, then re-applies every deletion recorded in the current\n"+
			"database after the backup was taken (erasures, inactivity, downgrades, retention), so that a restore\n"+
			"never brings deleted data back. Stop `kori serve` first. The current database is kept as\n"+
			"DATABASE.before-restore until you remove it.")
	e.flags(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("restore needs the backup file, e.g. `kori restore /backups/kori-2026-11-30.db`")
	}
	live := e.cfg.Database
	if strings.Contains(live, "://") {
		return usageError("kori restore restores SQLite databases; restore PostgreSQL with its own tools")
	}
	staged := live + ".restoring"
	if err := copyFile(fs.Arg(0), staged); err != nil {
		return fmt.Errorf("copy the backup: %w", err)
	}
	defer os.Remove(staged)
	restored, err := store.Open(ctx, staged)
	if err != nil {
		return err
	}
	defer restored.Close()
	if _, err := restored.Migrate(ctx); err != nil {
		return err
	}
	taken, err := restored.BackupTakenAt(ctx)
	if err != nil {
		return err
	}
	if taken.IsZero() {
		return fmt.Errorf("%s was not made by kori backup: it does not say when it was taken, so deletions since cannot be re-applied", fs.Arg(0))
	}
	var deletions []kori.Deletion
	if _, err := os.Stat(live); err == nil {
		current, err := e.open(ctx)
		if err != nil {
			return err
		}
		deletions, err = current.Deletions(ctx, taken)
		current.Close()
		if err != nil {
			return err
		}
	}
	cat, err := restored.Catalogue(ctx)
	if err != nil {
		return err
	}
	applied, err := restored.Reapply(ctx, deletions, cat, kori.Actor{Channel: "cli", Name: "restore"})
	if err != nil {
		return err
	}
	if err := restored.Close(); err != nil {
		return err
	}
	if _, err := os.Stat(live); err == nil {
		if err := os.Rename(live, live+".before-restore"); err != nil {
			return err
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(live + suffix)
		}
	}
	if err := os.MkdirAll(filepath.Dir(live), 0o750); err != nil {
		return err
	}
	if err := os.Rename(staged, live); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s (taken %s) to %s; re-applied %d of %d deletions made since\n", fs.Arg(0),
		taken.In(e.cfg.zone).Format("2006-01-02 15:04 MST"), live, applied, len(deletions))
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
