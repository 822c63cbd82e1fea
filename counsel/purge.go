package counsel

import (
	"context"
	"fmt"
	"time"

	"lotse/api/client"
)

// PurgeCases deletes (admins) the unanswered new cases created on a day in
// [from, to), both "YYYY-MM-DD"; with dryRun it only counts them. The
// server never deletes a case a counsellor answered or claimed.
func (s *Session) PurgeCases(ctx context.Context, from, to string, dryRun bool) (*client.CasePurge, error) {
	var res *client.CasePurge
	err := s.retry(ctx, func(api *client.Client) error {
		var err error
		res, err = api.PurgeCases(ctx, from, to, dryRun)
		return err
	})
	if err != nil {
		return nil, apiError(mDoingPurgeCases, err)
	}
	return res, nil
}

// purgeCommand is the way out of a flood of fake enquiries: it counts
// first, so the person sees how many cases go before any does.
func purgeCommand(c *cmd) action {
	from := c.fs.String("from", "", mFlagPurgeFrom.id)
	to := c.fs.String("to", "", mFlagPurgeTo.id)
	yes := c.fs.Bool("yes", false, mFlagYes.id)
	return action{need: member,
		before: func([]string) error { return checkPurgeWindow(*from, *to) },
		run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
			dry, err := s.PurgeCases(ctx, *from, *to, true)
			if err != nil {
				return nil, err
			}
			res := dry
			if dry.Matched > 0 {
				if !*yes {
					q := fmt.Sprintf(c.tr(mAskPurgeCases), dry.Matched, *from, *to)
					if err := c.confirm(q, mHintPassYesPurge); err != nil {
						return nil, err
					}
				}
				if res, err = s.PurgeCases(ctx, *from, *to, false); err != nil {
					return nil, err
				}
			}
			return &output{
				json: map[string]any{"from": *from, "to": *to, "matched": res.Matched, "deleted": res.Deleted},
				text: func(c *cmd) error {
					if res.Matched == 0 {
						c.printf(mOutPurgeNone, *from, *to)
					} else {
						c.printf(mOutPurged, res.Deleted, res.Matched, *from, *to)
					}
					return nil
				},
			}, nil
		}}
}

// checkPurgeWindow refuses a window the server would, before the
// passphrase is asked for.
func checkPurgeWindow(from, to string) error {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || f.Format(time.DateOnly) != from || t.Format(time.DateOnly) != to || !f.Before(t) {
		return withHint(errorf(mErrPurgeWindow), mHintPurgeUsage)
	}
	return nil
}
