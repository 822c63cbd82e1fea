package counsel

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"lotse/api/client"
	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
)

// commands is counsel's command line: each entry defines the command's
// flags on c.fs and returns what withSession runs.
var commands = map[string]func(c *cmd) action{
	"init":        initCommand,
	"join":        joinCommand,
	"invite":      inviteCommand,
	"approve":     approveCommand,
	"remove":      removeCommand,
	"roster":      rosterCommand,
	"invites":     invitesCommand,
	"revoke":      revokeCommand,
	"reject":      rejectCommand,
	"fingerprint": fingerprintCommand,
	"cases":       casesCommand,
	"centres":     centresCommand,
	"read":        readCommand,
	"attachment":  attachmentCommand,
	"reply":       replyCommand,
	"close":       statusCommand("closed"),
	"reopen":      statusCommand("open"),
	"assign":      assignCommand,
	"delete":      deleteCommand,
	"backup":      backupCommand,
	"compact":     compactCommand,
	"purge":       purgeCommand,
	"desk":        deskCommand,
}

func initCommand(c *cmd) action {
	nc := newcomerFlags(c, mFlagServerExample)
	setup := c.fs.String("setup", "", mFlagSetup.id)
	setupFile := c.fs.String("setup-file", "", mFlagSetupFile.id)
	org := c.fs.String("org", "", mFlagOrg.id)
	return action{run: func(ctx context.Context, _ *Session, _ []string) (*output, error) {
		opts, dir, err := nc.check(c, mErrInitNeedsServer, mHintInitUsage)
		if err != nil {
			return nil, err
		}
		opts.Org = *org
		// An init that stopped after registering is resumed with the
		// passphrase chosen then (see Init).
		resume := resumableInit(dir, *nc.server) != nil
		if !resume {
			if err := checkFresh(dir); err != nil {
				return nil, err
			}
		}
		// A resumed init has registered already and needs no token.
		token := ""
		if !resume {
			token, err = c.secret(secretSource{value: *setup, file: *setupFile,
				flag: "--setup", fileFlag: "--setup-file", ask: mAskSetupToken, missing: mErrNoSetupToken})
			if err != nil {
				return nil, err
			}
		}
		p, err := c.passphrase(!resume)
		if err != nil {
			return nil, err
		}
		s, err := Init(ctx, dir, *nc.server, token, *nc.name, p, opts)
		clear(p)
		if err != nil {
			return nil, err
		}
		defer s.Wipe()
		team, err := s.Team(ctx)
		if err != nil {
			return nil, err
		}
		id, fp := s.cfg.ID, crypto.Fingerprint(s.cfg.Recipient)
		return &output{
			json: map[string]any{"id": id, "fingerprint": fp, "team_fingerprint": team.Fingerprint},
			text: func(c *cmd) error {
				c.printf(mOutInitialized, id, fp, team.Fingerprint, team.Epoch)
				c.printf(mOutPublishFingerprint)
				return nil
			},
		}, nil
	}}
}

// newcomer holds the flags init and join share.
type newcomer struct {
	server, name *string
	insecure     *bool
}

func newcomerFlags(c *cmd, serverUsage msg) newcomer {
	return newcomer{
		server:   c.fs.String("server", "", serverUsage.id),
		insecure: c.fs.Bool("insecure-http", false, mFlagInsecureHttp.id),
		name:     c.fs.String("name", "", mFlagName.id),
	}
}

// check refuses a missing or plain-HTTP server and a bad name before
// anything is asked or sent; it returns the options for that server and
// the configuration folder.
func (n newcomer) check(c *cmd, noServer, usage msg) (Options, string, error) {
	if *n.server == "" {
		return Options{}, "", withHint(errorf(noServer), usage)
	}
	opts := c.opts
	opts.InsecureHTTP = *n.insecure
	if err := checkServer(*n.server, *n.insecure); err != nil {
		return Options{}, "", err
	}
	dir, err := c.configDir()
	if err != nil {
		return Options{}, "", err
	}
	if err := checkName(*n.name); err != nil {
		return Options{}, "", err
	}
	return opts, dir, nil
}

