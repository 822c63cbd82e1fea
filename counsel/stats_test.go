package counsel

import (
	"context"
	"strings"
	"testing"
	"time"

	"lotse/content"
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
