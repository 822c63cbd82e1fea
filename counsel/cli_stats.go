package counsel

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// statsCommand prints or exports the anonymous counts per month
// (stats.go).
func statsCommand(c *cmd) action {
	asCSV := c.fs.Bool("csv", false, mFlagStatsCsv.id)
	from := c.fs.String("from", "", mFlagStatsFrom.id)
	to := c.fs.String("to", "", mFlagStatsTo.id)
	return action{need: member,
		before: func([]string) error {
			for _, m := range []string{*from, *to} {
				if m != "" && !validMonth(m) {
					return errorf(mErrBadMonth, oneLine(m))
				}
			}
			return nil
		},
		run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
			dir, err := serverDirectory(ctx, s)
			if err != nil {
				return nil, err
			}
			st, err := s.Stats(ctx, *from, *to, dir)
			if err != nil {
				return nil, err
			}
			return &output{json: st, text: func(c *cmd) error {
				if *asCSV {
					return st.WriteCSV(c.io.Stdout)
				}
				return c.printStats(st)
			}}, nil
		}}
}

func (c *cmd) printStats(st *Stats) error {
	// A table of the months, or that there are none; what was not
	// counted is said either way.
	if len(st.Months) == 0 {
		c.printf(mOutNoStats)
	} else {
		tw := c.table(mOutStatsHeader)
		for _, m := range st.Months {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", m.Month, m.Enquiries, m.Messages, m.Replies, m.Referrals,
				m.HandoversOffered, m.HandoversCompleted, m.HandoversReceived, counts(m.Audience), counts(m.Languages), counts(m.Tags))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if st.Unreadable > 0 {
		c.printf(mOutStatsUnreadable, st.Unreadable)
	}
	if st.Alarms > 0 {
		c.printf(mOutStatsAlarms, st.Alarms)
	}
	return nil
}

// counts is "a 3, b 1", by key.
func counts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", oneLine(k), m[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func init() { commands["stats"] = statsCommand }