func joinCommand(c *cmd) action {
	nc := newcomerFlags(c, mFlagServer)
	invite := c.fs.String("invite", "", mFlagInvite.id)
	inviteFile := c.fs.String("invite-file", "", mFlagInviteFile.id)
	teamFP := c.fs.String("team-fingerprint", "", mFlagTeamFingerprint.id)
	org := c.fs.String("org", "", mFlagJoinOrg.id)
	return action{run: func(ctx context.Context, _ *Session, _ []string) (*output, error) {
		opts, dir, err := nc.check(c, mErrJoinNeedsServer, mHintJoinUsage)
		if err != nil {
			return nil, err
		}
		if *org != "" && !validSlug(*org) {
			return nil, withHint(errorf(mErrBadSlug, oneLine(*org)), mHintSlugForm)
		}
		opts.Org = *org
		if err := checkFresh(dir); err != nil {
			return nil, err
		}
		confirm := func(fp string) error {
			if *teamFP != "" {
				if !SameFingerprint(*teamFP, fp) {
					return alarm(mAlarmTeamFingerprintDiffers, fp, strings.TrimSpace(*teamFP))
				}
				return nil
			}
			c.eprintf(mOutTeamFingerprint, fp)
			return c.confirm(c.tr(mAskTeamFingerprintReadOut),
				mHintPassTeamFingerprint)
		}
		code, err := c.secret(secretSource{value: *invite, file: *inviteFile,
			flag: "--invite", fileFlag: "--invite-file", ask: mAskInvite, missing: mErrNoInvite})
		if err != nil {
			return nil, err
		}
		p, err := c.passphrase(true)
		if err != nil {
			return nil, err
		}
		cfg, err := Join(ctx, dir, *nc.server, code, *nc.name, p, confirm, opts)
		clear(p)
		if err != nil {
			return nil, err
		}
		fp := crypto.Fingerprint(cfg.Recipient)
		return &output{
			json: map[string]any{"id": cfg.ID, "fingerprint": fp},
			text: func(c *cmd) error {
				c.printf(mOutJoined, cfg.ID, fp)
				c.printf(mOutReadOutFingerprint, cfg.ID)
				return nil
			},
		}, nil
	}}
}

func inviteCommand(c *cmd) action {
	admin := c.fs.Bool("admin", false, mFlagAdmin.id)
	return action{need: member, run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
		inv, err := s.Invite(ctx, *admin)
		if err != nil {
			return nil, err
		}
		return &output{
			json: map[string]any{"invite": inv.Invite},
			text: func(c *cmd) error {
				fmt.Fprintf(c.io.Stdout, "%s\n", inv.Invite)
				c.eprintf(mOutInviteValidOnce, inv.Expires)
				return nil
			},
		}, nil
	}}
}

func approveCommand(c *cmd) action {
	fpFlag := c.fs.String("fingerprint", "", mFlagFingerprint.id)
	return action{args: fixed("ID"), need: member, before: checkCounsellorID, run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
		id, err := counsellorID(ctx, s, rest[0], "pending")
		if err != nil {
			return nil, err
		}
		p, err := s.Pending(ctx, id)
		if err != nil {
			return nil, err
		}
		fp := crypto.Fingerprint(p.Recipient)
		confirmed := *fpFlag
		if confirmed == "" {
			c.eprintf(mOutCompareFingerprint, p.ID, oneLine(p.Name), fp)
			if err := c.confirm(c.tr(mAskFingerprintReadOut), mHintPassFingerprint); err != nil {
				return nil, err
			}
			confirmed = fp
		}
		if err := s.Approve(ctx, id, confirmed); err != nil {
			return nil, err
		}
		return &output{
			json: map[string]any{"id": p.ID, "state": "active"},
			text: func(c *cmd) error {
				c.printf(mOutApproved, p.ID, oneLine(p.Name))
				return nil
			},
		}, nil
	}}
}

