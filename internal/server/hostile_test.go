package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/server"
	"github.com/kori-project/kori/internal/storetest"
)

// TestJunkBatchAnswerBounded: a batch of lines that are all rejected gets
// an answer of bounded size, whatever the batch's length.
func TestJunkBatchAnswerBounded(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	_, key, err := f.db.CreateAPIKey(context.Background(), "tills", []string{kori.ScopeIngest})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50_000
	c := f.client(t)
	c.bearer = key
	rec := c.do("POST", "/api/v1/receipts", strings.NewReader(strings.Repeat("{}\n", n)), http.Header{"Content-Type": {"application/x-ndjson"}})
	var ans struct {
		Rejected int
		Omitted  int
		Results  []struct{ Line int }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("batch: %d %v", rec.Code, err)
	}
	if ans.Rejected != n || len(ans.Results) != 1000 || ans.Omitted != n-1000 || ans.Results[999].Line != 1000 {
		t.Errorf("rejected %d, results %d, omitted %d; want %d, 1000, %d", ans.Rejected, len(ans.Results), ans.Omitted, n, n-1000)
	}
	if rec.Body.Len() > 300_000 {
		t.Errorf("answer to %d junk lines is %d bytes: it grows with the batch", n, rec.Body.Len())
	}
}

// TestNoLockoutFromAnotherAddress: wrong passwords from one address hold
// back that address on that account, never the member's own login from
// elsewhere; the password change is limited the same way.
func TestNoLockoutFromAnotherAddress(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	m := f.members[kori.LevelProduct]
	attacker := f.client(t)
	attacker.ip = "203.0.113.9"
	for i := 0; i < 7; i++ {
		attacker.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"guess %d"}`, m.Email, i)), nil)
	}
	if rec := attacker.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"kori-demo"}`, m.Email)), nil); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the guessing address: %d, want 429", rec.Code)
	}
	member := f.client(t)
	member.ip = "192.0.2.44"
	member.apiLogin(m.Email) // fails the test if refused
	var codes []int
	for i := 0; i < 7; i++ {
		rec := member.do("POST", "/api/v1/me/password", strings.NewReader(fmt.Sprintf(`{"current":"guess %d","new":"a new secret"}`, i)), nil)
		codes = append(codes, rec.Code)
	}
	if fmt.Sprint(codes) != "[400 400 400 400 400 429 429]" {
		t.Errorf("wrong current passwords: %v, want five 400 then 429", codes)
	}
}

