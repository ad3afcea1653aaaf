package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kori-project/kori/internal/demo"
	"github.com/kori-project/kori/internal/store"
)

// httpReport is the HTTP load benchmark's outcome.
type httpReport struct {
	members   int
	lines     int64
	levels    []httpLevel
	junkBytes int64
	junkLines int64
	junkTook  time.Duration
	rssBefore int64 // KiB
	rssPeak   int64 // KiB
	answer    int64 // bytes
}

type httpLevel struct {
	cache    bool // the server's sums cache was on
	clients  int
	requests int
	took     time.Duration
	p50, p99 time.Duration
	errors   int
}

// memberRoutes are the member API calls the load cycles through.
var loadRoutes = []string{"/api/v1/me/overview", "/api/v1/me/spending", "/api/v1/me/domestic", "/api/v1/me/carbon",
	"/api/v1/me/nutrition", "/api/v1/me/receipts", "/api/v1/me/data", "/api/v1/me/offers"}

// httpLoad runs `kori serve` on the database in dir and loads its member
// API over loopback with Go's HTTP client: each concurrent client is a
// member of its own, logged in from its own loopback address (127.0.0.N),
// cycling through the member API for a fixed time. Then it sends a 100 MB
// batch of junk lines to a fresh server and reads the server's peak RSS.
func httpLoad(ctx context.Context, bin, dir string, seconds int) (*httpReport, error) {
	rep := &httpReport{}
	db, err := store.Open(ctx, filepath.Join(dir, "kori.db"))
	if err != nil {
		return nil, err
	}
	counts, err := db.Counts(ctx)
	db.Close()
	if err != nil {
		return nil, err
	}
	rep.members, rep.lines = int(counts["members"]), counts["receipt_lines"]

	addr, stop, pid, err := startServer(bin, dir, "--cache-mb", "0")
	if err != nil {
		return nil, err
	}
	tokens := map[int]string{}
	clients := map[int]*http.Client{}
	for n := 1; n <= 64; n++ {
		c := loopbackClient(n)
		email := fmt.Sprintf("member%d@demo.kori.invalid", n)
		body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, demo.Password)
		resp, err := c.Post("http://"+addr+"/api/v1/login", "application/json", strings.NewReader(body))
		if err != nil {
			stop()
			return nil, err
		}
		var out struct{ Token string }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if out.Token == "" {
			stop()
			return nil, fmt.Errorf("login %s: %s", email, resp.Status)
		}
		tokens[n], clients[n] = out.Token, c
	}
	// First with the sums cache off (every request sums in the database),
	// then as kori serve runs by default.
	for _, run := range []struct {
		cache bool
		conc  int
	}{{false, 1}, {false, 16}, {false, 64}, {true, 1}, {true, 16}, {true, 64}} {
		conc := run.conc
		if run.cache && conc == 1 {
			stop()
			if addr, stop, pid, err = startServer(bin, dir); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(os.Stderr, "http: %d concurrent members for %d s, cache %v…\n", conc, seconds, run.cache)
		lvl := httpLevel{clients: conc, cache: run.cache}
		var mu sync.Mutex
		var lat []time.Duration
		deadline := time.Now().Add(time.Duration(seconds) * time.Second)
		var wg sync.WaitGroup
		start := time.Now()
		for w := 1; w <= conc; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				var mine []time.Duration
				errs := 0
				for i := 0; time.Now().Before(deadline); i++ {
					req, _ := http.NewRequest("GET", "http://"+addr+loadRoutes[(w+i)%len(loadRoutes)], nil)
					req.Header.Set("Authorization", "Bearer "+tokens[w])
					t0 := time.Now()
					resp, err := clients[w].Do(req)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							errs++
						}
					} else {
						errs++
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				lvl.errors += errs
				mu.Unlock()
			}(w)
		}
		wg.Wait()
		lvl.took = time.Since(start)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		lvl.requests = len(lat)
		if len(lat) > 0 {
			lvl.p50, lvl.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
		}
		rep.levels = append(rep.levels, lvl)
	}
	stop()
	_ = pid

	// A fresh server for the junk batch, so its peak RSS is the batch's.
	key, err := exec.Command(bin, "apikey", "--data", dir, "create", "bench-junk", "ingest").Output()
	if err != nil {
		return nil, fmt.Errorf("apikey create: %w", err)
	}
	token := ""
	for _, f := range strings.Fields(string(key)) {
		if strings.HasPrefix(f, "kori_") {
			token = f
		}
	}
	addr, stop, pid, err = startServer(bin, dir)
	if err != nil {
		return nil, err
	}
	defer stop()
	time.Sleep(time.Second)
	rep.rssBefore = vmHWM(pid)
	const junk = 100 << 20
	body := bytes.Repeat([]byte("{}\n"), junk/3)
	rep.junkBytes, rep.junkLines = int64(len(body)), int64(len(body)/3)
	fmt.Fprintf(os.Stderr, "http: a %d MB junk batch…\n", len(body)>>20)
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/receipts", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	t0 := time.Now()
	resp, err := loopbackClient(100).Do(req)
	if err != nil {
		return nil, err
	}
	rep.answer, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	rep.junkTook = time.Since(t0)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("junk batch: %s", resp.Status)
	}
	rep.rssPeak = vmHWM(pid)
	return rep, nil
}