// confirmFirst is the before of a command that destroys something: the
// argument checked, then --yes or the question asked on a terminal.
func confirmFirst(c *cmd, yes *bool, check func([]string) error, ask, hint msg) func([]string) error {
	return func(rest []string) error {
		if err := check(rest); err != nil {
			return err
		}
		if *yes {
			return nil
		}
		return c.confirm(fmt.Sprintf(c.tr(ask), rest[0]), hint)
	}
}

func removeCommand(c *cmd) action {
	yes := c.fs.Bool("yes", false, mFlagYes.id)
	return action{args: fixed("ID"), need: member,
		before: confirmFirst(c, yes, checkCounsellorID, mAskRemoveCounsellor, mHintPassYesRemove),
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			id, err := counsellorID(ctx, s, rest[0], "active")
			if err != nil {
				return nil, err
			}
			if err := s.Remove(ctx, id); err != nil {
				return nil, err
			}
			team, err := s.Team(ctx)
			if err != nil {
				return nil, err
			}
			return &output{
				json: map[string]any{"id": id, "epoch": team.Epoch, "team_fingerprint": team.Fingerprint},
				text: func(c *cmd) error {
					c.printf(mOutRemoved, rest[0], team.Epoch, team.Fingerprint)
					c.printf(mOutUpdateFingerprint)
					return nil
				},
			}, nil
		}}
}

func rosterCommand(c *cmd) action {
	return action{need: memberOrPending, run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
		cs, err := s.Roster(ctx)
		if err != nil {
			return nil, err
		}
		return listOutput("counsellors", cs, msg{}, mOutRosterHeader, func(_ *cmd, x client.Counsellor) []string {
			return []string{x.ID, oneLine(x.Name), x.Role, x.State, x.Fingerprint}
		}), nil
	}}
}

// fingerprintCommand needs no passphrase: both fingerprints are public.
func fingerprintCommand(c *cmd) action {
	return action{run: func(context.Context, *Session, []string) (*output, error) {
		cfg, err := c.config()
		if err != nil {
			return nil, err
		}
		fp := crypto.Fingerprint(cfg.Recipient)
		pin, pinned := cfg.LastPin()
		var team map[string]any
		if pinned {
			team = map[string]any{"epoch": pin.Epoch, "fingerprint": crypto.Fingerprint(pin.Recipient)}
		}
		return &output{
			json: map[string]any{"id": cfg.ID, "fingerprint": fp, "team": team},
			text: func(c *cmd) error {
				c.printf(mOutYourFingerprint, fp)
				if pinned {
					c.printf(mOutPinnedTeamFingerprint, crypto.Fingerprint(pin.Recipient), pin.Epoch)
				}
				return nil
			},
		}, nil
	}}
}

func casesCommand(c *cmd) action {
	status := c.fs.String("status", "", mFlagStatus.id)
	limit := c.fs.Int("limit", 0, mFlagLimit.id)
	cursor := c.fs.String("cursor", "", mFlagCursor.id)
	return action{need: member,
		before: func([]string) error {
			switch {
			case *limit < 0 || *limit > maxCasePage:
				return errorf(mErrBadLimit, *limit)
			case *cursor != "" && *limit == 0:
				return errorf(mErrCursorNeedsLimit)
			}
			switch *status {
			case "", "new", "open", "closed":
				return nil
			}
			return withHint(errorf(mErrUnknownStatus, *status), mHintStatusValues)
		},
		run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
			roster, err := s.Roster(ctx) // assignees by name
			if err != nil {
				return nil, err
			}
			names := counsellorNames(roster)
			if *limit == 0 {
				cs, err := s.Cases(ctx, *status)
				if err != nil {
					return nil, err
				}
				return &output{json: map[string]any{"cases": cs}, text: func(c *cmd) error { return c.printCases(cs, names) }}, nil
			}
			cs, next, err := s.CasesPage(ctx, *status, *limit, *cursor)
			if err != nil {
				return nil, err
			}
			return &output{json: map[string]any{"cases": cs, "next": next}, text: func(c *cmd) error {
				if err := c.printCases(cs, names); err != nil {
					return err
				}
				if next != "" {
					c.printf(mOutNextPage, next)
				}
				return nil
			}}, nil
		}}
}

