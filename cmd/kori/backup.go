package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kori-project/kori/internal/journal"
	"github.com/kori-project/kori/internal/store"
)

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("backup", "backup FILE",
		"Writes a consistent copy of the SQLite database to FILE while Kori keeps running, noting the privacy\n"+
			"journal's last entry. Restore it with `kori restore FILE`, which replays every privacy event since.")
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
	j, _ := db.Journal.(*journal.Journal)
	taken, err := db.Backup(ctx, fs.Arg(0), j)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup of %s written to %s, taken at %s\n", e.cfg.Database, fs.Arg(0), taken.In(e.cfg.zone).Format("2006-01-02 15:04:05 MST"))
	return nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("restore", "restore FILE",
		"Replaces the SQLite database with the backup FILE, then replays every privacy event journaled after\n"+
			"the backup was taken (choices, erasures, retention and inactivity deletions), in order, so that the\n"+
			"restored database forgets nothing the lost one had forgotten. Works without the live database (it\n"+
			"may be lost); the journal must be there (--journal). Stop `kori serve` first. A live database is\n"+
			"kept as DATABASE.before-restore until you remove it.")
	e.flags(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("restore needs the backup file, e.g. `kori restore /backups/kori-2026-11-30.db`")
	}
	live := e.cfg.Database
	if strings.Contains(live, "://") {
		return usageError("kori restore restores SQLite databases; restore PostgreSQL with pg_restore, then run kori reapply --since TIME")
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
	taken, head, err := restored.BackupPoint(ctx)
	if err != nil {
		return err
	}
	if taken.IsZero() {
		return fmt.Errorf("%s was not made by kori backup: it does not say when it was taken, so the events since cannot be replayed", fs.Arg(0))
	}
	applied, total, err := replayJournal(ctx, e, restored, head, taken)
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
	fmt.Fprintf(e.stdout, "restored %s (taken %s) to %s; replayed %d of %d privacy events since (the rest no longer applied)\n", fs.Arg(0),
		taken.In(e.cfg.zone).Format("2006-01-02 15:04 MST"), live, applied, total)
	return nil
}

// replayJournal replays on db the journal's events after entry head (or,
// when head is negative, since the time since).
func replayJournal(ctx context.Context, e *env, db *store.DB, head int64, since time.Time) (applied, total int, err error) {
	entries, err := journal.Read(e.cfg.Journal)
	if err != nil {
		return 0, 0, fmt.Errorf("%w; the journal must be intact to replay it", err)
	}
	events := journal.Replayable(entries, head, since)
	cat, err := db.Catalogue(ctx)
	if err != nil {
		return 0, 0, err
	}
	applied, err = db.Replay(ctx, events, cat)
	return applied, len(events), err
}

func runReapply(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("reapply", "reapply --since TIME",
		"Replays on the database every privacy event journaled at or after TIME (choices, erasures, retention and\n"+
			"inactivity deletions), in order: run it after restoring a PostgreSQL dump (pg_restore) taken at TIME, with\n"+
			"Kori stopped, so that the restored database forgets nothing the lost one had forgotten. Events that\n"+
			"already hold in the dump are skipped.")
	e.flags(fs)
	since := fs.String("since", "", "when the backup was taken (YYYY-MM-DD or RFC 3339); required")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *since == "" || fs.NArg() != 0 {
		return usageError("reapply needs --since, the time the restored backup was taken, e.g. --since 2026-11-30T02:00:00+02:00")
	}
	clock, err := e.parseAsOf(*since)
	if err != nil {
		return usageError(strings.Replace(err.Error(), "--as-of", "--since", 1))
	}
	db, err := e.openBare(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, total, err := replayJournal(ctx, e, db, -1, clock.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "replayed %d of %d privacy events journaled since %s (the rest already held)\n", applied, total,
		clock.Now().In(e.cfg.zone).Format("2006-01-02 15:04 MST"))
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
