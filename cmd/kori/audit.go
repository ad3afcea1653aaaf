package main

import (
	"context"
	"fmt"

	"github.com/kori-project/kori/internal/journal"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("audit", "audit verify",
		"Checks the hash chains of the audit log and of the privacy journal: every edited, removed or reordered entry is reported and the\n"+
			"command fails. It prints the number of entries and the hash of the last one; keep that hash outside\n"+
			"Kori (a ticket, a log service) to also detect entries cut off the end.")
	e.flags(fs)
	if err := e.parseAction(fs, args, "verify"); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, head, problems, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(e.stdout, "entry %d: %s\n", p.Seq, p.Problem)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the audit log has been tampered with: %d problems in %d entries", len(problems), n)
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries, last hash %s\n", n, head)
	entries, err := journal.Read(e.cfg.Journal)
	if err != nil {
		return fmt.Errorf("the privacy journal in %s is damaged: %w", e.cfg.Journal, err)
	}
	last := "none"
	if len(entries) > 0 {
		last = entries[len(entries)-1].Hash
	}
	fmt.Fprintf(e.stdout, "privacy journal intact: %d entries in %s, last hash %s\n", len(entries), e.cfg.Journal, last)
	return nil
}
