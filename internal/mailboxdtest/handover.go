package mailboxdtest

import (
	"context"
	"fmt"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

// Resealed is a mailbox's conversation re-sealed by the enquirer's device
// for a consented handover (PROTOCOL.md §9.3).
type Resealed struct {
	Messages    [][]byte          // the ciphertext of seq i+1
	Attachments map[string][]byte // by attachment id
}

// Reseal fetches the mailbox with c (holding the enquirer's bearer) and
// re-seals every message and the attachments named, decrypted with the
// enquirer's identity, to team (the receiving organisation's recipient,
// which a client takes from the offering document) and the enquirer's
// own recipient. The server lists no attachments: a client knows them
// from its documents, a test names them.
func Reseal(ctx context.Context, c *client.Client, enquirer *age.HybridIdentity, team *age.HybridRecipient, attachments ...string) (*Resealed, error) {
	m, err := c.Mailbox(ctx, 0)
	if err != nil {
		return nil, err
	}
	r := &Resealed{Attachments: map[string][]byte{}}
	for i, msg := range m.Messages {
		if msg.Seq != uint64(i+1) {
			return nil, fmt.Errorf("mailboxdtest: reseal: seq %d at %d", msg.Seq, i+1)
		}
		ct, err := crypto.Reseal(msg.Ciphertext, enquirer, team, enquirer.Recipient())
		if err != nil {
			return nil, fmt.Errorf("mailboxdtest: reseal message %d: %v", msg.Seq, err)
		}
		r.Messages = append(r.Messages, ct)
	}
	for _, id := range attachments {
		orig, err := c.MailboxAttachment(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Attachments[id], err = crypto.Reseal(orig, enquirer, team, enquirer.Recipient()); err != nil {
			return nil, fmt.Errorf("mailboxdtest: reseal attachment: %v", err)
		}
	}
	return r, nil
}

// Upload sends every message and attachment of r to upload.
func (r *Resealed) Upload(ctx context.Context, c *client.Client, upload string) error {
	for i, ct := range r.Messages {
		if err := c.PutHandoverMessage(ctx, upload, uint64(i+1), ct); err != nil {
			return err
		}
	}
	for id, ct := range r.Attachments {
		if err := c.PutHandoverAttachment(ctx, upload, id, ct); err != nil {
			return err
		}
	}
	return nil
}

// Handover is the enquirer's whole consent to an offer to organisation
// org at its epoch with team recipient team: re-seal, start the upload,
// send everything, commit. It returns the slug the server names.
func Handover(ctx context.Context, c *client.Client, enquirer *age.HybridIdentity, org string, epoch int, team *age.HybridRecipient, attachments ...string) (string, error) {
	r, err := Reseal(ctx, c, enquirer, team, attachments...)
	if err != nil {
		return "", err
	}
	upload, err := c.StartHandover(ctx, client.HandoverStart{Org: org, Epoch: epoch, Count: uint64(len(r.Messages))})
	if err != nil {
		return "", err
	}
	if err := r.Upload(ctx, c, upload); err != nil {
		return "", err
	}
	return c.CommitHandover(ctx, upload)
}