// loopbackClient is an HTTP client whose connections come from 127.0.0.n+1,
// so that each benchmark member has an address of its own.
func loopbackClient(n int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250), byte(n%250+2))}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}, Timeout: 5 * time.Minute}
}

// startServer runs kori serve on a free loopback port until stop.
func startServer(bin, dir string, flags ...string) (addr string, stop func(), pid int, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, 0, err
	}
	addr = ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--data", dir, "--addr", addr, "--as-of", "2026-11-25", "--log", "text"}, flags...)...)
	stderr, _ := cmd.StderrPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return "", nil, 0, err
	}
	go io.Copy(io.Discard, stderr)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving") {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		return "", nil, 0, fmt.Errorf("kori serve did not start")
	}
	return addr, func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }, cmd.Process.Pid, nil
}

// vmHWM is a process's peak resident set size in KiB.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}

func (r *httpReport) write(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Member API over HTTP, SQLite\n\n")
	fmt.Fprintf(b, "`kori serve` on a demo database of %d members (%d product lines), loaded over loopback by Go's HTTP\n"+
		"client from the same machine (client and server share the cores). Each concurrent client is a member of its\n"+
		"own, logged in from its own loopback address, cycling through %d member API calls (overview, spending,\n"+
		"domestic, carbon, nutrition, receipts, data, offers) with keep-alive for a fixed time. First with the\n"+
		"server's sums cache off (`--cache-mb 0`: every request sums the member's rollups in the database), then as\n"+
		"`kori serve` runs by default, where a member's pages after the first read the sums cached under the member's\n"+
		"data version.\n\n",
		r.members, r.lines, len(loadRoutes))
	fmt.Fprintf(b, "| sums cache | concurrent members | requests | requests/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, l := range r.levels {
		fmt.Fprintf(b, "| %s | %d | %d | %.0f | %.1f | %.1f | %d |\n", map[bool]string{true: "on", false: "off"}[l.cache], l.clients, l.requests,
			float64(l.requests)/l.took.Seconds(), ms(l.p50), ms(l.p99), l.errors)
	}
	fmt.Fprintf(b, "\nA %d MB NDJSON batch of %d junk lines (`{}`, each rejected) sent to a fresh server: answered in %s with\n"+
		"%d bytes (counts and the first 1,000 results); the server's peak RSS went from %.0f MiB to %.0f MiB.\n",
		r.junkBytes>>20, r.junkLines, r.junkTook.Round(100*time.Millisecond), r.answer, float64(r.rssBefore)/1024, float64(r.rssPeak)/1024)
}
