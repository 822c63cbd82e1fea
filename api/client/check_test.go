package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"filippo.io/age"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Anna", "Anna"},
		{"Anna Müller (Nord)", "Anna Müller (Nord)"},
		{"open\x1b[8m\n\n#1  Enquirer", "open[8m#1  Enquirer"},
		{"\x1b]52;c;ZXZpbA==\x07x", "]52;c;ZXZpbA==x"},
		{"abc\u202edcba\u2066x\u2069", "abcdcbax"},
		{"a\u200fb\u200bc\ufeffd\u00ade", "abcde"},
		{"line\rover", "lineover"},
		{"c1\u009b31m\u0085x", "c131mx"},
		{"bad\xffutf8\xc3", "badutf8"},
		{"x\u2028y\u2029z\x7f", "xyz"},
		{strings.Repeat("ä", MaxText), strings.Repeat("ä", MaxText)},
		{strings.Repeat("ä", MaxText+1), strings.Repeat("ä", MaxText) + "…"},
	} {
		got := Text(tc.in)
		if got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Text(%q) is not UTF-8", tc.in)
		}
	}
}

// TestHostileAnswers: a server's answer that breaks a rule is refused as
// a whole, and the error does not echo the value.
func TestHostileAnswers(t *testing.T) {
	ctx := context.Background()
	const id = "0123456789abcdef0123456789abcdef"
	good := `"id":"` + id + `","status":"open","created":"2026-01-01","expires":"2026-04-01","last_activity":"2026-01-01T10:00:00Z","message_count":1`
	key, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	rcpt := key.Recipient().String()
	member := `"id":"anna","name":"Anna","role":"admin","state":"active","recipient":"` + rcpt + `","fingerprint":"x"`
	const esc = `\u001b[8m`
	cases := func(c *Client) error { _, err := c.Cases(ctx, ""); return err }
	one := func(c *Client) error { _, err := c.Case(ctx, id, 0); return err }
	roster := func(c *Client) error { _, err := c.Counsellors(ctx); return err }
	team := func(c *Client) error { _, err := c.Team(ctx); return err }
	mbox := func(c *Client) error { _, err := c.Mailbox(ctx, 0); return err }
	box := `"id":"` + id + `","status":"open","created":"2026-01-01","expires":"2026-04-01","messages":[{"seq":1,"from":"enquirer","ciphertext":"AA=="}]`
	keyring := func(c *Client) error { _, err := c.GetKeyring(ctx); return err }
	runHostile(t, []hostileAnswer{
		{"case", `{"cases":[{` + good + `}]}`, cases, true},
		{"status with an escape", `{"cases":[{` + strings.Replace(good, `"open"`, `"open`+esc+`"`, 1) + `}]}`, cases, false},
		{"unknown status", `{"cases":[{` + strings.Replace(good, `"open"`, `"archived"`, 1) + `}]}`, cases, false},
		{"assignee with a newline", `{"cases":[{` + good + `,"assignee":"anna\n#2"}]}`, cases, false},
		{"last activity not a time", `{"cases":[{` + strings.Replace(good, `2026-01-01T10:00:00Z`, `yesterday`, 1) + `}]}`, cases, false},
		{"waiting since while awaiting a reply", `{"cases":[{` + good + `,"awaiting_reply":true,"waiting_since":"2026-01-01T09:00:00Z"}]}`, cases, true},
		{"waiting since without awaiting a reply", `{"cases":[{` + good + `,"waiting_since":"2026-01-01T09:00:00Z"}]}`, cases, false},
		{"waiting since not a time", `{"cases":[{` + good + `,"awaiting_reply":true,"waiting_since":"` + esc + `"}]}`, cases, false},
		{"last activity with a comma fraction", `{"cases":[{` + strings.Replace(good, `10:00:00Z`, `10:00:00,5Z`, 1) + `}]}`, cases, false},
		{"created not a date", `{"cases":[{` + strings.Replace(good, `"created":"2026-01-01"`, `"created":"2026-13-01"`, 1) + `}]}`, cases, false},
		{"case id upper case", `{"cases":[{` + strings.Replace(good, id, strings.ToUpper(id), 1) + `}]}`, cases, false},
		{"negative count", `{"cases":[{` + strings.Replace(good, `"message_count":1`, `"message_count":-1`, 1) + `}]}`, cases, false},
		{"thread", `{` + good + `,"messages":[{"seq":1,"from":"enquirer","ciphertext":"AA=="},{"seq":2,"from":"counsellor","ciphertext":"AA=="}]}`, one, true},
		{"seqs out of order", `{` + good + `,"messages":[{"seq":2,"from":"enquirer","ciphertext":"AA=="},{"seq":2,"from":"counsellor","ciphertext":"AA=="}]}`, one, false},
		{"unknown sender", `{` + good + `,"messages":[{"seq":1,"from":"server","ciphertext":"AA=="}]}`, one, false},
		{"roster", `{"counsellors":[{` + member + `}]}`, roster, true},
		{"role with an escape", `{"counsellors":[{` + strings.Replace(member, `"admin"`, `"admin`+esc+`"`, 1) + `}]}`, roster, false},
		{"unknown state", `{"counsellors":[{` + strings.Replace(member, `"active"`, `"gone"`, 1) + `}]}`, roster, false},
		{"counsellor id with a space", `{"counsellors":[{` + strings.Replace(member, `"anna"`, `"an na"`, 1) + `}]}`, roster, false},
		{"counsellor key malformed", `{"counsellors":[{` + strings.Replace(member, rcpt, "age1xyz", 1) + `}]}`, roster, false},
		{"team", `{"epoch":2,"recipient":"` + rcpt + `","fingerprint":"x"}`, team, true},
		{"team epoch 0", `{"epoch":0,"recipient":"` + rcpt + `"}`, team, false},
		{"team key malformed", `{"epoch":1,"recipient":"age1pq1` + esc + `"}`, team, false},
		{"case offered", `{"cases":[{` + good + `,"handover":{"org":"b","state":"offered","since":"2026-01-01T10:00:00Z"}}]}`, cases, true},
		{"case offered to a path", `{"cases":[{` + good + `,"handover":{"org":"../b","state":"offered","since":"2026-01-01T10:00:00Z"}}]}`, cases, false},
		{"case offered to no organisation", `{"cases":[{` + good + `,"handover":{"state":"declined","since":"2026-01-01T10:00:00Z"}}]}`, cases, false},
		{"case offer completed", `{"cases":[{` + good + `,"handover":{"org":"b","state":"completed","since":"2026-01-01T10:00:00Z"}}]}`, cases, false},
		{"case offer since not a time", `{"cases":[{` + good + `,"handover":{"org":"b","state":"offered","since":"` + esc + `"}}]}`, cases, false},
		{"case forwarded", `{` + good + `,"forwarded":{"date":"2026-01-01","count":1},"messages":[]}`, one, true},
		{"case forwarded on no date", `{` + good + `,"forwarded":{"date":"yesterday","count":1},"messages":[]}`, one, false},
		{"case forwarded with no message", `{` + good + `,"forwarded":{"date":"2026-01-01","count":0},"messages":[]}`, one, false},
		{"mailbox", `{` + box + `,"org":"main","handover":null}`, mbox, true},
		{"mailbox offered", `{` + box + `,"org":"main","handover":{"org":"b"}}`, mbox, true},
		{"mailbox without an organisation", `{` + box + `,"handover":null}`, mbox, false},
		{"mailbox organisation with an escape", `{` + box + `,"org":"main` + esc + `","handover":null}`, mbox, false},
		{"mailbox organisation upper case", `{` + box + `,"org":"Main","handover":null}`, mbox, false},
		{"mailbox offered to no organisation", `{` + box + `,"org":"main","handover":{}}`, mbox, false},
		{"mailbox offered to a path", `{` + box + `,"org":"main","handover":{"org":"../admin"}}`, mbox, false},
		{"mailbox offer not an object", `{` + box + `,"org":"main","handover":"b"}`, mbox, false},
		{"mailbox offer with a newline", `{` + box + `,"org":"main","handover":{"org":"b\n#2"}}`, mbox, false},
		{"mailbox seqs out of order", `{` + strings.Replace(box, `"seq":1`, `"seq":0`, 1) + `,"org":"main","handover":null}`, mbox, false},
		{"keyring", `{"epoch":2,"recipient":"` + rcpt + `","envelope":"AA==","members":["anna"]}`, keyring, true},
		{"keyring epoch 0", `{"epoch":0,"recipient":"` + rcpt + `","envelope":"AA==","members":["anna"]}`, keyring, false},
		{"keyring's team key malformed", `{"epoch":1,"recipient":"age1pq1` + esc + `","envelope":"AA==","members":["anna"]}`, keyring, false},
		{"keyring member id with a space", `{"epoch":1,"recipient":"` + rcpt + `","envelope":"AA==","members":["an na"]}`, keyring, false},
	})
}

