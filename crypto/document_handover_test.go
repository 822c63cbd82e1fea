package crypto

import (
	"reflect"
	"strings"
	"testing"
)

// testOffer is a valid counsellor document that offers the case to
// another organisation whose team recipient is k.other's.
func testOffer(t testing.TB) *Document {
	t.Helper()
	d := testDocument(t, 400)
	d.From, d.Role, d.Name = FromCounsellor, "", "Anna"
	d.Handover = &Handover{
		Org:       "koeln-beratung",
		Name:      "Beratung Köln",
		Epoch:     3,
		Recipient: testKeys().other.Recipient().String(),
		Note:      "Die Beratungsstelle in Köln spricht Rumänisch.\nSie hilft Ihnen weiter.",
	}
	return d
}

// TestDocumentWithHandover: an offer pads, seals and reads back intact
// for the team and the enquirer, and its recipient is one to seal to.
func TestDocumentWithHandover(t *testing.T) {
	k := testKeys()
	d := testOffer(t)
	ct, err := SealDocument(d, k.team.Recipient(), k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	pt, err := OpenDocument(ct, k.enquirer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pt), `,"handover":{"org":"koeln-beratung","name":"Beratung Köln","epoch":3,"recipient":"age1pq1`) {
		t.Errorf("written as %.300q", pt)
	}
	got, err := CheckDocument(pt, Expect{Mailbox: testMailbox, MK: testMK, From: FromCounsellor})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Handover, d.Handover) {
		t.Fatalf("read %+v, want %+v", got.Handover, d.Handover)
	}
	to, err := ParseRecipient(got.Handover.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	again, err := SealDocument(got, to, k.enquirer.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDocument(again, k.other); err != nil {
		t.Errorf("the organisation offered cannot open what is sealed to its recipient: %v", err)
	}
}

// TestPadDocumentRefusesHandover: a writer never sends an offer the
// readers reject, each rule by category.
func TestPadDocumentRefusesHandover(t *testing.T) {
	for name, mutate := range map[string]func(*Document){
		"from an enquirer":      func(d *Document) { d.From = FromEnquirer },
		"org upper-case":        func(d *Document) { d.Handover.Org = "Koeln" },
		"org of 33":             func(d *Document) { d.Handover.Org = strings.Repeat("a", 33) },
		"org empty":             func(d *Document) { d.Handover.Org = "" },
		"name empty":            func(d *Document) { d.Handover.Name = "" },
		"name of 65":            func(d *Document) { d.Handover.Name = strings.Repeat("ä", 65) },
		"name with an override": func(d *Document) { d.Handover.Name = "Beratung \u202eKöln" },
		"epoch 0":               func(d *Document) { d.Handover.Epoch = 0 },
		"epoch 2^31":            func(d *Document) { d.Handover.Epoch = 1 << 31 },
		"recipient X25519": func(d *Document) {
			d.Handover.Recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
		},
		"note of 2001":        func(d *Document) { d.Handover.Note = strings.Repeat("ü", 2001) },
		"note with an escape": func(d *Document) { d.Handover.Note = "a\x1b[31mb" },
	} {
		d := testOffer(t)
		mutate(d)
		if _, err := PadDocument(d); err == nil {
			t.Errorf("%s: padded", name)
		}
	}
	d := testOffer(t)
	d.Handover.Note = strings.Repeat("ü", MaxHandoverNote)
	d.Handover.Epoch = maxRecordEpoch
	if _, err := PadDocument(d); err != nil {
		t.Errorf("the longest note and the highest epoch: %v", err)
	}
}
