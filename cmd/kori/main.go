// Command kori runs the Kori purchase-data platform: the server, migrations,
// imports, demo data and API keys, one subcommand per file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the chain's zone must resolve on any machine

	"github.com/schollz/progressbar/v3"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/journal"
	"github.com/kori-project/kori/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kori:", kori.ErrorMessageOrText(err))
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	var u usageError
	if errors.Is(err, flag.ErrHelp) || errors.As(err, &u) {
		return 2
	}
	return 1
}

// usageError is a mistake in how a command was called.
type usageError string

func (e usageError) Error() string { return string(e) }

// env is what every subcommand gets: the standard streams, the environment
// and the configuration parsed from flags and KORI_* variables.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	cfg            config
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]command{
	"serve":     {"run the HTTP server (API and member UI)", runServe},
	"migrate":   {"create or upgrade the database schema", runMigrate},
	"import":    {"import groups, stores, catalogue, members, campaigns or receipts from files", runImport},
	"demo":      {"generate a deterministic demo data set", runDemo},
	"apikey":    {"create, list or revoke API keys for the chain's systems", runAPIKey},
	"app":       {"register or list the apps members may authorise to read their data", runApp},
	"retention": {"apply retention and inactivity deletion now (serve does it nightly)", runRetention},
	"audit":     {"verify the hash chain of the audit log", runAudit},
	"offers":    {"compute personalised offers now (serve does it weekly)", runOffers},
	"recompute": {"rebuild the analyses' monthly figures after a catalogue correction (serve does it by itself)", runRecompute},
	"report":    {"print the yearly transparency report", runReport},
	"analytics": {"aggregate figures for the chain over the members who allow it", runAnalytics},
	"benefits":  {"compute the month's loyalty benefits, or export the payout file", runBenefits},
	"password":  {"set a member's web login password", runPassword},
	"backup":    {"copy the database consistently while it is in use", runBackup},
	"restore":   {"restore a SQLite backup, replaying the privacy journal since it was taken", runRestore},
	"reapply":   {"replay the privacy journal on a restored PostgreSQL database", runReapply},
	"version":   {"print the version", runVersion},
}

// run is the whole program, testable: it parses args and runs a subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return usageError("no command given")
		}
		return flag.ErrHelp
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return usageError(fmt.Sprintf("unknown command %q", args[0]))
	}
	return cmd.run(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Kori: purchase data for loyalty programmes, governed by the member's interest.")
	fmt.Fprintln(w, "\nUsage: kori <command> [flags]   (kori <command> -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from flags, or KORI_DATA_DIR, KORI_DATABASE_URL, KORI_TIMEZONE, KORI_ADDR.")
}

// config is Kori's configuration, from flags with KORI_* variables as defaults.
type config struct {
	DataDir  string
	Database string
	Journal  string
	Zone     string
	zone     *time.Location
}

// flags registers the common flags on fs, with defaults from the environment.
func (e *env) flags(fs *flag.FlagSet) {
	def := func(key, fallback string) string {
		if v := e.getenv(key); v != "" {
			return v
		}
		return fallback
	}
	fs.StringVar(&e.cfg.DataDir, "data", def("KORI_DATA_DIR", "./kori-data"), "data directory (env KORI_DATA_DIR)")
	fs.StringVar(&e.cfg.Database, "db", def("KORI_DATABASE_URL", ""), "database: SQLite file path or postgres:// URL (env KORI_DATABASE_URL; default DATA/kori.db)")
	fs.StringVar(&e.cfg.Journal, "journal", def("KORI_JOURNAL_DIR", ""),
		"privacy journal directory, kept outside the database; put it on another volume (env KORI_JOURNAL_DIR; default DATA/journal)")
	fs.StringVar(&e.cfg.Zone, "tz", def("KORI_TIMEZONE", kori.DefaultZone), "the chain's time zone (env KORI_TIMEZONE)")
}

// newFlagSet returns a flag set that prints its usage to the command's stderr.
func (e *env) newFlagSet(name, usageLine, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: kori %s\n\n%s\n\nFlags:\n", usageLine, about)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses the command's flags and validates the configuration.
func (e *env) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return e.validate()
}

// parseAction parses "kori COMMAND ACTION [flags]": the action word first,
// then flags, and nothing else.
func (e *env) parseAction(fs *flag.FlagSet, args []string, action string) error {
	got := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		got, args = args[0], args[1:]
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if got != action || fs.NArg() != 0 {
		fs.Usage()
		return usageError(fmt.Sprintf("%s takes one argument: %s", fs.Name(), action))
	}
	return nil
}

// validate completes and checks the configuration after flags are parsed.
func (e *env) validate() error {
	c := &e.cfg
	if c.Database == "" {
		c.Database = strings.TrimSuffix(c.DataDir, "/") + "/kori.db"
	}
	if c.Journal == "" {
		c.Journal = strings.TrimSuffix(c.DataDir, "/") + "/journal"
	}
	zone, err := time.LoadLocation(c.Zone)
	if err != nil {
		return usageError(fmt.Sprintf("--tz %q is not a time zone name such as Europe/Helsinki", c.Zone))
	}
	c.zone = zone
	return nil
}

// open opens the database, checks that its schema is current, and opens
// the privacy journal beside it, which every privacy event is written to.
func (e *env) open(ctx context.Context) (*store.DB, error) {
	db, err := e.openBare(ctx)
	if err != nil {
		return nil, err
	}
	return e.withJournal(db)
}

// withJournal opens the privacy journal for db, or closes db on failure.
func (e *env) withJournal(db *store.DB) (*store.DB, error) {
	j, err := journal.Open(e.cfg.Journal)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Journal = j
	return db, nil
}

// openBare opens the database without the journal: for replaying it.
func (e *env) openBare(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, e.cfg.Database)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// parseAsOf parses --as-of: a date (start of that day in the chain's zone) or
// an RFC 3339 time; empty means now.
func (e *env) parseAsOf(s string) (kori.Clock, error) {
	if s == "" {
		return kori.SystemClock{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, e.cfg.zone); err == nil {
		return kori.FixedClock(t), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return kori.FixedClock(t), nil
	}
	return nil, usageError(fmt.Sprintf("--as-of %q is not a date (2026-01-01) or an RFC 3339 time", s))
}

// progress returns a progress callback (done of total) that draws a bar on
// stderr, or does nothing when quiet.
func (e *env) progress(what string, quiet bool) func(done, total int) {
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if quiet {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(what),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }))
		}
		_ = bar.Set(done)
	}
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fmt.Fprintln(e.stdout, "kori", version)
	return nil
}
