package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kori-project/kori"
	"github.com/kori-project/kori/internal/password"
)

// Member sessions. A session token is "<member id>.<secret>": the browser
// keeps it in an HttpOnly cookie, an app sends it as a bearer token. Only the
// SHA-256 of the secret is stored, keyed by member, so a stolen database does
// not yield live sessions and a lookup touches one member's shard.
const (
	sessionCookie = "kori_session"
	csrfCookie    = "kori_csrf"
	csrfField     = "csrf"
	langCookie    = "kori_lang"
	// SessionTTL is how long a login lasts.
	SessionTTL = 7 * 24 * time.Hour
)

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// parseSession splits a session token into member id and secret hash.
func parseSession(token string) (kori.MemberID, string, bool) {
	idText, secret, ok := strings.Cut(token, ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 || len(secret) < 32 {
		return 0, "", false
	}
	return kori.MemberID(id), hashSecret(secret), true
}

// secureCookies tells whether cookies must carry Secure: always, except when
// the request came over plain HTTP to a loopback address (make run).
func secureCookies(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration, httpOnly bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: httpOnly, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
}

// memberKey is the request-context key of the logged-in member.
type memberKey struct{}

// session is an authenticated member request.
type session struct {
	member    *kori.Member
	tokenHash string
	// app is the grant of an app's request, nil for the member's own.
	app *kori.AppGrant
}

func memberOf(ctx context.Context) *session {
	s, _ := ctx.Value(memberKey{}).(*session)
	return s
}

// authenticate finds the session of a request: the bearer token of an app or
// the session cookie of a browser.
func (s *Server) authenticate(r *http.Request) (*session, error) {
	token, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !bearer {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			return nil, kori.Errorf(kori.EUNAUTHORIZED, "log in first: POST /api/v1/login with your e-mail and password")
		}
		token = c.Value
	}
	id, hash, ok := parseSession(token)
	if !ok && bearer {
		return s.authenticateApp(r.Context(), token)
	}
	if !ok {
		return nil, kori.Errorf(kori.EUNAUTHORIZED, "the session token is malformed; log in again")
	}
	if err := s.Store.SessionValid(r.Context(), id, hash, s.Clock.Now()); err != nil {
		return nil, err
	}
	m, err := s.Store.Member(r.Context(), id)
	if err != nil {
		if kori.ErrorCode(err) == kori.ENOTFOUND {
			return nil, kori.Errorf(kori.EUNAUTHORIZED, "your session has ended; log in again")
		}
		return nil, err
	}
	return &session{member: m, tokenHash: hash}, nil
}

// authenticateApp finds the member and grant behind an app's access token.
func (s *Server) authenticateApp(ctx context.Context, token string) (*session, error) {
	g, err := s.oauth.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	m, err := s.Store.Member(ctx, g.Member)
	if err != nil {
		if kori.ErrorCode(err) == kori.ENOTFOUND {
			return nil, kori.Errorf(kori.EUNAUTHORIZED, "the member's grant has ended")
		}
		return nil, err
	}
	return &session{member: m, app: g}, nil
}

// requireMember lets only logged-in members through: a browser is sent to
// the login page (and back afterwards), an API client gets 401.
func (s *Server) requireMember(api bool, next handlerFunc) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.authenticate(r)
		if err == nil && sess.app != nil && !api {
			err = kori.Errorf(kori.EUNAUTHORIZED, "an app's token opens the member API only")
		}
		if err != nil {
			if !api && kori.ErrorCode(err) == kori.EUNAUTHORIZED {
				http.Redirect(w, r, "/login?next="+safeNext(r.URL.RequestURI()), http.StatusSeeOther)
				return nil
			}
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return next(w, r.WithContext(context.WithValue(r.Context(), memberKey{}, sess)))
	})
}

