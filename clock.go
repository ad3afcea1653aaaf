package kori

import "time"

// Clock tells the time. Logic never reads the wall clock directly, so that
// retention and inactivity can be tested on any date and every command that
// acts on time can take --as-of.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always answers the same instant; used for --as-of and tests.
type FixedClock time.Time

// Now returns the fixed instant.
func (c FixedClock) Now() time.Time { return time.Time(c) }

// DefaultZone is the chain time zone unless configured otherwise.
const DefaultZone = "Europe/Helsinki"