// hostileAnswer is a server's answer that call must take (ok) or refuse.
type hostileAnswer struct {
	name   string
	answer string
	call   func(c *Client) error
	ok     bool
}

// runHostile serves each answer to its call: a refusal must not echo the
// value (an escape, a line break, a made-up enum).
func runHostile(t *testing.T, tests []hostileAnswer) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := recorder(t, 200, tc.answer)
			err := tc.call(c.WithToken("s"))
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatal("accepted")
			}
			if err != nil && (strings.ContainsAny(err.Error(), "\x1b\n") || strings.Contains(err.Error(), "archived") || strings.Contains(err.Error(), "yesterday")) {
				t.Errorf("the error echoes the value: %q", err)
			}
		})
	}
}

// TestHostileNamesCleaned: names pass through Text, and fingerprints are
// the client's own.
func TestHostileNamesCleaned(t *testing.T) {
	key, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	rcpt := key.Recipient().String()
	c, _ := recorder(t, 200, `{"counsellors":[{"id":"anna","name":"Anna\u001b]52;c;eA==\u0007\u202e","role":"admin","state":"active","recipient":"`+rcpt+`","fingerprint":"forged"}]}`)
	cs, err := c.Counsellors(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].Name != "Anna]52;c;eA==" {
		t.Errorf("name %q", cs[0].Name)
	}
	if cs[0].Fingerprint == "forged" || cs[0].Fingerprint == "" {
		t.Errorf("fingerprint %q, want the client's own", cs[0].Fingerprint)
	}
}

// TestHostileErrorBody: an error's code is kept only if it is a code, its
// message only as Text.
func TestHostileErrorBody(t *testing.T) {
	c, _ := recorder(t, 409, `{"error":"stale_epoch\u001b[2J","message":"no\u001b[8m\rforged"}`)
	_, err := c.Team(context.Background())
	var ae *Error
	if err == nil || !errors.As(err, &ae) {
		t.Fatalf("err %v", err)
	}
	if ae.Code != "" || ae.Message != "no[8mforged" {
		t.Errorf("code %q message %q", ae.Code, ae.Message)
	}
}