// safeNext keeps a post-login redirect on this site. Browsers strip tabs
// and newlines and read a backslash as a slash, so "/\t/evil.example" or
// "/\\evil.example" would leave the site: only a clean absolute path with
// no control characters, backslashes, scheme or host is accepted.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/me"
	}
	decoded, err := url.PathUnescape(u.EscapedPath())
	if err != nil || !cleanPath(next) || !cleanPath(decoded) {
		return "/me"
	}
	return next
}

// cleanPath reports whether p is an absolute path a browser cannot read as
// another host: no leading "//", no backslash, no control character.
func cleanPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") &&
		strings.IndexFunc(p, func(c rune) bool { return c == '\\' || c < 0x20 || c == 0x7f }) < 0
}

// login checks e-mail and password within the rate limits and opens a
// session; it returns the session token.
func (s *Server) login(r *http.Request, email, pw string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || pw == "" {
		return "", kori.Errorf(kori.EINVALID, "give both e-mail and password")
	}
	if !s.limiter.allow(clientIP(r), email) {
		return "", errTooManyLogins
	}
	id, hash, err := s.Store.Credentials(r.Context(), email)
	if err != nil {
		if kori.ErrorCode(err) != kori.ENOTFOUND {
			return "", err
		}
		password.CheckUnknown(pw)
		return "", errBadLogin
	}
	if !password.Check(hash, pw) {
		return "", errBadLogin
	}
	return s.openSession(r, id)
}

// openSession starts a session of the member and returns its token.
func (s *Server) openSession(r *http.Request, id kori.MemberID) (string, error) {
	secret := randomToken()
	now := s.Clock.Now()
	if err := s.Store.CreateSession(r.Context(), id, hashSecret(secret), now, now.Add(SessionTTL)); err != nil {
		return "", err
	}
	return strconv.FormatInt(int64(id), 10) + "." + secret, nil
}

var (
	errBadLogin      = kori.Errorf(kori.EUNAUTHORIZED, "wrong e-mail or password")
	errTooManyLogins = &kori.Error{Code: ETOOMANY, Message: "too many login attempts; wait a minute and try again"}
)

// ETOOMANY is the error code of a request refused by a rate limit.
const ETOOMANY = "too_many_requests"

// EMETHOD is the error code of a request whose method the path does not
// serve (405), an HTTP matter the domain has no word for.
const EMETHOD = "method_not_allowed"

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter limits password attempts per client address and per
// (account, address) pair. There is deliberately no limit per account
// alone: it would let anyone lock a member out by guessing wrong from
// their own address, so a member's correct password from another address
// always gets through. Guessing one account from many addresses is slowed
// by argon2id and by each address's own limit.
//
// Its memory is bounded whatever clients send: the address is checked
// before any account bucket is made, keys are fixed-size hashes (a long
// e-mail costs nothing more), buckets that have refilled are dropped (they
// hold no information), and at maxBuckets the oldest-seen half goes.
type loginLimiter struct {
	mu       sync.Mutex
	buckets  map[limitKey]*bucket
	perIP    rate.Limit
	ipBurst  int
	perPair  rate.Limit
	burst    int
	max      int
	now      func() time.Time
	lastTrim time.Time
}

// limitKey is a fixed-size key: the SHA-256 of the address, or of the
// account and address, truncated.
type limitKey [16]byte

func keyOf(parts ...string) limitKey {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k limitKey
	copy(k[:], h.Sum(nil))
	return k
}

type bucket struct {
	lim   *rate.Limiter
	burst int
	seen  time.Time
}

// maxLimiterBuckets bounds the limiter's memory (about 200 bytes a bucket).
const maxLimiterBuckets = 100_000

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{buckets: map[limitKey]*bucket{}, now: now, max: maxLimiterBuckets,
		perIP: rate.Every(2 * time.Second), ipBurst: 20, perPair: rate.Every(12 * time.Second), burst: 5}
}