func invitesCommand(c *cmd) action {
	return action{need: member, run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
		invs, err := s.Invites(ctx)
		if err != nil {
			return nil, err
		}
		return listOutput("invites", invs, mOutNoInvites, mOutInvitesHeader, func(_ *cmd, x client.OpenInvite) []string {
			return []string{oneLine(x.ID), oneLine(x.Role), oneLine(x.Expires)}
		}), nil
	}}
}

// revokeCommand asks nothing: a revoked invite is replaced by a new one.
func revokeCommand(c *cmd) action {
	return action{args: fixed("ID"), need: member, run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
		if err := s.RevokeInvite(ctx, rest[0]); err != nil {
			return nil, err
		}
		return &output{json: map[string]any{"id": rest[0], "revoked": true}, text: func(c *cmd) error {
			c.printf(mOutRevoked, oneLine(rest[0]))
			return nil
		}}, nil
	}}
}

func rejectCommand(c *cmd) action {
	yes := c.fs.Bool("yes", false, mFlagYes.id)
	return action{args: fixed("ID"), need: member,
		before: confirmFirst(c, yes, checkCounsellorID, mAskRejectCounsellor, mHintPassYesReject),
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			id, err := counsellorID(ctx, s, rest[0], "pending")
			if err != nil {
				return nil, err
			}
			if err := s.Reject(ctx, id); err != nil {
				return nil, err
			}
			return &output{json: map[string]any{"id": id, "state": "rejected"}, text: func(c *cmd) error {
				c.printf(mOutRejected, id)
				return nil
			}}, nil
		}}
}

// printCases lists cases as the desk shows them: the short reference,
// the assignee's name, the last activity in the machine's zone. The
// server's values are cleaned for the terminal.
func (c *cmd) printCases(cs []client.Case, names map[string]string) error {
	refs := caseRefs(cs)
	return printTable(c, cs, mOutNoCases, mOutCasesHeader, func(c *cmd, x client.Case) []string {
		assignee := "-"
		if x.Assignee != nil {
			assignee = *x.Assignee
			if n := names[assignee]; n != "" {
				assignee = n
			}
		}
		awaiting := ""
		if x.AwaitingReply {
			awaiting = c.tr(mOutYes)
		}
		ref := refs[x.ID]
		if ref == "" {
			ref = x.ID
		}
		status := oneLine(x.Status)
		if h := x.Handover; h != nil {
			status += " " + c.handoverLabel(h)
		}
		if f := x.Forwarded; f != nil {
			status += " " + fmt.Sprintf(c.tr(mOutCaseForwarded), f.Date)
		}
		return []string{oneLine(ref), status, awaiting, oneLine(assignee), c.localTime(x.LastActivity), strconv.Itoa(x.MessageCount)}
	})
}

// checkCaseID checks the form of a case reference: the full id or a
// prefix of at least 4 digits (the desk shows 8). Session.ResolveCase
// finds the case.
func checkCaseID(rest []string) error {
	if _, err := domain.ParseCaseRef(rest[0]); err != nil {
		return withHint(errorf(mErrBadCaseId, oneLine(rest[0])), mHintCaseIdForm)
	}
	return nil
}

func checkCounsellorID(rest []string) error { return checkCounsellorRef(rest[0]) }

