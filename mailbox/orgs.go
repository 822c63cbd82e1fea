package mailbox

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"lotse/domain"
)

// Organisations (PROTOCOL.md §8).
//
// Everything of version 1 stays where it was and is the front door's: its
// keyring is the top-level keyring bucket, its setup token meta/setup,
// and a counsellor, mailbox or invite without an "org" field is its. Its
// slug and name are settings (LOTSE_ORG_SLUG), not records. Every other
// organisation has a bucket under orgs holding its record, its setup
// token and its keyring, and its counsellors, mailboxes and invites carry
// its slug; the orgs bucket exists from the first of them on. So a file
// written before organisations is a file of one organisation as it
// stands, and a server with one organisation writes what version 1 wrote.
//
// Methods that take an org accept the front door's slug or "" for it.

var (
	bucketOrgs = []byte("orgs")
	keyOrg     = []byte("org")
)

const (
	// DefaultFrontDoor is the front door's slug unless LOTSE_ORG_SLUG says
	// otherwise.
	DefaultFrontDoor     = "main"
	defaultFrontDoorName = "Lotse"
	orgSetupValidity     = 72 * time.Hour
	orgSetupTokenBytes   = 32
	// MaxOrgs bounds the organisations of one server: a network of
	// counselling centres, not a hosting platform.
	MaxOrgs = 256
)

var orgField = Field{Name: "org", Type: FieldSlug, Optional: true}

var keyFormatSlug = KeyFormat{Doc: "organisation slug ([a-z0-9-]{1,32})", match: func(k []byte) bool {
	return validSlug(string(k))
}}

var orgsNode = Node{Key: fixedKey("orgs"), Kind: KindBucket, Doc: "the organisations other than the front door (PROTOCOL.md §8), one bucket each: its record, setup token and keyring", Children: []Node{
	{Key: keyFormatSlug, Kind: KindBucket, Children: []Node{
		{Key: fixedKey("org"), Kind: KindRecord, Fields: []Field{
			{Name: "name", Type: FieldName},
			{Name: "created", Type: FieldDate},
		}},
		{Key: fixedKey("setup"), Kind: KindRecord, Doc: "hash of the setup token for the organisation's first admin, until it is used or expires", Fields: []Field{
			{Name: "token_hash", Type: FieldHash},
			{Name: "expires", Type: FieldHour},
		}},
		{Key: fixedKey("keyring"), Kind: KindBucket, Children: keyringChildren},
	}},
}}

type orgRecord struct {
	Name    string `json:"name"`
	Created string `json:"created"` // date
}

// Org is an organisation as the server knows it.
type Org struct {
	Slug      string
	Name      string
	Created   time.Time // zero for the front door
	FrontDoor bool
}

func validSlug(s string) bool {
	_, err := domain.ParseSlug(s)
	return err == nil
}

// openOrgs takes the front door's slug and name from the settings and
// refuses a file in which another organisation has that slug: its
// counsellors and cases would silently become the front door's.
func (s *Store) openOrgs(db *bolt.DB, opts Options) error {
	s.front = opts.FrontDoor
	if s.front == "" {
		s.front = DefaultFrontDoor
	}
	if !validSlug(s.front) {
		return fmt.Errorf("front door slug %q: want 1 to 32 characters of [a-z0-9-]", s.front)
	}
	s.frontName = opts.FrontDoorName
	if s.frontName == "" {
		s.frontName = defaultFrontDoorName
	}
	if msg := checkNewName(s.frontName); msg != "" {
		return fmt.Errorf("front door %s", msg)
	}
	return db.View(func(tx *bolt.Tx) error {
		if orgBucket(tx, s.front) != nil {
			return fmt.Errorf("the front door's slug %q is another organisation's in the data file", s.front)
		}
		return nil
	})
}

// FrontDoor returns the front door's slug.
func (s *Store) FrontDoor() string { return s.front }

// orgKey is how records name org: "" for the front door.
func (s *Store) orgKey(org string) string {
	if org == s.front {
		return ""
	}
	return org
}

// OrgSlug returns the slug of the organisation a record names with
// org ("" is the front door).
func (s *Store) OrgSlug(org string) string {
	if org == "" {
		return s.front
	}
	return org
}