// allow charges one attempt by ip on account (an e-mail, or a member's
// id for a password change) and reports whether it may go ahead.
func (l *loginLimiter) allow(ip, account string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastTrim) > time.Minute || len(l.buckets) >= l.max {
		l.trim(now)
	}
	if !l.take(keyOf("ip", ip), l.perIP, l.ipBurst, now) {
		return false
	}
	return l.take(keyOf("pair", account, ip), l.perPair, l.burst, now)
}

func (l *loginLimiter) take(k limitKey, r rate.Limit, burst int, now time.Time) bool {
	b, ok := l.buckets[k]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(r, burst), burst: burst}
		l.buckets[k] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// trim drops the buckets that have refilled, and when that is not enough
// the least recently seen half, so the map never passes max entries.
func (l *loginLimiter) trim(now time.Time) {
	l.lastTrim = now
	for k, b := range l.buckets {
		if b.lim.TokensAt(now) >= float64(b.burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.max*9/10 {
		return
	}
	seen := make([]time.Time, 0, len(l.buckets))
	for _, b := range l.buckets {
		seen = append(seen, b.seen)
	}
	slices.SortFunc(seen, time.Time.Compare)
	cut := seen[len(seen)/2]
	for k, b := range l.buckets {
		if !b.seen.After(cut) {
			delete(l.buckets, k)
		}
	}
}

// size is the number of buckets held, for tests.
func (l *loginLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// csrfToken returns the CSRF token forms of this request carry. For a
// member's or the privacy officer's session it is derived from that
// session (an HMAC keyed with the hash of the session secret), so a token
// from another session, or a cookie planted by a neighbouring site, is
// worthless; before login it is a random token kept in a cookie (double
// submit). http.CrossOriginProtection over every route rejects cross-site
// posts by their Sec-Fetch-Site and Origin headers as a second line.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if key, ok := csrfBinding(r); ok {
		return sessionCSRF(key)
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t := randomToken()
	setCookie(w, r, csrfCookie, t, 0, true)
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: t})
	return t
}

// csrfBinding returns the hash of the session secret a request's forms
// are bound to: the member's session, or the staff key of the area (/admin,
// /analytics).
func csrfBinding(r *http.Request) (string, bool) {
	if sess := memberOf(r.Context()); sess != nil {
		return sess.tokenHash, true
	}
	if area, ok := areaOf(r.URL.Path); ok {
		if c, err := r.Cookie(area.Cookie); err == nil && c.Value != "" {
			return hashSecret(c.Value), true
		}
	}
	return "", false
}

// sessionCSRF is the CSRF token of the session whose secret hashes to key.
func sessionCSRF(key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("kori csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF verifies a form post's token: against the session it is bound
// to, or before login against its cookie.
func checkCSRF(r *http.Request) error {
	want := ""
	if key, ok := csrfBinding(r); ok {
		want = sessionCSRF(key)
	} else if c, err := r.Cookie(csrfCookie); err == nil {
		want = c.Value
	}
	form := r.PostFormValue(csrfField)
	if want == "" || form == "" || subtle.ConstantTimeCompare([]byte(want), []byte(form)) != 1 {
		return errFormExpired
	}
	return nil
}

// errFormExpired refuses a form post without its valid CSRF token; the error
// page tells it in the reader's language.
var errFormExpired = kori.Errorf(kori.EFORBIDDEN, "the form has expired; reload the page and try again")

// postAPILogin is the app login: JSON e-mail and password in, a bearer
// session token out.
func (s *Server) postAPILogin(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	token, err := s.login(r, in.Email, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: s.Clock.Now().Add(SessionTTL).UTC()})
	return nil
}

// loginRequest is the body of an app login.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// loginResponse is the answer to an app login.
type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// postAPILogout ends the bearer session.
func (s *Server) postAPILogout(w http.ResponseWriter, r *http.Request) error {
	sess := memberOf(r.Context())
	if err := s.Store.DeleteSession(r.Context(), sess.member.ID, sess.tokenHash); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
