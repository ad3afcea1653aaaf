package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/kori-project/kori/internal/password"
)

func runPassword(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("password", "password [--generate] EMAIL",
		"Sets the web login password of the member with the e-mail, read from standard input (one line),\n"+
			"or with --generate a random one printed once. The member's sessions end. Members change their\n"+
			"own password on My data.")
	e.flags(fs)
	generate := fs.Bool("generate", false, "generate a random password and print it")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("password needs the member's e-mail, e.g. echo 'a long password' | kori password member@example.com")
	}
	var pw string
	if *generate {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		pw = base64.RawURLEncoding.EncodeToString(b)
	} else {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return usageError("no password on standard input; pipe one in or use --generate")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return usageError(err.Error())
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := db.MemberByEmail(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if err := db.SetPassword(ctx, id, hash); err != nil {
		return err
	}
	if *generate {
		fmt.Fprintln(e.stdout, pw)
	}
	fmt.Fprintf(e.stderr, "password set for %s; their sessions have ended\n", fs.Arg(0))
	return nil
}
