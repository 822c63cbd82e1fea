package mailboxdtest

import (
	"context"
	"fmt"

	"filippo.io/age"

	"lotse/api/client"
	"lotse/crypto"
)

// Team is a team bootstrapped as counsel init does it: the first admin
// registered with the setup token, logged in, and the epoch-1 keyring put.
type Team struct {
	Client    *client.Client // without credentials
	Admin     *client.Client // with the admin's session
	AdminID   string
	AdminName string
	AdminKey  *age.HybridIdentity
	Session   string              // the admin's session token
	Key       *age.HybridIdentity // the epoch-1 team key
}

// SetUpTeam bootstraps a team through c with the setup token.
func SetUpTeam(ctx context.Context, c *client.Client, setupToken, adminName string) (*Team, error) {
	return SetUpOrgTeam(ctx, c, "", setupToken, adminName)
}

// SetUpOrgTeam is SetUpTeam for organisation org (PROTOCOL.md §8) with
// the setup token POST /api/v1/orgs gave; "" is the front door.
func SetUpOrgTeam(ctx context.Context, c *client.Client, org, setupToken, adminName string) (*Team, error) {
	tm := &Team{Client: c, AdminName: adminName}
	var err error
	if tm.AdminKey, err = age.GenerateHybridIdentity(); err != nil {
		return nil, err
	}
	if tm.Key, err = age.GenerateHybridIdentity(); err != nil {
		return nil, err
	}
	reg, err := c.Register(ctx, client.Registration{Setup: setupToken, Name: adminName, Recipient: tm.AdminKey.Recipient().String(), Org: org})
	if err != nil {
		return nil, fmt.Errorf("register the admin: %v", err)
	}
	if reg.State != "active" {
		return nil, fmt.Errorf("register the admin: state %q, want active", reg.State)
	}
	tm.AdminID = reg.ID
	sess, err := c.Login(ctx, reg.ID, tm.AdminKey)
	if err != nil {
		return nil, fmt.Errorf("log in: %v", err)
	}
	tm.Session = sess.Token
	tm.Admin = c.WithToken(sess.Token)
	env, err := crypto.SealKeyring(&crypto.Keyring{V: 1,
		Members: []crypto.Member{tm.Member()},
		Epochs:  []crypto.EpochKey{{Epoch: 1, Identity: tm.Key.String()}},
	})
	if err != nil {
		return nil, err
	}
	_, err = tm.Admin.PutKeyring(ctx, client.KeyringUpdate{
		Epoch: 1, Recipient: tm.Key.Recipient().String(), Envelope: env, Members: []string{reg.ID},
	})
	if err != nil {
		return nil, fmt.Errorf("put the keyring: %v", err)
	}
	return tm, nil
}

// Member is the admin as the keyring lists them.
func (tm *Team) Member() crypto.Member {
	return crypto.Member{ID: tm.AdminID, Name: tm.AdminName, Recipient: tm.AdminKey.Recipient().String()}
}
