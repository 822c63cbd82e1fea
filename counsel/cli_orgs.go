package counsel

import (
	"context"
	"fmt"
	"strconv"

	"lotse/api/client"
)

// The organisations on the server (orgs.go): list them with their pin
// states, pin one after comparing its fingerprint, and, for admins of
// the front door, create and delete them.

// orgsCommand needs no passphrase: the organisations and their team keys
// are public, and the pins are this desk's own. A changed team key is
// listed, then alarmed.
func orgsCommand(c *cmd) action {
	return action{run: func(ctx context.Context, _ *Session, _ []string) (*output, error) {
		cfg, base, err := c.publicClient()
		if err != nil {
			return nil, err
		}
		orgs, err := listOrgs(ctx, base, cfg)
		if err != nil {
			return nil, err
		}
		out := listOutput("orgs", orgs, msg{}, mOutOrgsHeader, func(c *cmd, o OrgView) []string {
			return []string{o.Slug, oneLine(o.Name), strconv.Itoa(o.Epoch), o.Fingerprint, c.orgPinLabel(o)}
		})
		out.err = changedOrgsAlarm(orgs)
		return out, nil
	}}
}

// publicClient is the config and a client of its server without a login,
// for what needs no passphrase.
func (c *cmd) publicClient() (*Config, *client.Client, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, nil, err
	}
	base, err := publicClient(cfg)
	return cfg, base, err
}

func (c *cmd) orgPinLabel(o OrgView) string {
	switch o.Pin {
	case OrgOwn:
		return c.tr(mOutOrgOwn)
	case OrgPinned:
		return c.tr(mOutOrgPinned)
	case OrgChanged:
		return c.tr(mOutOrgChanged)
	}
	return c.tr(mOutOrgUnpinned)
}

func checkSlug(rest []string) error {
	if !validSlug(rest[0]) {
		return withHint(errorf(mErrBadSlug, oneLine(rest[0])), mHintSlugForm)
	}
	return nil
}

// orgsPinCommand pins an organisation's team key: the fingerprint typed
// with --fingerprint, or shown and confirmed on a terminal, must be the
// one the organisation read out by phone or in person.
func orgsPinCommand(c *cmd) action {
	fpFlag := c.fs.String("fingerprint", "", mFlagOrgFingerprint.id)
	return action{args: fixed("SLUG"), before: checkSlug, run: func(ctx context.Context, _ *Session, rest []string) (*output, error) {
		cfg, base, err := c.publicClient()
		if err != nil {
			return nil, err
		}
		typed := *fpFlag
		if typed == "" {
			o, err := orgOf(ctx, base, cfg, rest[0])
			if err != nil {
				return nil, err
			}
			c.eprintf(mOutCompareOrgFingerprint, oneLine(o.Name), o.Slug, o.Fingerprint)
			if err := c.confirm(c.tr(mAskOrgFingerprintReadOut), mHintPassOrgFingerprint); err != nil {
				return nil, err
			}
			typed = o.Fingerprint
		}
		o, err := pinOrg(ctx, base, cfg, rest[0], typed)
		if err != nil {
			return nil, err
		}
		return &output{json: o, text: func(c *cmd) error {
			c.printf(mOutOrgPinnedNow, oneLine(o.Name), o.Slug, o.Epoch, o.Fingerprint)
			return nil
		}}, nil
	}}
}

func orgsCreateCommand(c *cmd) action {
	return action{args: fixed("SLUG", "NAME"), need: member,
		before: func(rest []string) error {
			if err := checkSlug(rest); err != nil {
				return err
			}
			return checkName(rest[1])
		},
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			created, err := s.CreateOrg(ctx, rest[0], rest[1])
			if err != nil {
				return nil, err
			}
			return &output{
				json: created,
				text: func(c *cmd) error {
					fmt.Fprintf(c.io.Stdout, "%s\n", created.Setup)
					c.eprintf(mOutOrgSetupToken, created.Slug, created.Expires, created.Slug)
					return nil
				},
			}, nil
		}}
}

func orgsDeleteCommand(c *cmd) action {
	yes := c.fs.Bool("yes", false, mFlagYes.id)
	return action{args: fixed("SLUG"), need: member,
		before: confirmFirst(c, yes, checkSlug, mAskDeleteOrg, mHintPassYesDeleteOrg),
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			if err := s.DeleteOrg(ctx, rest[0]); err != nil {
				return nil, err
			}
			return &output{json: map[string]any{"slug": rest[0], "deleted": true}, text: func(c *cmd) error {
				c.printf(mOutOrgDeleted, rest[0])
				return nil
			}}, nil
		}}
}

func init() {
	commands["orgs"] = orgsCommand
	commands["orgs pin"] = orgsPinCommand
	commands["orgs create"] = orgsCreateCommand
	commands["orgs delete"] = orgsDeleteCommand
}
