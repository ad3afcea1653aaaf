package server

// LimiterSize is the number of buckets the login limiter holds, for tests
// that bound its memory.
func LimiterSize(s *Server) int { return s.limiter.size() }