// counsellorID is the id of the counsellor arg names (an id or a display
// name) among those in one of states.
func counsellorID(ctx context.Context, s *Session, arg string, states ...string) (string, error) {
	roster, err := s.Roster(ctx)
	if err != nil {
		return "", err
	}
	c, err := resolveCounsellor(roster, arg, states...)
	return c.ID, err
}

func readCommand(c *cmd) action {
	return action{args: fixed("ID"), need: member, before: checkCaseID,
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			id, err := s.ResolveCase(ctx, rest[0])
			if err != nil {
				return nil, err
			}
			t, err := s.ReadCase(ctx, id)
			if err != nil {
				return nil, err
			}
			if err := s.CheckAttachments(ctx, t); err != nil {
				t.wipe()
				return nil, err
			}
			out := map[string]any{"id": id, "lang": t.lang, "messages": t.Messages, "actions": t.actions}
			if t.Case.Handover != nil {
				out["handover"] = t.Case.Handover
			}
			if t.Case.Forwarded != nil {
				out["forwarded"] = t.Case.Forwarded
			}
			return &output{
				json: out,
				text: func(c *cmd) error { c.printThread(t); return nil },
				wipe: t.wipe,
			}, nil
		}}
}

func (c *cmd) printThread(t *Thread) {
	c.printf(pCaseHeader.of(t.Case.MessageCount), t.Case.ID, t.Case.Status, t.Case.MessageCount)
	if t.lang != "" {
		c.printf(mOutCaseLang, languageLabel(t.lang, c.io.Lang))
	}
	c.printActions(t.actions) // actions.go
	if h := t.Case.Handover; h != nil {
		read := mOutReadHandoverOffered
		if h.State == wire.HandoverDeclined {
			read = mOutReadHandoverDeclined
		}
		c.printf(read, h.Org, c.localTime(h.Since))
	}
	if f := t.Case.Forwarded; f != nil {
		c.printf(mOutForwardedHeader, f.Count, f.Date)
	}
	for _, m := range t.Messages {
		who := c.tr(mOutFromEnquirer)
		if m.From == crypto.FromCounsellor {
			who = fmt.Sprintf(c.tr(mOutFromCounsellor), oneLine(m.Name))
		}
		fmt.Fprintf(c.io.Stdout, "\n#%d  %s  %s\n", m.Seq, who, oneLine(m.Sent))
		if m.OlderEpoch {
			c.printf(mOutOlderEpoch)
		}
		if m.Forwarded {
			c.printf(mOutForwarded, t.Case.Forwarded.Date)
		}
		if o := m.Offer; o != nil {
			c.printf(mOutMessageOffer, oneLine(o.Name), o.Org, o.Epoch, o.Fingerprint)
		}
		switch {
		case m.Warning != "":
			c.printf(mOutUnreadableMessage, m.Seq, oneLine(m.Warning))
		case m.Duplicate:
			c.printf(mOutDuplicate)
		default:
			fmt.Fprintf(c.io.Stdout, "%s\n", indentBody(m.Body))
			c.printAttachments(m)
		}
	}
}

func replyCommand(c *cmd) action {
	lang := c.fs.String("lang", "", mFlagLang.id)
	var attach attachFlag
	c.fs.Var(&attach, "attach", mFlagAttach.id)
	var body string
	var files []File
	return action{args: fixed("ID"), need: member,
		// The text is read before the passphrase: a pipe is read once,
		// and an editor session should not hold an unlocked session.
		before: func(rest []string) error {
			if err := checkCaseID(rest); err != nil {
				return err
			}
			if *lang != "" && !validLang(*lang) {
				return errorf(mErrBadLanguageTag, *lang)
			}
			var err error
			if body, err = c.composed(); err != nil {
				return err
			}
			body = strings.TrimRight(body, "\n")
			if strings.TrimSpace(body) == "" {
				return withHint(errorf(mErrReplyEmpty), mHintTextOnStdin)
			}
			if len(body) > maxBody {
				return errorf(mErrReplyOverLimit, maxBody)
			}
			files, err = readFiles(attach)
			return err
		},
		run: onThread(func(ctx context.Context, s *Session, t *Thread, _ []string) (*output, error) {
			defer wipeFiles(files)
			seq, err := s.ReplyWith(ctx, t, body, *lang, files)
			if err != nil {
				return nil, err
			}
			return &output{
				json: map[string]any{"id": t.id, "seq": seq},
				text: func(c *cmd) error { c.printf(mOutSent, seq); return nil },
			}, nil
		})}
}

