package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/ingest"
	"github.com/kori-project/kori/internal/server"
	"github.com/kori-project/kori/internal/store"
)

// pageTiming is the server time of one member route over the sampled members.
type pageTiming struct {
	route          string
	n              int
	p50, p99, max_ time.Duration
}

// pagesReport is the member-page benchmark's outcome.
type pagesReport struct {
	members, sampled int
	firstYear        int
	engine           string
	receipts, lines  int64
	dbBytes          int64
	demoTime         time.Duration
	// target is the p99 the report measures against; zero for 20 ms.
	target  time.Duration
	timings []pageTiming
}

// memberPages measures every member page and API call, in process, against a
// demo database of the given number of members with purchases from 2015:
// server time is the handler's time from request to the last byte written.
func memberPages(ctx context.Context, bin, dir string, members, sample, repeat int) (*pagesReport, error) {
	rep := &pagesReport{members: members, engine: "SQLite"}
	path := filepath.Join(dir, "kori.db")
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(os.Stderr, "pages: kori demo --members %d…\n", members)
		cmd := exec.Command(bin, "demo", "--data", dir, "--members", fmt.Sprint(members), "--as-of", "2026-11-25", "--quiet")
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("kori demo: %w", err)
		}
		rep.demoTime = time.Since(start)
	} else {
		fmt.Fprintf(os.Stderr, "pages: reusing %s\n", path)
		ids, err := exec.Command(bin, "demo", "--data", dir, "--if-empty", "--quiet").Output()
		if err != nil {
			return nil, fmt.Errorf("kori demo --if-empty: %w (%s)", err, ids)
		}
	}
	if fi, err := os.Stat(path); err == nil {
		rep.dbBytes = fi.Size()
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return rep, timePages(ctx, db, rep, sample, repeat)
}

// timePages times every member page and API call for sample product-level
// members of db, repeat times each after a warm-up request.
func timePages(ctx context.Context, db *store.DB, rep *pagesReport, sample, repeat int) error {
	counts, err := db.Counts(ctx)
	if err != nil {
		return err
	}
	rep.receipts, rep.lines = counts["receipts"], counts["receipt_lines"]

	zone, _ := time.LoadLocation(kori.DefaultZone)
	clock := kori.FixedClock(time.Date(2026, 11, 25, 12, 0, 0, 0, zone))
	srv := &server.Server{Store: db, Ingest: ingest.NewService(db, zone, clock), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock: clock, Zone: zone, Limits: server.Limits{SumsCache: -1}} // every request reads the database, as a member's first does
	h := srv.Handler()

	ids, err := db.MemberIDs(ctx)
	if err != nil {
		return err
	}
	var product []kori.MemberID
	for _, id := range ids {
		m, err := db.Member(ctx, id)
		if err != nil {
			return err
		}
		if m.Level == kori.LevelProduct {
			product = append(product, id)
		}
	}
	step := max(1, len(product)/sample)
	var sampled []kori.MemberID
	for i := 0; i < len(product) && len(sampled) < sample; i += step {
		sampled = append(sampled, product[i])
	}
	times := map[string][]time.Duration{}
	var routes []string
	// A first, untimed pass over every route for a few members prepares
	// the statements on the pool's connections, as a server does in its
	// first minute; a connection's first run of a statement plans it over
	// every year's partition (milliseconds), once in its lifetime.
	warmup := min(warmupMembers, len(sampled))
	for n, id := range append(sampled[:warmup:warmup], sampled...) {
		timed := n >= warmup
		m, err := db.Member(ctx, id)
		if err != nil {
			return err
		}
		token, err := login(h, m.Email, n)
		if err != nil {
			return err
		}
		rs, err := db.ReceiptsByMember(ctx, m.ID, kori.ReceiptFilter{Limit: 1})
		if err != nil || len(rs) == 0 {
			return fmt.Errorf("member %d has no receipts (%v)", m.ID, err)
		}
		if timed {
			rep.sampled++
		}
		if held, err := db.HeldData(ctx, m.ID); err == nil && (rep.firstYear == 0 || held.First.Year() < rep.firstYear) {
			rep.firstYear = held.First.Year()
		}
		paths := []string{"/me", "/me/receipts", fmt.Sprintf("/me/receipts/%d", rs[0].ID), "/me/receipts?q=maito", "/me/spending",
			"/me/domestic", "/me/carbon", "/me/nutrition", "/me/data"}
		for _, p := range paths[:] {
			api := "/api/v1/me/" + strings.TrimPrefix(strings.TrimPrefix(p, "/me"), "/")
			if p == "/me" {
				api = "/api/v1/me/overview"
			}
			paths = append(paths, api)
		}
		routes = routes[:0]
		for _, p := range paths {
			route := p
			if strings.Contains(p, "/receipts/") {
				route = p[:strings.LastIndex(p, "/")] + "/{id}"
			}
			routes = append(routes, route)
			for r := 0; r <= repeat; r++ {
				req := httptest.NewRequest("GET", p, nil)
				if strings.HasPrefix(p, "/api/") {
					req.Header.Set("Authorization", "Bearer "+token)
				} else {
					req.AddCookie(&http.Cookie{Name: "kori_session", Value: token})
				}
				rec := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(rec, req)
				d := time.Since(t0)
				if rec.Code != http.StatusOK {
					return fmt.Errorf("GET %s: %d %s", p, rec.Code, rec.Body)
				}
				if timed && r > 0 { // the first request warms the caches
					times[route] = append(times[route], d)
				}
			}
		}
	}
	for _, route := range routes {
		ds := times[route]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		rep.timings = append(rep.timings, pageTiming{route: route, n: len(ds), p50: ds[len(ds)/2], p99: ds[(len(ds)*99)/100], max_: ds[len(ds)-1]})
	}
	return nil
}