// orgBucket returns an organisation's bucket, nil if there is none (and
// for the front door).
func orgBucket(tx *bolt.Tx, slug string) *bolt.Bucket {
	orgs := tx.Bucket(bucketOrgs)
	if orgs == nil || !validSlug(slug) {
		return nil
	}
	return orgs.Bucket([]byte(slug))
}

// keyringBucket returns the keyring bucket of organisation key org (as
// orgKey gives it), nil if the organisation does not exist.
func keyringBucket(tx *bolt.Tx, org string) *bolt.Bucket {
	if org == "" {
		return tx.Bucket(bucketKeyring)
	}
	b := orgBucket(tx, org)
	if b == nil {
		return nil
	}
	return b.Bucket(bucketKeyring)
}

// Orgs returns every organisation, the front door first, then by slug.
func (s *Store) Orgs() ([]Org, error) {
	out := []Org{s.frontDoor()}
	err := s.view(func(tx *bolt.Tx) error {
		orgs := tx.Bucket(bucketOrgs)
		if orgs == nil {
			return nil
		}
		return orgs.ForEachBucket(func(k []byte) error {
			o, err := orgOf(orgs.Bucket(k), string(k))
			if err == nil {
				out = append(out, o)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) frontDoor() Org { return Org{Slug: s.front, Name: s.frontName, FrontDoor: true} }

// GetOrg returns one organisation (ErrNotFound if none).
func (s *Store) GetOrg(slug string) (Org, error) {
	if slug == s.front {
		return s.frontDoor(), nil
	}
	var o Org
	err := s.view(func(tx *bolt.Tx) error {
		b := orgBucket(tx, slug)
		if b == nil {
			return ErrNotFound
		}
		var err error
		o, err = orgOf(b, slug)
		return err
	})
	return o, err
}

func orgOf(b *bolt.Bucket, slug string) (Org, error) {
	var rec orgRecord
	found, err := getJSON(b, keyOrg, &rec)
	if err != nil {
		return Org{}, err
	}
	created, perr := parseDate(rec.Created)
	if !found || perr != nil {
		return Org{}, fmt.Errorf("mailbox: corrupt organisation record %s", slug)
	}
	return Org{Slug: slug, Name: rec.Name, Created: created}, nil
}

// CreateOrg creates an organisation without counsellors and returns the
// one-time setup token for its first admin (RegisterOrgSetup), valid 72 h
// from now; only its hash is stored. ErrOrgExists if the slug is taken.
func (s *Store) CreateOrg(slug, name string) (token string, expires time.Time, err error) {
	if !validSlug(slug) {
		return "", time.Time{}, invalidf("slug must have 1 to 32 characters of [a-z0-9-]")
	}
	if msg := checkNewName(name); msg != "" {
		return "", time.Time{}, invalidf("%s", msg)
	}
	var raw [orgSetupTokenBytes]byte
	if err := s.readRand(raw[:]); err != nil {
		return "", time.Time{}, err
	}
	token = base64.RawURLEncoding.EncodeToString(raw[:])
	clear(raw[:])
	now := s.clock()
	expires = ceilHour(now.Add(orgSetupValidity))
	setup := newSetup(token, expires)
	err = s.write(func(tx *bolt.Tx) (func() error, error) {
		if slug == s.front || orgBucket(tx, slug) != nil {
			return nil, ErrOrgExists
		}
		n := 1 // the front door
		if orgs := tx.Bucket(bucketOrgs); orgs != nil {
			if err := orgs.ForEachBucket(func([]byte) error { n++; return nil }); err != nil {
				return nil, err
			}
		}
		if n >= MaxOrgs {
			return nil, invalidf("a server holds at most %d organisations", MaxOrgs)
		}
		return func() error {
			orgs, err := tx.CreateBucketIfNotExists(bucketOrgs)
			if err != nil {
				return err
			}
			b, err := orgs.CreateBucket([]byte(slug))
			if err != nil {
				return err
			}
			if err := putJSON(b, keyOrg, orgRecord{Name: name, Created: formatDate(now)}); err != nil {
				return err
			}
			if err := putJSON(b, keySetup, setup); err != nil {
				return err
			}
			kr, err := b.CreateBucket(bucketKeyring)
			if err != nil {
				return err
			}
			_, err = kr.CreateBucket(bucketEpochs)
			return err
		}, nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// OrgDeleted is what DeleteOrg removed, for the API to end sessions and
// event streams.
type OrgDeleted struct {
	Counsellors []string
	Cases       []string
	Offers      []OfferEnded // other organisations' cases whose offer to it ended
}

// DeleteOrg deletes an organisation with its counsellors, invites, cases
// (messages, attachments, team records, the tombstones of those its
// counsellors deleted) and keyring in one transaction, and with them
// other organisations' offers and uploads to it and the completed
// handovers that name it (PROTOCOL.md §9.4);
// their pages are free afterwards and Compact drops them from the file.
// ErrFrontDoor for the front door, ErrNotFound for an unknown slug.
func (s *Store) DeleteOrg(slug string) (OrgDeleted, error) {
	var gone OrgDeleted
	if validSlug(slug) && s.orgKey(slug) == "" {
		return gone, ErrFrontDoor
	}
	err := s.write(func(tx *bolt.Tx) (func() error, error) {
		if orgBucket(tx, slug) == nil {
			return nil, ErrNotFound
		}
		gone = OrgDeleted{}
		var invites, tombstones [][]byte
		err := errors.Join(
			eachOf(tx.Bucket(bucketMailboxes), slug, func(k []byte, _ *mailboxRecord) { gone.Cases = append(gone.Cases, string(k)) }),
			eachOf(tx.Bucket(bucketCounsellors), slug, func(k []byte, _ *counsellorRecord) { gone.Counsellors = append(gone.Counsellors, string(k)) }),
			eachOf(tx.Bucket(bucketInvites), slug, func(k []byte, _ *inviteRecord) { invites = append(invites, k) }),
		)
		if err != nil {
			return nil, err
		}
		// A tombstone names the counsellor who deleted the case; only the
		// organisation's own counsellors delete its cases (purges are the
		// front door's), so theirs are the organisation's.
		members := make(map[string]bool, len(gone.Counsellors))
		for _, id := range gone.Counsellors {
			members[id] = true
		}
		err = tx.Bucket(bucketTombstones).ForEach(func(k, v []byte) error {
			var r tombstoneRecord
			if err := decodeJSON(v, &r); err != nil {
				return err
			}
			if members[r.By] {
				tombstones = append(tombstones, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		handovers, err := collectHandoversNaming(tx, slug)
		if err != nil {
			return nil, err
		}
		gone.Offers = handovers.ended
		return func() error {
			if err := handovers.delete(tx); err != nil {
				return err
			}
			for _, k := range handovers.uploads {
				s.uploads.forget(string(k))
			}
			for _, id := range gone.Cases {
				s.uploads.forget(id)
			}
			for _, k := range tombstones {
				if err := tx.Bucket(bucketTombstones).Delete(k); err != nil {
					return err
				}
			}
			for _, id := range gone.Cases {
				if err := deleteMailbox(tx, []byte(id)); err != nil {
					return err
				}
			}
			for _, id := range gone.Counsellors {
				if err := tx.Bucket(bucketCounsellors).Delete([]byte(id)); err != nil {
					return err
				}
			}
			for _, k := range invites {
				if err := tx.Bucket(bucketInvites).Delete(k); err != nil {
					return err
				}
			}
			s.epochMemo = epochMemo{}
			orgs := tx.Bucket(bucketOrgs)
			if err := orgs.DeleteBucket([]byte(slug)); err != nil {
				return err
			}
			if k, _ := orgs.Cursor().First(); k == nil {
				// Without organisations the file is as version 1 wrote it.
				return tx.DeleteBucket(bucketOrgs)
			}
			return nil
		}, nil
	})
	if err != nil {
		return OrgDeleted{}, err
	}
	return gone, nil
}

// orgOfRecord is a record that names its organisation.
type orgOfRecord interface {
	mailboxRecord | counsellorRecord | inviteRecord
}

// eachOf calls fn with the key and record of every entry of b that
// belongs to organisation key org; the keys are copies.
func eachOf[R orgOfRecord](b *bolt.Bucket, org string, fn func(k []byte, r *R)) error {
	return b.ForEach(func(k, v []byte) error {
		var r R
		if err := decodeJSON(v, &r); err != nil {
			return err
		}
		if recordOrg(&r) == org {
			fn(append([]byte(nil), k...), &r)
		}
		return nil
	})
}

func recordOrg[R orgOfRecord](r *R) string {
	switch r := any(r).(type) {
	case *mailboxRecord:
		return r.Org
	case *counsellorRecord:
		return r.Org
	case *inviteRecord:
		return r.Org
	}
	panic("unreachable")
}
