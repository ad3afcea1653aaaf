package main

import (
	"context"
	"fmt"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("audit", "audit verify",
		"Checks the hash chain of the audit log: every edited, removed or reordered entry is reported and the\n"+
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
	return nil
}
