package counsel

import (
	"context"
	"encoding/csv"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"lotse/api/wire"
	"lotse/content"
)

// Statistics for funders (issue 13): anonymous counts per month, computed
// by the desk from what it can decrypt, so that the server never learns
// more than it stores. Nothing is counted per person or per counsellor.
//
// What each count is (docs/COUNSELLORS.md says the same for funders):
//   - enquiries: cases the server created in the month (its date of the
//     first message), among them none that another organisation handed
//     over: that one began there, was counted there as an enquiry, and
//     counts here only under handovers received;
//   - messages: readable messages from enquirers, by the month their
//     document says they were written; replies likewise from counsellors;
//     neither counts the messages a handover forwarded from another
//     organisation (§9.3), which that organisation counted;
//   - audience, language: of each enquiry of the month, from its first
//     document ("unknown" where the person chose no role); not of a case
//     handed over, whose first document is one the person wrote to the
//     other organisation;
//   - tags: each enquiry of the month once per tag the team gave the case
//     (its newest tags that verify); a case handed over is no enquiry
//     here, so its tags are not counted either;
//   - referrals: replies of the month that contain the exact text of a
//     centre block of the current directory in any language, that is a
//     centre the counsellor inserted and did not edit. An edited block, a
//     centre named in the counsellor's own words, or one removed from the
//     directory since is not counted: the number is a lower bound;
//   - handovers offered: replies of the month that offered the case to
//     another organisation (PROTOCOL.md §9.2), in the cases still here
//     (not the forwarded offer that brought a case here);
//   - handovers completed: offers the enquirer accepted, by the month the
//     server says the case moved, as long as the server lists them (30
//     days; the case itself is then the other organisation's);
//   - handovers received: cases another organisation handed over to this
//     one, by the month of their forwarded mark (§9.3), in the cases
//     still here.
//
// Only the cases the server still holds are counted: deleted and expired
// ones are gone, so a month is best exported soon after it ends.

// MonthStats are one month's counts.
type MonthStats struct {
	Month     string `json:"month"` // YYYY-MM
	Enquiries int    `json:"enquiries"`
	Messages  int    `json:"messages"`
	Replies   int    `json:"replies"`
	Referrals int    `json:"referrals"`
	// HandoversOffered and HandoversCompleted count consented handovers
	// to other organisations (§9), HandoversReceived those from them.
	HandoversOffered   int            `json:"handovers_offered"`
	HandoversCompleted int            `json:"handovers_completed"`
	HandoversReceived  int            `json:"handovers_received"`
	Audience           map[string]int `json:"audience"`
	Languages          map[string]int `json:"languages"`
	Tags               map[string]int `json:"tags"`
}

// Stats are the counts of the months from..to (YYYY-MM, inclusive; ""
// for no bound), oldest first, and how many cases could not be read.
type Stats struct {
	Months     []*MonthStats `json:"months"`
	Unreadable int           `json:"unreadable"`
	// Alarms counts the team records that are not the team's; their
	// tags are not counted (counsel notes shows each as an alarm).
	Alarms int `json:"alarms"`
}

// validMonth reports whether s is YYYY-MM.
func validMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

// Stats reads every case the team's server holds and counts.
func (s *Session) Stats(ctx context.Context, from, to string, dir *content.Directory) (*Stats, error) {
	cs, err := s.Cases(ctx, "")
	if err != nil {
		return nil, err
	}
	blocks := centreBlocks(dir)
	months := map[string]*MonthStats{}
	month := func(m string) *MonthStats {
		if from != "" && m < from || to != "" && m > to {
			return nil
		}
		ms := months[m]
		if ms == nil {
			ms = &MonthStats{Month: m, Audience: map[string]int{}, Languages: map[string]int{}, Tags: map[string]int{}}
			months[m] = ms
		}
		return ms
	}
	st := &Stats{}
	for _, c := range cs {
		t, err := s.ReadCase(ctx, c.ID)
		if IsAlarm(err) {
			return nil, err
		}
		if err != nil {
			st.Unreadable++
			continue
		}
		mem, err := s.CaseMemory(ctx, c.ID)
		if IsAlarm(err) {
			t.wipe()
			return nil, err
		}
		if err != nil {
			st.Unreadable++
			t.wipe()
			continue
		}
		st.Alarms += len(mem.Alarms)
		f := caseForwarded(&c)
		countCase(c.Created, f != nil, t, mem, blocks, month)
		if f != nil {
			if ms := month(f.Date[:7]); ms != nil {
				ms.HandoversReceived++
			}
		}
		t.wipe()
	}
	hs, err := s.Handovers(ctx)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if h.State != wire.HandoverCompleted || len(h.Since) < 7 {
			continue
		}
		if ms := month(h.Since[:7]); ms != nil {
			ms.HandoversCompleted++
		}
	}
	for _, m := range slices.Sorted(maps.Keys(months)) {
		st.Months = append(st.Months, months[m])
	}
	return st, nil
}

