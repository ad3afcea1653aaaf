// Package privacy runs the rules that act on their own, without anyone
// asking: purchases past retention are deleted, and memberships unused for
// two years end, with a notice a month before. `kori retention run` runs them
// once (with --dry-run to preview), and `kori serve` every night.
package privacy

import (
	"context"
	"log/slog"
	"time"

	"github.com/kori-project/kori"
)

// Store is what the rules need of the database.
type Store interface {
	Retention(ctx context.Context, oldestKept int, dryRun bool, who kori.Actor) ([]kori.Deletion, error)
	Inactivity(ctx context.Context, now time.Time, zone *time.Location, dryRun bool, who kori.Actor) (kori.InactivityOutcome, error)
	ExpireBenefits(ctx context.Context, now time.Time, zone *time.Location, dryRun bool, who kori.Actor) (int64, error)
}

// Report is what one run did, or with DryRun would do.
type Report struct {
	AsOf       time.Time
	DryRun     bool
	OldestKept int // purchases of earlier years are past retention
	Retention  []kori.Deletion
	Inactivity kori.InactivityOutcome
	// BenefitsExpired counts the paid benefits past their six years.
	BenefitsExpired int64
}

// job is the actor the audit log names for the daily run.
var job = kori.Actor{Channel: "job", Name: "daily-privacy"}

// Daily applies retention and inactivity as of asOf in the chain's zone.
func Daily(ctx context.Context, s Store, asOf time.Time, zone *time.Location, dryRun bool) (Report, error) {
	r := Report{AsOf: asOf, DryRun: dryRun, OldestKept: kori.OldestKeptYear(asOf, zone)}
	var err error
	if r.Retention, err = s.Retention(ctx, r.OldestKept, dryRun, job); err != nil {
		return r, err
	}
	if r.Inactivity, err = s.Inactivity(ctx, asOf, zone, dryRun, job); err != nil {
		return r, err
	}
	r.BenefitsExpired, err = s.ExpireBenefits(ctx, asOf, zone, dryRun, job)
	return r, err
}

// Schedule runs Daily at once and then shortly after every midnight in the
// chain's zone, until ctx ends, tells done (if not nil) what each run did,
// and after it runs each of also (the weekly
// offers, say; first tells a job it is the run at start). With a fixed
// clock (serve --as-of) it runs once. Failures are logged and retried the
// next night.
func Schedule(ctx context.Context, s Store, clock kori.Clock, zone *time.Location, log *slog.Logger, done func(Report),
	also ...func(ctx context.Context, now time.Time, first bool) error) {
	for first := true; ; first = false {
		now := clock.Now()
		r, err := Daily(ctx, s, now, zone, false)
		if err != nil {
			log.Error("daily privacy run failed", "err", err)
		} else {
			log.Info("daily privacy run", "as_of", now.In(zone).Format(time.DateOnly), "years_deleted", len(r.Retention),
				"members_notified", len(r.Inactivity.Notified), "members_deleted", len(r.Inactivity.Erased))
			if done != nil {
				done(r)
			}
		}
		for _, job := range also {
			if err := job(ctx, now, first); err != nil {
				log.Error("nightly job failed", "err", err)
			}
		}
		if _, fixed := clock.(kori.FixedClock); fixed {
			return
		}
		local := now.In(zone)
		next := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 5, 0, 0, zone)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now)):
		}
	}
}

// AccessLogger records reads of a member's data by others.
type AccessLogger interface {
	LogAccess(ctx context.Context, id kori.MemberID, who kori.Actor, purpose kori.Purpose, what string) error
}

// Gate is the one door to a member's data: every read names a purpose and
// an actor, is refused when the member's level and objections do not allow
// the purpose, and is written to the member's access log unless the reader
// is the member.
type Gate struct{ Log AccessLogger }

// Self is the actor of a member reading their own data.
var Self = kori.Actor{Channel: "web", Name: "member"}

// Read admits or refuses a read of m's data described by what.
func (g Gate) Read(ctx context.Context, m *kori.Member, who kori.Actor, purpose kori.Purpose, what string) error {
	if err := m.Allows(purpose); err != nil {
		return err
	}
	if who.Name == Self.Name {
		return nil
	}
	return g.Log.LogAccess(ctx, m.ID, who, purpose, what)
}