// warmupMembers is how many members' pages are requested, untimed, before
// the timed ones.
const warmupMembers = 3

// login logs in through the API, as an app would, from its own address so
// that the login rate limit does not slow the benchmark.
func login(h http.Handler, email string, n int) (string, error) {
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, demo.Password)))
	req.RemoteAddr = fmt.Sprintf("10.0.%d.%d:1000", n/250, n%250+1)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("login %s: %d %s", email, rec.Code, rec.Body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("login answer without token: %s", rec.Body)
	}
	return out.Token, nil
}

func (r *pagesReport) write(b *strings.Builder) {
	size := ""
	if r.dbBytes > 0 {
		size = fmt.Sprintf(", %.1f GiB", float64(r.dbBytes)/(1<<30))
	}
	built := ""
	if r.demoTime > 0 {
		built = fmt.Sprintf(" (built by `kori demo` in %s)", r.demoTime.Round(time.Second))
	}
	fmt.Fprintf(b, "\n## Member pages and API, %s\n\n", r.engine)
	fmt.Fprintf(b, "A demo database of %d members with purchases from %d to 25 November 2026: %d receipts,\n"+
		"%d product lines%s%s. For %d product-level members spread over the\n"+
		"database, every page and API call was requested %d times after one warm-up request, and after an untimed\n"+
		"pass over every route for %d members, which prepares the statements on the pool's connections as a server's\n"+
		"first minute does. The time is the handler's, from request to the last byte, in the same process (no\n"+
		"network), one request at a time, with the server's sums cache off, so that every request reads the\n"+
		"database as a member's first does.\n\n",
		r.members, r.firstYear, r.receipts, r.lines, size, built, r.sampled, r.timings[0].n/max(1, r.sampled), warmupMembers)
	fmt.Fprintf(b, "| route | requests | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n")
	worst := time.Duration(0)
	for _, t := range r.timings {
		fmt.Fprintf(b, "| `%s` | %d | %.2f | %.2f | %.2f |\n", t.route, t.n, ms(t.p50), ms(t.p99), ms(t.max_))
		worst = max(worst, t.p99)
	}
	target := r.target
	if target == 0 {
		target = 20 * time.Millisecond
	}
	fmt.Fprintf(b, "\nWorst p99: **%.2f ms** (target < %.0f ms).\n", ms(worst), ms(target))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
