package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"filippo.io/age"
)

// attachmentVectors is testdata/attachment-v1.json: one attachment sealed
// with SealAttachment to a team and an enquirer identity, and the verdict
// a reader must reach on it and on mutations of it (PROTOCOL.md §10.1), for
// the web client's reader to run too. LOTSE_WRITE_VECTORS=1 writes it anew
// (with fresh randomness, so only when the format changes).
type attachmentVectors struct {
	Comment    string             `json:"comment"`
	Identity   string             `json:"identity"`
	Recipients []string           `json:"recipients"`
	File       string             `json:"file_base64"`
	Size       int                `json:"size"`
	SHA256     string             `json:"sha256"`
	Ciphertext string             `json:"ciphertext_base64"`
	Dirty      string             `json:"dirty_padding_ciphertext_base64"`
	Cases      []attachmentVector `json:"cases"`
}

type attachmentVector struct {
	Name    string  `json:"name"`
	Dirty   bool    `json:"dirty,omitempty"` // the ciphertext with non-zero padding
	Cut     int     `json:"cut,omitempty"`   // keep only the first cut bytes
	Flip    int     `json:"flip,omitempty"`  // XOR 1 into the byte at this offset
	Append  int     `json:"append,omitempty"`
	Size    *int    `json:"size,omitempty"`   // instead of the file's
	SHA256  *string `json:"sha256,omitempty"` // instead of the file's
	Verdict string  `json:"verdict"`          // ok, truncated, tampered, mismatch
}

const attachmentVectorFile = "testdata/attachment-v1.json"

func writeAttachmentVectors(t *testing.T) {
	seed := func(b byte) *age.HybridIdentity {
		id, err := IdentityFromSeed(bytes.Repeat([]byte{b}, 32))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	team, enquirer := seed(0x7e), seed(0x3e)
	file := []byte(strings.Repeat("Lohnabrechnung November: 0,00 EUR. ", 40))
	ct, err := SealAttachment(file, team.Recipient(), enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	dirty := append(bytes.Clone(file), make([]byte, 64<<10-len(file))...)
	dirty[len(dirty)-1] = 1
	dirtyCT := mustEncrypt(t, dirty, team.Recipient(), enquirer.Recipient())
	sum := sha256.Sum256(file)
	other := sha256.Sum256([]byte("another file"))
	otherSum := base64.StdEncoding.EncodeToString(other[:])
	one, big, over := len(file)-1, 64<<10+1, 8<<20+1
	b64 := base64.StdEncoding.EncodeToString
	v := attachmentVectors{
		Comment: "One attachment (PROTOCOL.md §10.1) sealed by Go's crypto.SealAttachment to two hybrid recipients; identity reads it. " +
			"Each case mutates the ciphertext (cut: keep the first N bytes; flip: XOR 1 into byte N; append: N zero bytes; dirty: the ciphertext whose padding is not zero) " +
			"or the reference (size, sha256) and gives the verdict every reader must reach: ok, truncated, tampered or mismatch. Go: crypto/attachment_vectors_test.go.",
		Identity:   enquirer.String(),
		Recipients: []string{team.Recipient().String(), enquirer.Recipient().String()},
		File:       b64(file), Size: len(file), SHA256: b64(sum[:]),
		Ciphertext: b64(ct), Dirty: b64(dirtyCT),
		Cases: []attachmentVector{
			{Name: "as sealed", Verdict: "ok"},
			{Name: "cut by one byte", Cut: len(ct) - 1, Verdict: "truncated"},
			{Name: "cut in the header", Cut: 2000, Verdict: "truncated"},
			{Name: "cut to the nonce", Cut: headerLen(2) + 16, Verdict: "truncated"},
			{Name: "a payload byte flipped", Flip: len(ct) - 100, Verdict: "tampered"},
			{Name: "a header byte flipped", Flip: 30, Verdict: "tampered"},
			{Name: "the mac flipped", Flip: headerLen(2) - 5, Verdict: "tampered"},
			{Name: "a byte appended", Append: 1, Verdict: "tampered"},
			{Name: "padding not zero", Dirty: true, Verdict: "tampered"},
			{Name: "size one less", Size: &one, Verdict: "mismatch"},
			{Name: "size past the bucket", Size: &big, Verdict: "truncated"},
			{Name: "size past 8 MiB", Size: &over, Verdict: "mismatch"},
			{Name: "another file's sha256", SHA256: &otherSum, Verdict: "mismatch"},
		},
	}
	out, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(attachmentVectorFile, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAttachmentVectors(t *testing.T) {
	if os.Getenv("LOTSE_WRITE_VECTORS") == "1" {
		writeAttachmentVectors(t)
	}
	var v attachmentVectors
	readJSON(t, "attachment-v1.json", &v)
	id, err := age.ParseHybridIdentity(v.Identity)
	if err != nil {
		t.Fatal(err)
	}
	dec := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	file, ct, dirty := dec(v.File), dec(v.Ciphertext), dec(v.Dirty)
	if len(v.Cases) < 10 || len(file) != v.Size {
		t.Fatalf("%d cases, file of %d bytes for size %d", len(v.Cases), len(file), v.Size)
	}
	verdicts := map[string]int{}
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			b := bytes.Clone(ct)
			if c.Dirty {
				b = bytes.Clone(dirty)
			}
			if c.Cut > 0 {
				b = b[:c.Cut]
			}
			if c.Flip > 0 {
				b[c.Flip] ^= 1
			}
			b = append(b, make([]byte, c.Append)...)
			size, sum := v.Size, dec(v.SHA256)
			if c.Size != nil {
				size = *c.Size
			}
			if c.SHA256 != nil {
				sum = dec(*c.SHA256)
			}
			got, err := OpenAttachment(b, id, size, sum)
			verdict := "ok"
			switch {
			case errors.Is(err, ErrAttachmentTruncated):
				verdict = "truncated"
			case errors.Is(err, ErrAttachmentTampered):
				verdict = "tampered"
			case errors.Is(err, ErrAttachmentMismatch):
				verdict = "mismatch"
			case err != nil:
				verdict = err.Error()
			case !bytes.Equal(got, file):
				verdict = "another file"
			}
			if verdict != c.Verdict {
				t.Errorf("verdict %q, want %q", verdict, c.Verdict)
			}
			verdicts[verdict]++
		})
	}
	if len(verdicts) != 4 {
		t.Errorf("the cases reach %v, want all four verdicts", verdicts)
	}
}
