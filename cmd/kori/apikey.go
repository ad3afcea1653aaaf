package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kori-project/kori"
)

func runAPIKey(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("apikey", "apikey [flags] create NAME SCOPE[,SCOPE…] | list | revoke ID",
		"Manages API keys for the chain's systems. Scopes: "+strings.Join(kori.Scopes, ", ")+".\n"+
			"A new key's token is printed once; Kori keeps only a hash of it.")
	epsilon := fs.Float64("dp-epsilon", 0, "with scope analytics: hold the key to differential privacy, each answer spending this ε")
	budget := fs.Float64("dp-budget", 0, "with --dp-epsilon: the most ε the key may spend in a calendar month")
	e.flags(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	switch fs.Arg(0) {
	case "create":
		if fs.NArg() != 3 {
			return usageError("apikey create needs NAME and SCOPES, e.g. `kori apikey create pos-tills ingest`")
		}
		k, token, err := db.CreateAPIKey(ctx, fs.Arg(1), strings.Split(fs.Arg(2), ","))
		if err != nil {
			return err
		}
		if *epsilon != 0 || *budget != 0 {
			if !k.HasScope(kori.ScopeAnalytics) {
				return usageError("--dp-epsilon and --dp-budget are for keys with the analytics scope")
			}
			if err := db.SetKeyPrivacy(ctx, k.ID, *epsilon, *budget); err != nil {
				_ = db.RevokeAPIKey(ctx, k.ID)
				return err
			}
			fmt.Fprintf(e.stderr, "answers to this key are differentially private: ε %v each, at most %v a month\n", *epsilon, *budget)
		}
		fmt.Fprintf(e.stderr, "created key %s (%s) with scopes %s; store the token now, it is not shown again:\n", k.ID, k.Name, strings.Join(k.Scopes, ","))
		fmt.Fprintln(e.stdout, token)
	case "list":
		keys, err := db.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tSTATUS\tPRIVACY")
		for _, k := range keys {
			status := "active"
			if !k.RevokedAt.IsZero() {
				status = "revoked " + k.RevokedAt.In(e.cfg.zone).Format("2006-01-02 15:04")
			}
			privacy := ""
			if k.DPEpsilon > 0 {
				privacy = fmt.Sprintf("ε %v, %v a month", k.DPEpsilon, k.DPBudget)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, strings.Join(k.Scopes, ","), k.CreatedAt.In(e.cfg.zone).Format("2006-01-02 15:04"), status, privacy)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 2 {
			return usageError("apikey revoke needs the key ID (see `kori apikey list`)")
		}
		if err := db.RevokeAPIKey(ctx, fs.Arg(1)); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", fs.Arg(1))
	default:
		fs.Usage()
		return usageError("apikey needs create, list or revoke")
	}
	return nil
}
