package api

import (
	"bytes"
	"encoding/base64"
	"sync"
)

// The hot path of message submission.
//
// A message body is {"epoch":N,"ciphertext":"<base64>"} with about 7 KB of
// base64. encoding/json scans it twice, unquotes it into a string and then
// base64 decodes that into a second copy. fastPostMessage reads the common,
// well-formed form in one pass and decodes the base64 straight from the
// request into a pooled buffer. It accepts only a strict subset of what
// decodeJSON accepts and returns ok=false for anything else (other
// spelling or order of keys than below, escapes, unusual numbers, a bad
// value), so that the general decoder then answers with its usual result
// or error: the fast path changes speed, never an outcome.

// ctBufs holds ciphertext buffers between requests. A buffer returns to
// the pool only after the store has answered, when nothing refers to it.
var ctBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledCiphertext bounds the buffers kept: larger ones (rare) are left
// to the garbage collector rather than pinned in the pool.
const maxPooledCiphertext = 16 << 10

// fastPostMessage parses body if it is a plain {"epoch":…,"ciphertext":…}
// object (either order, JSON white space anywhere) whose epoch is a
// positive integer of at most 9 digits and whose ciphertext is non-empty
// strict standard base64. The ciphertext is decoded into a pooled buffer;
// release returns it to the pool and must be called once the ciphertext
// is no longer used.
func fastPostMessage(body []byte) (epoch int, ct []byte, release func(), ok bool) {
	p := jsonScan{b: body}
	if !p.ws() || !p.byte('{') {
		return 0, nil, nil, false
	}
	var enc []byte
	haveEpoch, haveCT := false, false
	for i := 0; i < 2; i++ {
		if i > 0 && !(p.ws() && p.byte(',')) {
			return 0, nil, nil, false
		}
		p.ws()
		key, ok := p.plainString()
		if !ok || !(p.ws() && p.byte(':')) {
			return 0, nil, nil, false
		}
		p.ws()
		switch string(key) {
		case "epoch":
			if haveEpoch {
				return 0, nil, nil, false
			}
			if epoch, ok = p.smallPositive(); !ok {
				return 0, nil, nil, false
			}
			haveEpoch = true
		case "ciphertext":
			if haveCT {
				return 0, nil, nil, false
			}
			if enc, ok = p.base64String(); !ok || len(enc) == 0 {
				return 0, nil, nil, false
			}
			haveCT = true
		default:
			return 0, nil, nil, false
		}
	}
	p.ws()
	if !p.byte('}') {
		return 0, nil, nil, false
	}
	p.ws()
	if p.i != len(p.b) {
		return 0, nil, nil, false
	}
	n := base64.StdEncoding.DecodedLen(len(enc))
	bp := ctBufs.Get().(*[]byte)
	if cap(*bp) < n {
		*bp = make([]byte, n)
	}
	buf := (*bp)[:n]
	m, err := base64.StdEncoding.Strict().Decode(buf, enc)
	release = func() {
		if cap(*bp) <= maxPooledCiphertext {
			ctBufs.Put(bp)
		}
	}
	if err != nil || m == 0 {
		release()
		return 0, nil, nil, false
	}
	return epoch, buf[:m], release, true
}

// jsonScan reads the few JSON forms fastPostMessage accepts.
type jsonScan struct {
	b []byte
	i int
}

// ws skips JSON white space; it always succeeds.
func (p *jsonScan) ws() bool {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return true
		}
	}
	return true
}

func (p *jsonScan) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// plainString reads a string without escapes or control characters and
// returns its contents (a slice of the body).
func (p *jsonScan) plainString() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			return s, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// base64String reads a string that is meant to hold base64 and returns its
// contents without checking them: the caller decodes them with a strict
// decoder, which refuses every byte outside the alphabet but CR and LF, so
// this refuses those two. A backslash (an escape) ends up in the contents
// and makes the decoding fail. The scan uses IndexByte, many bytes at a
// time: on a 7 KB body a byte-by-byte loop costs more than the decoding.
func (p *jsonScan) base64String() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	n := bytes.IndexByte(p.b[p.i:], '"')
	if n < 0 {
		return nil, false
	}
	s := p.b[p.i : p.i+n]
	if bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
		return nil, false
	}
	p.i += n + 1
	return s, true
}

// smallPositive reads an integer in [1, 999999999] without sign, leading
// zero, fraction or exponent.
func (p *jsonScan) smallPositive() (int, bool) {
	start, n := p.i, 0
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' && p.i-start < 10 {
		n = n*10 + int(p.b[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 9 || p.b[start] == '0' {
		return 0, false
	}
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	return n, true
}
