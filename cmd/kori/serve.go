package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/metrics"
	"github.com/kori-project/kori/internal/offers"
	"github.com/kori-project/kori/internal/privacy"
	"github.com/kori-project/kori/internal/server"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("serve", "serve [flags]", "Serves the API and the member UI until interrupted.")
	e.flags(fs)
	addr := fs.String("addr", envOr(e, "KORI_ADDR", defaultAddr), "address to listen on (env KORI_ADDR)")
	demoHint := fs.Bool("demo-hint", false, "show the demo login on the login page (for databases made by kori demo)")
	asOf := fs.String("as-of", "", "serve as if it were this date (YYYY-MM-DD or RFC 3339), for demos and tests; default now")
	behindTLS := fs.Bool("behind-tls-proxy", envOr(e, "KORI_BEHIND_TLS_PROXY", "") == "true",
		"a proxy in front terminates TLS and sets X-Forwarded-Proto: send Strict-Transport-Security (env KORI_BEHIND_TLS_PROXY=true)")
	connsPerAddr := fs.Int("conns-per-address", server.DefaultLimits.ConnsPerAddress, "most concurrent connections from one IP address")
	logFormat := fs.String("log", envOr(e, "KORI_LOG", "json"), "log format: json (one object a line, with request ids) or text (env KORI_LOG)")
	var ctl server.Controller
	fs.StringVar(&ctl.Name, "controller-name", envOr(e, "KORI_CONTROLLER_NAME", ""), "the chain as data controller, as the privacy notice names it (env KORI_CONTROLLER_NAME)")
	fs.StringVar(&ctl.Address, "controller-address", envOr(e, "KORI_CONTROLLER_ADDRESS", ""), "the controller's postal address (env KORI_CONTROLLER_ADDRESS)")
	fs.StringVar(&ctl.DPOEmail, "dpo-email", envOr(e, "KORI_DPO_EMAIL", ""), "the data protection officer's e-mail (env KORI_DPO_EMAIL)")
	fs.StringVar(&ctl.Authority, "authority", envOr(e, "KORI_SUPERVISORY_AUTHORITY", server.DefaultAuthority),
		"where members may complain (env KORI_SUPERVISORY_AUTHORITY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("serve takes no arguments, got %q", fs.Args()))
	}
	if err := e.validate(); err != nil {
		return err
	}
	clock, err := e.parseAsOf(*asOf)
	if err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Clock = clock
	var log *slog.Logger
	switch *logFormat {
	case "json":
		log = slog.New(slog.NewJSONHandler(e.stderr, nil))
	case "text":
		log = slog.New(slog.NewTextHandler(e.stderr, nil))
	default:
		return usageError(fmt.Sprintf("--log %q: use json or text", *logFormat))
	}
	m := metrics.New()
	for name, pool := range db.Pools() {
		m.DBPool(name, pool)
	}
	srv := &server.Server{
		Store:          db,
		Ingest:         ingest.NewService(db, e.cfg.zone, clock),
		Log:            log,
		Clock:          clock,
		Zone:           e.cfg.zone,
		Version:        version,
		Metrics:        m,
		BehindTLSProxy: *behindTLS,
		Limits:         server.Limits{ConnsPerAddress: *connsPerAddr},
	}
	if *demoHint {
		srv.Demo = &server.DemoLogin{Email: "member1@demo.kori.invalid", Password: demo.Password}
		if ctl.Name == "" {
			// Clearly fictitious, so that the demo's notice reads as a real one.
			ctl.Name, ctl.Address, ctl.DPOEmail = "Kori Demo Oy (fictitious)", "Esimerkkikatu 1, 00100 Helsinki", "tietosuoja@demo.kori.invalid"
		}
	}
	if missing := ctl.Missing(); len(missing) > 0 {
		fmt.Fprintf(e.stderr, "warning: the privacy notice lacks the controller's details; set %s (or the flags, see kori serve -h)\n",
			strings.Join(missing, ", "))
	}
	srv.Controller = ctl
	ln, err := srv.Listen(*addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another kori running? choose another with --addr)", *addr, err)
	}
	hs := srv.HTTPServer()
	fmt.Fprintf(e.stdout, "Kori %s serving %s database at http://%s\n", version, db.Dialect(), displayAddr(ln.Addr()))
	if *demoHint {
		fmt.Fprintf(e.stdout, "Demo: open http://%s/login (demo members' password %q)\n", displayAddr(ln.Addr()), demo.Password)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// Retention and inactivity run by themselves: now, then every night;
	// offers at start and every Monday night.
	go privacy.Schedule(ctx, db, clock, e.cfg.zone, log, func(r privacy.Report) {
		m.Privacy(r.Retention, len(r.Inactivity.Notified), r.Inactivity.Erased)
	}, func(ctx context.Context, now time.Time, first bool) error {
		// A catalogue correction reaches the analyses: at start and nightly.
		pending, err := db.RecomputePending(ctx)
		if err != nil || !pending {
			return err
		}
		cat, err := db.Catalogue(ctx)
		if err != nil {
			return err
		}
		sum, err := db.Recompute(ctx, cat, 0, func(done, total int) { log.Info("recompute", "members", done, "of", total) })
		if err == nil {
			log.Info("recompute done", "members", sum.Members, "months", sum.Months, "lines", sum.Lines)
		}
		return err
	}, func(ctx context.Context, now time.Time, first bool) error {
		if !first && now.In(e.cfg.zone).Weekday() != time.Monday {
			return nil
		}
		sum, err := offers.RunParallel(ctx, db, now, e.cfg.zone, runtime.NumCPU(), nil)
		if err == nil {
			m.Offers(sum.Members, sum.Offers)
			log.Info("weekly offers", "members", sum.Members, "offers", sum.Offers)
		}
		return err
	})
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func envOr(e *env, key, fallback string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return fallback
}

// defaultAddr is where serve listens unless told otherwise.
const defaultAddr = "localhost:8080"

// browseAddr is a listen address as a browser reaches it: ":8080" and
// "0.0.0.0:8080" are localhost:8080 from the same machine.
func browseAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && (ip.IsUnspecified() || ip.IsLoopback()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func displayAddr(a net.Addr) string { return browseAddr(a.String()) }