// patchCase changes the case that ref names and prints what it is now.
func patchCase(ctx context.Context, s *Session, ref string, p client.CasePatch) (*output, error) {
	id, err := s.ResolveCase(ctx, ref)
	if err != nil {
		return nil, err
	}
	cs, err := s.PatchCase(ctx, id, p)
	if err != nil {
		return nil, err
	}
	var names map[string]string
	if cs.Assignee != nil {
		names = rosterFor(ctx, s)
	}
	return caseOutput(cs, names), nil
}

func caseOutput(cs *client.Case, names map[string]string) *output {
	return &output{json: cs, text: func(c *cmd) error {
		assignee := c.tr(mOutNobody)
		if cs.Assignee != nil {
			assignee = *cs.Assignee
			if n := names[assignee]; n != "" {
				assignee = n
			}
		}
		c.printf(mOutCaseChanged, cs.ID, cs.Status, oneLine(assignee))
		return nil
	}}
}

// statusCommand is close ("closed") and reopen ("open").
func statusCommand(status string) func(c *cmd) action {
	return func(c *cmd) action {
		return action{args: fixed("ID"), need: member, before: checkCaseID,
			run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
				return patchCase(ctx, s, rest[0], client.CasePatch{Status: status})
			}}
	}
}

func assignCommand(c *cmd) action {
	none := c.fs.Bool("none", false, mFlagNone.id)
	return action{
		args: func() []string {
			if *none {
				return []string{"ID"}
			}
			return []string{"ID", "COUNSELLOR"}
		},
		need: member,
		before: func(rest []string) error {
			if err := checkCaseID(rest); err != nil {
				return err
			}
			if !*none {
				return checkCounsellorRef(rest[1])
			}
			return nil
		},
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			to := ""
			if !*none {
				var err error
				if to, err = counsellorID(ctx, s, rest[1], "active"); err != nil {
					return nil, err
				}
			}
			return patchCase(ctx, s, rest[0], client.CasePatch{Assignee: &to})
		}}
}

func deleteCommand(c *cmd) action {
	yes := c.fs.Bool("yes", false, mFlagYes.id)
	return action{args: fixed("ID"), need: member,
		before: confirmFirst(c, yes, checkCaseID, mAskDeleteCase, mHintPassYesDelete),
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			return onCase(ctx, s, rest[0], s.DeleteCase, "deleted", mOutCaseDeleted)
		}}
}

// onThread is the run of a command on one case's thread: the case the
// first argument names is read for run and wiped when run returns.
func onThread(run func(ctx context.Context, s *Session, t *Thread, rest []string) (*output, error)) func(context.Context, *Session, []string) (*output, error) {
	return func(ctx context.Context, s *Session, rest []string) (*output, error) {
		t, err := s.ReadCaseRef(ctx, rest[0])
		if err != nil {
			return nil, err
		}
		defer t.wipe()
		return run(ctx, s, t, rest)
	}
}

