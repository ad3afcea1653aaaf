package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/benefits"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/offers"
	"github.com/kori-project/kori/internal/password"
	"github.com/kori-project/kori/internal/store"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("demo", "demo [flags]",
		"Creates the database if needed and fills it with a deterministic demo data set: a catalogue of\n"+
			"Finnish groceries, six stores, and members with purchases from 2015 to --as-of. Running it on a\n"+
			"database that already holds the demo adds nothing twice.")
	e.flags(fs)
	members := fs.Int("members", 200, "number of demo members")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same data")
	asOf := fs.String("as-of", "", "last purchase date (YYYY-MM-DD or RFC 3339; default now)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the database already has members (for make run)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *members < 1 {
		return usageError("--members must be at least 1")
	}
	clock, err := e.parseAsOf(*asOf)
	if err != nil {
		return err
	}
	// Bulk loading makes much short-lived garbage over a small live heap:
	// collecting less often costs little memory and saves a fifth of the time.
	debug.SetGCPercent(400)
	db, err := openMigrated(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if *ifEmpty {
		c, err := db.Counts(ctx)
		if err != nil {
			return err
		}
		if c["members"] > 0 {
			fmt.Fprintf(e.stdout, "demo: the database already has %d members; nothing to do\n", c["members"])
			return printDemoLogins(ctx, e, db, "http://"+browseAddr(envOr(e, "KORI_ADDR", defaultAddr)))
		}
	}
	var bar *progressbar.ProgressBar
	if !*quiet {
		bar = progressbar.NewOptions(*members, progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("demo members"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }))
	}
	start := time.Now()
	// The example benefit scheme, in force over the whole demo.
	if err := db.UpsertScheme(ctx, demoScheme); err != nil {
		return err
	}
	svc := ingest.NewService(db, e.cfg.zone, clock)
	sum, ms, err := demo.Generate(ctx, db, svc, demo.Options{Members: *members, Seed: *seed, Until: clock.Now(), Zone: e.cfg.zone},
		func(done, total int, s ingest.Summary) {
			if bar != nil {
				_ = bar.Set(done)
			}
		})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: %d members, %d receipts stored (%d lines), %d already there, %d not stored (level none) in %s\n",
		len(ms), sum.Stored, sum.Lines, sum.Duplicates, sum.NotStored, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(e.stdout, "demo member %s (%s, card %s) has level %s\n", ms[0].Ref, ms[0].Persona, ms[0].Card, ms[0].Level)
	// Every demo member gets the same password, hashed once: argon2id is
	// deliberately slow.
	hash, err := password.Hash(demo.Password)
	if err != nil {
		return err
	}
	ids, err := db.MemberIDs(ctx)
	if err != nil {
		return err
	}
	if err := db.SetPasswords(ctx, ids, hash); err != nil {
		return err
	}
	db.Clock = clock
	os, err := offers.Run(ctx, db, clock.Now(), e.cfg.zone, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: %d campaigns, %d offers for %d members\n", os.Campaigns, os.Offers, os.WithOffers)
	if err := demoBenefitsAndHousehold(ctx, e, db, clock.Now(), ids); err != nil {
		return err
	}
	base := "http://" + browseAddr(envOr(e, "KORI_ADDR", defaultAddr))
	if err := db.RegisterApp(ctx, demoApp, kori.Actor{Channel: "cli", Name: "demo"}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: the example app is registered; try it with `go run ./examples/app -kori %s -client-id %s`\n", base, demoApp.ClientID)
	return printDemoLogins(ctx, e, db, base)
}

// demoApp is examples/app, registered as a public app for the carbon scope.
var demoApp = kori.App{ClientID: "demo-carbon-app", Name: "Hiilivahti (example app)", Owner: "Kori project", PolicyURL: "https://github.com/kori-project/kori/tree/main/examples/app",
	RedirectURIs: []string{"http://127.0.0.1/callback"}, Scopes: []kori.AppScope{kori.AppCarbon}}

// demoScheme is the example scheme of examples/scheme.json.
var demoScheme = kori.BenefitScheme{ValidFrom: 201501, Tiers: []kori.BenefitTier{{FromCents: 10000, RateBP: 100}, {FromCents: 60000, RateBP: 300}, {FromCents: 100000, RateBP: 500}}}

// demoBenefitsAndHousehold pays the last twelve whole months' benefits and
// makes the first two members a household that both share with, so that
// the benefits and household pages have something to show.
func demoBenefitsAndHousehold(ctx context.Context, e *env, db *store.DB, now time.Time, ids []kori.MemberID) error {
	local := now.In(e.cfg.zone)
	paid, sum := 0, kori.Money(0)
	for i := 12; i >= 1; i-- {
		m := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, e.cfg.zone).AddDate(0, -i, 0)
		s, err := benefits.Run(ctx, db, m.Year()*100+int(m.Month()), now, e.cfg.zone, nil)
		if err != nil {
			return err
		}
		paid, sum = paid+s.Paid, sum+s.Sum
	}
	fmt.Fprintf(e.stdout, "demo: %d monthly benefits paid for the last 12 months, %s € in all\n", paid, sum)
	if len(ids) < 2 {
		return nil
	}
	second, err := db.Member(ctx, ids[1])
	if err != nil {
		return err
	}
	if _, err := db.InviteToHousehold(ctx, ids[0], second.Email); err != nil {
		return err
	}
	h, err := db.HouseholdOf(ctx, ids[1])
	if err != nil || len(h.Invites) == 0 {
		return err
	}
	if err := db.AnswerInvite(ctx, ids[1], h.Invites[0].HouseholdID, true); err != nil {
		return err
	}
	for _, id := range ids[:2] {
		if err := db.SetSharing(ctx, id, true); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "demo: members 1 and 2 are a household and share their purchases\n")
	return nil
}

// printDemoLogins tells how to log in as a demo member of each level, at
// base: the address serve will use (KORI_ADDR, as serve reads it).
func printDemoLogins(ctx context.Context, e *env, db *store.DB, base string) error {
	byLevel, err := db.MembersByLevel(ctx)
	if err != nil {
		return err
	}
	if len(byLevel) == 0 {
		return nil
	}
	fmt.Fprintf(e.stdout, "\nLog in at %s/login with password %q as:\n", base, demo.Password)
	for _, l := range kori.Levels {
		id, ok := byLevel[l]
		if !ok {
			continue
		}
		m, err := db.Member(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "  %-34s level %s\n", m.Email, l)
	}
	return nil
}
