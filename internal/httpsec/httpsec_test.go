package httpsec

import (
	"maps"
	"testing"
)

// The headers spelt out as PROTOCOL.md §6.1 states them, so that a
// change of the list is noticed.
func TestSet(t *testing.T) {
	got := map[string]string{}
	Set(func(k, v string) {
		if _, twice := got[k]; twice {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}, "default-src 'none'; img-src 'self'")
	want := map[string]string{
		"Content-Security-Policy":      "default-src 'none'; img-src 'self'",
		"Cache-Control":                "no-store",
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Cross-Origin-Opener-Policy":   "same-origin",
	}
	if !maps.Equal(got, want) {
		t.Errorf("headers %v, want %v", got, want)
	}
}
