package domain

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestParseAttachmentID checks the rule of the server's random ids, which
// attachment, upload and record ids share.
func TestParseAttachmentID(t *testing.T) {
	parsers := map[string]func(string) (fmt.Stringer, error){
		"attachment id": func(s string) (fmt.Stringer, error) { return ParseAttachmentID(s) },
		"upload id":     func(s string) (fmt.Stringer, error) { return ParseUploadID(s) },
		"record id":     func(s string) (fmt.Stringer, error) { return ParseRecordID(s) },
	}
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"q8Zx1Lq4Tt2aVb3Yc9D0eA", true},
		{"_-_-_-_-_-_-_-_-_-_-_w", true},
		{"AAAAAAAAAAAAAAAAAAAAAA", true},
		{"q8Zx1Lq4Tt2aVb3Yc9D0eB", false}, // stray bits: a second spelling
		{"q8Zx1Lq4Tt2aVb3Yc9D0e", false},
		{"q8Zx1Lq4Tt2aVb3Yc9D0eAA", false},
		{"q8Zx1Lq4Tt2aVb3Yc9D0eA==", false},
		{"/+/+/+/+/+/+/+/+/+/+/w", false}, // standard alphabet
		{"q8Zx1Lq4Tt2aVb3Yc9D0e\n", false},
		{"", false},
	} {
		for what, parse := range parsers {
			id, err := parse(c.in)
			var de *Error
			if (err == nil) != c.ok || err != nil && (!errors.As(err, &de) || de.Kind != what) {
				t.Errorf("%s %q: %v", what, c.in, err)
			}
			if c.ok && id.String() != c.in {
				t.Errorf("%s %q: String() = %q", what, c.in, id.String())
			}
		}
	}
	id, err := NewAttachmentID(bytes.NewReader(bytes.Repeat([]byte{0xab}, 16)))
	if err != nil || id.String() != "q6urq6urq6urq6urq6urqw" {
		t.Errorf("NewAttachmentID = %q, %v", id, err)
	}
	if _, err := NewAttachmentID(bytes.NewReader(nil)); err == nil {
		t.Error("NewAttachmentID without randomness")
	}
}
