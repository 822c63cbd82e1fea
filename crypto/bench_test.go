package crypto

import "testing"

func BenchmarkOpenCheckDocument(b *testing.B) {
	k := testKeys()
	ct := sealMessage(b)
	want := Expect{Mailbox: testMailbox, MK: testMK, From: FromEnquirer}
	for b.Loop() {
		pt, err := OpenDocument(ct, k.team)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := CheckDocument(pt, want); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckMessage(b *testing.B) {
	ct := sealMessage(b)
	for b.Loop() {
		if err := CheckMessage(ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealDocument(b *testing.B) {
	k := testKeys()
	d := testDocument(b, 500)
	for b.Loop() {
		if _, err := SealDocument(d, k.team.Recipient(), k.enquirer.Recipient()); err != nil {
			b.Fatal(err)
		}
	}
}
