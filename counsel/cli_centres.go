package counsel

import (
	"context"
	"fmt"

	"lotse/content"
)

// serverDirectory fetches the server's referral directory and checks it
// as mailboxd does at start-up.
func serverDirectory(ctx context.Context, s *Session) (*content.Directory, error) {
	b, err := s.Centres(ctx)
	if err != nil {
		return nil, apiError(mDoingFetchCentres, err)
	}
	dir, err := content.ParseCentres(b)
	if err != nil {
		return nil, errorf(mErrCentresInvalid, oneLine(err.Error()))
	}
	return dir, nil
}

// centreName is a centre as `counsel centres` lists it.
type centreName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// printCentres says how the server's directory stands against the list
// an admin confirmed for the team (team) or this desk confirmed.
func (c *cmd) printCentres(changed []centreName, confirmed, team bool, total int) error {
	switch {
	case confirmed && team:
		c.printf(mOutCentresTeamConfirmed, total)
		return nil
	case confirmed:
		c.printf(pCentresConfirmed.of(total), total)
		return nil
	case len(changed) == 0 && team:
		c.printf(mOutCentresTeamAsConfirmed, total)
		return nil
	case len(changed) == 0:
		c.printf(pCentresAsConfirmed.of(total), total)
		return nil
	}
	if team {
		c.printf(mOutCentresTeamChanged)
	} else {
		c.printf(mOutCentresChanged)
	}
	for _, e := range changed {
		fmt.Fprintf(c.io.Stdout, "  %s  %s\n", oneLine(e.ID), oneLine(e.Name))
	}
	if team {
		c.printf(mOutCentresTeamCompare)
	} else {
		c.printf(mOutCentresCompare)
	}
	return nil
}
