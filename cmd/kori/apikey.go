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
		fmt.Fprintf(e.stderr, "created key %s (%s) with scopes %s; store the token now, it is not shown again:\n", k.ID, k.Name, strings.Join(k.Scopes, ","))
		fmt.Fprintln(e.stdout, token)
	case "list":
		keys, err := db.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tSTATUS")
		for _, k := range keys {
			status := "active"
			if !k.RevokedAt.IsZero() {
				status = "revoked " + k.RevokedAt.In(e.cfg.zone).Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, strings.Join(k.Scopes, ","), k.CreatedAt.In(e.cfg.zone).Format("2006-01-02 15:04"), status)
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
