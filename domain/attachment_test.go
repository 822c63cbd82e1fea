package domain

import (
	"bytes"
	"testing"
)

func TestParseAttachmentID(t *testing.T) {
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
		id, err := ParseAttachmentID(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseAttachmentID(%q): %v", c.in, err)
		}
		if c.ok && id.String() != c.in {
			t.Errorf("ParseAttachmentID(%q).String() = %q", c.in, id.String())
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
