package mailbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// errIDCollision is a freshly drawn counsellor id that exists already
// (odds about 2^-82); the caller may simply try again.
var errIDCollision = errors.New("mailbox: counsellor id collision, try again")

// newCounsellorID draws counsellorIDLen characters of [a-z0-9] uniformly.
func (s *Store) newCounsellorID() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	id := make([]byte, 0, counsellorIDLen)
	var buf [32]byte
	for len(id) < counsellorIDLen {
		if err := s.readRand(buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			// 252 = 7·36: taking b mod 36 only below it keeps every
			// character equally likely.
			if b < 252 && len(id) < counsellorIDLen {
				id = append(id, alphabet[b%36])
			}
		}
	}
	return string(id), nil
}

func checkNewCounsellor(name, recipient string) error {
	if msg := checkNewName(name); msg != "" {
		return invalidf("%s", msg)
	}
	if !validRecipient(recipient) {
		return invalidf("recipient is not an age hybrid recipient (age1pq1…)")
	}
	return nil
}

// recipientTaken reports whether any counsellor, in any state, has recipient.
func recipientTaken(tx *bolt.Tx, recipient string) (bool, error) {
	taken := false
	err := tx.Bucket(bucketCounsellors).ForEach(func(k, v []byte) error {
		var c counsellorRecord
		if err := decodeJSON(v, &c); err != nil {
			return err
		}
		if c.Recipient == recipient {
			taken = true
		}
		return nil
	})
	return taken, err
}

// hasCounsellors reports whether the front door has a counsellor.
func hasCounsellors(tx *bolt.Tx) bool {
	has := false
	c := tx.Bucket(bucketCounsellors).Cursor()
	for k, v := c.First(); k != nil && !has; k, v = c.Next() {
		var r counsellorRecord
		has = decodeJSON(v, &r) != nil || r.Org == ""
	}
	return has
}

// NeedsSetup reports whether the front door has no counsellor yet.
func (s *Store) NeedsSetup() (bool, error) {
	var needs bool
	err := s.view(func(tx *bolt.Tx) error {
		needs = !hasCounsellors(tx)
		return nil
	})
	return needs, err
}

// SetSetupToken stores the hash of the bootstrap token (replacing any
// earlier one) while no counsellor exists.
func (s *Store) SetSetupToken(token string) error {
	if len(token) == 0 || len(token) > MaxSetupTokenLen {
		return invalidf("setup token must have 1 to %d bytes", MaxSetupTokenLen)
	}
	rec := newSetup(token, time.Time{})
	return s.write(func(tx *bolt.Tx) (func() error, error) {
		if hasCounsellors(tx) {
			return nil, ErrAlreadySetUp
		}
		return func() error { return putJSON(setupHome(tx, ""), keySetup, rec) }, nil
	})
}

// newSetup is the stored form of a setup token: its hash, and its expiry
// unless that is zero (the front door's).
func newSetup(token string, expires time.Time) setupRecord {
	sum := sha256.Sum256([]byte(token))
	rec := setupRecord{TokenHash: sum[:]}
	if !expires.IsZero() {
		rec.Expires = formatHour(expires)
	}
	return rec
}

// setupHome returns the bucket that holds the setup token of
// organisation key org: meta for the front door (version 1's layout),
// else the organisation's bucket, nil if there is none.
func setupHome(tx *bolt.Tx, org string) *bolt.Bucket {
	if org == "" {
		return tx.Bucket(bucketMeta)
	}
	return orgBucket(tx, org)
}

// RegisterSetup creates the first counsellor, an active admin, if token
// matches (constant time). ErrAlreadySetUp once any counsellor exists.
// The setup token's hash is deleted with it.
func (s *Store) RegisterSetup(token, name, recipient string) (Counsellor, error) {
	return s.registerSetup("", token, name, recipient)
}

// RegisterOrgSetup creates the first counsellor of organisation org, an
// active admin, if token is its setup token (constant time) and has not
// expired; the token is used up with it. For the front door it is
// RegisterSetup. An unknown organisation is ErrSetupInvalid too, so a
// guessed slug learns nothing.
func (s *Store) RegisterOrgSetup(org, token, name, recipient string) (Counsellor, error) {
	return s.registerSetup(s.orgKey(org), token, name, recipient)
}