// onCase runs do on the case ref names and answers that it is done:
// {"id", field: true}, or done with the id for people.
func onCase(ctx context.Context, s *Session, ref string, do func(context.Context, string) error, field string, done msg) (*output, error) {
	id, err := s.ResolveCase(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := do(ctx, id); err != nil {
		return nil, err
	}
	return &output{
		json: map[string]any{"id": id, field: true},
		text: func(c *cmd) error { c.printf(done, id); return nil },
	}, nil
}

func backupCommand(c *cmd) action {
	return action{args: fixed("FILE"), need: member,
		before: func(rest []string) error { return checkBackupPath(rest[0]) },
		run: func(ctx context.Context, s *Session, rest []string) (*output, error) {
			n, err := s.Backup(ctx, rest[0])
			if err != nil {
				return nil, err
			}
			return &output{
				json: map[string]any{"file": rest[0], "bytes": n},
				text: func(c *cmd) error { c.printf(mOutBackupWritten, n, rest[0]); return nil },
			}, nil
		}}
}

func compactCommand(c *cmd) action {
	return action{need: member, run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
		rep, err := s.Compact(ctx)
		if err != nil {
			return nil, err
		}
		return &output{json: rep, text: func(c *cmd) error {
			c.printf(mOutCompacted,
				rep.BytesBefore, rep.BytesAfter, rep.Purged, rep.DurationMS)
			return nil
		}}, nil
	}}
}

// deskCommand serves the desk until Ctrl+C; with --passphrase-file it
// starts unlocked.
func deskCommand(c *cmd) action {
	noBrowser := c.fs.Bool("no-browser", false, mFlagNoBrowser.id)
	lockAfter := c.fs.Duration("lock-after", 15*time.Minute, mFlagLockAfter.id)
	return action{
		before: func([]string) error {
			if *lockAfter < time.Minute || *lockAfter > 15*time.Minute {
				return withHint(errorf(mErrLockAfterRange, *lockAfter), mHintLockAfterMax)
			}
			return nil
		},
		run: func(ctx context.Context, _ *Session, _ []string) (*output, error) {
			cfg, err := c.config()
			if err != nil {
				return nil, err
			}
			opts := c.opts
			opts.LockAfter = *lockAfter
			d := NewDesk(cfg, opts)
			if *c.passF != "" {
				p, err := c.passphrase(false)
				if err != nil {
					return nil, err
				}
				err = d.unlock(ctx, p)
				clear(p)
				if err != nil {
					return nil, err
				}
			}
			url, err := d.Start("127.0.0.1:0")
			if err != nil {
				return nil, err
			}
			defer d.Close()
			c.deskAddresses(ctx, d, url, *noBrowser) // cli_desk.go
			<-ctx.Done()
			fmt.Fprintln(c.io.Stderr, c.tr(mOutDeskClosed))
			return nil, nil
		}}
}

// composed is a text the counsellor writes: in the editor on a terminal,
// else from standard input (at most maxBody+1 bytes, so that a longer one
// is refused, not cut).
func (c *cmd) composed() (string, error) {
	if c.io.Terminal {
		return c.editor()
	}
	b, err := io.ReadAll(io.LimitReader(c.io.Stdin, maxBody+1))
	return string(b), err
}

