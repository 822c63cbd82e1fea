package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"lotse/api/wire"
)

// decode reads a request body as the server does: unknown fields are an
// error, nothing may follow.
func decode(data string, v any) error {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// TestEncoding pins the JSON of every body to the form PROTOCOL.md §6
// gives, field names and order included: clients written from the
// protocol depend on it.
func TestEncoding(t *testing.T) {
	who := "anna"
	none := ""
	for _, tc := range []struct {
		v    any
		want string
	}{
		{wire.Team{3, "age1pq1x", "ab cd", true}, `{"epoch":3,"recipient":"age1pq1x","fingerprint":"ab cd","online":true}`},
		{wire.Pow{[]byte{1, 2, 3}, 6, "2026-01-01T00:00:00Z"}, `{"challenge":"AQID","difficulty":6,"expires":"2026-01-01T00:00:00Z"}`},
		{wire.NewMailbox{ID: "0f", Verifier: []byte{0xff}, Epoch: 1, Message: []byte("age")},
			`{"id":"0f","verifier":"/w==","epoch":1,"message":"YWdl"}`},
		{wire.NewMailbox{ID: "0f", Epoch: 1, Pow: &wire.PowSolution{[]byte{1}, []byte{2}}},
			`{"id":"0f","verifier":null,"epoch":1,"message":null,"pow":{"challenge":"AQ==","nonce":"Ag=="}}`},
		{wire.CreatedMailbox{1, "2027-02-26"}, `{"seq":1,"expires":"2027-02-26"}`},
		{wire.Mailbox{"0f", "new", "2026-01-01", "2027-01-01", []wire.Message{{1, "enquirer", []byte("x")}}, "main", nil},
			`{"id":"0f","status":"new","created":"2026-01-01","expires":"2027-01-01","messages":[{"seq":1,"from":"enquirer","ciphertext":"eA=="}],"org":"main","handover":null}`},
		{wire.Mailbox{"0f", "new", "2026-01-01", "2027-01-01", []wire.Message{}, "main", &wire.MailboxHandover{Org: "b"}},
			`{"id":"0f","status":"new","created":"2026-01-01","expires":"2027-01-01","messages":[],"org":"main","handover":{"org":"b"}}`},
		{wire.HandoverStart{Org: "b", Epoch: 1, Count: 3}, `{"org":"b","epoch":1,"count":3}`},
		{wire.HandoverUpload{Upload: "q8Zx1Lq4Tt2aVb3Yc9D0eA"}, `{"upload":"q8Zx1Lq4Tt2aVb3Yc9D0eA"}`},
		{wire.HandoverMessage{Ciphertext: []byte("x")}, `{"ciphertext":"eA=="}`},
		{wire.HandoverDone{Org: "b"}, `{"org":"b"}`},
		{wire.HandoverList{Handovers: []wire.Handover{{Case: "0f", Org: "b", State: wire.HandoverCompleted, Since: "2026-12-02T10:00:00Z"}}},
			`{"handovers":[{"case":"0f","org":"b","state":"completed","since":"2026-12-02T10:00:00Z"}]}`},
		{wire.NewMessage{Epoch: 2, Ciphertext: []byte("x")}, `{"epoch":2,"ciphertext":"eA=="}`},
		{wire.NewMessage{Epoch: 2, Ciphertext: []byte("x"), Attachments: []string{"q8Zx1Lq4Tt2aVb3Yc9D0eA"}},
			`{"epoch":2,"ciphertext":"eA==","attachments":["q8Zx1Lq4Tt2aVb3Yc9D0eA"]}`},
		{wire.UploadedAttachment{"q8Zx1Lq4Tt2aVb3Yc9D0eA"}, `{"id":"q8Zx1Lq4Tt2aVb3Yc9D0eA"}`},
		{wire.Posted{7}, `{"seq":7}`},
		{wire.ChallengeRequest{"anna"}, `{"counsellor":"anna"}`},
		{wire.Challenge{[]byte("c"), []byte("n"), "t"}, `{"challenge":"Yw==","nonce":"bg==","expires":"t"}`},
		{wire.SessionRequest{"anna", []byte("n"), []byte("r")}, `{"counsellor":"anna","nonce":"bg==","response":"cg=="}`},
		{wire.Session{"tok", "t"}, `{"token":"tok","expires":"t"}`},
		{wire.CaseList{Cases: []wire.Case{{ID: "0f", Status: "open", Created: "d", LastActivity: "h", Expires: "e", MessageCount: 2, AwaitingReply: true}}, Next: "c"},
			`{"cases":[{"id":"0f","status":"open","assignee":null,"created":"d","last_activity":"h","expires":"e","message_count":2,"awaiting_reply":true}],"next":"c"}`},
		{wire.CaseDetail{wire.Case{ID: "0f", Assignee: &who}, []wire.Message{}, []wire.Action{{"assigned", "ben", "anna", "h"}, {"closed", "anna", "", "h"}}},
			`{"id":"0f","status":"","assignee":"anna","created":"","last_activity":"","expires":"","message_count":0,"awaiting_reply":false,"messages":[],"actions":[{"action":"assigned","by":"ben","to":"anna","at":"h"},{"action":"closed","by":"anna","at":"h"}]}`},
		{wire.RecordList{[]wire.Record{{"AAAAAAAAAAAAAAAAAAAAAA", "note", "anna", "h", []byte("x")}}},
			`{"records":[{"id":"AAAAAAAAAAAAAAAAAAAAAA","kind":"note","author":"anna","created":"h","ciphertext":"eA=="}]}`},
		{wire.NewRecord{"tags", []byte("x")}, `{"kind":"tags","ciphertext":"eA=="}`},
		{wire.TeamRecordUpdate{[]byte("x")}, `{"ciphertext":"eA=="}`},
		{wire.RecordCreated{"i"}, `{"id":"i"}`},
		{wire.RecordEvent{"0f", "note"}, `{"id":"0f","kind":"note"}`},
		{wire.RecordEvent{Kind: "blocks"}, `{"kind":"blocks"}`},
		{wire.TombstoneList{[]wire.Tombstone{{"0f", "deleted", "anna", "h"}}}, `{"actions":[{"case":"0f","action":"deleted","by":"anna","at":"h"}]}`},
		{wire.CasePatch{}, `{}`},
		{wire.CasePatch{Status: "closed", Assignee: &who}, `{"assignee":"anna","status":"closed"}`},
		{wire.CasePatch{Assignee: &none}, `{"assignee":null}`},
		{wire.Keyring{1, "age1pq1x", []byte("e"), []string{"anna"}}, `{"epoch":1,"recipient":"age1pq1x","envelope":"ZQ==","members":["anna"]}`},
		{wire.KeyringUpdate{Epoch: 1, Recipient: "r", Envelope: []byte("e"), Members: []string{"a"}}, `{"epoch":1,"recipient":"r","envelope":"ZQ==","members":["a"]}`},
		{wire.KeyringUpdate{Epoch: 2, Recipient: "r", Envelope: []byte("e"), Members: []string{"a"}, Replaces: []byte{0}},
			`{"epoch":2,"recipient":"r","envelope":"ZQ==","members":["a"],"replaces":"AA=="}`},
		{wire.CounsellorList{[]wire.Counsellor{{"a", "Anna", "admin", "active", "r", "f"}}},
			`{"counsellors":[{"id":"a","name":"Anna","role":"admin","state":"active","recipient":"r","fingerprint":"f"}]}`},
		{wire.InviteRequest{"admin"}, `{"role":"admin"}`},
		{wire.Invite{"code", "t"}, `{"invite":"code","expires":"t"}`},
		{wire.Registration{Setup: "s", Name: "Anna", Recipient: "r"}, `{"setup":"s","name":"Anna","recipient":"r"}`},
		{wire.Registration{Invite: "i", Name: "Ben", Recipient: "r"}, `{"invite":"i","name":"Ben","recipient":"r"}`},
		{wire.Registered{"a", "active"}, `{"id":"a","state":"active"}`},
		{wire.Compaction{1, 2, 3, 4}, `{"purged":1,"bytes_before":2,"bytes_after":3,"duration_ms":4}`},
		{wire.ErrorBody{"stale_epoch", "the team key changed"}, `{"error":"stale_epoch","message":"the team key changed"}`},
		{wire.MessageEvent{5}, `{"seq":5}`},
		{wire.CaseEvent{"0f", 0}, `{"id":"0f","seq":0}`},
	} {
		b, err := json.Marshal(tc.v)
		if err != nil {
			t.Errorf("%T: %v", tc.v, err)
			continue
		}
		if string(b) != tc.want {
			t.Errorf("%T:\n got %s\nwant %s", tc.v, b, tc.want)
		}
		// Every body reads back as itself.
		back := reflect.New(reflect.TypeOf(tc.v))
		if err := decode(string(b), back.Interface()); err != nil {
			t.Errorf("%T: decode %s: %v", tc.v, b, err)
		} else if b2, _ := json.Marshal(back.Elem().Interface()); !bytes.Equal(b2, b) {
			t.Errorf("%T: round trip %s → %s", tc.v, b, b2)
		}
	}
}

func TestBytes(t *testing.T) {
	type body struct {
		B   wire.Bytes `json:"b"`
		Pow *struct {
			C wire.Bytes `json:"c"`
		} `json:"pow"`
	}
	for _, tc := range []struct {
		in    string
		want  []byte // nil with ok: left as it is
		field string // the field named by the error; "" for success
		value string // the error's JSON type
	}{
		{`{"b":"AQID"}`, []byte{1, 2, 3}, "", ""},
		{`{"b":""}`, []byte{}, "", ""},
		{`{"b":null}`, nil, "", ""},
		{`{}`, nil, "", ""},
		{`{"b":"\u0041QID"}`, []byte{1, 2, 3}, "", ""}, // escapes are JSON, not base64
		{`{"b":"AQI"}`, nil, "b", "string"},            // no padding
		{`{"b":"AQJ="}`, nil, "b", "string"},           // stray bits
		{`{"b":"_-8="}`, nil, "b", "string"},           // URL alphabet
		{`{"b":"AQ\nID"}`, nil, "b", "string"},         // a line break
		{`{"b":"AQ\r\nID"}`, nil, "b", "string"},
		{`{"b":"A Q=="}`, nil, "b", "string"},
		{`{"b":12}`, nil, "b", "number"},
		{`{"b":true}`, nil, "b", "bool"},
		{`{"b":[1]}`, nil, "b", "array"},
		{`{"b":{}}`, nil, "b", "object"},
		{`{"pow":{"c":"!"}}`, nil, "pow.c", "string"},
	} {
		var v body
		err := decode(tc.in, &v)
		if tc.field == "" {
			if err != nil || !reflect.DeepEqual([]byte(v.B), tc.want) {
				t.Errorf("%s: %v, %#v; want %#v", tc.in, err, v.B, tc.want)
			}
			continue
		}
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || te.Field != tc.field || te.Value != tc.value || te.Type != reflect.TypeFor[wire.Bytes]() {
			t.Errorf("%s: error %#v, want a type error of field %s, value %s", tc.in, err, tc.field, tc.value)
		}
	}
}

func TestPowSolutionIsLenient(t *testing.T) {
	for _, tc := range []struct {
		in        string
		challenge []byte
		nonce     []byte
		err       bool
	}{
		{`{"challenge":"AQ==","nonce":"Ag=="}`, []byte{1}, []byte{2}, false},
		{`{"challenge":"!","nonce":"Ag=="}`, nil, []byte{2}, false}, // refused later as a proof, not as JSON
		{`{"challenge":"AQ==","nonce":"AQ"}`, []byte{1}, nil, false},
		{`{}`, []byte{}, []byte{}, false},
		{`{"challenge":1}`, nil, nil, true},
		{`{"challenge":"AQ==","x":1}`, nil, nil, true},
		{`"x"`, nil, nil, true},
	} {
		var p wire.PowSolution
		err := decode(tc.in, &p)
		if (err != nil) != tc.err {
			t.Errorf("%s: error %v", tc.in, err)
			continue
		}
		if err == nil && (!reflect.DeepEqual([]byte(p.Challenge), tc.challenge) || !reflect.DeepEqual([]byte(p.Nonce), tc.nonce)) {
			t.Errorf("%s: %#v", tc.in, p)
		}
	}
	var m wire.NewMailbox
	var te *json.UnmarshalTypeError
	if err := decode(`{"pow":{"nonce":5}}`, &m); !errors.As(err, &te) || te.Field != "pow.nonce" {
		t.Errorf("a number as nonce: %v, want a type error of pow.nonce", err)
	}
	if err := decode(`{"pow":null}`, &m); err != nil || m.Pow != nil {
		t.Errorf("pow null: %v, %#v", err, m.Pow)
	}
}

func TestCasePatchDecoding(t *testing.T) {
	anna := "anna"
	for _, tc := range []struct {
		in    string
		want  wire.CasePatch
		field string // of the *FieldError; "" for success
	}{
		{`{}`, wire.CasePatch{}, ""},
		{`null`, wire.CasePatch{}, ""},
		{`{"status":"open"}`, wire.CasePatch{Status: "open"}, ""},
		{`{"status":"whatever"}`, wire.CasePatch{Status: "whatever"}, ""}, // the server checks the value
		{`{"assignee":"anna"}`, wire.CasePatch{Assignee: &anna}, ""},
		{`{"assignee":null}`, wire.CasePatch{Assignee: new(string)}, ""},
		{`{"status":""}`, wire.CasePatch{}, "status"},
		{`{"status":null}`, wire.CasePatch{}, "status"},
		{`{"status":1}`, wire.CasePatch{}, "status"},
		{`{"assignee":""}`, wire.CasePatch{}, "assignee"},
		{`{"assignee":7}`, wire.CasePatch{}, "assignee"},
		{`{"assignee":["a"]}`, wire.CasePatch{}, "assignee"},
	} {
		var p wire.CasePatch
		err := decode(tc.in, &p)
		if tc.field == "" {
			if err != nil || !reflect.DeepEqual(p, tc.want) {
				t.Errorf("%s: %v, %+v; want %+v", tc.in, err, p, tc.want)
			}
			continue
		}
		var fe *wire.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.HasPrefix(fe.Error(), tc.field+": want ") {
			t.Errorf("%s: error %v, want a FieldError of %s", tc.in, err, tc.field)
		}
	}
	for _, in := range []string{`{"x":1}`, `[]`, `"open"`} {
		var p wire.CasePatch
		var fe *wire.FieldError
		if err := decode(in, &p); err == nil || errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a JSON error", in, err)
		}
	}
}