// registerSetup is RegisterOrgSetup for organisation key org.
func (s *Store) registerSetup(org, token, name, recipient string) (Counsellor, error) {
	if err := checkNewCounsellor(name, recipient); err != nil {
		return Counsellor{}, err
	}
	id, err := s.newCounsellorID()
	if err != nil {
		return Counsellor{}, err
	}
	sum := sha256.Sum256([]byte(token))
	now := s.clock()
	c := counsellorRecord{ID: id, Name: name, Role: RoleAdmin, State: StateActive, Recipient: recipient, Org: org}
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		// Only the front door says so: another organisation's used token
		// is just invalid, so that a guessed slug learns nothing.
		if org == "" && hasCounsellors(tx) {
			return nil, ErrAlreadySetUp
		}
		b := setupHome(tx, org)
		if b == nil {
			return nil, ErrSetupInvalid
		}
		var setup setupRecord
		found, err := getJSON(b, keySetup, &setup)
		if err != nil {
			return nil, err
		}
		if !found || len(token) == 0 || len(token) > MaxSetupTokenLen ||
			subtle.ConstantTimeCompare(sum[:], setup.TokenHash) != 1 {
			return nil, ErrSetupInvalid
		}
		if org != "" {
			if exp, err := parseHour(setup.Expires); err != nil || !now.Before(exp) {
				return nil, ErrSetupInvalid
			}
		}
		if err := checkNewcomer(tx, id, recipient); err != nil {
			return nil, err
		}
		return func() error { return admit(tx, c, b, keySetup) }, nil
	})
	if err != nil {
		return Counsellor{}, err
	}
	return Counsellor(c), nil
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// inviteKey is the stored key of an invite code: lower-hex SHA-256.
func inviteKey(code string) []byte {
	sum := sha256.Sum256([]byte(code))
	return []byte(hex.EncodeToString(sum[:]))
}

// CreateInvite stores a single-use invite for role, valid 72 h, and
// returns the invite code (only its hash is stored) and its expiry, which
// is rounded up to the hour as stored.
func (s *Store) CreateInvite(role string) (code string, expires time.Time, err error) {
	return s.CreateInviteIn("", role)
}

// CreateInviteIn is CreateInvite for organisation org (ErrNotFound if
// there is none): the counsellor who uses the invite joins it.
func (s *Store) CreateInviteIn(org, role string) (code string, expires time.Time, err error) {
	org = s.orgKey(org)
	if !validRole(role) {
		return "", time.Time{}, invalidf("role must be %q or %q", RoleCounsellor, RoleAdmin)
	}
	var raw [inviteCodeBytes]byte
	if err := s.readRand(raw[:]); err != nil {
		return "", time.Time{}, err
	}
	code = base64.RawURLEncoding.EncodeToString(raw[:])
	clear(raw[:])
	expires = ceilHour(s.clock().Add(inviteValidity))
	rec := inviteRecord{Role: role, Expires: formatHour(expires), Org: org}
	key := inviteKey(code)
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		if keyringBucket(tx, org) == nil {
			return nil, ErrNotFound
		}
		return func() error {
			return putJSON(tx.Bucket(bucketInvites), key, rec)
		}, nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return code, expires, nil
}

// RegisterInvite consumes an invite and creates a pending counsellor with
// the invite's role. An unknown, used or expired invite is
// ErrInviteInvalid; a recipient that any counsellor has is
// ErrRecipientExists (and leaves the invite unused).
func (s *Store) RegisterInvite(code, name, recipient string) (Counsellor, error) {
	if err := checkNewCounsellor(name, recipient); err != nil {
		return Counsellor{}, err
	}
	if len(code) == 0 || len(code) > maxInviteCodeLen {
		return Counsellor{}, ErrInviteInvalid
	}
	id, err := s.newCounsellorID()
	if err != nil {
		return Counsellor{}, err
	}
	now := s.clock()
	key := inviteKey(code)
	var c counsellorRecord
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		var inv inviteRecord
		found, err := getJSON(tx.Bucket(bucketInvites), key, &inv)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrInviteInvalid
		}
		if exp, err := parseHour(inv.Expires); err != nil || !now.Before(exp) {
			return nil, ErrInviteInvalid
		}
		if err := checkNewcomer(tx, id, recipient); err != nil {
			return nil, err
		}
		c = counsellorRecord{ID: id, Name: name, Role: inv.Role, State: StatePending, Recipient: recipient, Org: inv.Org}
		return func() error { return admit(tx, c, tx.Bucket(bucketInvites), key) }, nil
	})
	if err != nil {
		return Counsellor{}, err
	}
	return Counsellor(c), nil
}

// checkNewcomer refuses a recipient that any counsellor has and a drawn
// id that exists.
func checkNewcomer(tx *bolt.Tx, id, recipient string) error {
	if taken, err := recipientTaken(tx, recipient); err != nil || taken {
		return orErr(err, ErrRecipientExists)
	}
	if tx.Bucket(bucketCounsellors).Get([]byte(id)) != nil {
		return errIDCollision
	}
	return nil
}