// editor lets the counsellor write in $VISUAL or $EDITOR, in a private
// temporary file that is removed afterwards.
func (c *cmd) editor() (string, error) {
	ed := c.io.Getenv("VISUAL")
	if ed == "" {
		ed = c.io.Getenv("EDITOR")
	}
	if ed == "" {
		ed = defaultEditor(runtime.GOOS) // cli_desktop.go
	}
	f, err := os.CreateTemp("", "counsel-reply-*.txt")
	if err != nil {
		return "", errorf(mErrEditor, err)
	}
	name := f.Name()
	f.Close()
	defer func() {
		// Overwrite before removing: the text is confidential.
		if fi, err := os.Stat(name); err == nil {
			os.WriteFile(name, make([]byte, fi.Size()), 0o600)
		}
		os.Remove(name)
	}()
	fields := editorCommand(ed)
	if len(fields) == 0 {
		return "", withHint(errorf(mErrEditor, "$EDITOR is empty"), mHintSetEditor)
	}
	cmd := exec.Command(fields[0], append(fields[1:], name)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", withHint(errorf(mErrEditorFailed, fields[0], err), mHintSetEditor)
	}
	b, err := readBounded(name, maxBody+1)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// editorCommand splits $VISUAL or $EDITOR into the program and its
// arguments. A value that names an existing file is the program as it
// stands, spaces and all (C:\Program Files\…\notepad++.exe); otherwise
// words are split at spaces outside quotes, "…" and '…' group, and a
// backslash is literal (Windows paths) except before a double quote
// inside double quotes.
func editorCommand(v string) []string {
	v = strings.TrimSpace(v)
	if fi, err := os.Stat(v); err == nil && !fi.IsDir() {
		return []string{v}
	}
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	rs := []rune(v)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '"' && r == '\\' && i+1 < len(rs) && rs[i+1] == '"':
			i++
			w.WriteRune(rs[i])
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// openBrowser starts the system's browser; false if it could not.
func openBrowser(url string) bool {
	argv := browserCommand(runtime.GOOS, url) // cli_desktop.go
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		return false
	}
	go cmd.Wait()
	return true
}

// centresCommand lists the counselling centres that are new or changed
// since this desk confirmed the directory, and with --confirm confirms it
// as the server serves it now (centres_pin.go).
func centresCommand(c *cmd) action {
	confirm := c.fs.Bool("confirm", false, mFlagConfirmCentres.id)
	yes := c.fs.Bool("yes", false, mFlagYes.id)
	return action{need: member, run: func(ctx context.Context, s *Session, _ []string) (*output, error) {
		dir, err := serverDirectory(ctx, s)
		if err != nil {
			return nil, err
		}
		changes, err := s.centreChanges(ctx, dir)
		if err != nil {
			return nil, err
		}
		changed := []centreName{}
		for _, ce := range dir.Centres() {
			if changes.Has(ce.ID) {
				changed = append(changed, centreName{ce.ID, ce.Name})
			}
		}
		list := func(c *cmd) {
			c.printf(mOutCentresChanged)
			for _, e := range changed {
				fmt.Fprintf(c.io.Stdout, "  %s  %s\n", oneLine(e.ID), oneLine(e.Name))
			}
		}
		// An admin confirms for the team (centres_pin.go); a counsellor
		// for this desk only, while the team has no confirmed list.
		forTeam := s.IsAdmin()
		if *confirm && changes.Team && !forTeam {
			return nil, withHint(errorf(mErrCentresTeamConfirms), mHintAskAdminCentres)
		}
		confirmed := false
		if *confirm && (len(changed) > 0 || forTeam && (!changes.Team || changes.OlderEpoch)) {
			if !*yes && len(changed) > 0 {
				list(c)
				if err := c.confirm(c.tr(mAskConfirmCentres), mHintPassYesConfirm); err != nil {
					return nil, err
				}
			}
			confirmFor := s.ConfirmCentres
			if forTeam {
				confirmFor = s.ConfirmCentresForTeam
			}
			if err := confirmFor(ctx, dir); err != nil {
				return nil, err
			}
			confirmed = true
		}
		team := changes.Team || confirmed && forTeam
		older := changes.OlderEpoch && !confirmed
		return &output{
			json: map[string]any{"changed": changed, "confirmed": confirmed, "team": team, "older_epoch": older, "total": dir.Len()},
			text: func(c *cmd) error {
				if older {
					c.printf(mOutCentresOlderEpoch)
				}
				return c.printCentres(changed, confirmed, team, dir.Len())
			},
		}, nil
	}}
}

// handoverLabel is a case's offer in the case list.
func (c *cmd) handoverLabel(h *client.CaseHandover) string {
	if h.State == wire.HandoverDeclined {
		return fmt.Sprintf(c.tr(mOutHandoverDeclined), h.Org)
	}
	return fmt.Sprintf(c.tr(mOutHandoverOffered), h.Org)
}
