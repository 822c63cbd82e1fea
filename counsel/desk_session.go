package counsel

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// The desk's address is good for one page load. counsel prints (and opens)
// http://127.0.0.1:port/#o=OPEN, where OPEN is a one-time token; the page
// takes it from the fragment, replaces the address with "/" at once
// (history.replaceState) and trades it (POST /api/open) for a page secret
// that it keeps in this tab's sessionStorage and sends in X-Lotse-Desk.
// The token is spent by that trade, so the address in the history, or
// copied into another browser profile, opens nothing. A page secret lives
// as long as its page: while the page holds the event stream open or asks
// something, and for pageGrace after (a reload is the same page). When no
// page has been there for pageGrace, the desk locks; a new window needs a
// fresh address from counsel (Enter in its terminal).

const (
	openTokenLife = 30 * time.Minute // an address printed but not yet opened
	maxOpenTokens = 16
	maxPages      = 32
	pageGrace     = time.Minute
)

type openToken struct {
	token   string
	expires time.Time
}

// deskPage is one page load's session.
type deskPage struct {
	secret  string
	streams int       // open event streams
	seen    time.Time // its last request, or when its last stream closed
}

type pageKey struct{}

// newToken is 32 random bytes in base64url.
func newToken() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// OpenURL mints a one-time address of the running desk.
func (d *Desk) OpenURL() string {
	tok := newToken()
	d.mu.Lock()
	now := time.Now()
	d.opens = append(d.opens, openToken{token: tok, expires: now.Add(openTokenLife)})
	if len(d.opens) > maxOpenTokens {
		d.opens = d.opens[len(d.opens)-maxOpenTokens:]
	}
	base := d.base
	d.mu.Unlock()
	return fmt.Sprintf("%s/#o=%s", base, tok)
}

// spendOpen reports whether tok is an unspent, unexpired one-time token,
// and spends it.
func (d *Desk) spendOpen(tok string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	found := -1
	for i, o := range d.opens {
		// Every entry is compared, so the time does not tell which matched.
		if subtle.ConstantTimeCompare([]byte(o.token), []byte(tok)) == 1 && now.Before(o.expires) {
			found = i
		}
	}
	if found < 0 {
		return false
	}
	d.opens = append(d.opens[:found], d.opens[found+1:]...)
	return true
}

// newPage starts a page session and returns its secret; beyond maxPages,
// the page asked of longest ago ends.
func (d *Desk) newPage() string {
	p := &deskPage{secret: newToken(), seen: time.Now()}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pages) >= maxPages {
		var oldest *deskPage
		for _, q := range d.pages {
			if q.streams == 0 && (oldest == nil || q.seen.Before(oldest.seen)) {
				oldest = q
			}
		}
		if oldest != nil {
			delete(d.pages, oldest.secret)
		}
	}
	d.pages[p.secret] = p
	return p.secret
}

// pageOf finds the live page whose secret is tok and counts the request
// as a sign of life.
func (d *Desk) pageOf(tok string) *deskPage {
	d.mu.Lock()
	defer d.mu.Unlock()
	var found *deskPage
	for s, p := range d.pages {
		if subtle.ConstantTimeCompare([]byte(s), []byte(tok)) == 1 {
			found = p
		}
	}
	if found == nil || !d.alive(found, time.Now()) {
		return nil
	}
	found.seen = time.Now()
	return found
}

// alive: under mu.
func (d *Desk) alive(p *deskPage, now time.Time) bool {
	return p.streams > 0 || now.Sub(p.seen) < d.pageGrace
}

// streamOpened and streamClosed count a page's event streams.
func (d *Desk) streamOpened(p *deskPage) {
	d.mu.Lock()
	p.streams++
	d.mu.Unlock()
}

func (d *Desk) streamClosed(p *deskPage) {
	d.mu.Lock()
	p.streams--
	p.seen = time.Now()
	d.mu.Unlock()
}

// pagesGone ends the sessions of pages gone for pageGrace and reports
// whether the desk is unlocked with no page left: then it locks.
func (d *Desk) pagesGone(now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	last := d.unlockedAt
	for s, p := range d.pages {
		if p.streams > 0 {
			return false
		}
		if p.seen.After(last) {
			last = p.seen
		}
		if !d.alive(p, now) {
			delete(d.pages, s)
		}
	}
	for i := 0; i < len(d.opens); {
		if now.After(d.opens[i].expires) {
			d.opens = append(d.opens[:i], d.opens[i+1:]...)
			continue
		}
		i++
	}
	return d.sess != nil && now.Sub(last) >= d.pageGrace
}

// postOpen trades a one-time token for a page secret.
func (d *Desk) postOpen(w http.ResponseWriter, r *http.Request) {
	var req openRequest
	if err := readBody(r, &req); err != nil || len(req.Open) != 43 {
		writeErr(w, http.StatusBadRequest, "bad_request", errorf(mErrDeskBadOpen))
		return
	}
	if !d.spendOpen(req.Open) {
		writeErr(w, http.StatusUnauthorized, "token", errorf(mErrDeskAddressSpent))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"secret": d.newPage()})
}

// withPage carries the request's page to handlers that need it.
func withPage(r *http.Request, p *deskPage) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), pageKey{}, p))
}

func pageFrom(r *http.Request) *deskPage {
	p, _ := r.Context().Value(pageKey{}).(*deskPage)
	return p
}