// admit stores counsellor c and uses up what admitted them: the entry
// key of b (an invite, a setup token).
func admit(tx *bolt.Tx, c counsellorRecord, b *bolt.Bucket, key []byte) error {
	if err := putJSON(tx.Bucket(bucketCounsellors), []byte(c.ID), c); err != nil {
		return err
	}
	return b.Delete(key)
}

// GetCounsellor returns one counsellor (ErrNotFound if none).
func (s *Store) GetCounsellor(id string) (Counsellor, error) {
	var c counsellorRecord
	var found bool
	err := s.view(func(tx *bolt.Tx) (err error) {
		if validCounsellorID(id) {
			found, err = getJSON(tx.Bucket(bucketCounsellors), []byte(id), &c)
		}
		return err
	})
	if err != nil {
		return Counsellor{}, err
	}
	if !found {
		return Counsellor{}, ErrNotFound
	}
	return Counsellor(c), nil
}

// Counsellors returns every counsellor of the front door, in every
// state, ordered by id.
func (s *Store) Counsellors() ([]Counsellor, error) {
	return s.CounsellorsIn("")
}

// CounsellorsIn is Counsellors for organisation org.
func (s *Store) CounsellorsIn(org string) ([]Counsellor, error) {
	org = s.orgKey(org)
	var all []Counsellor
	err := s.view(func(tx *bolt.Tx) error {
		return eachOf(tx.Bucket(bucketCounsellors), org, func(_ []byte, c *counsellorRecord) {
			all = append(all, Counsellor(*c))
		})
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// GetKeyring returns the front door's current keyring (ErrNotFound
// before the first).
func (s *Store) GetKeyring() (Keyring, error) {
	return s.KeyringIn("")
}

// KeyringIn is GetKeyring for organisation org.
func (s *Store) KeyringIn(org string) (Keyring, error) {
	org = s.orgKey(org)
	var k Keyring
	err := s.view(func(tx *bolt.Tx) error {
		kr, rec, found, err := currentKeyring(tx, org)
		if err != nil {
			return err
		}
		env := kr.Get(keyEnvelope)
		if !found || env == nil {
			return ErrNotFound
		}
		k = Keyring{Epoch: rec.Epoch, Recipient: rec.Recipient, Envelope: bytes.Clone(env), Members: rec.Members}
		return nil
	})
	if err != nil {
		return Keyring{}, err
	}
	return k, nil
}

// TeamIn returns organisation org's current epoch and team recipient
// without the keyring envelope (up to 1 MiB), for the public lists;
// ErrNotFound before its first keyring or for no organisation.
func (s *Store) TeamIn(org string) (epoch int, recipient string, err error) {
	org = s.orgKey(org)
	err = s.view(func(tx *bolt.Tx) error {
		_, rec, found, err := currentKeyring(tx, org)
		if err == nil && !found {
			err = ErrNotFound
		}
		epoch, recipient = rec.Epoch, rec.Recipient
		return err
	})
	return epoch, recipient, err
}

// currentKeyring returns the keyring bucket of organisation key org and
// its current record; found is false before the first keyring, and an
// organisation that does not exist is ErrNotFound.
func currentKeyring(tx *bolt.Tx, org string) (kr *bolt.Bucket, cur keyringRecord, found bool, err error) {
	kr = keyringBucket(tx, org)
	if kr == nil {
		return nil, cur, false, ErrNotFound
	}
	found, err = getJSON(kr, keyCurrent, &cur)
	return kr, cur, found, err
}

// checkKeyringShape refuses (*InvalidError) what is wrong with an update
// whatever the stored state.
func checkKeyringShape(u *KeyringUpdate) error {
	switch {
	case !validRecipient(u.Recipient):
		return invalidf("team recipient is not an age hybrid recipient (age1pq1…)")
	case len(u.Envelope) == 0:
		return invalidf("empty keyring envelope")
	case len(u.Envelope) > MaxKeyringBytes:
		return invalidf("keyring envelope longer than %d bytes", MaxKeyringBytes)
	case len(u.Members) == 0:
		return invalidf("keyring without members")
	case len(u.Members) > MaxKeyringMembers:
		return invalidf("keyring with more than %d members", MaxKeyringMembers)
	case u.Stanzas != len(u.Members):
		return invalidf("keyring envelope has %d stanzas for %d members", u.Stanzas, len(u.Members))
	case len(u.Replaces) != 0 && len(u.Replaces) != sha256.Size:
		return invalidf("replaces is not a SHA-256 hash")
	}
	seen := make(map[string]bool, len(u.Members))
	for _, m := range u.Members {
		if !validCounsellorID(m) {
			return invalidf("malformed member id")
		}
		if seen[m] {
			return invalidf("member %q listed twice", m)
		}
		seen[m] = true
	}
	return nil
}

// PutKeyring applies PROTOCOL.md §6 "Roster and keyring" and returns the
// stored keyring and the ids of counsellors who were removed by it.
//
// Order of checks: the update's shape (*InvalidError) first, then the
// epoch (ErrStaleEpoch), then replaces (ErrKeyringConflict), and only then
// the rules that compare members and recipient with the stored roster
// (*InvalidError). The epoch goes first as in PROTOCOL's order (epoch
// before existence checks), and both 409s before the roster rules: an
// admin working from an outdated keyring must fetch the current one, and
// judging their members against a roster they have not seen would give a
// misleading 400.
func (s *Store) PutKeyring(u KeyringUpdate) (Keyring, []string, error) {
	return s.PutKeyringIn("", u)
}

// PutKeyringIn is PutKeyring for organisation org, whose counsellors
// alone may be members (ErrNotFound if there is no such organisation).
func (s *Store) PutKeyringIn(org string, u KeyringUpdate) (Keyring, []string, error) {
	org = s.orgKey(org)
	if err := checkKeyringShape(&u); err != nil {
		return Keyring{}, nil, err
	}
	members := slices.Clone(u.Members)
	listed := make(map[string]bool, len(members))
	for _, m := range members {
		listed[m] = true
	}
	var removed []string
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		kr, cur, found, err := currentKeyring(tx, org)
		if err != nil {
			return nil, err
		}
		if !found {
			if u.Epoch != 1 {
				return nil, ErrStaleEpoch
			}
			if len(u.Replaces) != 0 {
				return nil, ErrKeyringConflict
			}
		} else {
			if u.Epoch != cur.Epoch && u.Epoch != cur.Epoch+1 {
				return nil, ErrStaleEpoch
			}
			sum := sha256.Sum256(kr.Get(keyEnvelope))
			if subtle.ConstantTimeCompare(sum[:], u.Replaces) != 1 {
				return nil, ErrKeyringConflict
			}
		}

		var roster []counsellorRecord
		err = eachOf(tx.Bucket(bucketCounsellors), org, func(_ []byte, c *counsellorRecord) {
			roster = append(roster, *c)
		})
		if err != nil {
			return nil, err
		}
		known := make(map[string]counsellorRecord, len(roster))
		for _, c := range roster {
			known[c.ID] = c
		}
		admin := false
		for _, m := range members {
			c, ok := known[m]
			switch {
			case !ok:
				return nil, invalidf("member %q is not a counsellor", m)
			case c.State == StateRemoved:
				return nil, invalidf("member %q was removed", m)
			}
			admin = admin || c.Role == RoleAdmin
		}
		if !admin {
			// Without an admin nobody could change the team again.
			return nil, invalidf("keyring without an admin")
		}
		if found && u.Epoch == cur.Epoch {
			if u.Recipient != cur.Recipient {
				return nil, invalidf("a new team recipient needs a new epoch")
			}
			for _, c := range roster {
				if c.State == StateActive && !listed[c.ID] {
					return nil, invalidf("leaving out active counsellor %q needs a new epoch", c.ID)
				}
			}
		} else {
			err := kr.Bucket(bucketEpochs).ForEach(func(k, v []byte) error {
				var e epochRecord
				if err := decodeJSON(v, &e); err != nil {
					return err
				}
				if e.Recipient == u.Recipient {
					return invalidf("team recipient was used by epoch %d", e.Epoch)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}

		var changed []counsellorRecord
		removed = removed[:0]
		for _, c := range roster {
			switch {
			case c.State == StatePending && listed[c.ID]:
				c.State = StateActive
			case c.State == StateActive && !listed[c.ID]:
				c.State = StateRemoved
				removed = append(removed, c.ID)
			default:
				continue
			}
			changed = append(changed, c)
		}
		return func() error {
			s.epochMemo = epochMemo{}
			if err := kr.Put(keyEnvelope, u.Envelope); err != nil {
				return err
			}
			rec := keyringRecord{Epoch: u.Epoch, Recipient: u.Recipient, Members: members}
			if err := putJSON(kr, keyCurrent, rec); err != nil {
				return err
			}
			e := epochRecord{Epoch: u.Epoch, Recipient: u.Recipient}
			if err := putJSON(kr.Bucket(bucketEpochs), seqKey(uint64(u.Epoch)), e); err != nil {
				return err
			}
			cs := tx.Bucket(bucketCounsellors)
			for _, c := range changed {
				if err := putJSON(cs, []byte(c.ID), c); err != nil {
					return err
				}
			}
			return nil
		}, nil
	})
	if err != nil {
		return Keyring{}, nil, err
	}
	k := Keyring{Epoch: u.Epoch, Recipient: u.Recipient, Envelope: bytes.Clone(u.Envelope), Members: members}
	return k, slices.Clone(removed), nil
}
