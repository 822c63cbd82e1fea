package api

import (
	"testing"

	"lotse/api/wire"
)

// TestDecodeMessages checks the 400 texts that the wire types' decoders
// produce: they name the field, never the value, and read as the
// handlers' own checks do.
func TestDecodeMessages(t *testing.T) {
	for _, tc := range []struct {
		body string
		v    any
		want string
	}{
		{`{"id":"x","verifier":"!!!!"}`, &wire.NewMailbox{}, "verifier: not standard base64"},
		{`{"message":"YWdl\n"}`, &wire.NewMailbox{}, "message: not standard base64"},
		{`{"verifier":12}`, &wire.NewMailbox{}, `field "verifier" has the wrong type`},
		{`{"pow":{"challenge":5}}`, &wire.NewMailbox{}, `field "pow.challenge" has the wrong type`},
		{`{"pow":{"challenge":"secret","x":1}}`, &wire.NewMailbox{}, `unknown field "x"`},
		{`{"epoch":1,"ciphertext":"YWdl="}`, &wire.NewMessage{}, "ciphertext: not standard base64"},
		{`{"envelope":"-_-_"}`, &wire.KeyringUpdate{}, "envelope: not standard base64"},
		{`{"counsellor":"a","nonce":"AQ"}`, &wire.SessionRequest{}, "nonce: not standard base64"},
		{`{"status":7}`, &wire.CasePatch{}, "status: want open or closed"},
		{`{"assignee":""}`, &wire.CasePatch{}, "assignee: want a counsellor id or null"},
		{`{"invite":5}`, &wire.Registration{}, `field "invite" has the wrong type`},
		{`[1]`, &wire.Registration{}, "the body must be a JSON object"},
	} {
		err := decodeJSON([]byte(tc.body), tc.v)
		if err == nil {
			t.Errorf("%s: no error", tc.body)
			continue
		}
		e, ok := err.(*apiError)
		if !ok || e.code != "bad_request" || e.msg != tc.want {
			t.Errorf("%s: %v, want bad_request: %s", tc.body, err, tc.want)
		}
	}
}