// countCase adds one case to the months it touches; one received by a
// handover is no enquiry of this organisation.
func countCase(created string, received bool, t *Thread, mem *CaseMemory, blocks []string, month func(string) *MonthStats) {
	if !received && len(created) >= 7 {
		if ms := month(created[:7]); ms != nil {
			ms.Enquiries++
			role, lang := "unknown", "unknown"
			if len(t.Messages) > 0 && t.Messages[0].Warning == "" {
				if r := t.Messages[0].Role; r != "" {
					role = r
				}
				if l := t.Messages[0].Lang; l != "" {
					lang, _, _ = strings.Cut(strings.ToLower(l), "-")
				}
			}
			ms.Audience[role]++
			ms.Languages[lang]++
			for _, tag := range mem.Tags {
				ms.Tags[tag]++
			}
		}
	}
	for _, m := range t.Messages {
		// A message forwarded by a handover was counted where it was
		// written, by the organisation it was sent to.
		if m.Warning != "" || m.Duplicate || m.Forwarded || len(m.Sent) < 7 {
			continue
		}
		ms := month(m.Sent[:7])
		if ms == nil {
			continue
		}
		if m.From == "enquirer" {
			ms.Messages++
			continue
		}
		ms.Replies++
		if m.Offer != nil {
			ms.HandoversOffered++
		}
		for _, b := range blocks {
			if strings.Contains(m.Body, b) {
				ms.Referrals++
				break
			}
		}
	}
}

// centreBlocks are the blocks of every centre in every language of the
// service, as the desk inserts them.
func centreBlocks(dir *content.Directory) []string {
	if dir == nil {
		return nil
	}
	var out []string
	for _, c := range dir.Centres() {
		for _, lang := range content.Languages {
			if b := strings.TrimSpace(dir.CentreBlock(c, lang)); b != "" && !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
	}
	return out
}

// WriteCSV writes the counts in long form, one count a row:
// month,measure,value,count. Values are the codes the documents carry
// (roles, language tags) and the team's tags.
func (st *Stats) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"month", "measure", "value", "count"})
	row := func(m, measure, value string, n int) {
		cw.Write([]string{m, measure, csvSafe(value), strconv.Itoa(n)})
	}
	for _, ms := range st.Months {
		row(ms.Month, "enquiries", "", ms.Enquiries)
		row(ms.Month, "messages", "", ms.Messages)
		row(ms.Month, "replies", "", ms.Replies)
		row(ms.Month, "referrals", "", ms.Referrals)
		row(ms.Month, "handovers_offered", "", ms.HandoversOffered)
		row(ms.Month, "handovers_completed", "", ms.HandoversCompleted)
		row(ms.Month, "handovers_received", "", ms.HandoversReceived)
		for _, k := range slices.Sorted(maps.Keys(ms.Audience)) {
			row(ms.Month, "audience", k, ms.Audience[k])
		}
		for _, k := range slices.Sorted(maps.Keys(ms.Languages)) {
			row(ms.Month, "language", k, ms.Languages[k])
		}
		for _, k := range slices.Sorted(maps.Keys(ms.Tags)) {
			row(ms.Month, "tag", k, ms.Tags[k])
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a value from being read as a formula by a spreadsheet: a
// tag or language code never starts with one of these, but a document's
// language field is the enquirer's.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
