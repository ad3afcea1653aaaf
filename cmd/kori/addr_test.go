package main

import "testing"

// TestBrowseAddr: the address printed for a browser is one a browser on the
// same machine can open.
func TestBrowseAddr(t *testing.T) {
	for in, want := range map[string]string{
		":8080": "localhost:8080", "0.0.0.0:9000": "localhost:9000", "[::]:8080": "localhost:8080",
		"127.0.0.1:8080": "localhost:8080", "kori.example:443": "kori.example:443", "192.0.2.7:8080": "192.0.2.7:8080",
	} {
		if got := browseAddr(in); got != want {
			t.Errorf("browseAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
