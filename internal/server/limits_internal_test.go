package server

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLimiterBoundedOverAddresses: many addresses with long e-mails never
// take the limiter past its cap.
func TestLimiterBoundedOverAddresses(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLoginLimiter(func() time.Time { return now })
	l.max = 1000
	long := strings.Repeat("y", 2000)
	for i := 0; i < 20_000; i++ {
		l.allow(fmt.Sprintf("2001:db8::%x", i), long+fmt.Sprint(i))
		if n := l.size(); n > l.max {
			t.Fatalf("after %d addresses the limiter holds %d buckets, cap %d", i+1, n, l.max)
		}
	}
	// An address that is being limited stays limited across the trims.
	for i := 0; i < 25; i++ {
		l.allow("192.0.2.1", "a@example.invalid")
	}
	if l.allow("192.0.2.1", "b@example.invalid") {
		t.Error("an address past its limit was let through")
	}
}
