package counsel

import (
	"context"

	"lotse/api/client"
)

// Handover on the command line (handover.go): offer a case to a pinned
// organisation, withdraw the offer, list the offers.

func handoverCommand(c *cmd) action {
	org := c.fs.String("org", "", mFlagHandoverOrg.id)
	noteFlag := c.fs.String("note", "", mFlagOfferNote.id)
	noteFile := c.fs.String("note-file", "", mFlagOfferNoteFile.id)
	lang := c.fs.String("lang", "", mFlagLang.id)
	var note string
	return action{args: fixed("ID"), need: member,
		// As reply: the note is read before the passphrase.
		before: func(rest []string) error {
			if err := checkCaseID(rest); err != nil {
				return err
			}
			if !validSlug(*org) {
				return withHint(errorf(mErrHandoverNeedsOrg), mHintListOrgs)
			}
			if *lang != "" && !validLang(*lang) {
				return errorf(mErrBadLanguageTag, *lang)
			}
			var err error
			switch {
			case *noteFlag != "" && *noteFile != "":
				return errorf(mErrSecretTwice, "--note", "--note-file")
			case *noteFlag != "":
				note = *noteFlag
			case *noteFile != "":
				var b []byte
				b, err = readBounded(*noteFile, maxBody)
				note = string(b)
			default:
				note, err = c.composed()
			}
			if err != nil {
				return err
			}
			note, err = checkOfferNote(note)
			return err
		},
		run: onThread(func(ctx context.Context, s *Session, t *Thread, _ []string) (*output, error) {
			seq, err := s.OfferHandover(ctx, t, *org, note, *lang)
			if err != nil {
				return nil, err
			}
			return &output{
				json: map[string]any{"id": t.id, "org": *org, "seq": seq, "state": "offered"},
				text: func(c *cmd) error { c.printf(mOutHandoverSent, *org, seq); return nil },
			}, nil
		})}
}

func handoverWithdrawCommand(c *cmd) action {
	return action{args: fixed("ID"), need: member, before: checkCaseID,
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			return onCase(ctx, s, rest[0], s.WithdrawHandover, "withdrawn", mOutHandoverWithdrawn)
		}}
}

func handoversCommand(c *cmd) action {
	return action{need: member, run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
		hs, err := s.Handovers(ctx)
		if err != nil {
			return nil, err
		}
		return listOutput("handovers", hs, mOutNoHandovers, mOutHandoversHeader, func(c *cmd, h client.Handover) []string {
			return []string{h.Case, h.Org, c.handoverState(h.State), c.localTime(h.Since)}
		}), nil
	}}
}

// handoverState is an offer's state in the person's language.
func (c *cmd) handoverState(state string) string {
	switch state {
	case "offered":
		return c.tr(mOutStateOffered)
	case "declined":
		return c.tr(mOutStateDeclined)
	}
	return c.tr(mOutStateCompleted)
}

func init() {
	commands["handover"] = handoverCommand
	commands["handover withdraw"] = handoverWithdrawCommand
	commands["handovers"] = handoversCommand
}
