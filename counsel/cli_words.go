package counsel

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"lotse/api/client"
	"lotse/domain"
)

// One vocabulary for desk and CLI (issue 13): cases by the short
// reference the desk shows, counsellors by their names, times in the
// machine's zone, counts with their plural.

// A plural is a text in its forms by count. English and German, the
// catalogues' languages, share CLDR's cardinal rule: "one" for exactly 1,
// "other" for every other count, 0 included.
type plural struct{ one, other msg }

func (p plural) of(n int) msg {
	if n == 1 {
		return p.one
	}
	return p.other
}

var (
	pArgumentCount      = plural{mErrArgumentCountOne, mErrArgumentCountOther}
	pCaseHeader         = plural{mOutCaseHeaderOne, mOutCaseHeaderOther}
	pCentresConfirmed   = plural{mOutCentresConfirmedOne, mOutCentresConfirmedOther}
	pCentresAsConfirmed = plural{mOutCentresAsConfirmedOne, mOutCentresAsConfirmedOther}
)

// localTime shows an RFC 3339 time from the server in the machine's zone
// (TZ), in the reader's layout; a time that does not parse as it came,
// made safe for a terminal.
func (c *cmd) localTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return oneLine(s)
	}
	return t.Local().Format(c.tr(mOutTimeLayout))
}

// checkCounsellorRef checks the form of a counsellor named on the command
// line: an id, or a display name (resolveCounsellor finds whose).
func checkCounsellorRef(arg string) error {
	if isCounsellorID(arg) {
		return nil
	}
	if _, err := domain.ParseDisplayName(arg); err != nil {
		return withHint(errorf(mErrBadCounsellorId, oneLine(arg)), mHintRosterListsIds)
	}
	return nil
}

// resolveCounsellor finds the counsellor arg names: by id in any state
// (the command then says what it cannot do with that state), else by
// display name among those in one of states, exactly or, failing that,
// ignoring case. A name two counsellors share is an error that lists
// them; the id then tells them apart.
func resolveCounsellor(roster []client.Counsellor, arg string, states ...string) (client.Counsellor, error) {
	if i := slices.IndexFunc(roster, func(c client.Counsellor) bool { return c.ID == arg }); i >= 0 {
		return roster[i], nil
	}
	var byName, byFold []client.Counsellor
	for _, c := range roster {
		if !slices.Contains(states, c.State) {
			continue
		}
		switch {
		case c.Name == arg:
			byName = append(byName, c)
		case strings.EqualFold(c.Name, arg):
			byFold = append(byFold, c)
		}
	}
	found := byName
	if len(found) == 0 {
		found = byFold
	}
	switch len(found) {
	case 0:
		return client.Counsellor{}, withHint(errorf(mErrNoSuchCounsellor, oneLine(arg)), mHintRosterListsIds)
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, c := range found {
		names[i] = fmt.Sprintf("%s (%s)", oneLine(c.Name), oneLine(c.ID))
	}
	return client.Counsellor{}, withHint(errorf(mErrAmbiguousCounsellor, oneLine(arg), strings.Join(names, ", ")), mHintUseCounsellorId)
}

// counsellorNames maps ids to display names, for output.
func counsellorNames(roster []client.Counsellor) map[string]string {
	out := make(map[string]string, len(roster))
	for _, c := range roster {
		out[c.ID] = c.Name
	}
	return out
}

// caseRefs are the references the desk shows for cases: the first 8
// digits, longer only where two cases share them. Sorted, a case shares
// its longest prefix with a neighbour, so this is n log n for an inbox of
// any size.
func caseRefs(cs []client.Case) map[string]string {
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		if isMailboxID(c.ID) {
			ids = append(ids, c.ID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	common := func(a, b string) int {
		n := 0
		for n < len(a) && a[n] == b[n] {
			n++
		}
		return n
	}
	out := make(map[string]string, len(ids))
	for i, id := range ids {
		n := domain.ShortCaseRefLen
		if i > 0 {
			n = max(n, common(id, ids[i-1])+1)
		}
		if i+1 < len(ids) {
			n = max(n, common(id, ids[i+1])+1)
		}
		out[id] = id[:min(n, len(id))]
	}
	return out
}

// rosterFor reads the roster for a line of output that names a
// counsellor; if it cannot be read, the id stands for the name: the
// change it reports is made.
func rosterFor(ctx context.Context, s *Session) map[string]string {
	roster, err := s.Roster(ctx)
	if err != nil {
		return nil
	}
	return counsellorNames(roster)
}
