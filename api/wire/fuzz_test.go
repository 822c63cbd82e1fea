package wire_test

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"lotse/api/wire"
)

// FuzzBytes demands that Bytes accepts exactly strict standard base64
// without line breaks, and that what it accepts encodes back to the very
// same string: one value, one encoding.
func FuzzBytes(f *testing.F) {
	for _, s := range []string{"", "AQID", "AQI", "AQJ=", "_-8=", "AQ\nID", "AQ==", "////", "A==="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		quoted, err := json.Marshal(s)
		if err != nil {
			return // not UTF-8: no JSON string
		}
		var b wire.Bytes
		err = b.UnmarshalJSON(quoted)
		want, werr := base64.StdEncoding.Strict().DecodeString(s)
		if strings.ContainsAny(s, "\r\n") {
			werr = base64.CorruptInputError(0)
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: Bytes says %v, strict base64 says %v", s, err, werr)
		}
		if err != nil {
			return
		}
		if string(b) != string(want) {
			t.Fatalf("%q: decoded %x, want %x", s, []byte(b), want)
		}
		back, err := json.Marshal(b)
		if err != nil || string(back) != string(quoted) {
			t.Fatalf("%q: encodes back as %s, %v", s, back, err)
		}
	})
}

// FuzzCasePatch demands that a patch the decoder accepts encodes to a
// body that decodes to the same patch.
func FuzzCasePatch(f *testing.F) {
	for _, s := range []string{`{}`, `{"status":"open"}`, `{"assignee":null}`, `{"assignee":"a","status":"closed"}`, `{"status":""}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var p wire.CasePatch
		if decode(s, &p) != nil {
			return
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q wire.CasePatch
		if err := decode(string(b), &q); err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("%s → %s → %+v, %v; want %+v", s, b, q, err, p)
		}
	})
}