// TestLoginFloodMemoryBounded: thousands of logins with long random
// e-mails from one address leave the limiter holding a handful of buckets.
func TestLoginFloodMemoryBounded(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	c.ip = "198.51.100.200"
	long := strings.Repeat("x", 1000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < 5000; i++ {
		c.do("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":"%s%d@example.invalid","password":"x"}`, long, i)), nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := server.LimiterSize(f.srv); n > 25 {
		t.Errorf("after 5,000 logins from one address the limiter holds %d buckets", n)
	}
	// The old limiter kept about 8 KB per e-mail: 40 MB here.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Errorf("the heap grew by %d MB over 5,000 anonymous logins", grew>>20)
	}
}

// TestCSRFBoundToSession: a token from another session is refused even
// when the attacker has planted it as the victim's CSRF cookie.
func TestCSRFBoundToSession(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	alice, bob := f.client(t), f.client(t)
	alice.login(f.members[kori.LevelProduct].Email)
	bob.login(f.members[kori.LevelGroup].Email)
	token := csrfInput.FindStringSubmatch(alice.get("/me/data").Body.String())[1]
	bob.cookies["kori_csrf"] = token
	form := url.Values{"kind": {"objection:personalisation"}, "to": {"objects"}, "csrf": {token}}
	rec := bob.do("POST", "/me/choices", strings.NewReader(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if rec.Code != http.StatusForbidden {
		t.Errorf("bob's post with alice's token: %d, want 403", rec.Code)
	}
	// Bob's own token works.
	if rec := bob.form("/me/data", "/me/choices", url.Values{"kind": {"objection:personalisation"}, "to": {"objects"}}); rec.Code != http.StatusSeeOther {
		t.Errorf("bob's own token: %d %s", rec.Code, rec.Body)
	}
}

// TestStrictRequests: JSON bodies only as application/json and one value;
// malformed or unknown query parameters are named in a 400.
func TestStrictRequests(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	c := f.client(t)
	c.apiLogin(f.members[kori.LevelProduct].Email)
	for _, tc := range []struct {
		contentType, body, want string
	}{
		{"text/plain", `{"kind":"objection:personalisation","to":"objects"}`, "application/json"},
		{"application/json", `{"kind":"objection:personalisation","to":"objects"}{}`, "more than one"},
		{"application/json", `{"kind":"objection:personalisation","to":"objects"} x`, "more than one"},
	} {
		rec := c.do("POST", "/api/v1/me/choices", strings.NewReader(tc.body), http.Header{"Content-Type": {tc.contentType}})
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s %s: %d %s", tc.contentType, tc.body, rec.Code, rec.Body)
		}
	}
	for path, param := range map[string]string{
		"/api/v1/me/receipts?month=2026-13": "month", "/api/v1/me/spending?year=abc": "year",
		"/api/v1/me/carbon?yaer=2025": "yaer", "/me/receipts?month=x": "",
	} {
		rec := c.get(path)
		if strings.HasPrefix(path, "/me/") {
			b := f.client(t)
			b.login(f.members[kori.LevelProduct].Email)
			rec = b.get(path)
		}
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), param) {
			t.Errorf("GET %s: %d %s, want 400 naming %q", path, rec.Code, rec.Body, param)
		}
	}
	// Exports write a request record, so they are POSTs: a GET writes nothing.
	if rec := c.get("/api/v1/me/export"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET export: %d, want 405", rec.Code)
	}
}

// serve runs the fixture's server on a loopback listener with limits.
func serve(t *testing.T, f *fixture, l server.Limits) string {
	t.Helper()
	f.srv.Limits = l
	ln, err := f.srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := f.srv.HTTPServer()
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// TestSlowBodyCutOff: a body that trickles is cut off once the client has
// kept the server waiting BodyIdle in all, while a batch that keeps moving
// is read to its end.
func TestSlowBodyCutOff(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	_, key, _ := f.db.CreateAPIKey(context.Background(), "tills", []string{kori.ScopeIngest})
	addr := serve(t, f, server.Limits{BodyIdle: 300 * time.Millisecond, BodyProgress: 4096})

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/receipts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n", key)
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the server closes the connection
		close(closed)
	}()
	// One byte every 50 ms for up to two minutes; the server must close
	// long before (after about 300 ms of waiting).
	cut := false
	for i := 0; i < 2400 && !cut; i++ {
		select {
		case <-closed:
			cut = true
		case <-time.After(50 * time.Millisecond):
			conn.Write([]byte(" "))
		}
	}
	if !cut {
		t.Fatal("a body trickling one byte every 50 ms was read for two minutes")
	}

	// A 4 MB batch that keeps moving completes.
	body := strings.Repeat("{}\n", 4<<20/3)
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/receipts", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct{ Rejected int }
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != 200 || ans.Rejected != len(body)/3 {
		t.Errorf("moving batch: %d, rejected %d of %d (%v)", resp.StatusCode, ans.Rejected, len(body)/3, err)
	}
}

// TestConnectionsPerAddressCapped: connections past the cap from one
// address are closed at once; those within it are served.
func TestConnectionsPerAddressCapped(t *testing.T) {
	f := newFixture(t, storetest.OpenSQLite)
	addr := serve(t, f, server.Limits{ConnsPerAddress: 2})
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	fmt.Fprint(extra, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if line, err := bufio.NewReader(extra).ReadString('\n'); err == nil {
		t.Errorf("third connection was served: %q", line)
	}
	fmt.Fprint(held[0], "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if line, err := bufio.NewReader(held[0]).ReadString('\n'); err != nil || !regexp.MustCompile(`^HTTP/1.1 200`).MatchString(line) {
		t.Errorf("connection within the cap: %q %v", line, err)
	}
}
