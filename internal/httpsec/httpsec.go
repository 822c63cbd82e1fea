// Package httpsec is the one list of the security headers that every
// response of Lotse's two HTTP servers carries: mailboxd's (fiber) and the
// desk's (net/http). Each passes its header map's Set and its own
// Content-Security-Policy, so a header added here reaches both, and this
// package imports neither server's library.
package httpsec

// Set sets the security headers through set, with csp as the
// Content-Security-Policy.
func Set(set func(key, value string), csp string) {
	set("Content-Security-Policy", csp)
	set("Cache-Control", "no-store")
	set("X-Content-Type-Options", "nosniff")
	set("Referrer-Policy", "no-referrer")
	set("X-Frame-Options", "DENY")
	set("Cross-Origin-Resource-Policy", "same-origin")
	// A page that opened one of ours in a window keeps no handle on it:
	// it cannot see or navigate the enquirer's tab.
	set("Cross-Origin-Opener-Policy", "same-origin")
}
