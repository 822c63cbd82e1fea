package counsel

import (
	"context"
	"fmt"

	"lotse/api/client"
)

// who names a counsellor for a terminal: "Anna (id)", or the id alone.
func who(name, id string) string {
	if name == "" {
		return id
	}
	return oneLine(name) + " (" + id + ")"
}

// printActions prints a case's actions under its header.
func (c *cmd) printActions(as []caseAction) {
	for _, a := range as {
		var line string
		switch a.Action.Action {
		case "assigned":
			line = fmt.Sprintf(c.tr(mOutActionAssigned), who(a.ByName, a.By), who(a.ToName, a.To))
		case "unassigned":
			line = fmt.Sprintf(c.tr(mOutActionUnassigned), who(a.ByName, a.By))
		case "closed":
			line = fmt.Sprintf(c.tr(mOutActionClosed), who(a.ByName, a.By))
		case "reopened":
			line = fmt.Sprintf(c.tr(mOutActionReopened), who(a.ByName, a.By))
		default:
			continue // api/client admits no other
		}
		fmt.Fprintf(c.io.Stdout, "  %s  %s\n", localTime(a.At), line)
	}
}

// actionsCommand lists the deleted and purged cases (admins).
func actionsCommand(c *cmd) action {
	return action{need: member, run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
		ts, err := s.TeamActions(ctx)
		if err != nil {
			return nil, err
		}
		names := s.memberNames(ctx)
		return listOutput("actions", ts, mOutNoTeamActions, mOutTeamActionsHeader, func(c *cmd, t client.Tombstone) []string {
			what := c.tr(mOutActionDeleted)
			if t.Action == "purged" {
				what = c.tr(mOutActionPurged)
			}
			return []string{localTime(t.At), t.Case[:8], what, who(names[t.By], t.By)}
		}), nil
	}}
}

func init() { commands["actions"] = actionsCommand }
