package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// corpusFile is testdata/documents-v1.json: crafted message documents with
// the verdict every reader must reach. The web client's tests read the same
// file (webclient/test/corpus.test.ts), so the two readers cannot drift.
type corpusFile struct {
	Comment string       `json:"comment"`
	Base    string       `json:"base"`
	Mailbox string       `json:"mailbox"`
	MK      string       `json:"mk"`
	From    string       `json:"from"`
	Cases   []corpusCase `json:"cases"`
}

type corpusCase struct {
	Name       string             `json:"name"`
	Text       *string            `json:"text"`
	Replace    [][2]string        `json:"replace"`
	Expand     map[string][2]any  `json:"expand"` // marker: [string, count]
	HexReplace [][]string         `json:"hex_replace"`
	Size       *int               `json:"size"`
	Pad        *string            `json:"pad"`
	Expect     map[string]*string `json:"expect"`
	Verdict    string             `json:"verdict"`
	Reason     string             `json:"reason"`
	Doc        map[string]any     `json:"doc"` // strings; v a float64
}

func readCorpus(t testing.TB) *corpusFile {
	t.Helper()
	var c corpusFile
	readJSON(t, "documents-v1.json", &c)
	if len(c.Cases) < 200 {
		t.Fatalf("the corpus has %d cases", len(c.Cases))
	}
	return &c
}

// plaintext builds a case's bytes as the corpus's comment says.
func (c *corpusFile) plaintext(k *corpusCase) ([]byte, error) {
	text := c.Base
	if k.Text != nil {
		text = *k.Text
	}
	for _, r := range k.Replace {
		if !strings.Contains(text, r[0]) {
			return nil, fmt.Errorf("replace: %q not found", r[0])
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	for marker, rep := range k.Expand {
		s, ok1 := rep[0].(string)
		n, ok2 := rep[1].(float64)
		if !ok1 || !ok2 || !strings.Contains(text, marker) {
			return nil, fmt.Errorf("expand %q: malformed or not found", marker)
		}
		text = strings.ReplaceAll(text, marker, strings.Repeat(s, int(n)))
	}
	b := []byte(text)
	size := 1024
	if k.Size != nil {
		size = *k.Size
	}
	pad := byte(' ')
	if k.Pad != nil {
		if len(*k.Pad) != 1 {
			return nil, errors.New("pad: want one byte")
		}
		pad = (*k.Pad)[0]
	}
	if len(b) > size {
		return nil, fmt.Errorf("%d bytes do not fit in %d", len(b), size)
	}
	b = append(b, bytes.Repeat([]byte{pad}, size-len(b))...)
	for _, h := range k.HexReplace {
		old, err1 := hex.DecodeString(h[0])
		new, err2 := hex.DecodeString(h[1])
		i := bytes.Index(b, old)
		if len(h) > 2 && h[2] == "last" {
			i = bytes.LastIndex(b, old)
		}
		if err1 != nil || err2 != nil || i < 0 || len(old) != len(new) {
			return nil, fmt.Errorf("hex_replace %q: malformed, not found or of another length", h[0])
		}
		copy(b[i:], new)
	}
	return b, nil
}

// expect is what the reader of a case knows.
func (c *corpusFile) expect(k *corpusCase) (Expect, error) {
	want := Expect{Mailbox: c.Mailbox, From: c.From}
	mk := &c.MK
	for key, v := range k.Expect {
		switch {
		case key == "mk":
			mk = v
		case key == "mailbox" && v != nil:
			want.Mailbox = *v
		case key == "from" && v != nil:
			want.From = *v
		default:
			return want, fmt.Errorf("expect: unknown %q", key)
		}
	}
	if mk != nil {
		b, err := base64.StdEncoding.DecodeString(*mk)
		if err != nil {
			return want, err
		}
		want.MK = b
	}
	return want, nil
}

// documentFields is a read document as the corpus states it; fields that
// were dropped are empty strings.
func documentFields(d *Document) map[string]any {
	return map[string]any{
		"v": float64(d.V), "type": d.Type, "mailbox": d.Mailbox, "id": d.ID, "mk": d.MK, "from": d.From,
		"name": d.Name, "sent": d.Sent, "lang": d.Lang, "body": d.Body, "role": d.Role, "recipient": d.Recipient,
		"attachments": attachmentFields(d.Attachments), "handover": handoverFields(d.Handover),
	}
}

// handoverFields is the handover as JSON decodes it into any, nil if none.
func handoverFields(h *Handover) any {
	if h == nil {
		return nil
	}
	return map[string]any{"org": h.Org, "name": h.Name, "epoch": float64(h.Epoch), "recipient": h.Recipient, "note": h.Note}
}

// attachmentFields is the attachments as JSON decodes them into any, so
// that they compare with the corpus and the TypeScript reader's answer.
func attachmentFields(as []Attachment) []any {
	out := []any{}
	for _, a := range as {
		out = append(out, map[string]any{"id": a.ID, "name": a.Name, "type": a.Type, "size": float64(a.Size), "sha256": a.SHA256})
	}
	return out
}

// verdict is one reader's answer: "accept" or the reason of the reject.
func verdict(d *Document, err error) string {
	var re *RejectError
	switch {
	case err == nil && d != nil:
		return "accept"
	case errors.As(err, &re):
		return re.Reason
	}
	return fmt.Sprintf("not a RejectError: %v", err)
}

// TestCorpus runs every crafted document through CheckDocument.
func TestCorpus(t *testing.T) {
	c := readCorpus(t)
	accepted := 0
	for i := range c.Cases {
		k := &c.Cases[i]
		t.Run(k.Name, func(t *testing.T) {
			pt, err := c.plaintext(k)
			if err != nil {
				t.Fatalf("corpus: %v", err)
			}
			want, err := c.expect(k)
			if err != nil {
				t.Fatalf("corpus: %v", err)
			}
			d, err := CheckDocument(pt, want)
			got := verdict(d, err)
			switch k.Verdict {
			case "accept":
				if got != "accept" {
					t.Fatalf("rejected: %s", got)
				}
				accepted++
				fields := documentFields(d)
				for f, v := range k.Doc {
					if !reflect.DeepEqual(fields[f], v) {
						t.Errorf("%s = %q, want %q", f, fields[f], v)
					}
				}
			case "reject":
				if got != k.Reason {
					t.Errorf("verdict %q, want reject with %q", got, k.Reason)
				}
				if err != nil && (strings.Contains(err.Error(), "Hallo") || strings.Contains(err.Error(), c.MK[:12])) {
					t.Errorf("error %q shows content", err)
				}
			default:
				t.Fatalf("corpus: verdict %q", k.Verdict)
			}
		})
	}
	if accepted < 40 {
		t.Errorf("only %d accepted cases", accepted)
	}
}
