package counsel

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostileBodies are what an enquirer (or anyone holding the case's
// mailbox key) can write: escape sequences that hide text or forge a line
// of counsel's own, OSC 52, bidi overrides, a bare CR, C1 controls and a
// very long line.
var hostileBodies = []string{
	"Hallo\x1b[8m\n\n#9  Counsellor: Anna  2026-01-01T00:00:00Z\nforged",
	"copy \x1b]52;c;ZXZpbA==\x07 this",
	"abc\u202edcba\u2066x\u2069 \u200fRLM",
	"first\roverwritten\ttab",
	"c1 \u009b31m red \u0085 next",
	strings.Repeat("long line ", 3000),
}

// TestOutputNeverControls runs every command that prints something from
// the server or an enquirer, in both languages, as text and as JSON,
// against an honest server with hostile enquirer messages and against a
// proxy that puts escapes, overrides, CR, C1, long values and invalid
// UTF-8 into every string it sends. Nothing counsel writes may carry a
// control character but newline, and a message body's lines are indented.
func TestOutputNeverControls(t *testing.T) {
	tt := setUpTeam(t, true)
	srv, proxy, dir := tt.srv, tt.proxy, tt.dir
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte(testPassphrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	enq := newCase(t, ctx, srv.URL, hostileBodies[0])
	for _, b := range hostileBodies[1:] {
		if err := enq.write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// A file name the reader rules allow but a terminal would reorder.
	if err := enq.attach(ctx, "Anhang", attachHonest, []string{"rechnung\u202efdp.exe\u2066\u200f\u2028x"}, [][]byte{[]byte("MZ")}); err != nil {
		t.Fatal(err)
	}
	id := enq.keys.MailboxID

	run := func(lang, stdin string, args ...string) (string, string) {
		var out, errb bytes.Buffer
		args = append(args[:1:1], append([]string{"--config", dir, "--passphrase-file", pass}, args[1:]...)...)
		Main(args, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
			Getenv: func(string) string { return "" }, Lang: lang}, testOptions)
		return out.String(), errb.String()
	}
	commands := [][]string{
		{"cases"}, {"read", id}, {"read", id[:8]}, {"roster"}, {"fingerprint"},
		{"assign", id, "nobody0"}, {"close", id}, {"reopen", id}, {"approve", "--fingerprint", "x", "nobody0"},
		{"remove", "--yes", "nobody0"}, {"compact"}, {"reply", id},
	}
	header := regexp.MustCompile(`^#[0-9]+  `)
	for _, mode := range []string{proxyHonest, proxyHostileText, proxyHostile} {
		proxy.setMode(mode)
		for _, lang := range []string{"en", "de"} {
			for _, c := range commands {
				for _, asJSON := range []bool{false, true} {
					args := c
					if asJSON {
						args = append([]string{c[0], "--json"}, c[1:]...)
					}
					name := mode + "/" + lang + "/" + strings.Join(args, " ")
					stdout, stderr := run(lang, "Antwort\x1b[2J", args...)
					for stream, text := range map[string]string{"stdout": stdout, "stderr": stderr} {
						if r, ok := unsafeRune(text); ok {
							t.Errorf("%s: %s carries %U", name, stream, r)
						}
					}
					if c[0] == "cases" && lang == "en" && mode == proxyHostile && !strings.Contains(stderr, "the server's answer breaks the protocol") {
						t.Errorf("%s: a malformed answer is not named as such: %q", name, stderr)
					}
					if c[0] == "read" && !asJSON && mode == proxyHonest {
						n := 0
						for _, l := range strings.Split(stdout, "\n") {
							if header.MatchString(l) {
								n++
							}
						}
						// Replies sent by earlier rounds add to the thread.
						if n < len(hostileBodies) || n != strings.Count(stdout, "\n#") {
							t.Errorf("%s: %d message lines, want one per message", name, n)
						}
						if !strings.Contains(stdout, "\n    forged") || !strings.Contains(stdout, "    Hallo\uFFFD[8m") ||
							!strings.Contains(stdout, ": rechnung\uFFFDfdp.exe\uFFFD x · text/plain · 2 B · ") {
							t.Errorf("%s: bodies not shown indented and neutralised:\n%.500s", name, stdout)
						}
					}
				}
			}
		}
	}
}

// unsafeRune returns the first character of s that a terminal would act
// on or that reorders text, or invalid UTF-8.
func unsafeRune(s string) (rune, bool) {
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			return r, true
		}
		if r < 0x20 && r != '\n' || control(r) && r != '\n' || bidiOverride(r) || bidiMark(r) {
			return r, true
		}
	}
	return 0, false
}

// TestTerminalSinks: the last line of defence, for a value nobody
// cleaned: the streams and the JSON encoder.
func TestTerminalSinks(t *testing.T) {
	var b bytes.Buffer
	w := safeWriter{&b}
	in := "ok\n\x1b]52;c;eA==\x07 \u009b2J \r\x7f\ttab"
	n, err := w.Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("wrote %d, %v", n, err)
	}
	if got, want := b.String(), "ok\n\uFFFD]52;c;eA==\uFFFD \uFFFD2J \uFFFD\uFFFD\ttab"; got != want {
		t.Errorf("safeWriter: %q, want %q", got, want)
	}
	if got, want := string(jsonForTerminal([]byte("{\"a\":\"x\u009by\u202ez\u200f\"}"))), `{"a":"x\u009by\u202ez\u200f"}`; got != want {
		t.Errorf("jsonForTerminal: %s, want %s", got, want)
	}
}

// TestTerminalText: a value from the server or an enquirer as counsel
// prints it, as text (lines and tabs kept) or on one line.
func TestTerminalText(t *testing.T) {
	for _, tc := range []struct {
		name     string
		f        func(string) string
		in, want string
	}{
		{"terminalText", terminalText, "Hallo\nWelt\tja", "Hallo\nWelt    ja"},
		{"terminalText", terminalText, "\x1b]52;c;ZXZpbA==\x07x", "\uFFFD]52;c;ZXZpbA==\uFFFDx"},
		{"terminalText", terminalText, "a\x1b[2Jb\rc\u009bd", "a\uFFFD[2Jb\uFFFDc\uFFFDd"},
		{"terminalText", terminalText, "Grüße 🙏 <b>kein HTML</b>", "Grüße 🙏 <b>kein HTML</b>"},
		{"oneLine", oneLine, "Anna\x1b[8m\nforged", "Anna [8m forged"},
		{"oneLine", oneLine, "a\u202eb\u2066c\u200fd", "a\uFFFDb\uFFFDcd"},
		{"oneLine", oneLine, "bad\xffutf8", "bad\uFFFDutf8"},
		{"oneLine", oneLine, "c1\u0085x\u2028y", "c1 x y"},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
