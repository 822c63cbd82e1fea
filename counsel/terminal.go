package counsel

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"
)

// What counsel writes to a terminal (issue 11, docs/SECURITY.md "A
// hostile server"): nothing the server or an enquirer chose may reach the
// terminal as a control character. An escape sequence can hide the text
// after it (SGR 8), move the cursor to forge a line, or write the
// clipboard (OSC 52); a bidirectional override can make text read as other
// text; a bare CR overwrites a line. Values are cleaned where they are
// printed (oneLine, terminalText), and the streams themselves pass through
// safeWriter, so that a value someone forgets to clean is still harmless.

// bidiOverride reports the characters that reorder the text after them
// (embeddings, overrides, isolates and their ends).
func bidiOverride(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// bidiMark reports the invisible direction marks (LRM, RLM, ALM), which
// right-to-left text carries and a terminal does not need.
func bidiMark(r rune) bool { return r == '\u200e' || r == '\u200f' || r == '\u061c' }

// control reports C0, DEL, C1 and the line and paragraph separators.
func control(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029'
}

// oneLine keeps a value from the server, a document or the command line
// on one line: control characters become spaces, overrides and invalid
// UTF-8 become U+FFFD, direction marks are dropped.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case control(r):
			return ' '
		case bidiOverride(r) || r == utf8.RuneError:
			return '\uFFFD'
		case bidiMark(r):
			return -1
		}
		return r
	}, s)
}

// terminalText is a message body for a terminal: line breaks stay, a tab
// becomes spaces, every other control character and every override
// becomes U+FFFD, direction marks are dropped.
func terminalText(s string) string {
	s = strings.ReplaceAll(s, "\t", "    ")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case control(r) || bidiOverride(r) || r == utf8.RuneError:
			return '\uFFFD'
		case bidiMark(r):
			return -1
		}
		return r
	}, s)
}

// bodyIndent starts every line of a message body, so that no body line can
// pass for counsel's own "#seq  sender" lines.
const bodyIndent = "    "

// indentBody is terminalText with every line indented.
func indentBody(s string) string {
	return bodyIndent + strings.ReplaceAll(terminalText(s), "\n", "\n"+bodyIndent)
}

// safeWriter replaces, in everything written through it, the control
// characters a terminal acts on (all of C0 but newline and tab, DEL, and
// C1 in UTF-8) with U+FFFD.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	clean := true
	for i, c := range p {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f {
			clean = false
			break
		}
	}
	if clean {
		return s.w.Write(p)
	}
	var b bytes.Buffer
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c < 0x20 && c != '\n' && c != '\t' || c == 0x7f:
			b.WriteString("\uFFFD")
		case c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
			b.WriteString("\uFFFD")
			i++
		default:
			b.WriteByte(c)
		}
	}
	if _, err := s.w.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonForTerminal escapes, in encoded JSON, the characters encoding/json
// writes as they are but a terminal would act on or reorder: C1 controls
// and bidirectional overrides and marks. The JSON means the same.
func jsonForTerminal(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r >= 0x80 && r <= 0x9f || bidiOverride(r) || bidiMark(r) {
			out.WriteString(`\u`)
			const hex = "0123456789abcdef"
			out.Write([]byte{hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf]})
		} else {
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.Bytes()
}
