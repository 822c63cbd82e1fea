package snapshot

import (
	"reflect"
	"strings"
	"testing"

	"lotse/mailbox"
)

// TestRecordFields holds the record views the cross-checks decode to the
// allow-list: every JSON name they read is a field Schema lists for that
// record, so a renamed field cannot silently blind a check.
func TestRecordFields(t *testing.T) {
	seq := []byte{0, 0, 0, 0, 0, 0, 0, 1}
	for _, tc := range []struct {
		view   any
		path   []string
		key    []byte
		absent string // a field of the view that this record does not have
	}{
		{mailboxRecord{}, []string{"mailboxes"}, []byte(mailbox3), ""},
		{messageMeta{}, []string{"messages", mailbox3}, seq, ""},
		{counsellorRecord{}, []string{"counsellors"}, []byte("anna"), ""},
		{keyringRecord{}, []string{"keyring"}, []byte("current"), ""},
		{keyringRecord{}, []string{"keyring", "epochs"}, seq, "members"}, // absent, so empty
		{attachmentRecord{}, []string{"attachments"}, []byte(mailbox3 + "q8Zx1Lq4Tt2aVb3Yc9D0eA"), ""},
	} {
		nodes, ok := mailbox.Resolve(tc.path, tc.key, false)
		if !ok || nodes[len(nodes)-1].Kind != mailbox.KindRecord {
			t.Fatalf("%T: no record in Schema at %q", tc.view, tc.path)
		}
		fields := map[string]bool{}
		for _, f := range nodes[len(nodes)-1].Fields {
			fields[f.Name] = true
		}
		typ := reflect.TypeOf(tc.view)
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name != tc.absent && !fields[name] {
				t.Errorf("%s.%s reads %q, which Schema does not list for %q", typ.Name(), typ.Field(i).Name, name, tc.path)
			}
		}
	}
}
