// Command app is an example of an app built on Kori: with the member's
// permission it reads their carbon footprint and prints it by year. It is
// what a third party would write, using only golang.org/x/oauth2 and the
// standard library: it finds Kori's endpoints from the authorization
// server metadata (RFC 8414), asks for the carbon scope with the
// authorization code flow and PKCE (S256), receives the code on a loopback
// address (RFC 8252), and calls GET /api/v1/me/carbon.
//
//	kori app --name "Hiilivahti" --owner "Example Oy" --policy https://example.org/privacy \
//	  --redirect http://127.0.0.1/callback --scopes carbon register
//	go run ./examples/app -kori http://localhost:8080 -client-id app_… -token-file token.json
//
// With -token-file the token (and its refresh token) is kept for the next
// run, which then asks the member nothing; once the member revokes the app
// on My data, that run fails with Kori's 401.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
}

// metadata is the part of RFC 8414 metadata the app needs.
type metadata struct {
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
}

// carbon is the part of Kori's carbon view the app prints.
type carbon struct {
	ByYear []struct {
		Year int     `json:"year"`
		Kg   float64 `json:"kg_co2e"`
	} `json:"by_year"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("app", flag.ContinueOnError)
	kori := fs.String("kori", "http://localhost:8080", "Kori's address")
	clientID := fs.String("client-id", "", "the client id that kori app register printed")
	tokenFile := fs.String("token-file", "", "keep the token here between runs (it stays valid until the member revokes)")
	wait := fs.Duration("wait", 5*time.Minute, "how long to wait for the member to decide")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clientID == "" {
		return errors.New("give -client-id (register the app with `kori app ... register`)")
	}
	base := strings.TrimSuffix(*kori, "/")
	var md metadata
	if err := getJSON(ctx, http.DefaultClient, base+"/.well-known/oauth-authorization-server", &md); err != nil {
		return fmt.Errorf("reading Kori's metadata: %w", err)
	}
	conf := &oauth2.Config{ClientID: *clientID, Scopes: []string{"carbon"},
		Endpoint: oauth2.Endpoint{AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams}}
	if *tokenFile != "" {
		conf.Scopes = append(conf.Scopes, "offline_access") // to come back without asking
	}

	tok, err := loadToken(*tokenFile)
	if err != nil {
		if tok, err = authorize(ctx, conf, *wait, stdout); err != nil {
			return err
		}
	}
	src := conf.TokenSource(ctx, tok)
	var c carbon
	err = getJSON(ctx, oauth2.NewClient(ctx, src), base+"/api/v1/me/carbon", &c)
	if *tokenFile != "" {
		if fresh, terr := src.Token(); terr == nil {
			_ = saveToken(*tokenFile, fresh) // a refresh rotated it
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Year  kg CO2e")
	for _, y := range c.ByYear {
		fmt.Fprintf(stdout, "%d  %8.1f\n", y.Year, y.Kg)
	}
	return nil
}

// authorize sends the member to Kori's consent screen and waits for the
// code on a loopback address of a free port.
func authorize(ctx context.Context, conf *oauth2.Config, wait time.Duration, stdout io.Writer) (*oauth2.Token, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	conf.RedirectURL = "http://" + l.Addr().String() + "/callback"
	state, verifier := random(), oauth2.GenerateVerifier()
	codes := make(chan string, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/callback" || q.Get("state") != state {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		if e := q.Get("error"); e != "" {
			fmt.Fprintln(w, "The app was not allowed. You can close this tab.")
			codes <- "error:" + e
			return
		}
		fmt.Fprintln(w, "Done. You can close this tab and return to the app.")
		codes <- q.Get("code")
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	fmt.Fprintln(stdout, "Open this address in your browser and allow the app:")
	fmt.Fprintln(stdout, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	select {
	case code := <-codes:
		if e, denied := strings.CutPrefix(code, "error:"); denied {
			return nil, fmt.Errorf("the member did not allow the app (%s)", e)
		}
		return conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	case <-time.After(wait):
		return nil, errors.New("no answer from the browser in time")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func getJSON(ctx context.Context, c *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := c.Do(req)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return fmt.Errorf("the member has revoked the app's access (Kori refused to renew it: %s); run again without the token file to ask again", re.ErrorCode)
		}
		return err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusUnauthorized {
		return errors.New("the member has revoked the app's access (Kori answered 401); run again without the token file to ask again")
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		return fmt.Errorf("GET %s: %s %s", url, res.Status, b)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func loadToken(path string) (*oauth2.Token, error) {
	if path == "" {
		return nil, errors.New("no token file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t oauth2.Token
	return &t, json.Unmarshal(b, &t)
}

func saveToken(path string, t *oauth2.Token) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
