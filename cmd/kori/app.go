package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/oauth"
)

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runApp(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("app", "app [flags] register | list | remove CLIENT_ID",
		"Registers the apps members may authorise to read part of their data (OAuth 2.0, code flow with PKCE),\n"+
			"and lists them. Scopes: "+kori.JoinScopes(kori.AppScopes)+".\n"+
			"A confidential app (one with a server of its own) gets a secret, printed once; a public app\n"+
			"(a phone or desktop program) has none and proves itself with PKCE alone. Removing an app ends every\n"+
			"member's grant to it at the app's next request.")
	name := fs.String("name", "", "register: the app's name, as members see it on the consent screen")
	owner := fs.String("owner", "", "register: who runs the app")
	policy := fs.String("policy", "", "register: the https address of the app's privacy policy")
	scopes := fs.String("scopes", "", "register: the scopes the app may ask for, space- or comma-separated")
	confidential := fs.Bool("confidential", false, "register: the app authenticates with a secret")
	var redirects stringList
	fs.Var(&redirects, "redirect", "register: a redirect URI (https, or http on a loopback address); repeat for more")
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
	case "register":
		a, secret, err := oauth.NewApp(*name, *owner, *policy, redirects, *scopes, *confidential)
		if err != nil {
			return err
		}
		if err := db.RegisterApp(ctx, a, kori.Actor{Channel: "cli", Name: "admin"}); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "registered %s (%s) for %s\n", a.Name, a.Owner, kori.JoinScopes(a.Scopes))
		fmt.Fprintf(e.stdout, "client_id=%s\n", a.ClientID)
		if secret != "" {
			fmt.Fprintln(e.stderr, "store the secret now, it is not shown again:")
			fmt.Fprintf(e.stdout, "client_secret=%s\n", secret)
		}
	case "list":
		apps, err := db.Apps(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT ID\tNAME\tOWNER\tSCOPES\tKIND\tREDIRECTS")
		for _, a := range apps {
			kind := "public"
			if a.Confidential() {
				kind = "confidential"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ClientID, a.Name, a.Owner, kori.JoinScopes(a.Scopes), kind, strings.Join(a.RedirectURIs, " "))
		}
		return tw.Flush()
	case "remove":
		if fs.NArg() != 2 {
			return usageError("app remove needs the CLIENT_ID, e.g. `kori app remove app_…`")
		}
		if err := db.RemoveApp(ctx, fs.Arg(1), kori.Actor{Channel: "cli", Name: "admin"}); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "removed %s: every grant to it has ended\n", fs.Arg(1))
	default:
		return usageError("app needs register, list or remove after its flags, e.g. `kori app --name Coach --owner 'Coach Oy' --policy https://coach.example/privacy --redirect http://127.0.0.1/callback --scopes carbon register`")
	}
	return nil
}
