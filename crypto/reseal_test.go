package crypto

import (
	"bytes"
	"testing"

	"filippo.io/age"
)

// TestReseal: a message and an attachment re-sealed for another team keep
// their length and plaintext, open with the new team's key and the
// enquirer's, not with the old team's; what the enquirer cannot read or
// what fails the policy is refused.
func TestReseal(t *testing.T) {
	k := testKeys()
	b, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	d := testDocument(t, 3000)
	msg, err := SealDocument(d, k.team.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	att, err := SealAttachment(bytes.Repeat([]byte("Lohn"), 20000), k.team.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	for name, ct := range map[string][]byte{"message": msg, "attachment": att} {
		t.Run(name, func(t *testing.T) {
			want, err := decrypt(ct, MaxAttachmentFile, k.enquirer)
			if err != nil {
				t.Fatal(err)
			}
			re, err := Reseal(ct, k.enquirer, b.Recipient(), k.enquirer.Recipient())
			if err != nil {
				t.Fatal(err)
			}
			if len(re) != len(ct) || bytes.Equal(re, ct) {
				t.Fatalf("resealed: %d bytes (original %d), equal %v", len(re), len(ct), bytes.Equal(re, ct))
			}
			for _, id := range []age.Identity{b, k.enquirer} {
				got, err := decrypt(re, MaxAttachmentFile, id)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("the resealed plaintext differs: %v", err)
				}
			}
			if _, err := decrypt(re, MaxAttachmentFile, k.team); err == nil {
				t.Fatal("the old team's key reads the resealed ciphertext")
			}
		})
	}
	if _, err := Reseal(msg, b, b.Recipient(), k.enquirer.Recipient()); err == nil {
		t.Error("resealed with an identity that cannot read it")
	}
	if _, err := Reseal(mustEncrypt(t, make([]byte, 1000), k.enquirer.Recipient()), k.enquirer, b.Recipient(), k.enquirer.Recipient()); err == nil {
		t.Error("resealed a ciphertext that fails the policy")
	}
	if _, err := Reseal(msg, k.enquirer, nil, k.enquirer.Recipient()); err == nil {
		t.Error("resealed without a team recipient")
	}
}
