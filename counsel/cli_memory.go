package counsel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// The team's memory of a case on the command line (teammemory.go): note,
// notes, tag.
func init() {
	commands["note"] = noteCommand
	commands["notes"] = notesCommand
	commands["tag"] = tagCommand
	commands["team-blocks"] = teamBlocksCommand
}

func noteCommand(c *cmd) action {
	file := c.fs.String("file", "", mFlagNoteFile.id)
	var text string
	return action{
		args: func() []string {
			if *file != "" {
				return []string{"CASE"}
			}
			return []string{"CASE", "TEXT"}
		},
		need: member,
		// The text is read before the passphrase, as reply does.
		before: func(rest []string) error {
			if err := checkCaseID(rest); err != nil {
				return err
			}
			switch {
			case *file == "-":
				b, err := io.ReadAll(io.LimitReader(c.io.Stdin, maxNote+1))
				if err != nil {
					return err
				}
				text = string(b)
			case *file != "":
				b, err := readBounded(*file, maxNote+1)
				if err != nil {
					return errorf(mErrReadNoteFile, err)
				}
				text = string(b)
			default:
				text = rest[1]
			}
			var err error
			text, err = checkNote(text)
			return err
		},
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			id, err := s.ResolveCase(ctx, rest[0])
			if err != nil {
				return nil, err
			}
			if err := s.AddNote(ctx, id, text); err != nil {
				return nil, err
			}
			return &output{
				json: map[string]any{"id": id, "written": true},
				text: func(c *cmd) error { c.printf(mOutNoteWritten, id[:8]); return nil },
			}, nil
		}}
}

func notesCommand(c *cmd) action {
	return action{args: fixed("CASE"), need: member, before: checkCaseID,
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			id, m, err := caseMemoryOf(ctx, s, rest[0])
			if err != nil {
				return nil, err
			}
			return &output{
				json: map[string]any{"id": id, "notes": m.Notes, "tags": m.Tags, "alarms": m.Alarms},
				text: func(c *cmd) error { return c.printMemory(id, m) },
			}, nil
		}}
}

// caseMemoryOf resolves a case reference and reads the team's memory of
// the case.
func caseMemoryOf(ctx context.Context, s *Session, ref string) (string, *CaseMemory, error) {
	id, err := s.ResolveCase(ctx, ref)
	if err != nil {
		return "", nil, err
	}
	m, err := s.CaseMemory(ctx, id)
	return id, m, err
}

// printMemory prints tags and notes; a record that is not the team's is
// printed as an alarm after them, and the command ends as an alarm.
func (c *cmd) printMemory(id string, m *CaseMemory) error {
	if len(m.Tags) == 0 {
		c.printf(mOutNoTags, id[:8])
	} else {
		c.printf(mOutCaseTags, id[:8], oneLine(strings.Join(m.Tags, ", ")))
	}
	if len(m.Notes) == 0 {
		c.printf(mOutNoNotes, id[:8])
	}
	for _, n := range m.Notes {
		who := n.Author
		if n.AuthorName != "" {
			who = oneLine(n.AuthorName) + " (" + n.Author + ")"
		}
		fmt.Fprintf(c.io.Stdout, "\n%s  %s\n", c.tr(mOutNoteBy)+" "+who, localTime(n.Written))
		if n.OlderEpoch {
			c.printf(mOutNoteOlderEpoch)
		}
		fmt.Fprintf(c.io.Stdout, "%s\n", indentBody(n.Text))
	}
	if len(m.Alarms) == 0 {
		return nil
	}
	fmt.Fprintln(c.io.Stdout)
	for _, a := range m.Alarms[1:] {
		reason := a.Reason
		if c.io.Lang == "de" {
			reason = a.ReasonDE
		}
		fmt.Fprintf(c.io.Stderr, "counsel: ALARM: %s\n", oneLine(reason))
	}
	return m.Alarms[0].err
}

// localTime shows an RFC 3339 time in this computer's time zone.
func localTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return oneLine(s)
	}
	return t.Local().Format("2006-01-02 15:04")
}

func tagCommand(c *cmd) action {
	return action{
		args: func() []string {
			names := []string{"CASE"}
			for range max(len(c.fs.Args())-1, 0) {
				names = append(names, "+TAG|-TAG")
			}
			return names
		},
		need: member,
		before: func(rest []string) error {
			if err := checkCaseID(rest); err != nil {
				return err
			}
			// Every change is checked before the passphrase is asked.
			_, err := changeTags(nil, rest[1:])
			return err
		},
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			id, m, err := caseMemoryOf(ctx, s, rest[0])
			if err != nil {
				return nil, err
			}
			tags := m.Tags
			if len(rest) > 1 {
				if len(m.Alarms) > 0 {
					// Never build on records the team may not have written.
					return nil, m.Alarms[0].err
				}
				if tags, err = changeTags(m.Tags, rest[1:]); err != nil {
					return nil, err
				}
				if tags, err = s.SetTags(ctx, id, tags); err != nil {
					return nil, err
				}
			}
			return &output{
				json: map[string]any{"id": id, "tags": tags},
				text: func(c *cmd) error {
					if len(tags) == 0 {
						c.printf(mOutNoTags, id[:8])
						return nil
					}
					c.printf(mOutCaseTags, id[:8], oneLine(strings.Join(tags, ", ")))
					return nil
				},
			}, nil
		}}
}

// teamBlocksCommand lists the team's text blocks; with --set FILE (a JSON
// list of {"title","body"}) an admin replaces them.
func teamBlocksCommand(c *cmd) action {
	set := c.fs.String("set", "", mFlagTeamBlocksSet.id)
	var bs []Block
	return action{need: member,
		before: func([]string) error {
			if *set == "" {
				return nil
			}
			b, err := readBounded(*set, maxBlocksFile)
			if err != nil {
				return errorf(mErrReadTeamBlocks, err)
			}
			if err := json.Unmarshal(b, &bs); err != nil {
				return withHint(errorf(mErrReadTeamBlocks, "not a JSON list of text blocks"), mHintTeamBlocksForm)
			}
			if bs == nil {
				bs = []Block{}
			}
			return checkBlocks(bs)
		},
		run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
			if *set != "" {
				if err := s.SaveTeamBlocks(ctx, bs); err != nil {
					return nil, err
				}
			}
			tb, err := s.TeamBlocks(ctx)
			if err != nil {
				return nil, err
			}
			return &output{json: tb, text: func(c *cmd) error {
				if *set != "" {
					c.printf(mOutTeamBlocksSaved, len(tb.Blocks))
				}
				if len(tb.Blocks) == 0 {
					c.printf(mOutNoTeamBlocks)
				}
				for _, b := range tb.Blocks {
					fmt.Fprintf(c.io.Stdout, "  %s\n", oneLine(b.Title))
				}
				if tb.OlderEpoch {
					c.printf(mOutTeamBlocksOlderEpoch)
				}
				if len(tb.Alarms) > 0 {
					for _, a := range tb.Alarms[1:] {
						fmt.Fprintf(c.io.Stderr, "counsel: ALARM: %s\n", oneLine(a.Reason))
					}
					return tb.Alarms[0].err
				}
				return nil
			}}, nil
		}}
}
