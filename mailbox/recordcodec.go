package mailbox

import (
	"bytes"
	"encoding/base64"
	"strconv"
)

// decodeMailboxRecord decodes a mailbox record. Every message submission
// reads its mailbox's record three times (login, hourly cap, the write
// itself, the last in the one committer goroutine), and encoding/json's
// reflection was a tenth of mailboxd's CPU under load. This reads the
// exact form json.Marshal writes, fields in struct order, and hands
// anything else to encoding/json, so it changes speed, never a result.
func decodeMailboxRecord(data []byte, rec *mailboxRecord) error {
	if fastMailboxRecord(data, rec) {
		return nil
	}
	*rec = mailboxRecord{}
	return decodeJSON(data, rec)
}

func fastMailboxRecord(data []byte, rec *mailboxRecord) bool {
	p := recordScan{b: data}
	var r mailboxRecord
	var s []byte
	var ok bool
	if !p.lit(`{"verifier":`) {
		return false
	}
	if s, ok = p.str(); !ok {
		return false
	}
	r.Verifier = make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Strict().Decode(r.Verifier, s)
	if err != nil {
		return false
	}
	r.Verifier = r.Verifier[:n]
	if !p.lit(`,"status":`) {
		return false
	}
	if r.Status, ok = p.text(); !ok || !p.lit(`,"assignee":`) {
		return false
	}
	if !p.lit("null") {
		a, ok := p.text()
		if !ok {
			return false
		}
		r.Assignee = &a
	}
	if !p.lit(`,"created":`) {
		return false
	}
	if r.Created, ok = p.text(); !ok || !p.lit(`,"last_activity":`) {
		return false
	}
	if r.LastActivity, ok = p.text(); !ok || !p.lit(`,"message_count":`) {
		return false
	}
	var count, bytes, hourCount int64
	if count, ok = p.int(); !ok || !p.lit(`,"bytes":`) {
		return false
	}
	if bytes, ok = p.int(); !ok || !p.lit(`,"awaiting_reply":`) {
		return false
	}
	switch {
	case p.lit("true"):
		r.AwaitingReply = true
	case p.lit("false"):
	default:
		return false
	}
	if !p.lit(`,"hour_start":`) {
		return false
	}
	if r.HourStart, ok = p.text(); !ok || !p.lit(`,"hour_count":`) {
		return false
	}
	if hourCount, ok = p.int(); !ok || !p.lit("}") || p.i != len(p.b) {
		return false
	}
	if int64(int(count)) != count || int64(int(hourCount)) != hourCount {
		return false
	}
	r.MessageCount, r.Bytes, r.HourCount = int(count), bytes, int(hourCount)
	*rec = r
	return true
}

// recordScan reads the compact JSON that json.Marshal writes for records.
type recordScan struct {
	b []byte
	i int
}

func (p *recordScan) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// str reads a string of printable ASCII without escapes.
func (p *recordScan) str() ([]byte, bool) {
	if !p.lit(`"`) {
		return nil, false
	}
	n := bytes.IndexByte(p.b[p.i:], '"')
	if n < 0 {
		return nil, false
	}
	s := p.b[p.i : p.i+n]
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return nil, false
		}
	}
	p.i += n + 1
	return s, true
}

func (p *recordScan) text() (string, bool) {
	s, ok := p.str()
	return string(s), ok
}

// int reads an integer as json.Marshal writes it: optional minus, no
// leading zero, at most 18 digits.
func (p *recordScan) int() (int64, bool) {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
	}
	if n := p.i - digits; n == 0 || n > 18 || n > 1 && p.b[digits] == '0' {
		return 0, false
	}
	v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	return v, err == nil
}
