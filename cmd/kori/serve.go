package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/analytics"
	"github.com/kori-project/kori/internal/benefits"
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
	cacheMB := fs.Int("cache-mb", int(server.DefaultLimits.SumsCache>>20), "memory in MiB for members' sums kept between their page views (0 turns the cache off)")
	analyticsK := fs.Int64("analytics-k", kAnonymity(e), "the least number of members an analytics figure may come from; 10 or more (env KORI_ANALYTICS_K)")
	connsPerAddr := fs.Int("conns-per-address", server.DefaultLimits.ConnsPerAddress, "most concurrent connections from one IP address")
	debugAddr := fs.String("debug-addr", envOr(e, "KORI_DEBUG_ADDR", ""), "serve Go's profiler (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060, for finding what a slow server spends its time on; off by default (env KORI_DEBUG_ADDR)")
	logFormat := fs.String("log", envOr(e, "KORI_LOG", "json"), "log format: json (one object a line, with request ids) or text (env KORI_LOG)")
	var ctl server.Controller
	fs.StringVar(&ctl.Name, "controller-name", envOr(e, "KORI_CONTROLLER_NAME", ""), "the chain as data controller, as the privacy notice names it (env KORI_CONTROLLER_NAME)")
	fs.StringVar(&ctl.Address, "controller-address", envOr(e, "KORI_CONTROLLER_ADDRESS", ""), "the controller's postal address (env KORI_CONTROLLER_ADDRESS)")
	fs.StringVar(&ctl.DPOEmail, "dpo-email", envOr(e, "KORI_DPO_EMAIL", ""), "the data protection officer's e-mail (env KORI_DPO_EMAIL)")
	fs.StringVar(&ctl.Authority, "authority", envOr(e, "KORI_SUPERVISORY_AUTHORITY", server.DefaultAuthority),
		"where members may complain (env KORI_SUPERVISORY_AUTHORITY)")
	publicURL := fs.String("public-url", envOr(e, "KORI_PUBLIC_URL", ""), "the address members and apps reach Kori at, e.g. https://kori.example: the OAuth issuer for apps and the return address of the chain's login; default: each request's host (env KORI_PUBLIC_URL)")
	var id server.Identity
	fs.StringVar(&id.Issuer, "oidc-issuer", envOr(e, "KORI_OIDC_ISSUER", ""), "log members in with the chain's OpenID Connect provider at this issuer URL, beside passwords (env KORI_OIDC_ISSUER)")
	fs.StringVar(&id.ClientID, "oidc-client-id", envOr(e, "KORI_OIDC_CLIENT_ID", ""), "Kori's client id at the provider (env KORI_OIDC_CLIENT_ID); the secret comes from env KORI_OIDC_CLIENT_SECRET only, never a flag")
	fs.StringVar(&id.Claim, "oidc-claim", envOr(e, "KORI_OIDC_CLAIM", "email"), "the ID token claim that finds the member: email (must be verified) or a claim holding the member reference, e.g. customer_number (env KORI_OIDC_CLAIM)")
	fs.StringVar(&id.Name, "oidc-name", envOr(e, "KORI_OIDC_NAME", ""), "what the login button calls the chain's account, e.g. S-tili (env KORI_OIDC_NAME)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	id.ClientSecret = e.getenv("KORI_OIDC_CLIENT_SECRET")
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("serve takes no arguments, got %q", fs.Args()))
	}
	if *analyticsK < analytics.DefaultK {
		return usageError(fmt.Sprintf("--analytics-k %d is below %d: k can only be raised", *analyticsK, analytics.DefaultK))
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
		Limits:         server.Limits{ConnsPerAddress: *connsPerAddr, SumsCache: cacheBytes(*cacheMB)},
		AnalyticsK:     *analyticsK,
		PublicURL:      *publicURL,
	}
	if id.Issuer != "" {
		if id.ClientID == "" {
			return usageError("--oidc-issuer needs --oidc-client-id (and KORI_OIDC_CLIENT_SECRET in the environment)")
		}
		if err := id.Connect(ctx); err != nil {
			return err
		}
		srv.Identity = &id
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
	if *debugAddr != "" {
		stop, err := serveDebug(*debugAddr)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(e.stdout, "Profiler at http://%s/debug/pprof/\n", *debugAddr)
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
	}, func(ctx context.Context, now time.Time, first bool) error {
		// Last month's loyalty benefits on the first night of a month (and
		// at start, which pays only those not paid yet).
		if !first && now.In(e.cfg.zone).Day() != 1 {
			return nil
		}
		month := kori.PreviousMonth(now, e.cfg.zone)
		cat, err := db.Catalogue(ctx)
		if err != nil || cat.SchemeFor(month) == nil {
			return err // no scheme: nothing to pay
		}
		sum, err := benefits.Run(ctx, db, month, now, e.cfg.zone, nil)
		if err == nil {
			log.Info("monthly benefits", "month", kori.MonthLabel(month), "members", sum.Earned, "recorded", sum.Paid, "sum_cents", int64(sum.Sum))
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

// serveDebug serves net/http/pprof on a loopback address of its own, never
// on the public listener: a profile shows what the server is doing, which
// is for the operator's eyes only.
func serveDebug(addr string) (stop func(), err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageError(fmt.Sprintf("--debug-addr %q: want host:port, e.g. 127.0.0.1:6060", addr))
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usageError(fmt.Sprintf("--debug-addr %q: the profiler listens on loopback only (127.0.0.1 or ::1)", addr))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return func() { hs.Close() }, nil
}

// cacheBytes turns --cache-mb into server.Limits.SumsCache: 0 is off.
func cacheBytes(mb int) int64 {
	if mb <= 0 {
		return -1
	}
	return int64(mb) << 20
}
