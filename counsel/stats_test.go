package counsel

import (
	"context"
	"strings"
	"testing"
	"time"

	"lotse/api/client"
	"lotse/content"
	"lotse/crypto"
	"lotse/internal/mailboxdtest"
)

// TestStatsReferrals counts a reply as a referral only when it carries a
// centre's block as the desk inserts it; a reply that names no centre, or
// an edited block, is not one. Against a real mailboxd.
func TestStatsReferrals(t *testing.T) {
	tt := newTestTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	enq := newCase(t, ctx, tt.srv.URL, "Wo gibt es Hilfe in meiner Nähe?")
	s := unlockT(t, ctx, tt.cfg)
	b, err := s.Centres(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := content.ParseCentres(b)
	if err != nil || dir.Len() == 0 {
		t.Fatalf("directory: %v, %d centres", err, dir.Len())
	}
	block := dir.CentreBlock(dir.Centres()[0], "de")
	th, err := s.ReadCase(ctx, enq.keys.MailboxID)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		"Guten Tag, hier ist eine Stelle in Ihrer Nähe:\n\n" + block + "\n\nMelden Sie sich gern.",
		"Wir melden uns morgen wieder.",
		strings.Replace(block, "\n", " (geändert)\n", 1),
	} {
		if _, err := s.Reply(ctx, th, body, "de"); err != nil {
			t.Fatal(err)
		}
	}
	th.wipe()
	if _, err := s.SetTags(ctx, enq.keys.MailboxID, []string{"Arbeit"}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx, "", "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Months) != 1 || st.Unreadable != 0 {
		t.Fatalf("months %+v, unreadable %d", st.Months, st.Unreadable)
	}
	m := st.Months[0]
	if m.Enquiries != 1 || m.Messages != 1 || m.Replies != 3 || m.Referrals != 1 {
		t.Errorf("enquiries %d, messages %d, replies %d, referrals %d; want 1, 1, 3, 1", m.Enquiries, m.Messages, m.Replies, m.Referrals)
	}
	if m.Audience["affected"] != 1 || m.Languages["de"] != 1 || m.Tags["arbeit"] != 1 {
		t.Errorf("audience %v, languages %v, tags %v", m.Audience, m.Languages, m.Tags)
	}
	// A month outside the bounds counts nothing.
	if st, err := s.Stats(ctx, "2000-01", "2000-12", dir); err != nil || len(st.Months) != 0 {
		t.Errorf("a month range without cases: %+v, %v", st, err)
	}
}

// TestStatsReceived: at the organisation that took a case by a handover,
// the case counts under handovers received, not as an enquiry (it began
// at the other organisation, which counted it), so neither its first
// document's audience and language nor its tags are counted; the
// messages written to it after the handover are. Against a real
// mailboxd.
func TestStatsReceived(t *testing.T) {
	tt := newTestTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	anna, err := Unlock(ctx, tt.cfg, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	defer anna.Wipe()
	if err := anna.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	bertaCfg := setUpOrg(t, ctx, tt, anna, "b", "Fachberatung B")
	enq := newCase(t, ctx, tt.srv.URL, "Ich möchte zu einer Stelle in meiner Nähe.")
	id := enq.keys.MailboxID
	orgs, err := anna.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := findOrg(orgs, "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anna.PinOrg(ctx, "b", b.Fingerprint); err != nil {
		t.Fatal(err)
	}
	th, err := anna.ReadCase(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer th.wipe()
	if _, err := anna.OfferHandover(ctx, th, "b", "Die Fachberatung B kann Ihnen vor Ort helfen.", ""); err != nil {
		t.Fatal(err)
	}
	offer := enquirerOffer(t, ctx, enq, "b")
	bteam, err := crypto.ParseRecipient(offer.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	ec := enq.c.WithToken(enq.keys.Bearer())
	if org, err := mailboxdtest.Handover(ctx, ec, enq.keys.Identity, offer.Org, offer.Epoch, bteam); err != nil || org != "b" {
		t.Fatalf("the enquirer's handover: %q, %v", org, err)
	}
	ct, err := crypto.SealDocument(enq.doc("Danke, ich schreibe jetzt Ihnen."), bteam, enq.keys.Identity.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec.PostMessage(ctx, client.NewMessage{Epoch: offer.Epoch, Ciphertext: ct}); err != nil {
		t.Fatal(err)
	}

	berta, err := Unlock(ctx, bertaCfg, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	defer berta.Wipe()
	if err := berta.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := berta.SetTags(ctx, id, []string{"Arbeit"}); err != nil {
		t.Fatal(err)
	}
	st, err := berta.Stats(ctx, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Unreadable != 0 {
		t.Fatalf("unreadable %d", st.Unreadable)
	}
	// Summed over the months: a run across the turn of a month may put
	// the case's creation and its handover in two.
	var enquiries, received, messages, replies int
	for _, m := range st.Months {
		enquiries, received, messages, replies = enquiries+m.Enquiries, received+m.HandoversReceived, messages+m.Messages, replies+m.Replies
		if len(m.Audience) != 0 || len(m.Languages) != 0 || len(m.Tags) != 0 {
			t.Errorf("%s: a received case counted as an enquiry: audience %v, languages %v, tags %v", m.Month, m.Audience, m.Languages, m.Tags)
		}
	}
	if enquiries != 0 || received != 1 || messages != 1 || replies != 0 {
		t.Errorf("enquiries %d, handovers received %d, messages %d, replies %d; want 0, 1, 1, 0", enquiries, received, messages, replies)
	}
}

// BenchmarkStats is one count of the statistics over benchInbox's 10 cases
// and 10,000 messages: every case read, decrypted and its records opened.
func BenchmarkStats(b *testing.B) {
	in := newBenchInbox(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		st, err := in.s.Stats(ctx, "", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Months) == 0 || st.Months[0].Replies+st.Months[0].Messages < benchCases*benchPerCase {
			b.Fatalf("counted %+v", st.Months)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*benchCases*benchPerCase)*1000, "µs/message")
}

// TestStatsPrint: counsel stats prints a table of the months, or says
// there are none, never both; what was not counted follows either way.
func TestStatsPrint(t *testing.T) {
	tests := []struct {
		name      string
		st        Stats
		want      []string
		wantNot   []string
		wantLines int
	}{
		{"none", Stats{}, []string{"No cases in these months.\n"}, []string{"MONTH"}, 1},
		{"none, one unreadable", Stats{Unreadable: 1}, []string{"No cases in these months.\n", "not counted: 1\n"}, []string{"MONTH"}, 2},
		{"a month", Stats{Months: []*MonthStats{{Month: "2026-03", Enquiries: 2}}}, []string{"MONTH", "2026-03  2 "}, []string{"No cases"}, 2},
	}
	for _, tt := range tests {
		var out strings.Builder
		c := newCmd("stats", IO{Stdout: &out, Stderr: &out, Lang: "en"}, Options{})
		if err := c.printStats(&tt.st); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.name, got, w)
			}
		}
		for _, w := range tt.wantNot {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q has %q", tt.name, got, w)
			}
		}
		if n := strings.Count(got, "\n"); n != tt.wantLines {
			t.Errorf("%s: %d lines, want %d: %q", tt.name, n, tt.wantLines, got)
		}
	}
}