func TestRegistrationSent(t *testing.T) {
	for _, tc := range []struct {
		in            string
		setup, invite bool
	}{
		{`{"setup":"tok","name":"A","recipient":"r"}`, true, false},
		{`{"invite":"code","name":"A","recipient":"r"}`, false, true},
		{`{"setup":"","name":"A","recipient":"r"}`, true, false}, // empty, but sent
		{`{"setup":"a","invite":"","name":"A","recipient":"r"}`, true, true},
		{`{"setup":null,"name":"A","recipient":"r"}`, false, false},
		{`{"name":"A","recipient":"r"}`, false, false},
	} {
		var r wire.Registration
		if err := decode(tc.in, &r); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if s, i := r.Sent(); s != tc.setup || i != tc.invite || r.Name != "A" || r.Recipient != "r" {
			t.Errorf("%s: Sent() = %v, %v (%+v)", tc.in, s, i, r)
		}
	}
	var r wire.Registration
	var te *json.UnmarshalTypeError
	if err := decode(`{"invite":5}`, &r); !errors.As(err, &te) || te.Field != "invite" {
		t.Errorf("invite 5: %v", err)
	}
	if err := decode(`{"name":"A","extra":1}`, &r); err == nil {
		t.Error("an unknown field was accepted")
	}
	built := wire.Registration{Invite: "code"}
	if s, i := built.Sent(); s || !i {
		t.Errorf("a Registration built in Go: Sent() = %v, %v", s, i)
	}
}
